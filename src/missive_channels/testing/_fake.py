"""`FakeMissive`: a local HTTP stand-in for Missive's custom-channel API and its webhook sender."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Final, cast

from missive_channels._closing import Serving
from missive_channels._constants import MAX_REQUEST_BYTES
from missive_channels._errors import FakeMissiveError, FieldTypeError, ValidationError
from missive_channels._http_server import HttpServer
from missive_channels._ratelimit import DEFAULT_RATE_LIMIT, RateLimit
from missive_channels.webhooks import SIGNATURE_HEADERS

from ._faults import FaultQueue
from ._gateway import Gateway, RecordedRequest
from ._limiter import _FakeLimits
from ._payloads import DEFAULT_AUTHOR
from ._playback import Playback, WebhookDelivery
from ._settings import ChannelSettings, MissiveUser, ScaledClock
from ._state import RecordedMessage, RecordedPost, Store
from ._transport import AsyncFakeTransport, FakeTransport

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from typing_extensions import Self

    from missive_channels._models import Participant

    from ._shapes import ConversationData

__all__ = ["FakeMissive"]


class FakeMissive(Serving):
    """A local, faithful stand-in for Missive's custom-channel API, for tests.

    A real HTTP/1.1 server on 127.0.0.1 in a background thread: point any HTTP
    client (sync or async) at `base_url` with `token`; or serve it in-process,
    with no socket, through `transport` and `async_transport`. It implements
    ``POST /v1/messages``, ``GET /v1/messages/:ids``, ``GET /v1/conversations/:id``,
    ``GET /v1/conversations/:id/messages`` and ``POST /v1/posts`` with Missive's
    validation, threading, rate limits and response shapes, records what it
    accepted, injects scripted faults (`faults`), and plays the Missive user
    (`reply`, `compose`) by POSTing signed webhooks to a channel's ``webhook_url``.

    Use it as a context manager, or call `start` and `stop`:

    ```python
    with FakeMissive() as fake:
        account = fake.add_channel(ChannelSettings(type="text"))
        ...
    ```

    Errors are answered as ``{"error": "<reason>"}`` (the key is configurable:
    Missive's error shape is undocumented). An oversize body gets ``413`` by
    default; Missive's exact status is unconfirmed.

    Attributes:
        token: The API token clients must send as ``Authorization: Bearer <token>``.
        user: The token's owner, who has access to every conversation.
        clock: The fake's clock (Unix seconds), as used for timestamps and rate limits.
        faults: The queue of scripted faults; ``fake.faults.push(Fault.drop_after())``.
        transport: An httpx transport that serves this fake in-process, with no
            socket or thread. It works whether or not the fake is running, with any
            ``base_url``, and applies the same validation, limits, recording and
            faults: ``httpx.Client(transport=fake.transport)``, then
            ``MissiveClient(token=fake.token, base_url="http://fake/v1", http_client=...)``.
        async_transport: Like ``transport``, for ``httpx.AsyncClient`` and
            `AsyncMissiveClient`.
    """

    def __init__(
        self,
        *,
        channels: Iterable[ChannelSettings] = (),
        token: str | None = None,
        user: MissiveUser | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        time_scale: float = 1.0,
        clock: Callable[[], float] | None = None,
        empty_responses: bool = False,
        strict_fields: bool = True,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        oversize_status: int = 413,
        error_key: str = "error",
        signature_header: str = SIGNATURE_HEADERS[0],
        rate_limit_headers_always: bool = False,
        webhook_timeout: float = 15.0,
        port: int = 0,
    ) -> None:
        """Configure the fake; nothing listens until `start`.

        Args:
            channels: Channels to create; their account ids are in `channels`
                (or add channels with `add_channel`).
            token: The API token clients must send as ``Authorization: Bearer``;
                default a random one.
            user: The token's owner, a Missive user with access to every conversation.
            rate_limit: The limits to enforce, the clients' own `RateLimit` shape
                (Missive's published limits by default; its ``margin`` is a client's
                allowance and plays no part); ``None`` turns rate limiting off.
            time_scale: How much faster than real time the fake's clock runs, e.g.
                ``60.0`` makes a rate-limit minute pass in one real second.
            clock: A callable returning the current Unix time in seconds, e.g. a
                `ManualClock`; replaces ``time_scale``.
            empty_responses: Answer successful POSTs with an empty 201 body, as
                Missive may; otherwise ``{"messages": {"id": ..., "conversation": ...}}``.
            strict_fields: Answer 400 to parameters Missive does not document
                (catches typos; Missive itself may ignore them).
            max_request_bytes: The request body cap (Missive: 10 MB).
            oversize_status: The status for a body over the cap (413 or 400).
            error_key: The key of the error message in error bodies.
            signature_header: The header webhooks carry their signature in.
            rate_limit_headers_always: Send ``X-RateLimit-*`` on every response,
                not only on 429 (Missive documents them for 429 only).
            webhook_timeout: Seconds to wait for a webhook receiver (Missive: about 15).
            port: The port to listen on; 0 picks a free one.

        Raises:
            ValidationError: If a setting is invalid.
        """
        if clock is None:
            scale = cast("object", time_scale)
            if isinstance(scale, bool) or not isinstance(scale, (int, float)):
                msg = f"time_scale must be a number, got {type(time_scale).__name__}"
                raise FieldTypeError(msg, field="time_scale")
            if not time_scale > 0:
                msg = f"time_scale is {time_scale}; it must be positive"
                raise ValidationError(msg, field="time_scale")
            clock = ScaledClock(float(time_scale))
        if not isinstance(cast("object", rate_limit), (RateLimit, type(None))):
            msg = f"rate_limit must be RateLimit or None, got {type(rate_limit).__name__}"
            raise FieldTypeError(msg, field="rate_limit")
        if oversize_status not in (400, 413):
            msg = f"oversize_status is {oversize_status}; use 413 or 400"
            raise ValidationError(msg, field="oversize_status")
        self.clock: Final[Callable[[], float]] = clock
        self.user: Final = DEFAULT_AUTHOR if user is None else user
        self.token: Final = f"missive_pat-{secrets.token_hex(16)}" if token is None else token
        self.faults: Final = FaultQueue()
        self._store = Store(
            clock=clock,
            user=self.user,
            empty_responses=empty_responses,
            strict_fields=strict_fields,
        )
        self._gateway = Gateway(
            store=self._store,
            clock=clock,
            token=self.token,
            limits=None if rate_limit is None else _FakeLimits(rate_limit),
            faults=self.faults,
            oversize_status=oversize_status,
            error_key=error_key,
            headers_always=rate_limit_headers_always,
        )
        self._playback = Playback(
            self._store, signature_header=signature_header, timeout=webhook_timeout
        )
        self._max_request_bytes = max_request_bytes
        self.transport: Final = FakeTransport(self._gateway, max_body=max_request_bytes)
        self.async_transport: Final = AsyncFakeTransport(self._gateway, max_body=max_request_bytes)
        self._port = port
        self._server: HttpServer | None = None
        for settings in channels:
            self.add_channel(settings)

    def __repr__(self) -> str:
        """Show where the fake listens, never its token."""
        where = self.base_url if self._server is not None else "stopped"
        return f"<FakeMissive {where}>"

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Self:
        """Start listening on 127.0.0.1 in a background thread.

        Returns:
            The fake itself.

        Raises:
            FakeMissiveError: If it is already running, or the port is taken.
        """
        if self._server is not None:
            msg = "FakeMissive is already running; stop() it before starting it again"
            raise FakeMissiveError(msg)
        try:
            server = HttpServer(
                self._gateway,
                port=self._port,
                max_body=self._max_request_bytes,
                name=f"FakeMissive:{self._port}",
            )
        except (OSError, OverflowError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            msg = f"FakeMissive cannot listen on 127.0.0.1:{self._port}: {reason}"
            raise FakeMissiveError(msg) from exc
        self._gateway.stopping.clear()
        self._server = server.start()
        return self

    def stop(self) -> None:
        """Stop listening, cut open connections and join every server thread.

        Safe to call more than once.
        """
        server, self._server = self._server, None
        if server is None:
            return
        self._gateway.stopping.set()  # cuts delay faults short
        server.stop()

    # -- configuration and inspection ---------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API root to give clients, e.g. ``http://127.0.0.1:54321/v1``.

        Raises:
            FakeMissiveError: If the fake is not running.
        """
        if self._server is None:
            msg = "FakeMissive is not running: use `with FakeMissive() as fake:` or call start()"
            raise FakeMissiveError(msg)
        return f"http://127.0.0.1:{self._server.address[1]}/v1"

    @property
    def empty_responses(self) -> bool:
        """Whether successful POSTs answer 201 with an empty body (settable)."""
        return self._store.empty_responses

    @empty_responses.setter
    def empty_responses(self, value: bool) -> None:
        self._store.empty_responses = value

    @property
    def channels(self) -> dict[str, ChannelSettings]:
        """The channels, by account id."""
        with self._store.lock:
            return dict(self._store.channels)

    def add_channel(
        self, settings: ChannelSettings | None = None, *, account: str | None = None
    ) -> str:
        """Create a custom channel, or change an existing one's settings.

        Args:
            settings: The channel's settings (default: a Text channel).
            account: The account id to use (default a fresh UUID); an existing
                id updates that channel.

        Returns:
            The channel's account id, for ``messages.account``.

        Raises:
            ValidationError: If ``settings`` is not `ChannelSettings`, or would
                change an existing channel's type (Missive never does).
        """
        return self._store.add_channel(ChannelSettings() if settings is None else settings, account)

    @property
    def messages(self) -> list[RecordedMessage]:
        """Every message accepted through ``POST /v1/messages``, in order."""
        with self._store.lock:
            return list(self._store.accepted)

    @property
    def posts(self) -> list[RecordedPost]:
        """Every post accepted through ``POST /v1/posts``, in order."""
        with self._store.lock:
            return list(self._store.posts)

    @property
    def conversations(self) -> list[ConversationData]:
        """Every conversation, oldest first, shaped as ``GET /v1/conversations/:id`` shows it."""
        with self._store.lock:
            return [self._store.conversation_json(c) for c in self._store.conversations.values()]

    def conversation(self, conversation_id: str) -> ConversationData:
        """Return one conversation as ``GET /v1/conversations/:id`` shows it.

        Args:
            conversation_id: The conversation's id.

        Returns:
            The conversation object.

        Raises:
            FakeMissiveError: If there is no such conversation.
        """
        with self._store.lock:
            found = self._store.conversations.get(conversation_id)
            if found is None:
                msg = f"no conversation {conversation_id!r} in the fake"
                raise FakeMissiveError(msg)
            return self._store.conversation_json(found)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the server received, in arrival order, whatever its outcome."""
        return self._gateway.requests

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivered by `reply` and `compose`, in order."""
        return self._playback.deliveries

    @property
    def peak_in_flight(self) -> int:
        """The most requests that were ever in flight at once (since start or `reset`)."""
        return self._gateway.peak_in_flight

    def reset(self) -> None:
        """Forget conversations, messages, posts, logs, pending faults and rate-limit counts.

        Channels, the token and the configuration stay.
        """
        self._store.reset()
        self.faults.clear()
        self._gateway.reset()
        self._playback.reset()

    def reply(
        self,
        conversation_id: str,
        body: str,
        *,
        alias: Participant | None = None,
        to: Iterable[Participant] | None = None,
        author: MissiveUser | None = None,
    ) -> WebhookDelivery:
        """Play a Missive user replying in a conversation: record it and POST the signed webhook.

        Args:
            conversation_id: The conversation to reply in; its channel receives the webhook.
            body: The reply (plain text on Text channels, HTML on HTML channels).
            alias: The alias to send as; default the channel's first.
            to: The recipients; default the sender of the conversation's latest
                incoming message. Recipient keys the channel does not allow are dropped.
            author: The Missive user replying; default `user`.

        Returns:
            The delivery: what was sent and what the receiver answered.

        Raises:
            SendRefusedError: If the channel's settings forbid the reply.
            FakeMissiveError: If the conversation is unknown or the channel has no webhook URL.
            WebhookDeliveryError: If the receiver could not be reached in time.
        """
        return self._playback.send(
            self._playback.reply(conversation_id, body, alias=alias, to=to, author=author)
        )

    def compose(
        self,
        account: str,
        body: str,
        *,
        to: Iterable[Participant],
        alias: Participant | None = None,
        author: MissiveUser | None = None,
    ) -> WebhookDelivery:
        """Play a Missive user composing a new message in a channel; it starts a conversation.

        Args:
            account: The channel's account id.
            body: The message (plain text on Text channels, HTML on HTML channels).
            to: The recipients.
            alias: The alias to send as; default the channel's first.
            author: The Missive user sending; default `user`.

        Returns:
            The delivery: what was sent and what the receiver answered.

        Raises:
            SendRefusedError: If the channel's settings forbid the message.
            FakeMissiveError: If the account is unknown or has no webhook URL.
            WebhookDeliveryError: If the receiver could not be reached in time.
        """
        return self._playback.send(
            self._playback.compose(account, body, to=to, alias=alias, author=author)
        )

    async def areply(
        self,
        conversation_id: str,
        body: str,
        *,
        alias: Participant | None = None,
        to: Iterable[Participant] | None = None,
        author: MissiveUser | None = None,
    ) -> WebhookDelivery:
        """Like `reply`, delivering with an async client (for receivers on the same event loop).

        It takes the same arguments, returns the same delivery and raises the same errors.
        """
        return await self._playback.asend(
            self._playback.reply(conversation_id, body, alias=alias, to=to, author=author)
        )

    async def acompose(
        self,
        account: str,
        body: str,
        *,
        to: Iterable[Participant],
        alias: Participant | None = None,
        author: MissiveUser | None = None,
    ) -> WebhookDelivery:
        """Like `compose`, delivering with an async client.

        It takes the same arguments, returns the same delivery and raises the same errors.
        """
        return await self._playback.asend(
            self._playback.compose(account, body, to=to, alias=alias, author=author)
        )
