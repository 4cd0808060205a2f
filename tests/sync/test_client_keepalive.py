"""A kept-alive connection the server closes as the next request goes out.

The server (here a few lines over a socket, so the race happens every time) answers
one request on a connection and keeps it open, then closes it when the next request
arrives on it, without a word: what a server does whose keep-alive ran out as the
client sent. A read is sent once more on a new connection; a write is not (a push is
safe to repeat, but the round decides that, not the transport)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from sync.client import Client
from sync.round import Unreachable

BODY = json.dumps({"ok": True}).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


class DroppingServer:
    """Each connection: one request answered, the next one met by a close."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            if _request(conn):
                conn.sendall(ANSWER)
                _request(conn)  # the next one on this connection: closed unanswered

    def close(self) -> None:
        self.sock.close()


def _request(conn: socket.socket) -> bool:
    data = b""
    while b"\r\n\r\n" not in data:
        got = conn.recv(65536)
        if not got:
            return False
        data += got
    return True


@pytest.fixture
def server() -> Iterator[DroppingServer]:
    running = DroppingServer()
    yield running
    running.close()


def test_a_read_on_a_connection_closed_under_it_is_sent_again(server: DroppingServer) -> None:
    with Client(f"http://127.0.0.1:{server.port}", "token") as client:
        assert client._call("GET", "/v1/anything") == {"ok": True}
        assert client._call("GET", "/v1/anything") == {"ok": True}  # 2nd on the old one
    assert server.connections == 2


def test_a_write_is_not_sent_again_by_the_transport(server: DroppingServer) -> None:
    with Client(f"http://127.0.0.1:{server.port}", "token") as client:
        assert client._call("POST", "/v1/anything", json={}) == {"ok": True}
        with pytest.raises(Unreachable):
            client._call("POST", "/v1/anything", json={})
    assert server.connections == 1
