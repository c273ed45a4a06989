"""Duplicate deliveries: claims, completion after success, release after failure, expiry."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from missive_channels import FieldTypeError, ValidationError
from missive_channels.webhooks import Delivery, InMemoryDeduplicator, ahandle_once, handle_once


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at an arbitrary instant."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now


def _dedup(**kwargs: Any) -> tuple[InMemoryDeduplicator, Clock]:
    clock = Clock()
    return InMemoryDeduplicator(clock=clock, **kwargs), clock


def test_first_claim_is_new_then_in_progress_then_duplicate() -> None:
    """A claimed id is in progress until completed, then a duplicate."""
    dedup, _ = _dedup()
    assert dedup.claim("m1") is Delivery.NEW
    assert dedup.claim("m1") is Delivery.IN_PROGRESS
    dedup.complete("m1")
    assert dedup.claim("m1") is Delivery.DUPLICATE
    assert dedup.claim("m2") is Delivery.NEW


def test_release_lets_a_redelivery_be_handled() -> None:
    """After a failed attempt releases its claim, the next delivery is new again."""
    dedup, _ = _dedup()
    dedup.claim("m1")
    dedup.release("m1")
    assert dedup.claim("m1") is Delivery.NEW


def test_release_never_forgets_a_handled_message() -> None:
    """A late release after someone else completed the id keeps it a duplicate."""
    dedup, _ = _dedup()
    dedup.claim("m1")
    dedup.complete("m1")
    dedup.release("m1")
    dedup.release("never-claimed")
    assert dedup.claim("m1") is Delivery.DUPLICATE


def test_handled_ids_expire_after_the_ttl() -> None:
    """A handled id is remembered for ttl seconds, not longer."""
    dedup, clock = _dedup(ttl=60)
    dedup.claim("m1")
    dedup.complete("m1")
    clock.now += 59.9
    assert dedup.claim("m1") is Delivery.DUPLICATE
    clock.now += 0.1
    assert dedup.claim("m1") is Delivery.NEW


def test_forgotten_claims_lapse_after_the_claim_timeout() -> None:
    """A claim never completed nor released stops blocking after claim_timeout."""
    dedup, clock = _dedup(claim_timeout=30)
    dedup.claim("m1")
    clock.now += 29
    assert dedup.claim("m1") is Delivery.IN_PROGRESS
    clock.now += 1
    assert dedup.claim("m1") is Delivery.NEW


def test_least_recently_seen_ids_are_evicted_first() -> None:
    """Beyond max_entries, the id seen longest ago is forgotten."""
    dedup, _ = _dedup(max_entries=2)
    for key in ("a", "b"):
        dedup.claim(key)
        dedup.complete(key)
    assert dedup.claim("a") is Delivery.DUPLICATE  # "a" is now the most recently seen
    dedup.claim("c")
    assert dedup.size == 2
    assert dedup.claim("a") is Delivery.DUPLICATE
    assert dedup.claim("b") is Delivery.NEW


def test_handle_once_marks_only_after_success() -> None:
    """The block's success completes the claim; its failure releases it for a retry."""
    dedup, _ = _dedup()
    runs: list[str] = []

    def deliver(*, fail: bool) -> Delivery:
        with handle_once(dedup, "m1") as delivery:
            if delivery is Delivery.NEW:
                runs.append("run")
                if fail:
                    msg = "downstream is down"
                    raise RuntimeError(msg)
        return delivery

    with pytest.raises(RuntimeError):
        deliver(fail=True)
    assert deliver(fail=False) is Delivery.NEW
    assert deliver(fail=False) is Delivery.DUPLICATE
    assert runs == ["run", "run"]


def test_concurrent_duplicates_are_handled_once() -> None:
    """Many threads delivering the same id at once: exactly one handles it."""
    dedup = InMemoryDeduplicator()
    barrier = threading.Barrier(8)
    outcomes: list[Delivery] = []
    lock = threading.Lock()

    def deliver() -> None:
        barrier.wait()
        with handle_once(dedup, "m1") as delivery:
            with lock:
                outcomes.append(delivery)
            # Every thread arrives here before anyone completes: the others see it in progress.
            barrier.wait()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Delivery.NEW) == 1
    assert outcomes.count(Delivery.IN_PROGRESS) == 7
    assert dedup.claim("m1") is Delivery.DUPLICATE


class AsyncStore:
    """An async deduplicator over the in-memory one, as a network store would look."""

    def __init__(self) -> None:
        """Wrap a fresh in-memory store."""
        self.inner = InMemoryDeduplicator()

    async def claim(self, key: str) -> Delivery:
        """Claim the key."""
        return self.inner.claim(key)

    async def complete(self, key: str) -> None:
        """Complete the key."""
        self.inner.complete(key)

    async def release(self, key: str) -> None:
        """Release the key."""
        self.inner.release(key)


def test_handle_once_async_marks_only_after_success() -> None:
    """The async helper follows the same rules with an async store."""
    store = AsyncStore()

    async def deliver(*, fail: bool) -> Delivery:
        async with ahandle_once(store, "m1") as delivery:
            if delivery is Delivery.NEW and fail:
                msg = "downstream is down"
                raise RuntimeError(msg)
        return delivery

    with pytest.raises(RuntimeError):
        asyncio.run(deliver(fail=True))
    assert asyncio.run(deliver(fail=False)) is Delivery.NEW
    assert asyncio.run(deliver(fail=False)) is Delivery.DUPLICATE


def test_ctrl_c_inside_handle_once_releases_the_claim() -> None:
    """A KeyboardInterrupt while handling gives the claim back, so the redelivery is handled."""
    dedup, _ = _dedup()

    def handle() -> None:
        with handle_once(dedup, "m1") as delivery:
            assert delivery is Delivery.NEW
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        handle()
    assert dedup.claim("m1") is Delivery.NEW


def test_a_cancelled_task_inside_ahandle_once_releases_the_claim() -> None:
    """Cancelling the handling task gives the claim back (CancelledError is a BaseException)."""
    store = AsyncStore()
    entered = asyncio.Event()

    async def handle() -> None:
        async with ahandle_once(store, "m1") as delivery:
            assert delivery is Delivery.NEW
            entered.set()
            await asyncio.Event().wait()  # handling that never ends on its own

    async def main() -> Delivery:
        task = asyncio.create_task(handle())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await store.claim("m1")

    assert asyncio.run(main()) is Delivery.NEW


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ttl": 0}, ValidationError),
        ({"ttl": -1.0}, ValidationError),
        ({"ttl": float("nan")}, ValidationError),
        ({"claim_timeout": 0}, ValidationError),
        ({"max_entries": 0}, ValidationError),
        ({"ttl": "60"}, FieldTypeError),
        ({"ttl": True}, FieldTypeError),
        ({"max_entries": 1.5}, FieldTypeError),
        ({"max_entries": False}, FieldTypeError),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], error: type[Exception]) -> None:
    """Durations must be positive numbers and the size a positive int."""
    with pytest.raises(error):
        InMemoryDeduplicator(**kwargs)


def test_an_empty_deduplicator_is_truthy() -> None:
    """`dedup or default` keeps an empty store (it is not a collection)."""
    dedup = InMemoryDeduplicator()
    assert dedup
    assert dedup.size == 0


def test_repr_shows_settings_and_size() -> None:
    """The repr shows the configuration and how many ids are remembered."""
    dedup, _ = _dedup(ttl=60, claim_timeout=5, max_entries=3)
    dedup.claim("m1")
    assert repr(dedup) == (
        "InMemoryDeduplicator(ttl=60.0, claim_timeout=5.0, max_entries=3, entries=1)"
    )
