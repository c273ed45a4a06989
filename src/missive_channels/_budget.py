"""The deadline of the request being made, for everything that serves it: HTTP and Redis.

The clients set it with `deadline` around each attempt, and around each call to the
rate limiter on that attempt's behalf (taking and giving back a slot, a pause). The
HTTP transports (`_deadline`) and the Redis stores (`_redis`) read what is left with
`time_left`. It lives in a context variable, so threads and tasks each see their
own request's; this module imports nothing heavy, so the Redis stores can read it
without loading httpx.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["deadline", "time_left"]

_DEADLINE: Final[ContextVar[float | None]] = ContextVar("missive_channels_deadline", default=None)
"""The ``time.monotonic()`` by which the request being made must be over, if any."""


class deadline:  # noqa: N801 - used as a function: `with deadline(seconds):`
    """Make the work done inside the block for a request end within ``seconds`` from now.

    ``None`` sets no deadline. Blocks do not nest; each attempt has its own.
    """

    __slots__ = ("_seconds", "_token")

    def __init__(self, seconds: float | None) -> None:
        """Take the deadline's length; the clock starts when the block is entered."""
        self._seconds = seconds

    def __enter__(self) -> None:
        """Start the clock."""
        ends = None if self._seconds is None else time.monotonic() + self._seconds
        self._token = _DEADLINE.set(ends)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Drop the deadline."""
        _DEADLINE.reset(self._token)


def time_left() -> float | None:
    """Return the seconds left before the current deadline (``<= 0``: passed), or ``None``."""
    ends = _DEADLINE.get()
    return None if ends is None else ends - time.monotonic()
