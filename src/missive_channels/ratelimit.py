"""Missive's rate limits: the limits, the limiter protocols and the in-process limiter.

`MissiveClient` and `AsyncMissiveClient` keep to `DEFAULT_RATE_LIMIT` by themselves.
This module is for tuning that (`RateLimit`, `RateWindow`), for sharing one budget
between clients (`SlidingWindowLimiter`), and for writing a limiter of your own
(`Limiter`, `LeasingLimiter`, `AsyncLimiter`). Limiters shared between processes are in
`missive_channels.redis`.
"""

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "AsyncLimiter",
    "AsyncLimiterAdapter",
    "Lease",
    "LeasingLimiter",
    "Limiter",
    "RateLimit",
    "RateWindow",
    "SlidingWindowLimiter",
]

from ._exports import publish as _publish
from ._ratelimit import (
    DEFAULT_RATE_LIMIT,
    AsyncLimiter,
    AsyncLimiterAdapter,
    Lease,
    LeasingLimiter,
    Limiter,
    RateLimit,
    RateWindow,
    SlidingWindowLimiter,
)

_publish(__name__, globals(), __all__)
