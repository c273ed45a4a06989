"""Shared fixtures: both clients behind one interface, no real sleeping; a private Redis."""

from __future__ import annotations

import inspect
import os
from typing import TYPE_CHECKING, Any

import pytest
import redis
from hypothesis import HealthCheck, Phase, settings

from missive_channels import AsyncMissiveClient, MissiveClient
from redis_support import redis_server

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

# Hypothesis profiles, named in pytest's header. "dev" (the default) searches afresh on every
# run, bounded and free of timing failures on a busy machine. "ci" (when CI is set) draws the
# same examples on every run, so CI cannot pass or fail by luck; coverage never depends on a
# draw either way, as every branch is also reached by an ordinary test or an @example.
# "fuzz" is for long local runs: HYPOTHESIS_PROFILE=fuzz python -m pytest ...
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", parent=settings.get_profile("dev"), derandomize=True, print_blob=True
)
settings.register_profile("fuzz", parent=settings.get_profile("dev"), max_examples=20_000)
# "explicit" runs only the @example cases: 100% coverage under it shows no branch needs a draw.
settings.register_profile("explicit", parent=settings.get_profile("dev"), phases=[Phase.explicit])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_report_header() -> str:
    """Say which Hypothesis profile runs, and whether its draws are the same on every run."""
    profile = settings.get_current_profile_name()
    drawn = "the same examples on every run" if settings().derandomize else "a fresh search"
    return f"hypothesis profile: {profile} ({drawn})"


TOKEN = "missive_pat-s3cr3t-t0ken-value"
BASE = "https://public.missiveapp.com/v1"
#: The wall clock the clients see, for HTTP-date Retry-After headers.
NOW = 1_718_031_200.0


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio, the loop the async client supports."""
    return "asyncio"


async def resolve(value: Any) -> Any:
    """Await a coroutine from the async client; pass a sync client's result through."""
    return await value if inspect.isawaitable(value) else value


async def collect(items: Any) -> list[Any]:
    """List an iterator or an async iterator."""
    if hasattr(items, "__aiter__"):
        return [item async for item in items]
    return list(items)


class Sleeps(list[float]):
    """Records the delays a client asked to sleep, instead of sleeping."""


@pytest.fixture(params=["sync", "async"])
async def make_client(
    request: pytest.FixtureRequest,
) -> AsyncIterator[Callable[..., Any]]:
    """Return a factory of clients of one kind (sync or async) that never really sleep.

    Each client records its sleeps in ``client.sleeps`` (and advances ``clock``,
    a one-item list, when given); jitter is zero and the wall clock is `NOW`.
    Every client made is closed after the test.
    """
    made: list[Any] = []

    def make(clock: list[float] | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("base_url", BASE)  # never a MISSIVE_BASE_URL from the shell
        cls = MissiveClient if request.param == "sync" else AsyncMissiveClient
        client: Any = cls(**kwargs)
        sleeps = Sleeps()

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if clock is not None:
                clock[0] += seconds

        async def async_sleep(seconds: float) -> None:
            sleep(seconds)

        client._sleep = sleep if request.param == "sync" else async_sleep
        client._core.random = lambda: 0.0
        client._core.wall_clock = lambda: NOW
        client.sleeps = sleeps
        client.kind = request.param
        made.append(client)
        return client

    yield make
    for client in made:
        await resolve(client.close() if isinstance(client, MissiveClient) else client.aclose())


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """The URL of a private redis-server for the whole session (skipped if none can run)."""
    with redis_server() as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The private server's URL, its database emptied for this test."""
    client = redis.Redis.from_url(redis_server_url)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_server_url


@pytest.fixture(autouse=True)
def _no_proxy_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as on a machine without a proxy, whose setting would send loopback requests to it.

    It would also turn off the clients' own transport, and with it the whole-request deadline.
    """
    for scheme in ("http", "https", "all"):
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            monkeypatch.delenv(name, raising=False)
