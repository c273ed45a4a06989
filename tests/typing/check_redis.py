"""Type-checked, never run: the Redis classes as users see them, and which client takes which."""

from __future__ import annotations

import redis
import redis.asyncio
from typing_extensions import assert_type

from missive_channels import AsyncMissiveClient, MissiveClient, RateLimit, SharedStateError
from missive_channels.ratelimit import (
    AsyncLimiter,
    AsyncLimiterAdapter,
    Lease,
    LeasingLimiter,
    SlidingWindowLimiter,
)
from missive_channels.redis import (
    AsyncRedisDeduplicator,
    AsyncRedisRateLimiter,
    RedisDeduplicator,
    RedisRateLimiter,
)
from missive_channels.webhooks import (
    AsyncDeduplicator,
    Deduplicator,
    Delivery,
    ahandle_once,
    handle_once,
)

limiter = RedisRateLimiter(
    redis.Redis(socket_timeout=5), token="t", rate_limit=RateLimit(), lease_seconds=90.0
)
assert_type(RedisRateLimiter.from_url("redis://localhost:6379/0"), RedisRateLimiter)
assert_type(limiter.lease(), Lease | float)
assert_type(limiter.acquire(), float)
assert_type(limiter.max_concurrent, int | None)
assert_type(limiter.lease_seconds, float)
leasing: LeasingLimiter = limiter
MissiveClient(rate_limit=limiter)

async_limiter = AsyncRedisRateLimiter.from_url("redis://localhost:6379/0", prefix="acme")
awaited: AsyncLimiter = async_limiter
AsyncMissiveClient(rate_limit=async_limiter)
MissiveClient(rate_limit=async_limiter)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
AsyncMissiveClient(rate_limit=limiter)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
AsyncMissiveClient(rate_limit=AsyncLimiterAdapter(SlidingWindowLimiter()))

dedup: Deduplicator = RedisDeduplicator(redis.Redis(), ttl=3600.0, claim_timeout=30.0)
adedup: AsyncDeduplicator = AsyncRedisDeduplicator(redis.asyncio.Redis())
RedisDeduplicator(redis.asyncio.Redis())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def use() -> None:
    """The async classes are awaited; ahandle_once takes the async deduplicator."""
    assert_type(await async_limiter.lease(), Lease | float)
    async with ahandle_once(adedup, "m1") as delivery:
        assert_type(delivery, Delivery)
    await async_limiter.aclose()


try:
    with handle_once(dedup, "m1") as delivery:
        assert_type(delivery, Delivery)
except SharedStateError as error:
    assert_type(error.__cause__, BaseException | None)
limiter.close()
