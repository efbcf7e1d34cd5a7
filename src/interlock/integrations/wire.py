"""The hook's lean transport: one HTTP/1.1 exchange over a plain socket.

The hook is started per tool call and its whole-process time is the product's cost
(issue 7: at most twice a bare interpreter with the gateway warm). ``urllib.request``
pulls in ``http.client`` and the ``email`` parser, which cost more than everything
else the hook imports together, so for a gateway on ``http://`` (loopback, or a
local sidecar) the hook speaks the little HTTP it needs here: one request with
``Connection: close``, a ``Content-Length`` or chunked answer, JSON in and out. Any
other URL goes through ``client.py`` (``urllib.request``), whose ``error_from``
also turns this transport's error answers into interlock errors. Anything
unexpected raises, and the hook denies.
"""

from __future__ import annotations

import _socket  # the C module: ``socket.py`` would import ``selectors`` and ``array`` too

from interlock.integrations import jsonlite

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Largest answer read (as ``client.MAX_RESPONSE_BYTES``).
MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class WireClient:
    """``submit``, ``get`` and ``use_grant`` of the gateway API over one socket each."""

    __slots__ = ("host", "port", "prefix", "timeout", "token", "url")

    def __init__(self, url: str, token: str | None, *, timeout: float = 8.0) -> None:
        rest = url[len("http://") :]
        hostport, _, prefix = rest.partition("/")
        host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "80")
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout
        self.host, self.port = host.strip("[]"), int(port)
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""

    def submit(self, kind: str, **fields: Any) -> dict[str, Any]:
        """``POST /api/v1/requests`` (plan bytes as ``plan_b64``)."""
        body: dict[str, Any] = {"kind": kind}
        for key, value in fields.items():
            if key == "plan" and isinstance(value, bytes):
                import base64

                body["plan_b64"] = base64.b64encode(value).decode("ascii")
            elif value is not None:
                body[key] = value
        return self.call("POST", "/api/v1/requests", body)

    def get(self, request_id: str) -> dict[str, Any]:
        """``GET /api/v1/requests/{id}``."""
        return self.call("GET", f"/api/v1/requests/{_safe(request_id)}")

    def use_grant(self, request_id: str, digest: str) -> dict[str, Any]:
        """``POST /api/v1/requests/{id}/grant``."""
        return self.call("POST", f"/api/v1/requests/{_safe(request_id)}/grant", {"digest": digest})

    def call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """One exchange; a non-2xx answer raises the error it names (``client.error_from``)."""
        data = b"" if body is None else jsonlite.dumps(body).encode("utf-8")
        status, answer = self._exchange(method, self.prefix + path, data)
        if 200 <= status < 300:
            value = jsonlite.loads(answer)
            if not isinstance(value, dict):
                raise ValueError("the gateway answered JSON that is not an object")
            return value
        from interlock.integrations.client import error_from

        raise error_from(status, answer)

    def _exchange(self, method: str, target: str, data: bytes) -> tuple[int, bytes]:
        head = [
            f"{method} {target} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept: application/json",
            "Connection: close",
        ]
        if self.token:
            head.append(f"Authorization: Bearer {self.token}")
        if data or method == "POST":
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data
        try:
            sock = _connect(self.host, self.port, self.timeout)
            try:
                sock.sendall(request)
                raw = _read_all(sock)
            finally:
                sock.close()
        except OSError as exc:
            from interlock.integrations.client import GatewayError

            raise GatewayError(f"interlock gateway {self.url} unreachable: {exc}") from None
        return _parse(raw)


def _connect(host: str, port: int, timeout: float) -> _socket.socket:
    """A connected TCP socket to the first address of ``host`` that answers."""
    error: OSError = OSError(f"no address for {host}")
    # an ASCII name as bytes: a str would be encoded with the "idna" codec, whose import
    # (``re``, ``unicodedata``, ``stringprep``) costs more than the whole exchange
    name: str | bytes = host.encode("ascii") if host.isascii() else host
    for family, kind, proto, _, address in _socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error


def _read_all(sock: _socket.socket) -> bytes:
    """The whole answer: up to its ``Content-Length`` when it names one (so the hook
    need not wait for the server to close), else up to the end of the stream."""
    data = b""
    expected = -1
    while len(data) != expected:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
        if len(data) > MAX_RESPONSE_BYTES:
            raise ValueError("the gateway's answer is too large")
        if expected < 0:
            expected = _expected_length(data)
    return data


def _expected_length(data: bytes) -> int:
    """Header bytes plus ``Content-Length`` once the head is in; -1 until then (or when
    the answer names no length, e.g. a chunked one, which is read to its end)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return -1
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return end + 4 + int(value.strip())
    return -1


def _parse(raw: bytes) -> tuple[int, bytes]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("the gateway's answer has no header end")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ValueError(f"not an HTTP answer: {lines[0][:80]!r}")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if len(body) < length:
            raise ValueError("the gateway's answer was cut short")
        body = body[:length]
    return int(parts[1]), body


def _dechunk(body: bytes) -> bytes:
    out: list[bytes] = []
    at = 0
    while True:
        end = body.index(b"\r\n", at)
        size = int(body[at:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(body[end + 2 : end + 2 + size])
        at = end + 2 + size + 2


def _safe(request_id: str) -> str:
    if not request_id or not all(c.isalnum() or c in "-_." for c in request_id):
        raise ValueError(f"not a request id: {request_id!r}")
    return request_id
