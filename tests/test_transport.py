"""Transport failures against a real loopback server: refused, dropped after sending, too slow."""

from __future__ import annotations

import socket
import threading
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
from missive_channels._http_server import HttpServer, Request, Response

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.anyio

MESSAGE = TextMessage(account="acc", from_field=Participant(id="x"), body="hi")


class Behaviour:
    """What the loopback server does with each request it read; it counts them too."""

    def __init__(self) -> None:
        """Answer 201 until a test says otherwise."""
        self.kind = "created"
        self.requests = 0
        self.release = threading.Event()

    def __call__(self, request: Request) -> Response | None:
        """Answer, hang until released, or drop the connection (``None``)."""
        assert request.refusal is None
        self.requests += 1
        if self.kind == "drop":
            return None
        if self.kind == "hang":
            self.release.wait(timeout=30)
        return Response(status=201)


@pytest.fixture
def server() -> Iterator[tuple[HttpServer, Behaviour]]:
    """The package's own HTTP server on a free loopback port, stopped after the test."""
    behaviour = Behaviour()
    httpd = HttpServer(behaviour, max_body=1 << 20).start()
    yield httpd, behaviour
    behaviour.release.set()
    httpd.stop()


def url(server: tuple[HttpServer, Behaviour]) -> str:
    """The server's base URL."""
    host, port = server[0].address
    return f"http://{host}:{port}/v1"


async def test_a_real_round_trip(make_client: Any, server: tuple[HttpServer, Behaviour]) -> None:
    """Against a real server the client sends once and reads the (empty) 201."""
    client = make_client(base_url=url(server))
    assert await resolve(client.messages.create(MESSAGE)) == CreatedMessage()
    assert server[1].requests == 1


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
    make_client: Any, server: tuple[HttpServer, Behaviour]
) -> None:
    """The server read the message then vanished: raise possibly_delivered, never resend."""
    server[1].kind = "drop"
    client = make_client(base_url=url(server))
    with pytest.raises(APIConnectionError) as caught:
        await resolve(client.messages.create(MESSAGE))
    assert caught.value.possibly_delivered is True
    assert server[1].requests == 1
    assert client.sleeps == []


async def test_a_slow_answer_times_out_as_possibly_delivered(
    make_client: Any, server: tuple[HttpServer, Behaviour]
) -> None:
    """No answer within the timeout is an APITimeoutError, possibly delivered, not resent."""
    server[1].kind = "hang"
    client = make_client(base_url=url(server), timeout=0.2)
    with pytest.raises(APITimeoutError) as caught:
        await resolve(client.messages.create(MESSAGE))
    assert caught.value.possibly_delivered is True
    assert server[1].requests == 1
