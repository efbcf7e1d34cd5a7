"""The hook's socket transport against the real gateway, and its HTTP parsing."""

from __future__ import annotations

import pytest

from interlock.errors import AuthenticationError, NotFoundError
from interlock.integrations.client import GatewayClient, GatewayError
from interlock.integrations.wire import WireClient, _dechunk, _parse
from tests.integrations.conftest import Gateway, free_port


def test_wire_and_urllib_clients_agree(gateway: Gateway) -> None:
    wire = WireClient(gateway.url, gateway.tokens["claude"])
    lib = GatewayClient(gateway.url, gateway.tokens["claude"])
    made = wire.submit("shell", command="ls -l", cwd="/tmp")
    assert made["decision"] == "allow"
    assert wire.get(made["id"]) == lib.get(made["id"])


@pytest.mark.parametrize(
    ("token", "request_id", "error"),
    [("itk_unknown", "req-0000000000", AuthenticationError), (None, "req-00", AuthenticationError)],
)
def test_error_answers_raise_the_named_error(
    gateway: Gateway, token: str | None, request_id: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        WireClient(gateway.url, token).get(request_id)


def test_unknown_request_is_not_found(gateway: Gateway) -> None:
    with pytest.raises(NotFoundError):
        WireClient(gateway.url, gateway.tokens["claude"]).get("req-ffffffffff")


def test_nobody_listening_is_a_gateway_error() -> None:
    with pytest.raises(GatewayError, match="unreachable"):
        WireClient(f"http://127.0.0.1:{free_port()}", "t", timeout=2).get("req-1")


def test_a_request_id_cannot_smuggle_a_path() -> None:
    with pytest.raises(ValueError, match="not a request id"):
        WireClient("http://127.0.0.1:9", "t").get("../../admin")


def test_parse_content_length_and_chunked() -> None:
    plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"
    assert _parse(plain) == (200, b"{}")
    head = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunked = head + b'3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n'
    assert _parse(chunked) == (201, b'{"a":1}')
    assert _dechunk(b"0\r\n\r\n") == b""
    with pytest.raises(ValueError, match="cut short"):
        _parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}")
    with pytest.raises(ValueError, match="not an HTTP answer"):
        _parse(b"SSH-2.0-OpenSSH\r\n\r\n")
