"""Missive's rate limits: the limiter protocol, the window arithmetic and the in-process limiter."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import attrs

from ._errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "Limiter",
    "RateLimit",
    "RateWindow",
    "SlidingWindowLimiter",
    "earliest_start",
]


def _positive_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 1:
        msg = f"{type(instance).__name__}.{attribute.name} must be an int >= 1, got {value!r}"
        raise ValidationError(msg, field=attribute.name)


def _positive_seconds(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        msg = (
            f"{type(instance).__name__}.{attribute.name} must be a finite number > 0, got {value!r}"
        )
        raise ValidationError(msg, field=attribute.name)


@attrs.frozen
class RateWindow:
    """At most ``requests`` request starts in any ``seconds``-long stretch of time.

    Attributes:
        requests: The ceiling.
        seconds: The window length.
    """

    requests: int = attrs.field(validator=_positive_int)
    seconds: float = attrs.field(validator=_positive_seconds)


def _optional_concurrency(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _positive_int(instance, attribute, value)


def _windows(value: Sequence[RateWindow]) -> tuple[RateWindow, ...]:
    return tuple(value)


def _margin(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (value >= 0 and math.isfinite(value)):
        where = f"{type(instance).__name__}.{attribute.name}"
        msg = f"{where} must be a finite number >= 0, got {value!r}"
        raise ValidationError(msg, field=attribute.name)


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

    max_concurrent: int | None = attrs.field(default=5, validator=_optional_concurrency)
    windows: tuple[RateWindow, ...] = attrs.field(
        default=(RateWindow(300, 60.0), RateWindow(900, 900.0)), converter=_windows
    )
    margin: float = attrs.field(default=1.0, validator=_margin)


DEFAULT_RATE_LIMIT: Final = RateLimit()
"""Missive's published limits: 5 concurrent, 300 per minute, 900 per 15 minutes."""


@runtime_checkable
class Limiter(Protocol):
    """What a client needs from a rate limiter; implement it to share limits across processes.

    A limiter reserves start times: `acquire` records that a request will start
    after the returned delay and returns at once, so no lock is held while the
    caller waits. Concurrency is not part of the protocol: waiting for a free
    slot is an event, not arithmetic, so each client bounds its in-flight
    requests with its own semaphore of ``max_concurrent`` slots.
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


class SlidingWindowLimiter:
    """An exact in-process limiter: all threads and tasks sharing it stay inside every window.

    It keeps the start times of the latest requests (as many as the largest
    window allows) and gives each caller the earliest start that breaks no
    window, in arrival order. The lock is held only to read and record; the
    caller waits afterwards, outside of it.
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
