"""Missive's rate limits on the fake: the window arithmetic and the 429s a client gets."""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from fake_support import TLS, api, wait_for
from missive_channels._http_server import HttpServer
from missive_channels._ratelimit import RateLimit, RateWindow
from missive_channels.testing import FakeMissive, Fault, ManualClock
from missive_channels.testing._limiter import _FakeLimits

if TYPE_CHECKING:
    from collections.abc import Iterator

MESSAGE = {"messages": {"account": "acc", "from_field": {"name": "Marta"}}}


def limits(*, concurrent: int | None = 5, per_minute: int = 300, per_15: int = 900) -> RateLimit:
    """Return a `RateLimit` with Missive's two windows and the given ceilings."""
    windows = [RateWindow(per_minute, 60.0), RateWindow(per_15, 900.0)]
    return RateLimit(max_concurrent=concurrent, windows=windows)


SMALL = limits(per_minute=2, per_15=3)


# -- arithmetic ---------------------------------------------------------------------------


def test_the_fake_enforces_missives_published_limits_by_default() -> None:
    """Without ``rate_limit``, the fake enforces the clients' own default `RateLimit`."""
    fake = FakeMissive()
    limiter = fake._gateway.limits
    assert limiter is not None
    assert limiter.limit == RateLimit()


def test_without_windows_only_concurrency_is_limited() -> None:
    """A `RateLimit` with no windows admits any rate and still bounds requests in flight."""
    limiter = _FakeLimits(RateLimit(max_concurrent=1, windows=()))
    assert all(limiter.admit(0.0, 1).admitted for _ in range(1000))
    assert not limiter.admit(0.0, 2).admitted


def test_unbounded_concurrency_is_never_refused() -> None:
    """``max_concurrent=None`` admits any number of requests in flight."""
    limiter = _FakeLimits(limits(concurrent=None))
    assert limiter.admit(0.0, 1000).admitted


def test_the_minute_window_slides() -> None:
    """Past the per-minute count, requests wait until the oldest leaves the window."""
    limiter = _FakeLimits(limits(per_minute=2, per_15=100))
    assert limiter.admit(1000.0, 1).admitted
    assert limiter.admit(1030.0, 1).admitted
    refused = limiter.admit(1059.5, 1)
    assert not refused.admitted
    assert (refused.limit, refused.remaining, refused.reset) == (2, 0, 1060.0)
    assert refused.retry_after == 1
    assert limiter.admit(1060.0, 1).admitted  # the first request just left the window
    assert not limiter.admit(1061.0, 1).admitted


def test_refused_requests_do_not_count() -> None:
    """A 429 does not use up any budget."""
    limiter = _FakeLimits(limits(per_minute=1, per_15=100))
    assert limiter.admit(0.0, 1).admitted
    for second in range(1, 60):
        assert not limiter.admit(float(second), 1).admitted
    assert limiter.admit(60.0, 1).admitted


def test_the_long_window_refuses_with_its_own_limit() -> None:
    """Under the minute limit but over the 15-minute one, the long limit is reported."""
    limiter = _FakeLimits(limits(per_minute=10, per_15=3))
    for second in (0.0, 100.0, 200.0):
        assert limiter.admit(second, 1).admitted
    refused = limiter.admit(300.0, 1)
    assert (refused.admitted, refused.limit, refused.retry_after) == (False, 3, 600)


def test_remaining_reports_the_tightest_window() -> None:
    """The admitted verdict carries the limit with the fewest requests left."""
    limiter = _FakeLimits(limits(per_minute=5, per_15=3))
    verdict = limiter.admit(0.0, 1)
    assert (verdict.limit, verdict.remaining, verdict.reset) == (3, 2, 900.0)
    limiter = _FakeLimits(limits(per_minute=2, per_15=30))
    verdict = limiter.admit(0.0, 1)
    assert (verdict.limit, verdict.remaining, verdict.reset) == (2, 1, 60.0)


def test_too_many_in_flight_is_refused_for_a_second() -> None:
    """More requests in flight than allowed get Retry-After 1."""
    limiter = _FakeLimits(limits(concurrent=2))
    refused = limiter.admit(50.0, 3)
    assert (refused.admitted, refused.limit, refused.retry_after, refused.reset) == (
        False,
        2,
        1,
        51.0,
    )
    assert limiter.admit(50.0, 2).admitted


def test_reset_forgets_the_counts() -> None:
    """After reset the full budget is back; without it, the same request is refused."""
    limiter = _FakeLimits(limits(per_minute=1))
    assert limiter.admit(0.0, 1).admitted
    assert not limiter.admit(1.0, 1).admitted  # the control: the minute's budget is spent
    limiter.reset()
    assert limiter.admit(1.0, 1).admitted


# -- over the wire ------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves by hand."""
    return ManualClock(start=1_000_000.0)


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeMissive]:
    """A fake with tiny limits on the manual clock."""
    with FakeMissive(rate_limit=SMALL, clock=clock) as fake:
        fake.add_channel(account="acc")
        yield fake


@pytest.fixture
def client(fake: FakeMissive) -> Iterator[httpx.Client]:
    """An httpx client authenticated against the fake."""
    with api(fake) as client:
        yield client


def test_over_the_minute_limit_gets_429_with_headers(
    fake: FakeMissive, client: httpx.Client, clock: ManualClock
) -> None:
    """The third request in a minute is refused with Missive's headers, and nothing recorded."""
    assert client.post("/messages", json=MESSAGE).status_code == 201
    clock.advance(10)
    assert client.get("/conversations/none").status_code == 404  # reads count too
    clock.advance(5)
    refused = client.post("/messages", json=MESSAGE)
    assert refused.status_code == 429
    assert refused.json() == {"error": "rate limit exceeded"}
    assert refused.headers["Retry-After"] == "45"
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Reset"] == str(math.ceil(1_000_000.0 + 60))
    assert len(fake.messages) == 1
    clock.advance(45)
    assert client.post("/messages", json=MESSAGE).status_code == 201


def test_over_the_long_limit_gets_429_with_its_limit(
    client: httpx.Client, clock: ManualClock
) -> None:
    """Spread over minutes, the fourth request hits the 15-minute limit."""
    for _ in range(3):
        assert client.post("/messages", json=MESSAGE).status_code == 201
        clock.advance(60)
    refused = client.post("/messages", json=MESSAGE)
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["Retry-After"] == str(900 - 180)


def test_unauthenticated_requests_do_not_count(fake: FakeMissive, client: httpx.Client) -> None:
    """401s use none of the token's budget."""
    with httpx.Client(base_url=fake.base_url, verify=TLS) as stranger:
        for _ in range(5):
            assert stranger.get("/conversations/x").status_code == 401
    assert client.post("/messages", json=MESSAGE).status_code == 201


def test_success_headers_can_be_switched_on(clock: ManualClock) -> None:
    """Missive documents X-RateLimit-* for 429 only; the fake can send them always."""
    with FakeMissive(rate_limit=SMALL, clock=clock, rate_limit_headers_always=True) as fake:
        fake.add_channel(account="acc")
        with api(fake) as client:
            first = client.post("/messages", json=MESSAGE)
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"


def test_success_headers_are_off_by_default(client: httpx.Client) -> None:
    """By default an admitted request carries no X-RateLimit-* headers."""
    response = client.post("/messages", json=MESSAGE)
    assert "X-RateLimit-Limit" not in response.headers


def test_too_many_in_flight_gets_429(clock: ManualClock) -> None:
    """Requests truly in flight on the server are counted: the third of two allowed is refused."""
    fake = FakeMissive(rate_limit=limits(concurrent=2), clock=clock).start()
    fake.add_channel(account="acc")
    fake.faults.push(Fault.delay(60, times=2))
    outcomes: list[object] = []

    def hold() -> None:
        try:
            with api(fake) as client:
                outcomes.append(client.post("/messages", json=MESSAGE).status_code)
        except httpx.TransportError as exc:
            outcomes.append(exc)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    try:
        for thread in holders:
            thread.start()
        wait_for(lambda: len(fake.messages) == 2)
        with api(fake) as client:
            refused = client.post("/messages", json=MESSAGE)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["X-RateLimit-Limit"] == "2"
        assert fake.peak_in_flight == 3
    finally:
        fake.stop()
        for thread in holders:
            thread.join()
    assert len(outcomes) == 2


def test_an_answered_request_no_longer_counts_as_in_flight(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that sends its next request as soon as an answer arrives is never refused.

    The fake's thread is made to stall after writing each answer, as a busy machine may stall
    it; the request it answered must already have stopped counting by then.
    """
    fake = FakeMissive(rate_limit=limits(concurrent=1), clock=clock)
    send = HttpServer._send  # the stall goes exactly after the answer is written
    stalled: list[threading.Thread] = []

    def send_then_stall(*args: Any, **kwargs: Any) -> None:
        stalled.append(threading.current_thread())  # before the client can see the answer
        send(*args, **kwargs)
        fake._gateway.stopping.wait(5)  # released by stop()

    monkeypatch.setattr(HttpServer, "_send", staticmethod(send_then_stall))
    with fake:
        fake.add_channel(account="acc")
        statuses: list[int] = []
        for _ in range(3):
            with api(fake) as client:  # a new connection each time, so a new server thread
                statuses.append(client.post("/messages", json=MESSAGE).status_code)
        assert statuses == [201, 201, 201]
        assert len(stalled) == 3
        assert fake.peak_in_flight == 1


def test_rate_limits_can_be_switched_off(clock: ManualClock) -> None:
    """``rate_limit=None`` admits everything."""
    with FakeMissive(rate_limit=None, clock=clock) as fake, api(fake) as client:
        fake.add_channel(account="acc")
        statuses = {client.post("/messages", json=MESSAGE).status_code for _ in range(10)}
    assert statuses == {201}


def test_reset_restores_the_budget(fake: FakeMissive, client: httpx.Client) -> None:
    """`fake.reset()` forgets rate-limit counts."""
    for _ in range(2):
        client.post("/messages", json=MESSAGE)
    assert client.post("/messages", json=MESSAGE).status_code == 429
    fake.reset()
    assert client.post("/messages", json=MESSAGE).status_code == 201
