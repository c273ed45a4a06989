"""In-process serving: httpx transports that hand each request to the fake, with no socket."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import httpx

from missive_channels._http_server import Refusal, Request

if TYPE_CHECKING:
    from missive_channels._http_server import Response

    from ._gateway import Gateway

__all__ = ["AsyncFakeTransport", "FakeTransport"]

_DROPPED = "Server disconnected without sending a response."


def _request(request: httpx.Request, body: bytes, max_body: int) -> Request:
    """Return the request as the fake's server would have read it from the wire."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    target = request.url.raw_path.decode("ascii")
    if "transfer-encoding" in headers:
        refusal = Refusal(411, "no valid Content-Length (chunked bodies are not accepted)")
        return Request(method=request.method, target=target, headers=headers, refusal=refusal)
    if len(body) > max_body:
        reason = f"the body is {len(body):,} bytes, over the cap of {max_body:,} bytes"
        refusal = Refusal(413, reason)
        return Request(method=request.method, target=target, headers=headers, refusal=refusal)
    return Request(method=request.method, target=target, headers=headers, body=body)


def _response(request: httpx.Request, response: Response | None) -> httpx.Response:
    """Return the answer as httpx would have read it, or raise what a dropped socket raises."""
    if response is None:
        raise httpx.RemoteProtocolError(_DROPPED, request=request)
    content = b"" if request.method == "HEAD" else response.body
    return httpx.Response(
        response.status,
        headers=[*response.headers, ("Content-Length", str(len(response.body)))],
        content=content,
        request=request,
    )


class FakeTransport(httpx.BaseTransport):
    """Serves a `FakeMissive` to a sync httpx client in-process (`FakeMissive.transport`).

    Requests go through the same validation, rate limits, recording and faults
    as over the fake's socket: a server error or a 429 is a response, a dropped
    connection raises `httpx.RemoteProtocolError`, and a delay fault holds the
    calling thread. Any ``base_url`` works: only the path and query are read.
    """

    def __init__(self, gateway: Gateway, *, max_body: int) -> None:
        """Serve ``gateway``; bodies over ``max_body`` bytes are refused as the server does."""
        self._gateway = gateway
        self._max_body = max_body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request through the fake.

        Args:
            request: The request a client sends.

        Returns:
            The fake's answer.

        Raises:
            httpx.RemoteProtocolError: If a fault drops the connection.
        """
        answer = self._gateway(_request(request, request.read(), self._max_body))
        return _response(request, answer)


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    """Serves a `FakeMissive` to an async httpx client in-process; see `FakeTransport`.

    A delay fault sleeps on the event loop (asyncio or trio) without blocking it,
    so concurrent requests stay concurrent and count as in flight together.
    """

    def __init__(self, gateway: Gateway, *, max_body: int) -> None:
        """Serve ``gateway``; bodies over ``max_body`` bytes are refused as the server does."""
        self._gateway = gateway
        self._max_body = max_body

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Like `FakeTransport.handle_request`: answer one request through the fake.

        It takes the same request, returns the same answer and raises the same error.
        """
        body = await request.aread()
        with self._gateway.serving(_request(request, body, self._max_body)) as (answer, delay):
            if delay:
                await anyio.sleep(delay)
        return _response(request, answer)
