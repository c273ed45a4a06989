"""`FakeMissive`: a local HTTP stand-in for Missive's custom-channel API and its webhook sender."""

from __future__ import annotations

import contextlib
import functools
import math
import secrets
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import parse_qsl, urlsplit

import attrs
import httpx

from missive_channels._converter import MAX_REQUEST_BYTES
from missive_channels._errors import (
    FakeMissiveError,
    FieldTypeError,
    ValidationError,
    WebhookDeliveryError,
)

from ._faults import Fault, FaultKind, FaultQueue
from ._limiter import Limiter
from ._payloads import DEFAULT_AUTHOR, DEFAULT_SIGNATURE_HEADER, encode, webhook_signature
from ._settings import ChannelSettings, MissiveUser, RateLimits, ScaledClock
from ._state import ApiResponse, RecordedMessage, RecordedPost, Store

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterable
    from types import TracebackType

    from typing_extensions import Self

    from missive_channels._models import Participant

__all__ = ["FakeMissive", "RecordedRequest", "WebhookDelivery"]

_CHUNK: Final = 1 << 16
_JSON: Final = "application/json"


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request as the fake's server saw it, in arrival order.

    Attributes:
        method: The HTTP method.
        path: The path, without the query string.
        query: The query parameters (the last value wins for repeated names).
        headers: The request headers, names lower-cased (not shown in the repr:
            they carry the token).
        body: The request body bytes (empty if it was refused as too large).
        status: The status answered, or ``None`` if the connection was dropped.
        fault: The kind of fault injected into the request, if any.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    status: int | None
    fault: FaultKind | None


@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """A webhook the fake POSTed for a Missive user, and what the receiver answered.

    Attributes:
        url: The channel's webhook URL.
        payload: The JSON payload (``{"message": ..., "conversation": ...}``).
        body: The exact bytes sent (what the signature covers).
        headers: The request headers sent, including the signature header if the
            channel has a secret.
        status: The receiver's HTTP status.
        response: The receiver's response body.
    """

    url: str
    payload: Mapping[str, Any]
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    headers: Mapping[str, str] = attrs.field(repr=False)
    status: int
    response: bytes


@functools.cache
def _tls() -> ssl.SSLContext:
    # Building a verifying TLS context costs tens of milliseconds; webhooks reuse one.
    return httpx.create_ssl_context()


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _read_line(handler: BaseHTTPRequestHandler) -> bytes:
    line = handler.rfile.readline(_CHUNK + 2)
    if not line.endswith(b"\n"):
        raise _BodyError(400, "malformed chunked request body")
    return line


def _read_exactly(handler: BaseHTTPRequestHandler, size: int, *, keep: bool) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        part = handler.rfile.read(min(size, _CHUNK))
        if not part:
            raise _BodyError(400, "the request body ended early")
        size -= len(part)
        if keep:
            parts.append(part)
    return b"".join(parts)


def _read_body(handler: BaseHTTPRequestHandler, cap: int) -> tuple[bytes, int]:
    """Read the whole request body; past ``cap`` bytes, read on but keep nothing.

    Reading an oversize body to its end (instead of closing the socket on the
    client) is what lets the client see the error status rather than a reset.

    Returns:
        The body (empty if oversize) and its size.
    """
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        parts: list[bytes] = []
        size = 0
        while True:
            line = _read_line(handler).split(b";", 1)[0].strip()
            try:
                length = int(line, 16)
            except ValueError:
                raise _BodyError(400, "malformed chunked request body") from None
            if length == 0:
                while _read_line(handler).strip():
                    pass  # trailers carry nothing the fake needs
                break
            size += length
            parts.append(_read_exactly(handler, length, keep=size <= cap))
            _read_line(handler)
        return (b"".join(parts) if size <= cap else b""), size
    raw_length = handler.headers.get("Content-Length")
    if raw_length is None:
        return b"", 0
    try:
        length = int(raw_length)
    except ValueError:
        raise _BodyError(400, f"Content-Length is not a number: {raw_length!r}") from None
    if length < 0:
        raise _BodyError(400, f"Content-Length is negative: {raw_length!r}")
    return _read_exactly(handler, length, keep=length <= cap), length


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counted = False  # whether the current request counts as in flight

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm
        # and delayed ACKs add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        cast("_Server", self.server).serve(self)

    # http.server dispatches on these names.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ANN401 - stdlib signature
        """Keep test output clean: the fake records requests itself."""


class _Server(ThreadingHTTPServer):
    # Handler threads are daemons (a forgotten fake never blocks interpreter exit), which
    # the stdlib does not join; the server tracks and joins them itself in `join_handlers`.
    daemon_threads = True

    def __init__(self, address: tuple[str, int], serve: Callable[[_Handler], None]) -> None:
        self.serve = serve
        self.open: set[socket.socket] = set()
        self.handlers: list[threading.Thread] = []
        self.open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:  # noqa: ANN401 - stdlib signature
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self.open_lock:
            self.open.add(request)
            self.handlers = [t for t in self.handlers if t.is_alive()]
            self.handlers.append(thread)
        thread.start()

    def join_handlers(self) -> None:
        with self.open_lock:
            handlers = list(self.handlers)
        for thread in handlers:
            thread.join()

    def shutdown_request(self, request: Any) -> None:  # noqa: ANN401 - stdlib signature
        with self.open_lock:
            self.open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ANN401 - stdlib signature
        """Connections a client or `stop()` cut short are expected; stay quiet."""

    def cut_connections(self) -> None:
        with self.open_lock:
            sockets = list(self.open)
        for sock in sockets:
            # A socket may already be closed by its handler.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class FakeMissive:
    """A local, faithful stand-in for Missive's custom-channel API, for tests.

    A real HTTP/1.1 server on 127.0.0.1 in a background thread: point any HTTP
    client (sync or async) at `base_url` with `token`. It implements
    ``POST /v1/messages``, ``GET /v1/messages/:ids``, ``GET /v1/conversations/:id``,
    ``GET /v1/conversations/:id/messages`` and ``POST /v1/posts`` with Missive's
    validation, threading, rate limits and response shapes, records what it
    accepted, injects scripted faults (`faults`), and plays the Missive user
    (`reply`, `compose`) by POSTing signed webhooks to a channel's ``webhook_url``.

    Use it as a context manager, or call `start` and `stop`::

        with FakeMissive() as fake:
            account = fake.add_channel(ChannelSettings(type="text"))
            ...

    Errors are answered as ``{"error": "<reason>"}`` (the key is configurable:
    Missive's error shape is undocumented). An oversize body gets ``413`` by
    default; Missive's exact status is unconfirmed.
    """

    def __init__(
        self,
        *,
        channels: Iterable[ChannelSettings] = (),
        token: str | None = None,
        user: MissiveUser | None = None,
        rate_limits: RateLimits | None = RateLimits(),  # noqa: B008 - immutable default
        time_scale: float = 1.0,
        clock: Callable[[], float] | None = None,
        empty_responses: bool = False,
        strict_fields: bool = True,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        oversize_status: int = 413,
        error_key: str = "error",
        signature_header: str = DEFAULT_SIGNATURE_HEADER,
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
            rate_limits: The limits to enforce; ``None`` turns rate limiting off.
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
        if not isinstance(cast("object", rate_limits), (RateLimits, type(None))):
            msg = f"rate_limits must be RateLimits or None, got {type(rate_limits).__name__}"
            raise FieldTypeError(msg, field="rate_limits")
        if oversize_status not in (400, 413):
            msg = f"oversize_status is {oversize_status}; use 413 or 400"
            raise ValidationError(msg, field="oversize_status")
        self._token = token if token is not None else f"missive_pat-{secrets.token_hex(16)}"
        self._clock = clock
        self._store = Store(
            clock=clock,
            user=DEFAULT_AUTHOR if user is None else user,
            empty_responses=empty_responses,
            strict_fields=strict_fields,
        )
        self._limiter = None if rate_limits is None else Limiter(rate_limits)
        self._max_request_bytes = max_request_bytes
        self._oversize_status = oversize_status
        self._error_key = error_key
        self._signature_header = signature_header
        self._headers_always = rate_limit_headers_always
        self._webhook_timeout = webhook_timeout
        self._port = port
        self._faults = FaultQueue()
        self._log_lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._deliveries: list[WebhookDelivery] = []
        self._in_flight = 0
        self._peak_in_flight = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
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
            server = _Server(("127.0.0.1", self._port), self._serve)
        except OSError as exc:
            msg = f"FakeMissive cannot listen on 127.0.0.1:{self._port}: {exc.strerror or exc}"
            raise FakeMissiveError(msg) from exc
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"FakeMissive:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, cut open connections and join every server thread.

        Safe to call more than once.
        """
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()  # cuts delay faults short
        server.shutdown()
        server.cut_connections()
        server.server_close()
        server.join_handlers()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        """Start the fake; see `start`."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the fake; see `stop`."""
        self.stop()

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
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def token(self) -> str:
        """The API token clients must send as ``Authorization: Bearer <token>``."""
        return self._token

    @property
    def user(self) -> MissiveUser:
        """The token's owner, who has access to every conversation."""
        return self._store.user

    @property
    def clock(self) -> Callable[[], float]:
        """The fake's clock (Unix seconds), as used for timestamps and rate limits."""
        return self._clock

    @property
    def faults(self) -> FaultQueue:
        """The queue of scripted faults; ``fake.faults.push(Fault.drop_after())``."""
        return self._faults

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
    def conversations(self) -> list[dict[str, Any]]:
        """Every conversation, oldest first, shaped as ``GET /v1/conversations/:id`` shows it."""
        with self._store.lock:
            return [self._store.conversation_json(c) for c in self._store.conversations.values()]

    def conversation(self, conversation_id: str) -> dict[str, Any]:
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
        with self._log_lock:
            return list(self._requests)

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivered by `reply` and `compose`, in order."""
        with self._log_lock:
            return list(self._deliveries)

    @property
    def peak_in_flight(self) -> int:
        """The most requests that were ever in flight at once (since start or `reset`)."""
        with self._log_lock:
            return self._peak_in_flight

    def reset(self) -> None:
        """Forget conversations, messages, posts, logs, pending faults and rate-limit counts.

        Channels, the token and the configuration stay.
        """
        self._store.reset()
        self._faults.clear()
        if self._limiter is not None:
            self._limiter.reset()
        with self._log_lock:
            self._requests.clear()
            self._deliveries.clear()
            self._peak_in_flight = self._in_flight

    # -- the HTTP side ------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        with self._log_lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
        handler.counted = True
        try:
            self._exchange(handler)
        finally:
            self._land(handler)

    def _land(self, handler: _Handler) -> None:
        # Called before an answer goes out, too: the client that waited for it may send its
        # next request at once, and that one must not find this one still counted.
        if handler.counted:
            handler.counted = False
            with self._log_lock:
                self._in_flight -= 1

    def _exchange(self, handler: _Handler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        path, query = split.path, dict(parse_qsl(split.query))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        fault = self._faults.take(method, path)
        kind = None if fault is None else fault.kind

        def log(body: bytes, status: int | None) -> None:
            record = RecordedRequest(
                method=method,
                path=path,
                query=query,
                headers=headers,
                body=body,
                status=status,
                fault=kind,
            )
            with self._log_lock:
                self._requests.append(record)

        try:
            body, size = _read_body(handler, self._max_request_bytes)
        except _BodyError as error:
            handler.close_connection = True  # the rest of the stream cannot be trusted
            log(b"", error.status)
            self._write(handler, ApiResponse(error.status, {"error": error.message}), {})
            return
        if fault is not None and not fault.processes:
            self._unprocessed(handler, fault, log, body)
            return
        response, extra = self._process(
            handler=handler, path=path, query=query, headers=headers, body=body, size=size
        )
        if fault is not None and fault.kind == "drop_after":
            log(body, None)
            self._drop(handler)
            return
        if fault is not None and fault.kind == "status":
            response, extra = ApiResponse(fault.status, {"error": "injected server error"}), {}
        if fault is not None and fault.kind == "delay":
            self._stopping.wait(fault.seconds)
        log(body, response.status)
        self._write(handler, response, extra)

    def _unprocessed(
        self, handler: _Handler, fault: Fault, log: Callable[[bytes, int | None], None], body: bytes
    ) -> None:
        if fault.kind == "drop_before":
            log(body, None)
            self._drop(handler)
        elif fault.kind == "rate_limited":
            log(body, 429)
            reset = self._clock() + fault.retry_after
            headers = self._limit_headers(0, 0, reset)
            headers["Retry-After"] = str(fault.retry_after)
            self._write(handler, ApiResponse(429, {"error": "rate limit exceeded"}), headers)
        else:
            log(body, fault.status)
            self._write(handler, ApiResponse(fault.status, {"error": "injected server error"}), {})

    def _process(
        self,
        *,
        handler: _Handler,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        size: int,
    ) -> tuple[ApiResponse, dict[str, str]]:
        if size > self._max_request_bytes:
            message = (
                f"the request body is {size:,} bytes, over the cap of "
                f"{self._max_request_bytes:,} bytes"
            )
            return ApiResponse(self._oversize_status, {"error": message}), {}
        if headers.get("authorization") != f"Bearer {self._token}":
            return ApiResponse(401, {"error": "missing or invalid API token"}), {}
        extra: dict[str, str] = {}
        if self._limiter is not None:
            with self._log_lock:
                in_flight = self._in_flight
            verdict = self._limiter.admit(self._clock(), in_flight)
            if not verdict.admitted or self._headers_always:
                extra = self._limit_headers(verdict.limit, verdict.remaining, verdict.reset)
            if not verdict.admitted:
                extra["Retry-After"] = str(verdict.retry_after)
                return ApiResponse(429, {"error": "rate limit exceeded"}), extra
        if handler.command == "POST":
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != _JSON:
                message = f"Content-Type must be application/json, got {content_type or 'none'}"
                return ApiResponse(400, {"error": message}), extra
        try:
            return self._store.handle(handler.command, path, query, body), extra
        except Exception as exc:  # noqa: BLE001 - a fake bug must answer, not hang the client
            return ApiResponse(500, {"error": f"FakeMissive internal error: {exc!r}"}), extra

    @staticmethod
    def _limit_headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }

    def _write(self, handler: _Handler, response: ApiResponse, headers: Mapping[str, str]) -> None:
        body = response.body
        if body is not None and self._error_key != "error" and "error" in body:
            body = {self._error_key: body["error"]}
        payload = b"" if body is None else encode(body)
        self._land(handler)
        try:
            handler.send_response(response.status)
            if body is not None:
                handler.send_header("Content-Type", _JSON)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                handler.send_header(name, value)
            if handler.close_connection:
                handler.send_header("Connection", "close")
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(payload)
        except OSError:
            handler.close_connection = True  # the client went away; nothing left to tell it

    @staticmethod
    def _drop(handler: _Handler) -> None:
        handler.close_connection = True
        with contextlib.suppress(OSError):  # the client may have closed its side already
            handler.connection.shutdown(socket.SHUT_RDWR)

    # -- the Missive user's side --------------------------------------------------------

    def _prepare(
        self,
        *,
        conversation_id: str | None,
        account: str | None,
        body: str,
        alias: Participant | None,
        to: Iterable[Participant] | None,
        author: MissiveUser | None,
    ) -> tuple[str, Mapping[str, Any], bytes, dict[str, str]]:
        settings, payload = self._store.user_message(
            conversation_id=conversation_id,
            account=account,
            body=body,
            alias=alias,
            to=to,
            author=self._store.user if author is None else author,
        )
        raw = encode(payload)
        headers = {"Content-Type": _JSON, "User-Agent": "FakeMissive"}
        if settings.signature_secret is not None:
            headers[self._signature_header] = webhook_signature(raw, settings.signature_secret)
        assert settings.webhook_url is not None  # noqa: S101 - user_message checked it
        return settings.webhook_url, payload, raw, headers

    def _record(
        self,
        prepared: tuple[str, Mapping[str, Any], bytes, dict[str, str]],
        response: httpx.Response,
    ) -> WebhookDelivery:
        url, payload, raw, headers = prepared
        delivery = WebhookDelivery(
            url=url,
            payload=payload,
            body=raw,
            headers=headers,
            status=response.status_code,
            response=response.content,
        )
        with self._log_lock:
            self._deliveries.append(delivery)
        return delivery

    @staticmethod
    def _failed(url: str, exc: httpx.HTTPError) -> WebhookDeliveryError:
        msg = f"could not deliver the webhook to {url}: {type(exc).__name__}: {exc}"
        return WebhookDeliveryError(msg, url=url)

    def _send(
        self, prepared: tuple[str, Mapping[str, Any], bytes, dict[str, str]]
    ) -> WebhookDelivery:
        url, _, raw, headers = prepared
        try:
            with httpx.Client(
                timeout=self._webhook_timeout, trust_env=False, verify=_tls()
            ) as client:
                response = client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise self._failed(url, exc) from exc
        return self._record(prepared, response)

    async def _asend(
        self, prepared: tuple[str, Mapping[str, Any], bytes, dict[str, str]]
    ) -> WebhookDelivery:
        url, _, raw, headers = prepared
        try:
            async with httpx.AsyncClient(
                timeout=self._webhook_timeout, trust_env=False, verify=_tls()
            ) as client:
                response = await client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise self._failed(url, exc) from exc
        return self._record(prepared, response)

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
        return self._send(
            self._prepare(
                conversation_id=conversation_id,
                account=None,
                body=body,
                alias=alias,
                to=to,
                author=author,
            )
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
        return self._send(
            self._prepare(
                conversation_id=None, account=account, body=body, alias=alias, to=to, author=author
            )
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

        Args:
            conversation_id: The conversation to reply in.
            body: The reply.
            alias: The alias to send as; default the channel's first.
            to: The recipients; default the conversation's latest external sender.
            author: The Missive user replying; default `user`.

        Returns:
            The delivery.

        Raises:
            SendRefusedError: If the channel's settings forbid the reply.
            FakeMissiveError: If the conversation is unknown or the channel has no webhook URL.
            WebhookDeliveryError: If the receiver could not be reached in time.
        """
        return await self._asend(
            self._prepare(
                conversation_id=conversation_id,
                account=None,
                body=body,
                alias=alias,
                to=to,
                author=author,
            )
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

        Args:
            account: The channel's account id.
            body: The message.
            to: The recipients.
            alias: The alias to send as; default the channel's first.
            author: The Missive user sending; default `user`.

        Returns:
            The delivery.

        Raises:
            SendRefusedError: If the channel's settings forbid the message.
            FakeMissiveError: If the account is unknown or has no webhook URL.
            WebhookDeliveryError: If the receiver could not be reached in time.
        """
        return await self._asend(
            self._prepare(
                conversation_id=None, account=account, body=body, alias=alias, to=to, author=author
            )
        )
