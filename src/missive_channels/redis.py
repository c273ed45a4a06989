"""Missive's rate limits and webhook deduplication shared through Redis, across processes.

One API token's limits hold for every worker using it, on every machine; a web
app receiving webhooks runs several workers that must agree on which deliveries
they handled. These classes keep that state in Redis:

- `RedisRateLimiter` (for `MissiveClient`) and `AsyncRedisRateLimiter` (for
  `AsyncMissiveClient`): pass one as ``rate_limit=``.
- `RedisDeduplicator` (for `handle_once`) and `AsyncRedisDeduplicator` (for
  `ahandle_once`).

Failures to reach or use Redis raise `missive_channels.SharedStateError`.
Needs the ``redis`` extra: ``pip install "missive-channels[redis]"``.
"""

try:
    import redis as _redis_py  # noqa: F401  # pyright: ignore[reportUnusedImport] - fail early, clearly
except ImportError as exc:
    _msg = 'missive_channels.redis needs the redis package: pip install "missive-channels[redis]"'
    raise ImportError(_msg) from exc

from ._exports import publish as _publish
from ._redis import (
    AsyncRedisDeduplicator,
    AsyncRedisRateLimiter,
    RedisDeduplicator,
    RedisRateLimiter,
)

__all__ = [
    "AsyncRedisDeduplicator",
    "AsyncRedisRateLimiter",
    "RedisDeduplicator",
    "RedisRateLimiter",
]

_publish(__name__, globals(), __all__)
