"""Server-side arithmetic of Missive's three rate limits: in flight, per minute, per 15 minutes."""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ._settings import RateLimits


__all__ = ["Limiter", "Verdict"]


@attrs.frozen(kw_only=True)
class Verdict:
    """The limiter's answer for one request, with the values of its ``X-RateLimit-*`` headers."""

    admitted: bool
    limit: int
    remaining: int
    reset: float
    retry_after: int


class Limiter:
    """Admits or refuses requests under `RateLimits`; thread-safe."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._windows = (
            (limits.per_minute, limits.minute_window, deque[float]()),
            (limits.per_15_minutes, limits.long_window, deque[float]()),
        )

    def reset(self) -> None:
        """Forget every request counted so far."""
        with self._lock:
            for _, _, stamps in self._windows:
                stamps.clear()

    def admit(self, now: float, in_flight: int) -> Verdict:
        """Decide on a request arriving at ``now`` while ``in_flight`` are open (itself included).

        An admitted request is counted in both windows; a refused one is not.
        """
        if in_flight > self.limits.concurrent:
            limit = self.limits.concurrent
            return Verdict(admitted=False, limit=limit, remaining=0, reset=now + 1, retry_after=1)
        with self._lock:
            tightest: Verdict | None = None
            for limit, length, stamps in self._windows:
                while stamps and stamps[0] <= now - length:
                    stamps.popleft()
                reset = (stamps[0] if stamps else now) + length
                if len(stamps) >= limit:
                    wait = max(1, math.ceil(reset - now))
                    return Verdict(
                        admitted=False, limit=limit, remaining=0, reset=reset, retry_after=wait
                    )
                remaining = limit - len(stamps) - 1
                if tightest is None or remaining < tightest.remaining:
                    tightest = Verdict(
                        admitted=True,
                        limit=limit,
                        remaining=remaining,
                        reset=reset,
                        retry_after=0,
                    )
            for _, _, stamps in self._windows:
                stamps.append(now)
            assert tightest is not None  # noqa: S101 - there are always two windows
            return tightest
