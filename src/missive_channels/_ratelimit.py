"""Missive's rate limits: the limiter protocol, the window arithmetic and the in-process limiter."""

from __future__ import annotations

import abc
import itertools
import math
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

import attrs

from ._errors import FieldTypeError
from ._validators import (
    non_negative_seconds,
    optional_positive_int,
    positive_int,
    positive_seconds_field,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


@attrs.frozen
class RateWindow:
    """At most ``requests`` request starts in any ``seconds``-long stretch of time.

    Attributes:
        requests: The ceiling.
        seconds: The window length.
    """

    requests: int = attrs.field(validator=positive_int)
    seconds: float = attrs.field(validator=positive_seconds_field)


def _windows(value: Sequence[RateWindow]) -> tuple[RateWindow, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class RateLimit:
    """The limits a client keeps to; the defaults are Missive's published ones.

    Attributes:
        max_concurrent: Requests in flight at once (``None``: unbounded).
        windows: Sliding windows that must all hold; Missive's are 300 per
            minute and 900 per 15 minutes.
        margin: Seconds added to every window, so that network jitter between
            this client and Missive cannot squeeze one request too many into a
            window as Missive measures it.
    """

    max_concurrent: int | None = attrs.field(default=5, validator=optional_positive_int)
    windows: tuple[RateWindow, ...] = attrs.field(
        default=(RateWindow(300, 60.0), RateWindow(900, 900.0)), converter=_windows
    )
    margin: float = attrs.field(default=1.0, validator=non_negative_seconds)


DEFAULT_RATE_LIMIT: Final = RateLimit()
"""Missive's published limits: 5 concurrent, 300 per minute, 900 per 15 minutes."""


@attrs.frozen
class Lease:
    """One request's place within the limits: a reserved start and, if bounded, a slot.

    A `LeasingLimiter` hands it out; the client waits ``wait`` seconds, sends,
    and gives it back with `LeasingLimiter.release` whatever the outcome.

    Attributes:
        wait: Seconds from when the lease was granted until the reserved start
            (``0.0``: send now).
        slot: The limiter's handle on the concurrency slot held, or ``None`` when
            the limiter does not bound concurrency.
    """

    wait: float
    slot: str | None = None


@runtime_checkable
class Limiter(Protocol):
    """What a client needs from a rate limiter; implement it to share limits across processes.

    A limiter reserves start times: `acquire` records that a request will start
    after the returned delay and returns at once, so no lock is held while the
    caller waits. A plain `Limiter` leaves concurrency to each client's own
    semaphore of ``max_concurrent`` slots; a `LeasingLimiter` also bounds the
    requests in flight across everything that shares it.
    """

    @property
    def max_concurrent(self) -> int | None:
        """Requests a client may have in flight at once (``None``: unbounded)."""
        ...

    def acquire(self) -> float:
        """Reserve a start for one request.

        Returns:
            Seconds the caller must wait before sending it (``0.0``: send now).
        """
        ...

    def pause(self, seconds: float) -> None:
        """Hold back every start not yet reserved by ``seconds`` from now (Missive said 429)."""
        ...


@runtime_checkable
class LeasingLimiter(Limiter, Protocol):
    """A `Limiter` that also hands out concurrency slots, shared by every client using it.

    The clients always go through `lease` and `release`: before each request
    they take a lease (a slot and a reserved start, in one step, so that a
    start is never reserved for a request that then waits for a slot), and they
    give it back when the request is over. A limiter whose slots live outside
    the process (Redis) makes them expire, so a crashed worker cannot keep one.
    """

    def lease(self) -> Lease | float:
        """Take a concurrency slot and reserve a start for one request.

        Returns:
            A `Lease` to send under, or, when every slot is taken, the seconds
            to wait before asking again.
        """
        ...

    def release(self, lease: Lease) -> None:
        """Give back a lease's slot once its request is over; never raises.

        Args:
            lease: A lease from `lease`; releasing it twice is harmless.
        """
        ...


@runtime_checkable
class _ExpiringLeases(Protocol):
    """A limiter whose leases lapse on their own (e.g. in Redis), after ``lease_seconds``."""

    @property
    def lease_seconds(self) -> float: ...


def lease_seconds(limiter: object) -> float | None:
    """Return how long a lease of ``limiter`` holds its slot after its start, if it lapses.

    A limiter that keeps its slots outside the process makes them lapse, so that a
    crashed worker cannot hold one for ever; it says after how long with a
    ``lease_seconds`` attribute, and the clients refuse a timeout that could let a
    request outlive its lease.
    """
    return limiter.lease_seconds if isinstance(limiter, _ExpiringLeases) else None


class AsyncLimiter(abc.ABC):
    """The limiter for stores reached with ``await`` (e.g. async Redis); subclass it.

    `AsyncMissiveClient` takes one as ``rate_limit``; the methods mean what
    `LeasingLimiter`'s do. Being a subclass is what marks a limiter as one to
    await: `MissiveClient` refuses it, and `AsyncMissiveClient` refuses a sync
    limiter unless it comes through `AsyncLimiterAdapter` (a `SlidingWindowLimiter`
    it adapts by itself).
    """

    @property
    @abc.abstractmethod
    def max_concurrent(self) -> int | None:
        """Requests in flight at once, across all that share the limiter (``None``: unbounded)."""
        ...

    @abc.abstractmethod
    async def lease(self) -> Lease | float:
        """See `LeasingLimiter.lease`."""
        ...

    @abc.abstractmethod
    async def release(self, lease: Lease) -> None:
        """See `LeasingLimiter.release`."""
        ...

    @abc.abstractmethod
    async def pause(self, seconds: float) -> None:
        """See `Limiter.pause`."""
        ...


def earliest_start(
    starts: Sequence[float], windows: Sequence[RateWindow], *, now: float, margin: float = 0.0
) -> float:
    """Return the earliest time a new request may start without breaking a window.

    A window of ``n`` requests per ``p`` seconds holds for the new start ``t``
    exactly when ``t`` comes at least ``p`` after the ``n``-th most recent start:
    then no stretch of length ``p`` ending at ``t`` holds more than ``n`` starts.

    Args:
        starts: Earlier (or reserved) start times, in ascending order.
        windows: The windows to respect.
        now: The current time.
        margin: Seconds added to every window length.

    Returns:
        A time ``>= now``.
    """
    earliest = now
    for window in windows:
        if len(starts) >= window.requests:
            earliest = max(earliest, starts[-window.requests] + window.seconds + margin)
    return earliest


_RETRY_LEASE: Final = 0.01
"""Seconds a request waits before asking again for a slot held by another client."""


class SlidingWindowLimiter:
    """An exact in-process limiter: all threads and tasks sharing it stay inside every window.

    It keeps the start times of the latest requests (as many as the largest
    window allows) and gives each caller the earliest start that breaks no
    window, in arrival order. The lock is held only to read and record; the
    caller waits afterwards, outside of it. Clients sharing it also share its
    ``max_concurrent`` slots.
    """

    def __init__(
        self,
        rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Create the limiter.

        Args:
            rate_limit: The limits to keep to.
            clock: A monotonic clock in seconds; ``time.monotonic`` by default
                (inject a fake one in tests).
        """
        self._rate_limit = rate_limit
        self._clock = time.monotonic if clock is None else clock
        longest = max((window.requests for window in rate_limit.windows), default=0)
        self._starts: deque[float] = deque(maxlen=longest)
        self._paused_until = -math.inf
        self._lock = threading.Lock()
        self._slots: set[str | None] = set()
        self._slot_ids = itertools.count()

    @property
    def max_concurrent(self) -> int | None:
        """Requests a client may have in flight at once (``None``: unbounded)."""
        return self._rate_limit.max_concurrent

    def acquire(self) -> float:
        """Reserve the earliest start that keeps every window.

        Returns:
            Seconds the caller must wait before sending (``0.0``: send now).
        """
        with self._lock:
            return self._reserve()

    def _reserve(self) -> float:
        now = self._clock()
        start = earliest_start(
            self._starts,
            self._rate_limit.windows,
            now=max(now, self._paused_until),
            margin=self._rate_limit.margin,
        )
        # Reservations come out in ascending order, so the deque stays sorted.
        self._starts.append(start)
        return start - now

    def lease(self) -> Lease | float:
        """Take one of the ``max_concurrent`` slots and reserve the earliest start.

        Returns:
            A `Lease`, or the seconds to wait before asking again when every
            slot is held (by other clients sharing this limiter).
        """
        limit = self._rate_limit.max_concurrent
        with self._lock:
            if limit is None:
                return Lease(self._reserve())
            if len(self._slots) >= limit:
                return _RETRY_LEASE
            slot = str(next(self._slot_ids))
            self._slots.add(slot)
            return Lease(self._reserve(), slot)

    def release(self, lease: Lease) -> None:
        """Give back the lease's slot.

        Args:
            lease: A lease from `lease`; releasing it twice is harmless.
        """
        with self._lock:
            self._slots.discard(lease.slot)

    def pause(self, seconds: float) -> None:
        """Hold back every start not yet reserved by ``seconds`` from now.

        Args:
            seconds: How long Missive asked to wait.
        """
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def __repr__(self) -> str:
        """Show the limits, not the recorded starts."""
        return f"SlidingWindowLimiter({self._rate_limit!r})"


class _Unleased:
    """A plain `Limiter` seen as a `LeasingLimiter`: starts from it, no shared slots."""

    def __init__(self, limiter: Limiter) -> None:
        self._limiter = limiter

    @property
    def max_concurrent(self) -> int | None:
        return self._limiter.max_concurrent

    def acquire(self) -> float:
        return self._limiter.acquire()

    def pause(self, seconds: float) -> None:
        self._limiter.pause(seconds)

    def lease(self) -> Lease:
        return Lease(self._limiter.acquire())

    def release(self, lease: Lease) -> None:
        pass


class _Unlimited:
    """No limiter at all (``rate_limit=None``): every request may start at once."""

    max_concurrent = None

    def acquire(self) -> float:
        return 0.0

    def pause(self, seconds: float) -> None:
        pass

    def lease(self) -> Lease:
        return _FREE

    def release(self, lease: Lease) -> None:
        pass


_FREE: Final = Lease(0.0)
"""The lease of an unlimited client: leases are frozen, so one serves every request."""


class AsyncLimiterAdapter(AsyncLimiter):
    """A sync limiter whose calls never block, as an `AsyncLimiter`.

    Use it to share an in-process limiter of your own between sync and async
    clients; `AsyncMissiveClient` adapts a `SlidingWindowLimiter` by itself. Never
    wrap a limiter that does I/O (a database, a sync Redis client): its calls would
    stall the event loop. Write an `AsyncLimiter` for it instead, as
    `missive_channels.redis.AsyncRedisRateLimiter` is.
    """

    def __init__(self, limiter: Limiter) -> None:
        """Adapt ``limiter``.

        Args:
            limiter: A `Limiter` or `LeasingLimiter` whose calls return at once.

        Raises:
            FieldTypeError: If ``limiter`` is already an `AsyncLimiter`.
        """
        self._limiter = leasing(limiter)

    @property
    def max_concurrent(self) -> int | None:
        """The adapted limiter's ``max_concurrent``."""
        return self._limiter.max_concurrent

    async def lease(self) -> Lease | float:
        """Take a lease from the adapted limiter (see `LeasingLimiter.lease`)."""
        return self._limiter.lease()

    async def release(self, lease: Lease) -> None:
        """Give the lease back to the adapted limiter (see `LeasingLimiter.release`)."""
        self._limiter.release(lease)

    async def pause(self, seconds: float) -> None:
        """Pause the adapted limiter (see `Limiter.pause`)."""
        self._limiter.pause(seconds)

    def __repr__(self) -> str:
        """Show the adapted limiter."""
        return f"AsyncLimiterAdapter({self._limiter!r})"


def leasing(limiter: Limiter | AsyncLimiter | None) -> LeasingLimiter:
    """Return the limiter as the sync client drives it: always through leases.

    Raises:
        FieldTypeError: If ``limiter`` is an `AsyncLimiter`, which only the async client can use.
    """
    if limiter is None:
        return _Unlimited()
    if isinstance(limiter, AsyncLimiter):
        msg = (
            f"rate_limit is an async limiter ({type(limiter).__name__}), which only "
            "AsyncMissiveClient can use; give MissiveClient a sync one, such as "
            "missive_channels.redis.RedisRateLimiter"
        )
        raise FieldTypeError(msg, field="rate_limit")
    if isinstance(limiter, LeasingLimiter):
        return limiter
    return _Unleased(limiter)


def aleasing(limiter: Limiter | AsyncLimiter | None) -> AsyncLimiter:
    """Return the limiter as the async client drives it: awaited, always through leases.

    Raises:
        FieldTypeError: If ``limiter`` is a sync limiter other than `SlidingWindowLimiter`,
            whose calls might block the event loop.
    """
    if isinstance(limiter, AsyncLimiter):
        return limiter
    if limiter is None or isinstance(limiter, SlidingWindowLimiter):
        return AsyncLimiterAdapter(_Unlimited() if limiter is None else limiter)
    msg = (
        f"rate_limit is a sync limiter ({type(limiter).__name__}), whose calls could block "
        "AsyncMissiveClient's event loop; give it an AsyncLimiter, such as "
        "missive_channels.redis.AsyncRedisRateLimiter, or, if its calls never block, "
        "wrap it: AsyncLimiterAdapter(limiter)"
    )
    raise FieldTypeError(msg, field="rate_limit")
