"""Transport failures against a real loopback server: refused, dropped after sending, too slow."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from conftest import resolve
from missive_channels import (
    APIConnectionError,
    APITimeoutError,
    CreatedMessage,
    Participant,
    TextMessage,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.anyio

MESSAGE = TextMessage(account="acc", from_field=Participant(id="x"), body="hi")


class Server(ThreadingHTTPServer):
    """A loopback server whose behaviour the test sets; it counts the requests it read."""

    daemon_threads = True
    behaviour = "created"
    requests = 0
    release = threading.Event()


class Handler(BaseHTTPRequestHandler):
    """Reads the whole request, then answers as the server's `behaviour` says."""

    server: Server

    def do_POST(self) -> None:
        """Consume the body, then answer, hang, or drop the connection."""
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests += 1
        if self.server.behaviour == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.server.behaviour == "hang":
            self.server.release.wait(timeout=30)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def server() -> Iterator[Server]:
    """A server on a free loopback port, shut down after the test."""
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def url(server: Server) -> str:
    """The server's base URL."""
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/v1"


async def test_a_real_round_trip(make_client: Any, server: Server) -> None:
    """Against a real server the client sends once and reads the (empty) 201."""
    client = make_client(base_url=url(server))
    assert await resolve(client.messages.create(MESSAGE)) == CreatedMessage()
    assert server.requests == 1


async def test_connection_refused_is_not_delivered(make_client: Any) -> None:
    """A refused connection is an APIConnectionError that certainly did not deliver (retried)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}/v1", max_retries=2)
    with pytest.raises(APIConnectionError) as caught:
        await resolve(client.messages.create(MESSAGE))
    assert type(caught.value) is APIConnectionError
    assert caught.value.possibly_delivered is False
    assert client.sleeps == [0.5, 1.0]


async def test_a_connection_dropped_after_sending_is_possibly_delivered(
    make_client: Any, server: Server
) -> None:
    """The server read the message then vanished: raise possibly_delivered, never resend."""
    server.behaviour = "drop"
    client = make_client(base_url=url(server))
    with pytest.raises(APIConnectionError) as caught:
        await resolve(client.messages.create(MESSAGE))
    assert caught.value.possibly_delivered is True
    assert server.requests == 1
    assert client.sleeps == []


async def test_a_slow_answer_times_out_as_possibly_delivered(
    make_client: Any, server: Server
) -> None:
    """No answer within the timeout is an APITimeoutError, possibly delivered, not resent."""
    server.behaviour = "hang"
    client = make_client(base_url=url(server), timeout=0.2)
    with pytest.raises(APITimeoutError) as caught:
        await resolve(client.messages.create(MESSAGE))
    assert caught.value.possibly_delivered is True
    assert server.requests == 1
