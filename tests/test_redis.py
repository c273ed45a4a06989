"""The Redis limiter and deduplicator against a real server: scripts, keys, errors, clients."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import logging
import sys
from typing import TYPE_CHECKING, Any, cast

import pytest
import redis
import redis.asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import resolve
from missive_channels import (
    AsyncMissiveClient,
    FieldTypeError,
    MissiveClient,
    Participant,
    RateLimit,
    SharedStateError,
    TextMessage,
    ValidationError,
)
from missive_channels.ratelimit import Lease, RateWindow, SlidingWindowLimiter
from missive_channels.redis import (
    AsyncRedisDeduplicator,
    AsyncRedisRateLimiter,
    RedisDeduplicator,
    RedisRateLimiter,
)
from missive_channels.testing import FakeMissive, Fault
from missive_channels.webhooks import Delivery, InMemoryDeduplicator, ahandle_once, handle_once

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

pytestmark = pytest.mark.anyio

TOKEN = "missive_pat-redis-t0ken-value"
#: Nothing listens here: connection attempts are refused at once.
DEAD_URL = "redis://127.0.0.1:1/0"


class Clock:
    """The time the scripts use instead of the server's, moved by hand."""

    def __init__(self) -> None:
        """Start at an arbitrary Unix time."""
        self.now = 1_718_031_200.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now


@pytest.fixture
def store(redis_url: str) -> Iterator[redis.Redis]:
    """A sync client on the emptied test database, for looking at keys."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    yield client
    client.close()


@pytest.fixture(params=["sync", "async"])
async def make_limiter(
    request: pytest.FixtureRequest, redis_url: str
) -> AsyncIterator[Callable[..., Any]]:
    """Return a factory of Redis limiters of one kind, on the test clock when given one."""
    made: list[Any] = []

    def make(clock: Clock | None = None, url: str = redis_url, **kwargs: Any) -> Any:
        kwargs.setdefault("token", TOKEN)
        cls = RedisRateLimiter if request.param == "sync" else AsyncRedisRateLimiter
        limiter: Any = cls.from_url(url, **kwargs)
        limiter._now = clock
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await resolve(limiter.close() if request.param == "sync" else limiter.aclose())


@pytest.fixture(params=["sync", "async"])
async def make_dedup(
    request: pytest.FixtureRequest, redis_url: str
) -> AsyncIterator[Callable[..., Any]]:
    """Return a factory of Redis deduplicators of one kind."""
    made: list[Any] = []

    def make(url: str = redis_url, **kwargs: Any) -> Any:
        cls = RedisDeduplicator if request.param == "sync" else AsyncRedisDeduplicator
        dedup: Any = cls.from_url(url, **kwargs)
        made.append(dedup)
        return dedup

    yield make
    for dedup in made:
        await resolve(dedup.close() if request.param == "sync" else dedup.aclose())


async def lease(limiter: Any) -> Lease | float:
    """Ask either kind of limiter for a lease."""
    offer: Lease | float = await resolve(limiter.lease())
    return offer


async def granted(limiter: Any) -> Lease:
    """Take a lease that must be granted at once."""
    offer = await lease(limiter)
    assert isinstance(offer, Lease)
    return offer


# --- the lease script ------------------------------------------------------------------------


async def test_leases_bound_concurrency_until_released(make_limiter: Any) -> None:
    """With two slots, a third request is told to ask again until one is released."""
    limiter = make_limiter(Clock(), rate_limit=RateLimit(max_concurrent=2), retry_interval=0.02)
    first, second = await granted(limiter), await granted(limiter)
    assert (first.wait, second.wait) == (0.0, 0.0)
    assert first.slot != second.slot
    refused = await lease(limiter)
    assert isinstance(refused, float)
    assert 0.01 <= refused <= 0.03
    await resolve(limiter.release(first))
    await resolve(limiter.release(first))  # twice is harmless
    assert isinstance(await lease(limiter), Lease)
    assert isinstance(await lease(limiter), float)


async def test_window_boundaries_are_exact(make_limiter: Any) -> None:
    """3 per 10 s with a 0.5 s margin: the 4th waits 10.5 s; at that instant two more fit."""
    clock = Clock()
    limits = RateLimit(max_concurrent=None, windows=[RateWindow(3, 10.0)], margin=0.5)
    limiter = make_limiter(clock, rate_limit=limits)
    waits = [(await granted(limiter)).wait for _ in range(4)]
    assert waits == [0.0, 0.0, 0.0, 10.5]
    clock.now += 10.5
    assert (await granted(limiter)).wait == 0.0
    assert (await granted(limiter)).wait == 0.0
    assert (await granted(limiter)).wait == 10.5
    clock.now += 10.499999  # one microsecond before the 7th start's window has room again
    assert (await granted(limiter)).wait == pytest.approx(1e-6, abs=3e-7)  # float ulps


async def test_every_window_holds_at_once(make_limiter: Any) -> None:
    """The tighter of two windows decides: 2 per 1 s and 3 per 10 s."""
    clock = Clock()
    windows = [RateWindow(2, 1.0), RateWindow(3, 10.0)]
    limiter = make_limiter(clock, rate_limit=RateLimit(windows=windows, margin=0.0))
    waits = []
    for _ in range(5):
        offer = await granted(limiter)
        waits.append(offer.wait)
        await resolve(limiter.release(offer))
    assert waits == [0.0, 0.0, 1.0, 10.0, 10.0]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    gaps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=30),
    limits=st.lists(st.tuples(st.integers(1, 6), st.floats(0.5, 30)), min_size=1, max_size=3),
    margin=st.sampled_from([0.0, 0.25, 1.0]),
)
def test_the_script_reserves_what_the_in_process_limiter_would(
    store: redis.Redis, gaps: list[float], limits: list[tuple[int, float]], margin: float
) -> None:
    """For any arrivals and windows, Redis reserves the same starts as SlidingWindowLimiter."""
    store.flushdb()
    clock = Clock()
    rate_limit = RateLimit(
        max_concurrent=None, windows=[RateWindow(n, s) for n, s in limits], margin=margin
    )
    reference = SlidingWindowLimiter(rate_limit, clock=clock)
    shared = RedisRateLimiter(store, token=TOKEN, rate_limit=rate_limit)
    shared._now = clock
    for gap in gaps:
        clock.now += gap
        assert shared.acquire() == pytest.approx(reference.acquire(), abs=2e-6)


async def test_a_lease_lapses_after_its_start_plus_lease_seconds(make_limiter: Any) -> None:
    """An unreleased slot is free again once its lease ends, counted from its reserved start."""
    clock = Clock()
    limits = RateLimit(max_concurrent=1, windows=[RateWindow(1, 10.0)], margin=0.0)
    limiter = make_limiter(clock, rate_limit=limits, lease_seconds=5.0)
    await granted(limiter)  # starts now; never released, as if its worker died
    clock.now += 4.999
    assert isinstance(await lease(limiter), float)
    clock.now += 0.001
    waiting = await granted(limiter)  # reserved 10 s after the first start
    assert waiting.wait == pytest.approx(5.0, abs=1e-6)
    clock.now += 5.0 + 4.999  # still held: its lease counts from its start
    assert isinstance(await lease(limiter), float)
    clock.now += 0.001
    assert isinstance(await lease(limiter), Lease)


async def test_pause_holds_back_every_limiter_on_the_token(make_limiter: Any) -> None:
    """A 429's pause is seen by every limiter sharing the token; pauses never get shorter."""
    clock = Clock()
    limiter, colleague = make_limiter(clock), make_limiter(clock)
    other_token = make_limiter(clock, token="another-token")
    await resolve(limiter.pause(5.0))
    await resolve(limiter.pause(1.0))
    await resolve(limiter.pause(0.0))
    assert (await granted(colleague)).wait == 5.0
    assert (await granted(other_token)).wait == 0.0
    clock.now += 6.0
    assert (await granted(limiter)).wait == 0.0


async def test_the_server_clock_is_used_by_default(make_limiter: Any) -> None:
    """Without a test clock the scripts read Redis TIME: a fresh limiter sends at once."""
    limiter = make_limiter()
    offer = await granted(limiter)
    assert offer.wait == 0.0
    await resolve(limiter.pause(30.0))
    assert 29.0 < (await granted(limiter)).wait <= 30.0


async def test_without_a_concurrency_bound_no_slot_is_taken(
    make_limiter: Any, store: redis.Redis
) -> None:
    """max_concurrent=None leases hold no slot, and releasing them touches nothing."""
    limiter = make_limiter(Clock(), rate_limit=RateLimit(max_concurrent=None))
    offer = await granted(limiter)
    assert offer.slot is None
    await resolve(limiter.release(offer))
    assert limiter.max_concurrent is None
    assert not [key for key in store.scan_iter() if key.endswith(b":leases")]


def test_keys_are_namespaced_by_a_hash_of_the_token_and_expire(store: redis.Redis) -> None:
    """Keys carry the prefix and the token's hash (never the token) and every one has a TTL."""
    limiter = RedisRateLimiter(store, token=TOKEN, prefix="acme")
    limiter.pause(2.0)
    offer = limiter.lease()
    assert isinstance(offer, Lease)
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()[:32]
    keys = sorted(key.decode() for key in store.scan_iter())
    assert keys == [f"acme:{{{digest}}}:{name}" for name in ("leases", "pause", "starts")]
    assert all(TOKEN not in key for key in keys)
    assert all(store.pttl(key) > 0 for key in keys)
    assert store.pttl(keys[0]) <= (2.0 + 120.0) * 1000 + 1
    assert TOKEN not in repr(limiter)
    assert repr(limiter).startswith("RedisRateLimiter('127.0.0.1:")


def test_old_starts_are_trimmed(store: redis.Redis) -> None:
    """The starts set keeps no more than the largest window's count, and none past the horizon."""
    clock = Clock()
    limits = RateLimit(max_concurrent=None, windows=[RateWindow(3, 10.0)], margin=1.0)
    limiter = RedisRateLimiter(store, token=TOKEN, rate_limit=limits)
    limiter._now = clock
    key = next(iter(limiter._keys))
    for _ in range(10):
        limiter.acquire()
        clock.now += 2.0
    assert store.zcard(key) == 3
    clock.now += 100.0
    limiter.acquire()
    assert store.zcard(key) == 1


def test_responses_decoded_to_str_work_too(redis_url: str) -> None:
    """A client made with decode_responses=True is understood as well."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
    limiter = RedisRateLimiter(client, token=TOKEN)
    dedup = RedisDeduplicator(client)
    try:
        assert isinstance(limiter.lease(), Lease)
        assert dedup.claim("m1", "a") is Delivery.NEW
        assert dedup.claim("m1", "b") is Delivery.IN_PROGRESS
        assert dedup.complete("m1", "a") is True
        assert dedup.claim("m1", "b") is Delivery.DUPLICATE
    finally:
        client.close()


async def cancelled(call: Any) -> None:
    """Start ``call`` in a task, cancel it while its Redis command is under way, see it end."""
    task = asyncio.ensure_future(call)
    await asyncio.sleep(0)  # the task is now waiting for Redis
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancelled_lease_gives_back_the_slot_it_took(
    redis_url: str, store: redis.Redis
) -> None:
    """Cancelling a request waiting on Redis cancels it at once; its slot, if any, comes back."""
    limiter = AsyncRedisRateLimiter.from_url(
        redis_url, token=TOKEN, rate_limit=RateLimit(max_concurrent=1)
    )
    await cancelled(limiter.lease())
    await limiter.aclose()  # waits for the abandoned command and its release
    assert store.zcard(limiter._keys[1]) == 0
    held = await granted(limiter)
    await cancelled(limiter.lease())  # refused: there is nothing to give back
    await limiter.aclose()
    assert store.zrange(limiter._keys[1], 0, -1) == [cast("str", held.slot).encode()]


async def test_a_cancelled_claim_is_released_unless_it_was_not_won(
    redis_url: str, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """A claim won for a cancelled handler is dropped, so Missive's retry is handled."""
    dedup = AsyncRedisDeduplicator.from_url(redis_url)
    await cancelled(dedup.claim("m1", "a"))
    await dedup.claim("m2", "a")
    await cancelled(dedup.claim("m2", "b"))  # in progress elsewhere: left alone
    await dedup.aclose()
    assert store.get("missive-channels:webhook:m1") is None
    assert store.get("missive-channels:webhook:m2") == b"in_progress:a"

    async def unreachable(key: str, owner: str) -> None:
        message = f"could not release {key} for {owner}"
        raise SharedStateError(message)

    dedup.release = unreachable  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="missive_channels"):
        await cancelled(dedup.claim("m3", "c"))
        await dedup.aclose()
    assert "could not release m3 for c; the claim lapses after its claim timeout" in caplog.text


async def test_a_cancelled_call_that_fails_is_settled_quietly() -> None:
    """A command abandoned by its caller may fail; nothing is left unretrieved or pending."""
    limiter = AsyncRedisRateLimiter.from_url(DEAD_URL, token=TOKEN)
    await cancelled(limiter.pause(1.0))
    await limiter.aclose()
    assert not limiter._calls._pending


# --- configuration and errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"token": " "}, ValidationError, "token"),
        ({"prefix": ""}, ValidationError, "prefix"),
        ({"lease_seconds": 0}, ValidationError, "lease_seconds"),
        ({"retry_interval": "1"}, FieldTypeError, "retry_interval"),
        ({"rate_limit": 5}, FieldTypeError, "rate_limit"),
    ],
)
def test_limiter_settings_are_validated(
    store: redis.Redis, kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    """Nonsense settings fail at construction, naming the field."""
    kwargs.setdefault("token", TOKEN)
    with pytest.raises(error) as caught:
        RedisRateLimiter(store, **kwargs)
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_the_token_defaults_to_the_environment(
    store: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without token=, MISSIVE_API_TOKEN keys the limits; without either, construction fails."""
    monkeypatch.setenv("MISSIVE_API_TOKEN", TOKEN)
    assert RedisRateLimiter(store)._keys == RedisRateLimiter(store, token=TOKEN)._keys
    monkeypatch.delenv("MISSIVE_API_TOKEN")
    with pytest.raises(ValidationError, match="MISSIVE_API_TOKEN"):
        RedisRateLimiter(store)


@pytest.mark.parametrize(
    "cls", [RedisRateLimiter, AsyncRedisRateLimiter, RedisDeduplicator, AsyncRedisDeduplicator]
)
def test_the_wrong_kind_of_client_is_refused(cls: Any) -> None:
    """A sync class given an asyncio client (or the reverse) names the class to use instead."""
    wrong = redis.asyncio.Redis() if cls in (RedisRateLimiter, RedisDeduplicator) else redis.Redis()
    with pytest.raises(FieldTypeError, match="for the other kind of client use") as caught:
        cls(wrong, token=TOKEN) if "Limiter" in cls.__name__ else cls(wrong)
    assert caught.value.field == "client"


@pytest.mark.parametrize(
    "cls", [RedisRateLimiter, AsyncRedisRateLimiter, RedisDeduplicator, AsyncRedisDeduplicator]
)
@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://localhost", ValidationError),
        ("redis://h:port", ValidationError),
        (6379, FieldTypeError),
    ],
)
def test_a_wrong_url_is_a_validation_error(cls: Any, url: object, error: type[Exception]) -> None:
    """A URL redis cannot use fails at once, with our error and the cause kept."""
    with pytest.raises(error, match="url") as caught:
        cls.from_url(url, token=TOKEN) if "Limiter" in cls.__name__ else cls.from_url(url)
    assert caught.value.field == "url"  # type: ignore[attr-defined]


async def test_an_unreachable_server_is_a_shared_state_error(
    make_limiter: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Taking a lease or pausing fails with SharedStateError; a failed release is only logged."""
    limiter = make_limiter(url=DEAD_URL)
    with pytest.raises(SharedStateError, match=r"Redis at 127\.0\.0\.1:1") as caught:
        await lease(limiter)
    assert isinstance(caught.value.__cause__, redis.ConnectionError)
    with pytest.raises(SharedStateError, match="pause"):
        await resolve(limiter.pause(1.0))
    with caplog.at_level(logging.WARNING, logger="missive_channels"):
        await resolve(limiter.release(Lease(0.0, "gone")))
    assert "frees itself when its lease ends" in caplog.text


def test_acquire_without_a_server_is_a_shared_state_error() -> None:
    """The plain Limiter method fails the same way."""
    limiter = RedisRateLimiter.from_url(DEAD_URL, token=TOKEN)
    with pytest.raises(SharedStateError, match="reserve a start"):
        limiter.acquire()
    limiter.close()


async def test_limiters_close_only_the_clients_they_made(redis_url: str) -> None:
    """close()/aclose() leave a client that was passed in usable."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    RedisRateLimiter(client, token=TOKEN).close()
    RedisDeduplicator(client).close()
    assert client.ping()
    client.close()
    aclient = redis.asyncio.Redis.from_url(redis_url, socket_timeout=5)
    await AsyncRedisRateLimiter(aclient, token=TOKEN).aclose()
    await AsyncRedisDeduplicator(aclient).aclose()
    assert await aclient.ping()
    await aclient.aclose()


def test_the_module_says_how_to_install_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the redis package, importing missive_channels.redis names the extra to install."""
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "missive_channels.redis")
    with pytest.raises(ImportError, match=r"missive-channels\[redis\]"):
        importlib.import_module("missive_channels.redis")


# --- the deduplicator ------------------------------------------------------------------------


async def test_deliveries_are_new_then_in_progress_then_duplicate(make_dedup: Any) -> None:
    """The same answers as InMemoryDeduplicator, for any number of processes."""
    dedup, other_worker = make_dedup(), make_dedup()
    memory = InMemoryDeduplicator()
    for store in (dedup, memory):
        assert await resolve(store.claim("m1", "a")) is Delivery.NEW
    for store in (other_worker, memory):
        assert await resolve(store.claim("m1", "b")) is Delivery.IN_PROGRESS
    for store in (dedup, memory):
        assert await resolve(store.complete("m1", "a")) is True
    for store in (other_worker, memory):
        assert await resolve(store.claim("m1", "b")) is Delivery.DUPLICATE
        await resolve(store.release("m1", "a"))  # a late failure never forgets a handled message
        assert await resolve(store.claim("m1", "b")) is Delivery.DUPLICATE


async def test_a_released_claim_is_new_again(make_dedup: Any) -> None:
    """After a failed attempt releases its claim, the redelivery is handled."""
    dedup = make_dedup()
    assert await resolve(dedup.claim("m1", "a")) is Delivery.NEW
    await resolve(dedup.release("m1", "b"))  # not b's claim: it stays
    assert await resolve(dedup.claim("m1", "b")) is Delivery.IN_PROGRESS
    await resolve(dedup.release("m1", "a"))
    assert await resolve(dedup.claim("m1", "b")) is Delivery.NEW


async def test_a_late_release_or_complete_leaves_the_claim_that_replaced_it(
    make_dedup: Any, store: redis.Redis
) -> None:
    """After A's claim lapsed and B claimed the message, A's release and complete keep B's claim."""
    dedup = make_dedup()
    assert await resolve(dedup.claim("m1", "a")) is Delivery.NEW
    store.delete("missive-channels:webhook:m1")  # what the claim's expiry does
    assert await resolve(dedup.claim("m1", "b")) is Delivery.NEW
    await resolve(dedup.release("m1", "a"))
    assert await resolve(dedup.claim("m1", "c")) is Delivery.IN_PROGRESS
    assert await resolve(dedup.complete("m1", "a")) is False
    assert await resolve(dedup.claim("m1", "c")) is Delivery.IN_PROGRESS
    assert store.get("missive-channels:webhook:m1") == b"in_progress:b"
    await resolve(dedup.release("m1", "b"))  # B's outcome decides
    assert await resolve(dedup.claim("m1", "c")) is Delivery.NEW


async def test_a_late_complete_records_only_a_message_nobody_else_holds(
    make_dedup: Any, store: redis.Redis
) -> None:
    """A lapsed claim nobody took over is recorded handled; another owner's record is kept."""
    dedup = make_dedup(ttl=3600.0)
    key = "missive-channels:webhook:m1"
    await resolve(dedup.claim("m1", "a"))
    store.delete(key)
    assert await resolve(dedup.complete("m1", "a")) is False
    assert store.get(key) == b"done"
    assert 3_599_000 < store.pttl(key) <= 3_600_000
    store.pexpire(key, 1_000_000)
    assert await resolve(dedup.complete("m1", "b")) is False  # a record is left as it is
    assert store.pttl(key) <= 1_000_000


async def test_claims_and_records_expire(make_dedup: Any, store: redis.Redis) -> None:
    """A claim lives claim_timeout, a handled record ttl; both as Redis expiries, prefixed."""
    dedup = make_dedup(ttl=3600.0, claim_timeout=30.0, prefix="hooks")
    await resolve(dedup.claim("m1", "a"))
    assert store.get("hooks:m1") == b"in_progress:a"
    assert 29_000 < store.pttl("hooks:m1") <= 30_000
    await resolve(dedup.complete("m1", "a"))
    assert store.get("hooks:m1") == b"done"
    assert 3_599_000 < store.pttl("hooks:m1") <= 3_600_000
    store.delete("hooks:m1")  # what expiry does
    assert await resolve(dedup.claim("m1", "a")) is Delivery.NEW
    assert repr(dedup).endswith("ttl=3600, claim_timeout=30)")


async def test_handle_once_uses_the_redis_store(redis_url: str) -> None:
    """A failing handler releases its claim; a succeeding one marks the message handled."""
    dedup = RedisDeduplicator.from_url(redis_url)
    handled = []
    with pytest.raises(RuntimeError), handle_once(dedup, "m1"):
        raise RuntimeError
    with handle_once(dedup, "m1") as delivery:
        handled.append(delivery)
    with handle_once(dedup, "m1") as delivery:
        handled.append(delivery)
    assert handled == [Delivery.NEW, Delivery.DUPLICATE]
    dedup.close()
    adedup = AsyncRedisDeduplicator.from_url(redis_url)
    async with ahandle_once(adedup, "m2") as delivery:
        assert delivery is Delivery.NEW
    async with ahandle_once(adedup, "m2") as delivery:
        assert delivery is Delivery.DUPLICATE
    await adedup.aclose()


async def test_handle_once_outlasting_its_redis_claim_never_frees_the_next_one(
    redis_url: str, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """Sync and async: a handler failing or finishing after its claim lapsed keeps B's claim."""
    dedup = RedisDeduplicator.from_url(redis_url)
    adedup = AsyncRedisDeduplicator.from_url(redis_url)
    seen: list[Delivery] = []
    caplog.set_level(logging.WARNING, logger="missive_channels")

    def fail_late(worker_b: contextlib.ExitStack) -> None:
        with handle_once(dedup, "m1"):
            store.delete("missive-channels:webhook:m1")  # A is slow: its claim lapses
            seen.append(worker_b.enter_context(handle_once(dedup, "m1")))
            raise RuntimeError

    async def afail_late(worker_b: contextlib.AsyncExitStack) -> None:
        async with ahandle_once(adedup, "m3"):
            store.delete("missive-channels:webhook:m3")
            seen.append(await worker_b.enter_async_context(ahandle_once(adedup, "m3")))
            raise RuntimeError

    with contextlib.ExitStack() as worker_b:
        with pytest.raises(RuntimeError):
            fail_late(worker_b)
        with handle_once(dedup, "m1") as third:
            seen.append(third)
        with handle_once(dedup, "m2"):
            store.delete("missive-channels:webhook:m2")
            worker_b.enter_context(handle_once(dedup, "m2"))
        with handle_once(dedup, "m2") as third:
            seen.append(third)
    async with contextlib.AsyncExitStack() as worker_b:
        with pytest.raises(RuntimeError):
            await afail_late(worker_b)
        async with ahandle_once(adedup, "m3") as third:
            seen.append(third)
        async with ahandle_once(adedup, "m4"):
            store.delete("missive-channels:webhook:m4")
            await worker_b.enter_async_context(ahandle_once(adedup, "m4"))
        async with ahandle_once(adedup, "m4") as third:
            seen.append(third)
    for key in ("m1", "m2", "m3", "m4"):
        with handle_once(dedup, key) as after_b:
            seen.append(after_b)
    dedup.close()
    await adedup.aclose()
    new, in_progress, duplicate = Delivery.NEW, Delivery.IN_PROGRESS, Delivery.DUPLICATE
    assert seen == [new, in_progress, in_progress, new, in_progress, in_progress] + [duplicate] * 4
    assert [record.getMessage()[:17] for record in caplog.records] == [
        "the claim on 'm2'",
        "the claim on 'm4'",
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"ttl": 0}, "ttl"), ({"claim_timeout": -1}, "claim_timeout"), ({"prefix": ""}, "prefix")],
)
def test_deduplicator_settings_are_validated(
    store: redis.Redis, kwargs: dict[str, Any], field: str
) -> None:
    """Nonsense settings fail at construction, naming the field."""
    with pytest.raises(ValidationError) as caught:
        RedisDeduplicator(store, **kwargs)
    assert caught.value.field == field


async def test_an_unreachable_deduplicator_is_a_shared_state_error(make_dedup: Any) -> None:
    """Every operation fails with SharedStateError when Redis cannot be reached."""
    dedup = make_dedup(url=DEAD_URL)
    for operation, action in [
        (dedup.claim, "claim"),
        (dedup.complete, "record"),
        (dedup.release, "release"),
    ]:
        with pytest.raises(SharedStateError, match=action) as caught:
            await resolve(operation("m1", "a"))
        assert isinstance(caught.value.__cause__, redis.RedisError)


# --- with the clients ------------------------------------------------------------------------


def text(account: str) -> TextMessage:
    """A Text message from Marta."""
    return TextMessage(account=account, from_field=Participant(name="Marta"), body="Hi")


def test_the_sync_client_sends_under_redis_leases(store: redis.Redis) -> None:
    """Every request takes and gives back a slot; a 429 pauses the whole fleet in Redis."""
    with FakeMissive(rate_limit=None) as fake:
        account = fake.add_channel()
        limiter = RedisRateLimiter(store, token=fake.token)
        limiter._now = Clock()
        fake.faults.push(Fault.rate_limited(retry_after=1))
        with MissiveClient(token=fake.token, base_url=fake.base_url, rate_limit=limiter) as client:
            sleeps: list[float] = []
            client._sleep = sleeps.append
            client._core.random = lambda: 0.0
            client.messages.create(text(account))
            client.messages.create(text(account))
    assert [request.status for request in fake.requests] == [429, 201, 201]
    # The retry's own backoff, then the shared pause holds back the retry and, as the
    # scripts' clock stands still, the next message too.
    assert sleeps == [1.0, 1.0, 1.0]
    assert store.zcard(limiter._keys[1]) == 0
    assert store.exists(limiter._keys[2])


async def test_async_clients_share_the_redis_slots(redis_url: str) -> None:
    """Two async clients, each allowed 2 in flight, hold 2 in flight together, not 4."""
    with FakeMissive(rate_limit=None) as fake:
        account = fake.add_channel()
        limiter = AsyncRedisRateLimiter.from_url(
            redis_url,
            token=fake.token,
            rate_limit=RateLimit(max_concurrent=2),
            retry_interval=0.005,
        )
        fake.faults.push(Fault.delay(0.05, times=None))
        clients = [
            AsyncMissiveClient(token=fake.token, base_url=fake.base_url, rate_limit=limiter)
            for _ in range(2)
        ]
        await asyncio.gather(
            *(client.messages.create(text(account)) for client in clients for _ in range(3))
        )
        for client in clients:
            await client.aclose()
        await limiter.aclose()
    assert len(fake.messages) == 6
    assert fake.peak_in_flight == 2


def test_a_client_without_redis_raises_before_sending() -> None:
    """With Redis down the request fails with SharedStateError and nothing reaches Missive."""
    with FakeMissive(rate_limit=None) as fake:
        account = fake.add_channel()
        limiter = RedisRateLimiter.from_url(DEAD_URL, token=fake.token)
        with (
            MissiveClient(token=fake.token, base_url=fake.base_url, rate_limit=limiter) as client,
            pytest.raises(SharedStateError),
        ):
            client.messages.create(text(account))
        limiter.close()
    assert fake.requests == []


def test_the_sync_client_refuses_an_async_limiter(redis_url: str) -> None:
    """MissiveClient cannot await: an AsyncRedisRateLimiter is refused at construction."""
    limiter = AsyncRedisRateLimiter(
        redis.asyncio.Redis.from_url(redis_url, socket_timeout=5), token=TOKEN
    )
    with pytest.raises(FieldTypeError, match="only AsyncMissiveClient can use") as caught:
        MissiveClient(token=TOKEN, rate_limit=limiter)
    assert caught.value.field == "rate_limit"


def test_the_async_client_refuses_a_sync_limiter(store: redis.Redis) -> None:
    """A RedisRateLimiter would block AsyncMissiveClient's event loop: refused at construction."""
    limiter = RedisRateLimiter(store, token=TOKEN)
    with pytest.raises(FieldTypeError, match="could block AsyncMissiveClient") as caught:
        AsyncMissiveClient(token=TOKEN, rate_limit=limiter)
    assert caught.value.field == "rate_limit"
