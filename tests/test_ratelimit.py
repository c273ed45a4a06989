"""The limiter: exact window arithmetic under an injected clock, shared slots, the adapters."""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import resolve
from missive_channels import (
    AsyncMissiveClient,
    FieldTypeError,
    Participant,
    RateLimit,
    TextMessage,
    ValidationError,
)
from missive_channels._ratelimit import (
    DEFAULT_RATE_LIMIT,
    aleasing,
    earliest_start,
    leasing,
)
from missive_channels.ratelimit import (
    AsyncLimiter,
    AsyncLimiterAdapter,
    Lease,
    LeasingLimiter,
    Limiter,
    RateWindow,
    SlidingWindowLimiter,
)

if TYPE_CHECKING:
    from pytest_httpx import HTTPXMock


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now


def max_in_any_window(starts: list[float], seconds: float) -> int:
    """The most starts in any half-open stretch [t, t + seconds)."""
    ordered = sorted(starts)
    return max(
        (bisect_left(ordered, first + seconds) - index for index, first in enumerate(ordered)),
        default=0,
    )


def run(limiter: SlidingWindowLimiter, clock: Clock, arrivals: list[float]) -> list[float]:
    """Let one caller arrive at each time (in order) and return when each may start."""
    starts = []
    for arrival in arrivals:
        clock.now = max(clock.now, arrival)
        starts.append(clock.now + limiter.acquire())
    return starts


def test_defaults_are_missives_published_limits() -> None:
    """5 concurrent, 300 per minute, 900 per 15 minutes."""
    assert (
        RateLimit(max_concurrent=5, windows=(RateWindow(300, 60.0), RateWindow(900, 900.0)))
        == DEFAULT_RATE_LIMIT
    )
    assert isinstance(SlidingWindowLimiter(), Limiter)
    assert repr(SlidingWindowLimiter()).startswith("SlidingWindowLimiter(RateLimit(")


def test_a_burst_gets_300_at_once_then_waits_a_minute() -> None:
    """300 immediate starts pass; the 301st waits for the minute window (plus the margin)."""
    clock = Clock()
    limiter = SlidingWindowLimiter(clock=clock)
    waits = [limiter.acquire() for _ in range(301)]
    assert waits[:300] == [0.0] * 300
    assert waits[300] == 61.0


def test_a_steady_stream_never_exceeds_any_window() -> None:
    """2,000 requests arriving 5 per second are spread so no window is ever overrun."""
    clock = Clock()
    limiter = SlidingWindowLimiter(RateLimit(margin=0.0), clock=clock)
    starts = run(limiter, clock, [i * 0.2 for i in range(2_000)])
    assert max_in_any_window(starts, 60.0) == 300
    assert max_in_any_window(starts, 900.0) == 900
    assert starts == sorted(starts)


@settings(max_examples=50, deadline=None)
@given(
    gaps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=120),
    limits=st.lists(st.tuples(st.integers(1, 8), st.floats(0.5, 30)), min_size=1, max_size=3),
)
def test_any_arrival_pattern_keeps_every_window(
    gaps: list[float], limits: list[tuple[int, float]]
) -> None:
    """Whatever the arrivals and windows, no stretch of a window's length holds too many starts."""
    clock = Clock()
    windows = [RateWindow(n, seconds) for n, seconds in limits]
    limiter = SlidingWindowLimiter(RateLimit(windows=windows, margin=0.0), clock=clock)
    arrivals = [sum(gaps[: i + 1]) for i in range(len(gaps))]
    starts = run(limiter, clock, arrivals)
    for window in windows:
        # Callers compute their start as now + wait: allow for that float rounding.
        assert max_in_any_window(starts, window.seconds - 1e-9) <= window.requests
    assert all(start >= arrival for start, arrival in zip(starts, arrivals, strict=True))


def test_the_margin_widens_every_window() -> None:
    """With a 1 s margin, the third of 2-per-10-s waits 11 s, not 10."""
    clock = Clock()
    limiter = SlidingWindowLimiter(RateLimit(windows=[RateWindow(2, 10)]), clock=clock)
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 11.0]


def test_pause_holds_back_later_starts() -> None:
    """After pause(5), the next start is 5 s away; pauses never shorten one another."""
    clock = Clock()
    limiter = SlidingWindowLimiter(clock=clock)
    limiter.pause(5)
    limiter.pause(1)
    assert limiter.acquire() == 5.0
    clock.now = 7.0
    assert limiter.acquire() == 0.0


def test_no_windows_means_no_waiting() -> None:
    """A limit with only concurrency never delays a start."""
    limiter = SlidingWindowLimiter(RateLimit(windows=[], max_concurrent=2), clock=Clock())
    assert [limiter.acquire() for _ in range(1_000)] == [0.0] * 1_000
    assert limiter.max_concurrent == 2


def test_earliest_start_is_plain_arithmetic() -> None:
    """The n-th most recent start plus the window length, or now if the window has room."""
    windows = [RateWindow(2, 10.0)]
    assert earliest_start([], windows, now=3.0) == 3.0
    assert earliest_start([1.0], windows, now=3.0) == 3.0
    assert earliest_start([1.0, 2.0], windows, now=3.0) == 11.0
    assert earliest_start([1.0, 2.0], windows, now=3.0, margin=0.5) == 11.5
    assert earliest_start([1.0, 2.0], windows, now=30.0) == 30.0


def test_threads_sharing_a_limiter_never_overrun_it() -> None:
    """Eight threads reserving at once get distinct starts that keep the window."""
    clock = Clock()
    limiter = SlidingWindowLimiter(RateLimit(windows=[RateWindow(10, 60.0)], margin=0), clock=clock)
    waits: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(25):
            wait = limiter.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [60.0 * (i // 10) for i in range(200)]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: RateWindow(0, 60), "requests"),
        (lambda: RateWindow(1.5, 60), "requests"),  # type: ignore[arg-type]
        (lambda: RateWindow(5, 0), "seconds"),
        (lambda: RateWindow(5, math.inf), "seconds"),
        (lambda: RateLimit(max_concurrent=0), "max_concurrent"),
        (lambda: RateLimit(margin=-1), "margin"),
    ],
)
def test_limits_are_validated(make: object, field: str) -> None:
    """Nonsense limits raise ValidationError naming the field."""
    with pytest.raises(ValidationError) as caught:
        make()  # type: ignore[operator]
    assert caught.value.field == field


def test_clients_sharing_a_limiter_share_its_slots() -> None:
    """Leases beyond max_concurrent are refused with a short wait until one is released."""
    limiter = SlidingWindowLimiter(RateLimit(max_concurrent=2), clock=Clock())
    first, second = limiter.lease(), limiter.lease()
    assert isinstance(first, Lease)
    assert isinstance(second, Lease)
    assert first.slot != second.slot
    assert limiter.lease() == 0.01
    limiter.release(first)
    limiter.release(first)  # twice is harmless: it frees one slot, once
    assert isinstance(limiter.lease(), Lease)
    assert limiter.lease() == 0.01


def test_an_unbounded_limiter_leases_without_slots() -> None:
    """With max_concurrent=None every lease is granted and holds no slot."""
    limiter = SlidingWindowLimiter(RateLimit(max_concurrent=None), clock=Clock())
    leases = [limiter.lease() for _ in range(10)]
    assert leases == [Lease(0.0)] * 10


class PlainLimiter:
    """A Limiter of the original three members, as a user may have written one."""

    def __init__(self) -> None:
        """Record what the client asked for."""
        self.calls: list[str] = []

    @property
    def max_concurrent(self) -> int | None:
        """Two in flight per client."""
        return 2

    def acquire(self) -> float:
        """Every start waits 1.5 s."""
        self.calls.append("acquire")
        return 1.5

    def pause(self, seconds: float) -> None:
        """Record the pause."""
        self.calls.append(f"pause {seconds}")


def test_a_plain_limiter_is_driven_through_leases() -> None:
    """A three-member Limiter gets leases that hold no slot, its starts from acquire."""
    plain = PlainLimiter()
    assert not isinstance(plain, LeasingLimiter)
    leased = leasing(plain)
    assert leased.lease() == Lease(1.5)
    assert leased.acquire() == 1.5
    leased.pause(3.0)
    leased.release(Lease(1.5))
    assert leased.max_concurrent == 2
    assert plain.calls == ["acquire", "acquire", "pause 3.0"]


def test_no_limiter_means_every_lease_is_immediate() -> None:
    """rate_limit=None is seen as a limiter that never waits and never pauses."""
    unlimited = leasing(None)
    assert unlimited.lease() == Lease(0.0)
    assert unlimited.acquire() == 0.0
    unlimited.pause(5.0)
    unlimited.release(Lease(0.0))
    assert unlimited.max_concurrent is None


@pytest.mark.anyio
async def test_the_async_client_sees_an_in_process_limiter_through_awaits() -> None:
    """A SlidingWindowLimiter given to the async client is awaited without ever blocking."""
    limiter = SlidingWindowLimiter(RateLimit(max_concurrent=1), clock=Clock())
    view = aleasing(limiter)
    assert isinstance(view, AsyncLimiterAdapter)
    assert view.max_concurrent == 1
    lease = await view.lease()
    assert isinstance(lease, Lease)
    assert await view.lease() == 0.01
    await view.release(lease)
    await view.pause(2.0)
    assert await view.lease() == Lease(2.0, "1")
    assert repr(view).startswith("AsyncLimiterAdapter(SlidingWindowLimiter(RateLimit(")


@pytest.mark.anyio
async def test_the_adapter_drives_a_plain_limiter_through_leases() -> None:
    """AsyncLimiterAdapter takes any sync Limiter; the async client awaits it as it is."""
    plain = PlainLimiter()
    adapter = AsyncLimiterAdapter(plain)
    assert aleasing(adapter) is adapter
    assert await adapter.lease() == Lease(1.5)
    await adapter.pause(3.0)
    assert adapter.max_concurrent == 2
    assert plain.calls == ["acquire", "pause 3.0"]
    unlimited = aleasing(None)
    assert await unlimited.lease() == Lease(0.0)
    assert unlimited.max_concurrent is None


def test_the_async_client_refuses_a_sync_limiter_it_cannot_vouch_for() -> None:
    """A sync limiter other than SlidingWindowLimiter might block: it must come adapted."""
    with pytest.raises(FieldTypeError, match=r"wrap it: AsyncLimiterAdapter\(limiter\)") as caught:
        AsyncMissiveClient(token="t0ken", rate_limit=PlainLimiter())
    assert caught.value.field == "rate_limit"
    assert AsyncMissiveClient(token="t0ken", rate_limit=AsyncLimiterAdapter(PlainLimiter()))


def test_an_async_limiter_is_one_by_subclassing_and_cannot_be_adapted() -> None:
    """Only subclasses are AsyncLimiters; adapting one again, or a sync client using it, fails."""

    class Shaped:
        """Has the methods of an async limiter, but does not subclass AsyncLimiter."""

        max_concurrent = None

        async def lease(self) -> Lease:
            """Never used."""
            raise NotImplementedError

    assert not isinstance(Shaped(), AsyncLimiter)
    adapter = AsyncLimiterAdapter(SlidingWindowLimiter())
    with pytest.raises(FieldTypeError, match="only AsyncMissiveClient can use"):
        AsyncLimiterAdapter(adapter)  # type: ignore[arg-type]


class BusyOnce:
    """A leasing limiter whose slots are all taken elsewhere at first: 0.25 s, then a lease."""

    max_concurrent = 1

    def __init__(self) -> None:
        """Offer a wait first, then a lease; record the releases."""
        self.offers: list[Lease | float] = [0.25, Lease(0.0, "slot-1")]
        self.released: list[Lease] = []

    def acquire(self) -> float:
        """Not used by the clients, which lease."""
        raise NotImplementedError

    def lease(self) -> Lease | float:
        """The next offer."""
        return self.offers.pop(0)

    def release(self, lease: Lease) -> None:
        """Record the lease given back."""
        self.released.append(lease)

    def pause(self, seconds: float) -> None:
        """Never asked for here."""
        raise NotImplementedError


class AsyncBusyOnce(AsyncLimiter):
    """`BusyOnce`, awaited."""

    def __init__(self) -> None:
        """Wrap a sync `BusyOnce`."""
        self.inner = BusyOnce()

    @property
    def max_concurrent(self) -> int | None:
        """One in flight."""
        return 1

    async def lease(self) -> Lease | float:
        """The next offer."""
        return self.inner.lease()

    async def release(self, lease: Lease) -> None:
        """Record the lease given back."""
        self.inner.release(lease)

    async def pause(self, seconds: float) -> None:
        """Never asked for here."""
        raise NotImplementedError


@pytest.mark.anyio
async def test_a_client_waits_while_every_slot_is_taken_elsewhere(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """An offer of seconds instead of a lease is slept, then the lease is taken and given back."""
    httpx_mock.add_response(method="POST", status_code=201)
    sync = make_client().kind == "sync"
    limiter: BusyOnce | AsyncBusyOnce = BusyOnce() if sync else AsyncBusyOnce()
    client = make_client(rate_limit=limiter)
    message = TextMessage(account="acc", from_field=Participant(id="x"), body="hi")
    await resolve(client.messages.create(message))
    assert client.sleeps == [0.25]
    inner = limiter if isinstance(limiter, BusyOnce) else limiter.inner
    assert inner.released == [Lease(0.0, "slot-1")]
