"""`MissiveClient`: the synchronous shell around the client core; it only sends and sleeps."""

from __future__ import annotations

import copy
import threading
import time
import urllib.request
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, TypeVar

import httpx

from ._budget import deadline
from ._bulk import BulkSend
from ._bulk_io import send_all
from ._call_options import for_call
from ._closing import Closing
from ._core import (
    AnswerTooLarge,
    BrokenAnswer,
    ClientCore,
    Flow,
    Outcome,
    Pause,
    Send,
    Sleep,
    capped,
    http_client,
)
from ._deadline import DeadlineTransport, proxied
from ._operations import (
    create_message,
    create_post,
    get_conversation,
    get_message,
    get_messages,
)
from ._pagination import conversation_messages
from ._ratelimit import DEFAULT_RATE_LIMIT, Lease, Limiter, RateLimit, leasing

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Iterator

    from typing_extensions import Self, Unpack

    from ._bulk import SendCounts, SendOutcome
    from ._call_options import RequestOptions
    from ._core import Runner
    from ._events import Conversation, StoredMessage
    from ._journal import Journal
    from ._models import Message, Post
    from ._operations import CreatedMessage, CreatedPost
    from ._pagination import UntilPager

__all__ = ["MissiveClient"]

T = TypeVar("T")


class MissiveClient(Closing):
    """A synchronous client for Missive's API, safe to share between threads.

    Use it as a context manager, or call `close` when done:

    ```python
    with MissiveClient() as client:
        client.messages.create(message)
    ```

    Attributes:
        messages: ``POST /messages`` and message reads.
        conversations: Conversation reads and message listings.
        posts: ``POST /posts``.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 3,
        rate_limit: RateLimit | Limiter | None = DEFAULT_RATE_LIMIT,
        http_client: httpx.Client | None = None,
    ) -> None:
        """Create the client.

        Args:
            token: The API token; defaults to the ``MISSIVE_API_TOKEN`` environment variable.
            base_url: The API root; defaults to the ``MISSIVE_BASE_URL`` environment
                variable when it is set and not empty, else Missive's
                ``https://public.missiveapp.com/v1``.
            timeout: Seconds (or an ``httpx.Timeout``), finite and above 0, that each
                request may take in all: connecting, sending, and reading the answer
                (with an ``httpx.Timeout``, each phase within its own limit and the
                whole within the longest). By default 60 s, at most 10 s of it to
                connect. With ``http_client``, or a proxy from the environment, httpx's
                per-phase limits apply instead (``http_client``'s own by default).
            max_retries: Retries after a failed first attempt; ``0`` disables them.
            rate_limit: The limits to keep to (Missive's by default); a `Limiter`
                to share one budget between clients, such as a
                `missive_channels.redis.RedisRateLimiter` shared between processes;
                ``None`` to send unthrottled.
            http_client: An ``httpx.Client`` to send with (certificates, transports);
                it is left open on `close`, as its owner closes it.

        Raises:
            ValidationError: If an argument is invalid, no token is found, or
                ``timeout`` is not at least 1 s shorter than the limiter's
                ``lease_seconds``.
        """
        checked = _http_client(http_client)
        self._core = ClientCore(
            token=token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            own_client=checked is None,
            http_timeout=None if checked is None else checked.timeout,
        )
        self._owns_http = checked is None
        self._http = checked or httpx.Client(
            timeout=self._core.client_timeout,
            headers=self._core.headers,
            # httpx reads proxies from the environment only without a transport of ours.
            transport=None if proxied(urllib.request.getproxies()) else DeadlineTransport(),
        )
        self._closed = False
        slots = self._core.max_concurrent
        self._slots: AbstractContextManager[object] = (
            nullcontext() if slots is None else threading.BoundedSemaphore(slots)
        )
        self._limiter = leasing(self._core.limiter)
        self._sleep = time.sleep
        self.messages = Messages(self._run, self._core)
        self.conversations = Conversations(self._run, self._core)
        self.posts = Posts(self._run, self._core)

    def __repr__(self) -> str:
        """Show the base URL, never the token."""
        return f"MissiveClient(base_url={self._core.base_url!r})"

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> Self:
        """Return a view of this client with other options; ``None`` keeps the client's.

        The view shares the connection pool and the rate limiter with this client,
        so two views of one token never get more than one budget. This client is
        unchanged. The pool stays open when a view is closed: close this client.

        Args:
            timeout: Seconds (or an ``httpx.Timeout``) each request may take in all,
                finite and above 0.
            max_retries: Retries after a failed first attempt; ``0`` disables them.

        Returns:
            The view, a client of the same kind.

        Raises:
            ValidationError: If an option is invalid.
        """
        view = copy.copy(self)
        view._core = self._core.derive(timeout=timeout, max_retries=max_retries)  # noqa: SLF001
        view._owns_http = False  # noqa: SLF001
        view.messages = Messages(view._run, view._core)  # noqa: SLF001
        view.conversations = Conversations(view._run, view._core)  # noqa: SLF001
        view.posts = Posts(view._run, view._core)  # noqa: SLF001
        return view

    def close(self) -> None:
        """Close the client, and the HTTP client if this client created it."""
        self._closed = True
        if self._owns_http:
            self._http.close()

    def _run(self, flow: Flow[T]) -> T:
        outcome: Outcome = None
        try:
            while True:
                command = flow.send(outcome)
                if isinstance(command, Sleep):
                    self._sleep(command.seconds)
                    outcome = None
                elif isinstance(command, Pause):
                    with deadline(command.deadline):
                        self._limiter.pause(command.seconds)
                    outcome = None
                else:
                    outcome = self._send(command)
        except StopIteration as stop:
            result: T = stop.value
            return result

    def _send(self, command: Send) -> httpx.Response | httpx.RequestError | BrokenAnswer:
        with self._slots:
            self._core.check_open(command, closed=self._closed or self._http.is_closed)
            lease = self._lease(command)
            try:
                wait = self._core.start_delay(command, lease)
                if wait > 0:
                    self._sleep(wait)
                command.starting()
                with deadline(command.deadline):
                    # Never follow a redirect, whatever a borrowed client says: a redirected
                    # POST would be lost (turned into a GET) or sent where Missive is not.
                    # The body is streamed, so that reading stops past the cap.
                    response = self._http.send(
                        command.build(self._http), stream=True, follow_redirects=False
                    )
                    return self._read(response)
            except httpx.RequestError as exc:
                return exc
            finally:
                with deadline(command.deadline):
                    self._limiter.release(lease)

    def _read(self, response: httpx.Response) -> httpx.Response | BrokenAnswer:
        try:
            capped(response).read()
        except (httpx.RequestError, AnswerTooLarge) as exc:
            return BrokenAnswer(response, exc)
        finally:
            response.close()
        return response

    def _lease(self, command: Send) -> Lease:
        # Each call to the limiter ends within the request's timeout, as the request does.
        while True:
            with deadline(command.deadline):
                offer = self._limiter.lease()
            if isinstance(offer, Lease):
                return offer
            self._sleep(offer)  # every slot is taken elsewhere


def _http_client(value: object) -> httpx.Client | None:
    return http_client(value, httpx.Client)


class _Resource:
    """What each resource holds: its client's request loop, and the client's core."""

    def __init__(self, run: Runner, core: ClientCore) -> None:
        """Bind to a client's request loop and core."""
        self._run = run
        self._core = core


class Messages(_Resource):
    """``client.messages``: create messages in a custom channel, read messages."""

    def create(self, message: Message, **options: Unpack[RequestOptions]) -> CreatedMessage:
        """Create a message in a custom channel (``POST /messages``).

        The request is never sent twice unless Missive certainly did not process
        it (the connection failed before sending, or a 429).

        Args:
            message: The message; validated and size-checked before any I/O.
            **options: This call's `RequestOptions`: ``timeout`` and ``extra_headers``.

        Returns:
            The new message's id and conversation id, as far as Missive said.

        Raises:
            ValidationError: If the message is invalid or over Missive's 10 MB cap.
            APIError: If the request failed; see ``possibly_delivered``.
        """
        core = for_call(self._core, options)
        return self._run(core.flow(create_message(message)))

    def create_many(
        self,
        messages: Iterable[Message],
        *,
        journal: Journal | str | os.PathLike[str] | None = None,
        resend_possibly_delivered: bool = False,
        progress: Callable[[SendCounts], object] | None = None,
        **options: Unpack[RequestOptions],
    ) -> Iterator[SendOutcome]:
        """Send many messages as fast as the rate limit allows, with one outcome per message.

        ``messages`` is read lazily, a message at a time, so it may be a generator
        over a file of any size. No message is ever sent twice behind your back:
        a message is ``sent``, ``failed`` (certainly not created: safe to send
        again), ``possibly_delivered`` (sent, outcome unknown) or, with a journal,
        ``skipped``. A message that cannot be sent (invalid, too large, or
        without ``external_id`` in journal mode) is ``failed`` and the run goes on.

        With a ``journal``, every message needs an ``external_id``. Each message's
        state is committed to the journal right before its request leaves and
        again once the outcome is known, so a run stopped by a crash, a kill or
        Ctrl-C resumes where it was: sent messages are skipped, failed ones are
        sent again, and a message that was in flight, or possibly delivered, is
        skipped unless ``resend_possibly_delivered`` is true.

        The sync client sends one message at a time; the async client keeps up to
        the rate limit's ``max_concurrent`` requests (5 by default) in flight.
        Either way the outcomes come in input order.

        Args:
            messages: The messages, in sending order.
            journal: A `Journal`, or the path of its file (opened when the
                iteration starts and closed when it ends).
            resend_possibly_delivered: Send again the messages the journal has as
                possibly delivered or interrupted while sending; check in Missive first.
            progress: Called with the counts so far after each outcome; its last
                call carries the totals.
            **options: This run's `RequestOptions`: ``timeout`` and ``extra_headers``.

        Returns:
            One outcome per message, in the order of ``messages``.

        Raises:
            FieldTypeError: If an argument has the wrong type (raised at once).
            JournalError: If the journal cannot be opened, read or written; raised
                while iterating, and nothing more is sent.
            ClientClosedError: If the client is closed.
            SharedStateError: If a shared limiter's store (Redis) cannot be used;
                raised while iterating, and nothing more is sent.
        """
        core = for_call(self._core, options)
        return send_all(
            self._run,
            BulkSend(
                core,
                messages,
                journal=journal,
                resend_possibly_delivered=resend_possibly_delivered,
                progress=progress,
            ),
        )

    def get(self, message_id: str, **options: Unpack[RequestOptions]) -> StoredMessage:
        """Fetch one message (``GET /messages/:id``).

        Args:
            message_id: The message's id.
            **options: This call's `RequestOptions`: ``timeout`` and ``extra_headers``.

        Returns:
            The message.

        Raises:
            ValidationError: If the id is empty or holds a comma.
            NotFoundError: If Missive knows no such message.
            APIError: If the request failed.
        """
        core = for_call(self._core, options)
        return self._run(core.flow(get_message(message_id)))

    def get_many(
        self,
        message_ids: Iterable[str],
        **options: Unpack[RequestOptions],
    ) -> tuple[StoredMessage, ...]:
        """Fetch several messages with as few requests as possible (comma-separated ids).

        Args:
            message_ids: The ids; repeats are fetched once.
            **options: This call's `RequestOptions`: ``timeout`` and ``extra_headers``.

        Returns:
            The messages Missive returned, in its order.

        Raises:
            ValidationError: If an id is empty or holds a comma.
            APIError: If a request failed.
        """
        core = for_call(self._core, options)
        return self._run(core.flow_all(get_messages(message_ids)))


class Conversations(_Resource):
    """``client.conversations``: read conversations and list their messages."""

    def get(self, conversation_id: str, **options: Unpack[RequestOptions]) -> Conversation:
        """Fetch one conversation (``GET /conversations/:id``).

        Args:
            conversation_id: The conversation's id; after a merge Missive may
                answer with the surviving conversation, whose id differs.
            **options: This call's `RequestOptions`: ``timeout`` and ``extra_headers``.

        Returns:
            The conversation.

        Raises:
            ValidationError: If the id is empty or holds a comma.
            NotFoundError: If Missive knows no such conversation.
            APIError: If the request failed.
        """
        core = for_call(self._core, options)
        return self._run(core.flow(get_conversation(conversation_id)))

    def messages(
        self,
        conversation_id: str,
        *,
        limit: int = 10,
        **options: Unpack[RequestOptions],
    ) -> Iterator[StoredMessage]:
        """Iterate over a conversation's messages, newest first, fetching pages as needed.

        Every message comes exactly once, even when pages overlap on a shared timestamp.

        Args:
            conversation_id: The conversation's id.
            limit: Messages per request, 1 to 10.
            **options: This walk's `RequestOptions`: ``timeout`` and ``extra_headers``.

        Returns:
            An iterator over the messages; each page is fetched when reached.

        Raises:
            ValidationError: If the id or ``limit`` is invalid (raised at once).
            APIError: If a request failed (raised while iterating).
        """
        core = for_call(self._core, options)
        return self._walk(core, conversation_messages(conversation_id, limit=limit))

    def _walk(self, core: ClientCore, pager: UntilPager[StoredMessage]) -> Iterator[StoredMessage]:
        while (page := pager.next_page()) is not None:
            yield from self._run(core.flow(page))


class Posts(_Resource):
    """``client.posts``: add posts (delivery receipts, errors, notes) to conversations."""

    def create(self, post: Post, **options: Unpack[RequestOptions]) -> CreatedPost:
        """Create a post in a conversation (``POST /posts``).

        Like messages, a post is never sent twice unless Missive certainly did
        not process it.

        Args:
            post: The post; validated before any I/O.
            **options: This call's `RequestOptions`: ``timeout`` and ``extra_headers``.

        Returns:
            The new post's id and conversation id, as far as Missive said.

        Raises:
            ValidationError: If the post is invalid.
            APIError: If the request failed; see ``possibly_delivered``.
        """
        core = for_call(self._core, options)
        return self._run(core.flow(create_post(post)))
