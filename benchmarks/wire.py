"""A raw keep-alive HTTP/1.1 client for the load benchmark's callers.

The benchmark's clients share two cores with the servers and PostgreSQL they measure,
so every millisecond a client spends is one the servers do not get. ``http.client``
costs about 0.4 ms of CPU per call: it builds each request from a header dict and
parses every answer's headers with ``email.parser``. A call here is one ``sendall``
of prepared bytes and a read of the status line, ``Content-Length`` and body: what
the gateway's JSON answers need, nothing more (a chunked answer is refused, not
misread).
"""

from __future__ import annotations

import select
import socket


def _dropped(sock: socket.socket) -> bool:
    """Whether the server has closed an idle connection: it reads as ready, at its end
    (uvicorn closes keep-alive connections idle for five seconds). Checked before a
    request is sent, so a request is never sent into a closed connection and retried."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class Connection:
    """One connection to one server; reconnects on the next call after a failure."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._host_line = f"Host: {host}:{port}\r\n".encode()

    def post(self, path: str, headers: bytes, body: bytes) -> tuple[int, bytes]:
        """``POST path`` with ``headers`` (``Name: value\\r\\n`` lines) and ``body``;
        the answer's status and body. Transport errors raise ``OSError``."""
        if self._sock is not None and _dropped(self._sock):
            self.close()  # the server closed it while idle (keep-alive timeout): not sent
        sock = self._sock or self._connect()
        head = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n%s\r\n" % (
            path.encode(),
            self._host_line,
            len(body),
            headers,
        )
        try:
            sock.sendall(head + body)
            return self._answer(sock)
        except (OSError, ValueError):
            self.close()
            raise

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock, self._buffer = None, b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        return sock

    def _answer(self, sock: socket.socket) -> tuple[int, bytes]:
        data = self._buffer
        while b"\r\n\r\n" not in data:
            data += self._read(sock)
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                raise ValueError(f"unexpected transfer-encoding {value.strip()!r}")
        while len(rest) < length:
            rest += self._read(sock)
        body, self._buffer = rest[:length], rest[length:]
        if close:
            self.close()
        return status, body

    @staticmethod
    def _read(sock: socket.socket) -> bytes:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        return chunk
