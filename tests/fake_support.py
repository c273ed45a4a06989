"""Helpers shared by the FakeMissive tests: an API client and a tiny webhook receiver.

The receiver runs on the package's own HTTP server.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from missive_channels._constants import MAX_REQUEST_BYTES
from missive_channels._http_server import HttpServer, Request, Response

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from typing_extensions import Self

    from missive_channels.testing import FakeMissive


#: One TLS context for every test client: building one per client costs tens of ms.
TLS = httpx.create_ssl_context()


def api(fake: FakeMissive, **options: Any) -> httpx.Client:
    """Return an httpx client pointed at the fake with its token."""
    return httpx.Client(
        base_url=fake.base_url,
        headers={"Authorization": f"Bearer {fake.token}"},
        trust_env=False,
        verify=TLS,
        **options,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until ``condition()`` holds; fail after a generous ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


@attrs.frozen
class Received:
    """One request a `Receiver` got."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A local webhook endpoint that records requests and answers a set status."""

    def __init__(self, status: int = 200, answer: bytes = b"ok", delay: float = 0.0) -> None:
        """Prepare the endpoint; it listens once entered."""
        self.status = status
        self.answer = answer
        self.delay = delay
        self.received: list[Received] = []
        self._release = threading.Event()
        self._server = HttpServer(self._answer, max_body=MAX_REQUEST_BYTES, name="test-receiver")

    def _answer(self, request: Request) -> Response:
        self.received.append(Received(request.target, dict(request.headers), request.body))
        self._release.wait(self.delay)
        return Response(status=self.status, body=self.answer)

    @property
    def url(self) -> str:
        """The webhook URL to configure in a channel."""
        return f"http://127.0.0.1:{self._server.address[1]}/hook"

    def __enter__(self) -> Self:
        """Start listening."""
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Release held requests, stop listening and join the threads."""
        self._release.set()
        self._server.stop()
