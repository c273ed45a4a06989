"""`AsyncMissiveClient`: the asyncio shell around the client core; it only sends and sleeps."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TYPE_CHECKING, TypeVar

import httpx

from ._core import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ClientCore, Outcome, Send, Sleep, http_client
from ._operations import create_message, create_post
from ._ratelimit import DEFAULT_RATE_LIMIT, Limiter, RateLimit

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

    from ._core import AsyncRunner
    from ._models import Message, Post
    from ._operations import CreatedMessage, CreatedPost, Operation

__all__ = ["AsyncMissiveClient"]

T = TypeVar("T")


class AsyncMissiveClient:
    """An asyncio client for Missive's API, safe to share between tasks of one event loop.

    Use it as an async context manager, or await `aclose` when done::

        async with AsyncMissiveClient() as client:
            await client.messages.create(message)

    Attributes:
        messages: ``POST /messages`` and message reads.
        conversations: Conversation reads and message listings.
        posts: ``POST /posts``.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 3,
        rate_limit: RateLimit | Limiter | None = DEFAULT_RATE_LIMIT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        """Create the client.

        Args:
            token: The API token; defaults to the ``MISSIVE_API_TOKEN`` environment variable.
            base_url: The API root.
            timeout: Seconds (or an ``httpx.Timeout``) per request; by default 60 s
                (10 s to connect), or ``http_client``'s own timeout when one is given.
            max_retries: Retries after a failed first attempt; ``0`` disables them.
            rate_limit: The limits to keep to (Missive's by default); a `Limiter`
                to share one budget between clients; ``None`` to send unthrottled.
            http_client: An ``httpx.AsyncClient`` to send with (proxies, certificates,
                transports); it is left open on `aclose`, as its owner closes it.

        Raises:
            ValidationError: If an argument is invalid or no token is found.
        """
        checked = _http_client(http_client)
        self._core = ClientCore(
            token=token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            own_client=checked is None,
        )
        self._owns_http = checked is None
        self._http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) if checked is None else checked
        self._closed = False
        slots = self._core.max_concurrent
        self._slots: AbstractAsyncContextManager[object] = (
            nullcontext() if slots is None else asyncio.BoundedSemaphore(slots)
        )
        self._sleep = asyncio.sleep
        self.messages = AsyncMessages(self._run)
        self.conversations = AsyncConversations(self._run)
        self.posts = AsyncPosts(self._run)

    def __repr__(self) -> str:
        """Show the base URL, never the token."""
        return f"AsyncMissiveClient(base_url={self._core.base_url!r})"

    async def aclose(self) -> None:
        """Close the client, and the HTTP client if this client created it."""
        self._closed = True
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        """Return the client itself."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client."""
        await self.aclose()

    async def _run(self, operation: Operation[T]) -> T:
        flow = self._core.flow(operation)
        outcome: Outcome = None
        try:
            while True:
                command = flow.send(outcome)
                if isinstance(command, Sleep):
                    await self._sleep(command.seconds)
                    outcome = None
                else:
                    outcome = await self._send(command)
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def _send(self, command: Send) -> httpx.Response | httpx.RequestError:
        async with self._slots:
            wait = self._core.before_send(command, closed=self._closed or self._http.is_closed)
            if wait > 0:
                await self._sleep(wait)
            try:
                return await self._http.send(command.build(self._http))
            except httpx.RequestError as exc:
                return exc


def _http_client(value: object) -> httpx.AsyncClient | None:
    return http_client(value, httpx.AsyncClient)


class AsyncMessages:
    """``client.messages``: create messages in a custom channel, read messages."""

    def __init__(self, run: AsyncRunner) -> None:
        """Bind to a client's request loop."""
        self._run = run

    async def create(self, message: Message) -> CreatedMessage:
        """Create a message in a custom channel (``POST /messages``).

        The request is never sent twice unless Missive certainly did not process
        it (the connection failed before sending, or a 429).

        Args:
            message: The message; validated and size-checked before any I/O.

        Returns:
            The new message's id and conversation id, as far as Missive said.

        Raises:
            ValidationError: If the message is invalid or over Missive's 10 MB cap.
            APIError: If the request failed; see ``possibly_delivered``.
        """
        return await self._run(create_message(message))


class AsyncConversations:
    """``client.conversations``: read conversations and list their messages."""

    def __init__(self, run: AsyncRunner) -> None:
        """Bind to a client's request loop."""
        self._run = run


class AsyncPosts:
    """``client.posts``: add posts (delivery receipts, errors, notes) to conversations."""

    def __init__(self, run: AsyncRunner) -> None:
        """Bind to a client's request loop."""
        self._run = run

    async def create(self, post: Post) -> CreatedPost:
        """Create a post in a conversation (``POST /posts``).

        Like messages, a post is never sent twice unless Missive certainly did
        not process it.

        Args:
            post: The post; validated before any I/O.

        Returns:
            The new post's id and conversation id, as far as Missive said.

        Raises:
            ValidationError: If the post is invalid.
            APIError: If the request failed; see ``possibly_delivered``.
        """
        return await self._run(create_post(post))
