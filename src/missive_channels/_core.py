"""The sans-IO client core: configuration, request building and the retrying request flow.

A request runs as a generator (a *flow*) that yields commands, `Send`, `Sleep`
or `Pause`, and receives what came of each: the HTTP answer or transport failure
for a `Send`, ``None`` for the others. The sync and async clients each drive
flows with a few lines of I/O; everything else, including every decision, is here.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import random
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from typing import TYPE_CHECKING, Final, Protocol, TypeVar, cast

import attrs
import httpx

from . import __version__
from ._bodies import StreamedBody
from ._constants import BASE_URL_ENV_VAR, DEFAULT_BASE_URL, TOKEN_ENV_VAR
from ._errors import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    ClientClosedError,
    FieldTypeError,
    ValidationError,
)
from ._ratelimit import (
    AsyncLimiter,
    Lease,
    Limiter,
    RateLimit,
    SlidingWindowLimiter,
    lease_seconds,
)
from ._responses import ShapeError, response_shape_error, status_error, transport_error
from ._retry import RetryPolicy, parse_retry_after, retry_delay
from ._validators import positive_seconds

if TYPE_CHECKING:
    from typing import TypeAlias

    from ._operations import Operation

__all__ = [
    "BASE_URL_ENV_VAR",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "LEASE_MARGIN",
    "MAX_ANSWER_BYTES",
    "TOKEN_ENV_VAR",
    "AnswerTooLarge",
    "BrokenAnswer",
    "ClientCore",
    "Flow",
    "Pause",
    "Send",
    "Sleep",
    "capped",
    "http_client",
]

T = TypeVar("T")

DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)
"""Generous reads: a ``POST /messages`` may carry up to 10 MB of attachments."""

LEASE_MARGIN: Final = 1.0
"""Seconds a limiter's lease must outlast the longest request it may cover.

The client's start lags the reserved start by the limiter's round trip and the
sleep's overshoot, and a request ends a moment after its deadline; one second
covers both with room to spare.
"""

MAX_ANSWER_BYTES: Final = 16 * 1024 * 1024
"""The most an answer may carry (as sent, before decompression); Missive's come nowhere near."""

logger: Final = logging.getLogger("missive_channels")
_TOO_MANY: Final = 429


class AnswerTooLarge(Exception):  # noqa: N818 - internal; becomes APIResponseValidationError
    """An answer's body went past `MAX_ANSWER_BYTES`; reading stopped there."""


class _CappedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An answer's body stream that raises `AnswerTooLarge` once past ``limit`` bytes."""

    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, limit: int) -> None:
        self._stream = stream
        self._limit = limit

    def _count(self, seen: int, chunk: bytes) -> int:
        seen += len(chunk)
        if seen > self._limit:
            msg = f"the answer's body is over {self._limit} bytes"
            raise AnswerTooLarge(msg)
        return seen

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in cast("Iterable[bytes]", self._stream):
            seen = self._count(seen, chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in cast("AsyncIterable[bytes]", self._stream):
            seen = self._count(seen, chunk)
            yield chunk

    def close(self) -> None:
        cast("httpx.SyncByteStream", self._stream).close()

    async def aclose(self) -> None:
        await cast("httpx.AsyncByteStream", self._stream).aclose()


def capped(response: httpx.Response) -> httpx.Response:
    """Make reading ``response``'s body stop with `AnswerTooLarge` past `MAX_ANSWER_BYTES`."""
    response.stream = _CappedStream(response.stream, MAX_ANSWER_BYTES)
    return response


@attrs.frozen
class BrokenAnswer:
    """What a `Send` got when the status line came but reading the body failed.

    Attributes:
        response: The answer, its body unread.
        cause: Why the body could not be read: a transport failure, or too large.
    """

    response: httpx.Response
    cause: httpx.RequestError | AnswerTooLarge


@attrs.frozen
class Send:
    """Command: send this request, then resume the flow with the answer or the failure.

    Attributes:
        method: The HTTP method.
        url: The absolute URL.
        params: The query parameters.
        headers: The headers to add to the HTTP client's own for this request.
        content: The body bytes, if any.
        timeout: The timeout, or httpx's marker for the HTTP client's own.
        deadline: Seconds the whole request may take, from connecting to the
            last byte of the answer (``None``: no bound beyond the timeout's phases).
        on_start: Called by the client right before the request leaves, after any
            wait; a bulk send commits the message's journal record here.
    """

    method: str
    url: str
    params: tuple[tuple[str, str], ...]
    headers: dict[str, str] = attrs.field(repr=False)  # holds the token
    content: bytes | StreamedBody | None = attrs.field(repr=False)
    timeout: httpx.Timeout | httpx._client.UseClientDefault  # pyright: ignore[reportPrivateUsage]
    deadline: float | None = None
    on_start: Callable[[], None] | None = attrs.field(default=None, repr=False, eq=False)

    def starting(self) -> None:
        """Tell the flow's observer, if any, that the request is about to leave."""
        if self.on_start is not None:
            self.on_start()

    def build(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """Build the request on ``http``, so that its own defaults (cookies, headers) apply."""
        content: bytes | StreamedBody | _AsyncBody | None = self.content
        headers = self.headers
        if isinstance(content, StreamedBody):
            # A known length keeps httpx from falling back to chunked transfer encoding.
            headers = {**headers, "Content-Length": str(content.length)}
            if isinstance(http, httpx.AsyncClient):
                content = _AsyncBody(content)
        return http.build_request(
            self.method,
            self.url,
            params=self.params or None,  # an empty tuple still costs httpx a URL rebuild
            headers=headers,
            content=content,
            timeout=self.timeout,
        )


class _AsyncBody:
    """A streamed body as an async iterable only, the form httpx's async client sends."""

    def __init__(self, body: StreamedBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._body:
            yield chunk


@attrs.frozen
class Sleep:
    """Command: wait this many seconds, then resume the flow with ``None``.

    Attributes:
        seconds: How long to wait.
    """

    seconds: float


@attrs.frozen
class Pause:
    """Command: hold back every request sharing the limiter, then resume the flow with ``None``.

    Attributes:
        seconds: How long Missive asked to wait.
        deadline: Seconds the call to the limiter may take, as for the request
            that met the 429 (``None``: no bound).
    """

    seconds: float
    deadline: float | None = None


Command: TypeAlias = Send | Sleep | Pause
Outcome: TypeAlias = httpx.Response | httpx.RequestError | BrokenAnswer | None
Flow: TypeAlias = Generator[Command, Outcome, T]


class Runner(Protocol):
    """Drives a flow to its result: a sync client's request loop."""

    def __call__(self, flow: Flow[T], /) -> T:
        """Run ``flow``, doing its I/O, and return its result."""
        ...


class AsyncRunner(Protocol):
    """Drives a flow to its result: an async client's request loop."""

    async def __call__(self, flow: Flow[T], /) -> T:
        """Run ``flow``, doing its I/O, and return its result."""
        ...


def _token(token: str | None) -> str:
    found: object = os.environ.get(TOKEN_ENV_VAR) if token is None else token
    if not isinstance(found, str) or not found.strip():
        msg = (
            f"no Missive API token: pass token=... or set the {TOKEN_ENV_VAR} environment "
            "variable (create a token in Missive under Preferences → API)"
        )
        raise ValidationError(msg, field="token")
    if not found.isascii() or not found.isprintable() or any(c.isspace() for c in found):
        # Never echo the token: the message must be safe to log.
        msg = (
            "the Missive API token contains whitespace or characters that cannot go in an "
            "HTTP header; copy it again from Missive under Preferences → API"
        )
        raise ValidationError(msg, field="token")
    return found


def _base_url(base_url: str | None) -> str:
    where = "base_url"
    if base_url is None:
        # An empty variable counts as unset, as shells and compose files often leave them.
        base_url = os.environ.get(BASE_URL_ENV_VAR) or DEFAULT_BASE_URL
        where = f"the {BASE_URL_ENV_VAR} environment variable"
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        msg = f"{where} {base_url!r} is not a URL; use e.g. {DEFAULT_BASE_URL!r}"
        raise ValidationError(msg, field="base_url") from exc
    if url.userinfo:
        # Never echo it: the password would reach logs, errors and the journal.
        msg = (
            f"{where} must not hold a user name or password (user:password@); "
            "the client authenticates with the token alone"
        )
        raise ValidationError(msg, field="base_url")
    if url.scheme not in {"http", "https"} or not url.host or url.query or url.fragment:
        msg = (
            f"{where} {base_url!r} must be an http(s) URL without query or fragment, "
            f"e.g. {DEFAULT_BASE_URL!r}"
        )
        raise ValidationError(msg, field="base_url")
    return base_url.rstrip("/")


def _limiter(
    rate_limit: RateLimit | Limiter | AsyncLimiter | None,
) -> Limiter | AsyncLimiter | None:
    if rate_limit is None or isinstance(rate_limit, (Limiter, AsyncLimiter)):
        return rate_limit
    if isinstance(cast("object", rate_limit), RateLimit):
        return SlidingWindowLimiter(rate_limit)
    msg = f"rate_limit must be a RateLimit, a Limiter or None, got {type(rate_limit).__name__}"
    raise ValidationError(msg, field="rate_limit")


H = TypeVar("H", httpx.Client, httpx.AsyncClient)


def http_client(value: object, kind: type[H]) -> H | None:
    """Check the ``http_client`` argument is ``None`` or of the kind the client drives.

    Raises:
        FieldTypeError: If it is something else, e.g. an ``httpx.AsyncClient`` for a sync client.
    """
    if value is None or isinstance(value, kind):
        return value
    msg = f"http_client must be an {kind.__module__}.{kind.__name__}, got {type(value).__name__}"
    raise FieldTypeError(msg, field="http_client")


def _seconds(name: str, value: object) -> float:
    seconds = positive_seconds(name, value)
    if not math.isfinite(seconds):
        msg = f"{name} must be a finite number of seconds, got {value!r}; give e.g. 30"
        raise ValidationError(msg, field=name)
    return seconds


def _timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout | None:
    """Check a ``timeout`` argument: seconds above 0 and finite, or an ``httpx.Timeout``.

    Raises:
        ValidationError: If a duration is not a finite number of seconds above 0.
    """
    if timeout is None:
        return None
    if isinstance(timeout, httpx.Timeout):
        for phase, value in timeout.as_dict().items():
            if value is not None:  # httpx's own "no limit" for that phase
                _seconds(f"timeout.{phase}", value)
        return timeout
    return httpx.Timeout(_seconds("timeout", timeout))


def _total(timeout: httpx.Timeout) -> float | None:
    """The whole request's deadline for ``timeout``: its longest phase (``None``: no limit)."""
    limits = [value for value in timeout.as_dict().values() if value is not None]
    return max(limits) if limits else None


# Headers the client sets itself: the same names in extra_headers never replace them.
_OWN_HEADERS: Final = frozenset({"authorization", "user-agent", "accept", "content-type"})


def _extra_headers(extra_headers: object) -> dict[str, str]:
    """Check ``extra_headers``: a mapping of header names to values that fit in HTTP.

    Raises:
        ValidationError: If it is not such a mapping.
    """
    if not isinstance(extra_headers, Mapping):
        msg = f"extra_headers must be a mapping of str to str, got {type(extra_headers).__name__}"
        raise FieldTypeError(msg, field="extra_headers")
    checked: dict[str, str] = {}
    for name, value in cast("Mapping[object, object]", extra_headers).items():
        if not (isinstance(name, str) and isinstance(value, str)):
            msg = f"extra_headers must map str to str, got {name!r}: {type(value).__name__}"
            raise FieldTypeError(msg, field="extra_headers")
        if not _header_text(name) or not _header_text(value, allow_space=True):
            msg = (
                f"extra_headers[{name!r}] holds characters that cannot go in an HTTP header; "
                "use printable ASCII"
            )
            raise ValidationError(msg, field="extra_headers")
        if name.lower() not in _OWN_HEADERS:
            checked[name] = value
    return checked


def _header_text(text: str, *, allow_space: bool = False) -> bool:
    return (
        text.isascii() and text.isprintable() and (allow_space or (bool(text) and " " not in text))
    )


class ClientCore:
    """Everything a client knows and decides, shared by the sync and async shells."""

    def __init__(
        self,
        *,
        token: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        rate_limit: RateLimit | Limiter | AsyncLimiter | None,
        own_client: bool,
        http_timeout: httpx.Timeout | None = None,
    ) -> None:
        """Validate the configuration; see the clients for the arguments.

        ``http_timeout`` is a borrowed HTTP client's own timeout, used when
        ``timeout`` is ``None``.

        Raises:
            ValidationError: If an argument is invalid or no token is found.
        """
        self.base_url = _base_url(base_url)
        given = _timeout(timeout)
        # Like the headers, the timeout is set once on an HTTP client of the client's own
        # (httpx builds a new Timeout for every request given one), and per request only
        # on a borrowed one, when timeout= asks for it.
        self.client_timeout: Final = DEFAULT_TIMEOUT if given is None else given
        self.timeout: httpx.Timeout | httpx._client.UseClientDefault = (  # pyright: ignore[reportPrivateUsage]
            httpx.USE_CLIENT_DEFAULT if own_client or given is None else given
        )
        self.retry = RetryPolicy(max_retries=max_retries)
        self.limiter = _limiter(rate_limit)
        effective = (
            given if given is not None else self.client_timeout if own_client else http_timeout
        )
        self.deadline = None if effective is None else _total(effective)
        self._check_lease()
        self._token: Final = _token(token)
        self.headers: Final = {
            "Authorization": f"Bearer {self._token}",
            "User-Agent": f"missive-channels/{__version__}",
            "Accept": "application/json",
        }
        # An HTTP client of the client's own carries `headers` from the start, which
        # spares httpx checking them again on every request; a borrowed one gets them
        # with each request. Requests only read these dicts: one of each kind is shared.
        self._plain_headers: dict[str, str] = {} if own_client else self.headers
        self._json_headers = {**self._plain_headers, "Content-Type": "application/json"}
        # Seams for tests: wall clock for HTTP-date Retry-After, randomness for jitter.
        self.wall_clock: Callable[[], float] = time.time
        self.random: Callable[[], float] = random.random

    def __repr__(self) -> str:
        """Show the configuration, never the token."""
        return f"ClientCore(base_url={self.base_url!r})"

    def derive(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> ClientCore:
        """Return a core like this one with some options replaced; ``None`` keeps one.

        The limiter is the same object, so every core derived from one client
        shares its budget.

        Raises:
            ValidationError: If an option is invalid.
        """
        derived = copy.copy(self)
        given = _timeout(timeout)
        if given is not None:
            derived.timeout = given
            derived.deadline = _total(given)
            derived._check_lease()  # noqa: SLF001
        if max_retries is not None:
            derived.retry = attrs.evolve(self.retry, max_retries=max_retries)
        if extra_headers is not None:
            extra = _extra_headers(extra_headers)
            derived._plain_headers = {**extra, **self._plain_headers}  # noqa: SLF001
            derived._json_headers = {**extra, **self._json_headers}  # noqa: SLF001
        return derived

    def with_call_options(
        self, timeout: float | httpx.Timeout | None, extra_headers: Mapping[str, str] | None
    ) -> ClientCore:
        """Return the core for one call: this one, or one derived for the call's options."""
        if timeout is None and extra_headers is None:
            return self
        return self.derive(timeout=timeout, extra_headers=extra_headers)

    def _check_lease(self) -> None:
        """Check each request ends well before the limiter's lease on its slot does.

        Raises:
            ValidationError: If a request could outlive its lease, letting more
                than ``max_concurrent`` requests be in flight.
        """
        lease = lease_seconds(self.limiter)
        if lease is None or (self.deadline is not None and self.deadline + LEASE_MARGIN <= lease):
            return
        took = "no limit" if self.deadline is None else f"up to {self.deadline:g} s"
        msg = (
            f"timeout lets a request take {took}, but the rate limiter's lease on its "
            f"concurrency slot lasts {lease:g} s: a request could outlive its slot and more "
            f"than max_concurrent requests would be in flight; give a timeout at least "
            f"{LEASE_MARGIN:g} s shorter than lease_seconds, or the limiter a longer lease_seconds"
        )
        raise ValidationError(msg, field="timeout")

    @property
    def max_concurrent(self) -> int | None:
        """How many requests may be in flight at once (``None``: unbounded)."""
        return None if self.limiter is None else self.limiter.max_concurrent

    def check_open(self, command: Send, *, closed: bool) -> None:
        """Check the client is open before it takes a place in the limits.

        Raises:
            ClientClosedError: If the client (or the HTTP client it uses) is closed.
        """
        if closed:
            msg = (
                f"cannot send {command.method} {_path(command)}: the client is closed; "
                "create a new client, or send inside its `with` block"
            )
            raise ClientClosedError(msg)

    def start_delay(self, command: Send, lease: Lease) -> float:
        """Return how long to wait, under ``lease``, before sending ``command``."""
        if lease.wait > 0 and logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "rate limit: %s %s waits %.3f s", command.method, _path(command), lease.wait
            )
        return lease.wait

    def send_command(
        self, operation: Operation[T], *, on_start: Callable[[], None] | None = None
    ) -> Send:
        """Return the `Send` command for one attempt of ``operation``."""
        return Send(
            method=operation.method,
            url=self.base_url + operation.path,
            params=operation.params,
            headers=self._plain_headers if operation.content is None else self._json_headers,
            content=operation.content,
            timeout=self.timeout,
            deadline=self.deadline,
            on_start=on_start,
        )

    def flow_all(self, operations: Iterable[Operation[list[T]]]) -> Flow[tuple[T, ...]]:
        """Run list-valued operations one after the other and join their results."""
        results: list[T] = []
        for operation in operations:
            results.extend((yield from self.flow(operation)))
        return tuple(results)

    def flow(
        self, operation: Operation[T], *, on_start: Callable[[], None] | None = None
    ) -> Flow[T]:
        """Run ``operation`` with retries: the one request loop both clients drive.

        Each attempt sends the request; a success answer is read into the result, and
        a failure is either retried after a `Sleep` (preceded by a `Pause` of the shared
        limiter when Missive answered 429 with a ``Retry-After``) or raised.

        Args:
            operation: The request to run.
            on_start: Called right before each attempt leaves (see `Send.on_start`).

        Returns:
            The operation's result, read from the success answer.

        Raises:
            APIError: The last failure, when it is not retried.
        """
        command = self.send_command(operation, on_start=on_start)
        attempt = 0
        while True:
            attempt += 1
            outcome = yield command
            assert outcome is not None  # noqa: S101 - a Send is always answered
            _log_outcome(command, outcome, attempt)
            if isinstance(outcome, httpx.Response) and outcome.is_success:
                return _result(operation, command, outcome)
            if (
                isinstance(outcome, BrokenAnswer)
                and isinstance(outcome.cause, httpx.RequestError)
                and outcome.response.is_success
                and not operation.idempotent
            ):
                # Missive answered 2xx to a create: it has the message, whatever the body.
                logger.warning(
                    "%s %s -> %d, but its body could not be read (%s); reporting it created",
                    command.method,
                    _path(command),
                    outcome.response.status_code,
                    type(outcome.cause).__name__,
                )
                return operation.answer.read(b"")
            error, retry_after = self._failure(command, outcome, creates=not operation.idempotent)
            pause = self._pause(command, outcome, retry_after)
            if pause is not None:
                yield pause
            delay = self._retry_delay(error, attempt, retry_after, idempotent=operation.idempotent)
            if delay is None:
                raise error
            _log_retry(command, error, attempt, delay)
            yield Sleep(delay)

    def _failure(
        self,
        command: Send,
        outcome: httpx.Response | httpx.RequestError | BrokenAnswer,
        *,
        creates: bool,
    ) -> tuple[APIError, float | None]:
        """Return the error for a failed attempt, and the wait Missive asked for, if any."""
        url = _full_url(command)
        if isinstance(outcome, BrokenAnswer):
            if isinstance(outcome.cause, AnswerTooLarge):
                return _too_large(outcome, command, url=url, creates=creates), None
            outcome = outcome.cause
        if isinstance(outcome, httpx.RequestError):
            return transport_error(outcome, method=command.method, url=url, creates=creates), None
        retry_after = parse_retry_after(outcome.headers.get("Retry-After"), now=self.wall_clock())
        error = status_error(
            outcome,
            method=command.method,
            url=url,
            creates=creates,
            retry_after=retry_after,
            secret=self._token,
        )
        return error, retry_after

    def _pause(
        self,
        command: Send,
        outcome: httpx.Response | httpx.RequestError | BrokenAnswer,
        retry_after: float | None,
    ) -> Pause | None:
        """Return the `Pause` a 429 with ``Retry-After`` asks of everyone sharing the limiter.

        Everyone holds back, not only this request; past the policy's cap they get to
        ask, and raise `RateLimitError` themselves.
        """
        if (
            retry_after is None
            or self.limiter is None
            or not isinstance(outcome, httpx.Response)
            or outcome.status_code != _TOO_MANY
        ):
            return None
        return Pause(min(retry_after, self.retry.max_retry_after), command.deadline)

    def _retry_delay(
        self, error: APIError, attempt: int, retry_after: float | None, *, idempotent: bool
    ) -> float | None:
        """Return how long to wait before retrying after ``attempt`` failed, or ``None``."""
        return retry_delay(
            self.retry,
            error,
            retry=attempt,
            idempotent=idempotent,
            retry_after=retry_after,
            random=self.random(),
        )


def _result(operation: Operation[T], command: Send, response: httpx.Response) -> T:
    """Read a success answer into the operation's result.

    Raises:
        APIResponseValidationError: If the body does not have the expected shape.
    """
    try:
        return operation.answer.read(response.content)
    except ShapeError as exc:
        url = _full_url(command)
        raise response_shape_error(exc, response, method=command.method, url=url) from exc


def _too_large(
    broken: BrokenAnswer, command: Send, *, url: str, creates: bool
) -> APIResponseValidationError:
    status = broken.response.status_code
    msg = (
        f"{command.method} {url} answered {status} with a body over {MAX_ANSWER_BYTES} bytes, "
        "far more than Missive ever sends; reading stopped there: check base_url"
    )
    if creates:
        msg += "; Missive may have processed it: check in Missive before sending it again"
    error = APIResponseValidationError(
        msg, method=command.method, url=url, status_code=status, possibly_delivered=creates
    )
    error.__cause__ = broken.cause
    return error


def _log_outcome(
    command: Send, outcome: httpx.Response | httpx.RequestError | BrokenAnswer, attempt: int
) -> None:
    # The check keeps the URL parsing of the arguments off the success path.
    if not logger.isEnabledFor(logging.DEBUG):
        return
    if isinstance(outcome, BrokenAnswer):
        logger.debug(
            "%s %s -> %d, body failed: %s (attempt %d)",
            command.method,
            _path(command),
            outcome.response.status_code,
            type(outcome.cause).__name__,
            attempt,
        )
    elif isinstance(outcome, httpx.Response):
        logger.debug(
            "%s %s -> %d (attempt %d)", command.method, _path(command), outcome.status_code, attempt
        )
    else:
        logger.debug(
            "%s %s -> %s (attempt %d)",
            command.method,
            _path(command),
            type(outcome).__name__,
            attempt,
        )


def _log_retry(command: Send, error: APIError, attempt: int, delay: float) -> None:
    logger.info(
        "retrying %s %s after attempt %d failed (%s); waiting %.3f s",
        command.method,
        _path(command),
        attempt,
        _reason(error),
        delay,
    )


def _path(command: Send) -> str:
    return httpx.URL(command.url).path


def _full_url(command: Send) -> str:
    """The URL with its query, for error messages; built only when one is needed."""
    return str(httpx.URL(command.url, params=command.params))


def _reason(error: APIError) -> str:
    if isinstance(error, APIStatusError):
        return f"status {error.status_code}"
    return type(error).__name__
