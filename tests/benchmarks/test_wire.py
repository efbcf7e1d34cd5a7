"""The load benchmark's raw HTTP/1.1 client against a real keep-alive server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from benchmarks.wire import Connection


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, Content-Length answers

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps(
            {"path": self.path, "got": body.decode(), "auth": self.headers["Authorization"]}
        ).encode()
        self.send_response(201 if self.path == "/made" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        if self.path == "/bye":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer)
        if self.path == "/bye":
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_calls_share_one_connection_and_read_each_answer(server: ThreadingHTTPServer) -> None:
    conn = Connection("127.0.0.1", server.server_address[1])
    headers = b"Authorization: Bearer t1\r\nContent-Type: application/json\r\n"
    for n in range(3):
        status, body = conn.post(f"/x{n}", headers, b'{"n": %d}' % n)
        assert status == 200
        assert json.loads(body) == {"path": f"/x{n}", "got": f'{{"n": {n}}}', "auth": "Bearer t1"}
    status, _ = conn.post("/made", headers, b"{}")
    assert status == 201
    conn.close()


def test_a_connection_the_server_closed_is_opened_again(server: ThreadingHTTPServer) -> None:
    conn = Connection("127.0.0.1", server.server_address[1])
    assert conn.post("/bye", b"", b"{}")[0] == 200  # answered with Connection: close
    assert conn.post("/again", b"", b"{}")[0] == 200
    conn.close()


def test_no_server_is_a_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once it closes
    with pytest.raises(ConnectionRefusedError):
        Connection("127.0.0.1", port, timeout=2).post("/x", b"", b"{}")
