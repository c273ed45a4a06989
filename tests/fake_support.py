"""Helpers shared by the FakeMissive tests: an API client and a tiny webhook receiver."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import attrs
import httpx

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
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                receiver._release.wait(receiver.delay)
                # A sender that timed out has gone: its answer has nowhere to go.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", str(len(receiver.answer)))
                    self.end_headers()
                    self.wfile.write(receiver.answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        """The webhook URL to configure in a channel."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> Self:
        """Start listening."""
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Release held requests, stop listening and join the thread."""
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
