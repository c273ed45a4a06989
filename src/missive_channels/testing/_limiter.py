"""Server-side arithmetic of Missive's rate limits: requests in flight and sliding windows."""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from missive_channels._ratelimit import RateLimit


__all__ = ["Verdict", "_FakeLimits"]


@attrs.frozen(kw_only=True)
class Verdict:
    """The fake's answer for one request, with the values of its ``X-RateLimit-*`` headers."""

    admitted: bool
    limit: int
    remaining: int
    reset: float
    retry_after: int


class _FakeLimits:
    """Admits or refuses requests as Missive would under a `RateLimit`; thread-safe.

    Each window counts the requests it admitted during its last ``seconds`` of
    the fake's clock (a sliding window: the strictest reading of Missive's
    docs). Refused requests do not count. The limit's ``margin`` is a client's
    safety allowance and plays no part here.
    """

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._windows = tuple(
            (window.requests, window.seconds, deque[float]()) for window in limit.windows
        )

    def reset(self) -> None:
        """Forget every request counted so far."""
        with self._lock:
            for _, _, stamps in self._windows:
                stamps.clear()

    def admit(self, now: float, in_flight: int) -> Verdict:
        """Decide on a request arriving at ``now`` while ``in_flight`` are open (itself included).

        An admitted request is counted in every window; a refused one is not.
        """
        concurrent = self.limit.max_concurrent
        if concurrent is not None and in_flight > concurrent:
            return Verdict(
                admitted=False, limit=concurrent, remaining=0, reset=now + 1, retry_after=1
            )
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
                        admitted=True, limit=limit, remaining=remaining, reset=reset, retry_after=0
                    )
            for _, _, stamps in self._windows:
                stamps.append(now)
        if tightest is None:  # no windows: only concurrency is limited
            return Verdict(admitted=True, limit=0, remaining=0, reset=now, retry_after=0)
        return tightest
