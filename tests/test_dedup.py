"""Duplicate deliveries: claims, completion after success, release after failure, expiry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
    assert dedup.claim("m1", "a") is Delivery.NEW
    assert dedup.claim("m1", "b") is Delivery.IN_PROGRESS
    assert dedup.complete("m1", "a") is True
    assert dedup.claim("m1", "c") is Delivery.DUPLICATE
    assert dedup.claim("m2", "a") is Delivery.NEW


def test_release_lets_a_redelivery_be_handled() -> None:
    """After a failed attempt releases its claim, the next delivery is new again."""
    dedup, _ = _dedup()
    dedup.claim("m1", "a")
    dedup.release("m1", "a")
    assert dedup.claim("m1", "a") is Delivery.NEW


def test_release_never_forgets_a_handled_message() -> None:
    """A late release after someone else completed the id keeps it a duplicate."""
    dedup, _ = _dedup()
    dedup.claim("m1", "a")
    dedup.complete("m1", "a")
    dedup.release("m1", "a")
    dedup.release("m1", "b")
    dedup.release("never-claimed", "a")
    assert dedup.claim("m1", "a") is Delivery.DUPLICATE


def test_handled_ids_expire_after_the_ttl() -> None:
    """A handled id is remembered for ttl seconds, not longer."""
    dedup, clock = _dedup(ttl=60)
    dedup.claim("m1", "a")
    dedup.complete("m1", "a")
    clock.now += 59.9
    assert dedup.claim("m1", "a") is Delivery.DUPLICATE
    clock.now += 0.1
    assert dedup.claim("m1", "a") is Delivery.NEW


def test_forgotten_claims_lapse_after_the_claim_timeout() -> None:
    """A claim never completed nor released stops blocking after claim_timeout."""
    dedup, clock = _dedup(claim_timeout=30)
    dedup.claim("m1", "a")
    clock.now += 29
    assert dedup.claim("m1", "a") is Delivery.IN_PROGRESS
    clock.now += 1
    assert dedup.claim("m1", "a") is Delivery.NEW


def test_least_recently_seen_ids_are_evicted_first() -> None:
    """Beyond max_entries, the id seen longest ago is forgotten."""
    dedup, _ = _dedup(max_entries=2)
    for key in ("a", "b"):
        dedup.claim(key, "a")
        dedup.complete(key, "a")
    assert dedup.claim("a", "a") is Delivery.DUPLICATE  # "a" is now the most recently seen
    dedup.claim("c", "a")
    assert dedup.size == 2
    assert dedup.claim("a", "a") is Delivery.DUPLICATE
    assert dedup.claim("b", "a") is Delivery.NEW


LAPSED = "the claim on 'm1' lapsed before its handler finished"


def test_a_late_release_leaves_the_claim_that_replaced_it() -> None:
    """After A's claim lapsed and B claimed the message, A's release keeps B's claim."""
    dedup, clock = _dedup(claim_timeout=60)
    assert dedup.claim("m1", "a") is Delivery.NEW
    clock.now += 60
    assert dedup.claim("m1", "b") is Delivery.NEW
    dedup.release("m1", "a")
    assert dedup.claim("m1", "c") is Delivery.IN_PROGRESS
    dedup.release("m1", "b")
    assert dedup.claim("m1", "c") is Delivery.NEW


def test_a_late_complete_leaves_the_live_claim_that_replaced_it() -> None:
    """A's complete after its claim lapsed and B claimed says so, and B's outcome decides."""
    dedup, clock = _dedup(claim_timeout=60)
    dedup.claim("m1", "a")
    clock.now += 60
    dedup.claim("m1", "b")
    assert dedup.complete("m1", "a") is False
    assert dedup.claim("m1", "c") is Delivery.IN_PROGRESS
    assert dedup.complete("m1", "b") is True
    assert dedup.claim("m1", "c") is Delivery.DUPLICATE


def test_a_late_complete_records_a_message_nobody_else_took() -> None:
    """A lapsed claim nobody took over is still recorded handled, reporting the lapse."""
    dedup, clock = _dedup(claim_timeout=60, ttl=600)
    dedup.claim("m1", "a")
    clock.now += 60
    assert dedup.complete("m1", "a") is False
    assert dedup.claim("m1", "b") is Delivery.DUPLICATE
    clock.now += 599.9
    assert dedup.claim("m1", "b") is Delivery.DUPLICATE


def test_a_late_complete_keeps_the_record_another_owner_made() -> None:
    """A's complete after B handled the message leaves B's record as it is."""
    dedup, clock = _dedup(claim_timeout=60, ttl=600)
    dedup.claim("m1", "a")
    clock.now += 60
    dedup.claim("m1", "b")
    dedup.complete("m1", "b")
    clock.now += 500
    assert dedup.complete("m1", "a") is False
    clock.now += 100  # B's record ends when it would have; A's complete did not renew it
    assert dedup.claim("m1", "c") is Delivery.NEW


def test_handle_once_outlasting_its_claim_never_frees_the_next_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A handler failing after its claim lapsed leaves the claim of the one that took over."""
    dedup, clock = _dedup(claim_timeout=60)
    caplog.set_level(logging.WARNING, logger="missive_channels")

    def fail_late(worker_b: contextlib.ExitStack) -> None:
        with handle_once(dedup, "m1") as first:
            assert first is Delivery.NEW
            clock.now += 60  # A is slow: its claim lapses
            assert worker_b.enter_context(handle_once(dedup, "m1")) is Delivery.NEW
            msg = "A fails late"
            raise RuntimeError(msg)

    with contextlib.ExitStack() as worker_b:
        with pytest.raises(RuntimeError):
            fail_late(worker_b)
        with handle_once(dedup, "m1") as third:
            assert third is Delivery.IN_PROGRESS  # B is still on it
    with handle_once(dedup, "m1") as fourth:
        assert fourth is Delivery.DUPLICATE  # B's success was recorded
    assert caplog.records == []


def test_handle_once_finishing_after_its_claim_lapsed_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A handler succeeding after another took over its claim logs it and marks nothing."""
    dedup, clock = _dedup(claim_timeout=60)
    with contextlib.ExitStack() as worker_b, caplog.at_level(logging.WARNING):
        with handle_once(dedup, "m1"):
            clock.now += 60
            worker_b.enter_context(handle_once(dedup, "m1"))
        assert LAPSED in caplog.text
        with handle_once(dedup, "m1") as third:
            assert third is Delivery.IN_PROGRESS
        worker_b.close()
    with handle_once(dedup, "m1") as fourth:
        assert fourth is Delivery.DUPLICATE


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
    assert dedup.claim("m1", "a") is Delivery.DUPLICATE


class AsyncStore:
    """An async deduplicator over the in-memory one, as a network store would look."""

    def __init__(self) -> None:
        """Wrap a fresh in-memory store."""
        self.inner = InMemoryDeduplicator()

    async def claim(self, key: str, owner: str) -> Delivery:
        """Claim the key."""
        return self.inner.claim(key, owner)

    async def complete(self, key: str, owner: str) -> bool:
        """Complete the key."""
        return self.inner.complete(key, owner)

    async def release(self, key: str, owner: str) -> None:
        """Release the key."""
        self.inner.release(key, owner)


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


def test_ahandle_once_outlasting_its_claim_never_frees_or_finishes_the_next_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The async helper, late, neither releases nor completes the claim that replaced its own."""
    clock = Clock()
    store = AsyncStore()
    store.inner = InMemoryDeduplicator(claim_timeout=60, clock=clock)

    async def fail_late(worker_b: contextlib.AsyncExitStack, seen: list[Delivery]) -> None:
        async with ahandle_once(store, "m1"):
            clock.now += 60  # A is slow: its claim lapses
            seen.append(await worker_b.enter_async_context(ahandle_once(store, "m1")))
            raise RuntimeError

    async def main() -> list[Delivery]:
        seen: list[Delivery] = []
        async with contextlib.AsyncExitStack() as worker_b:
            with pytest.raises(RuntimeError):
                await fail_late(worker_b, seen)
            async with ahandle_once(store, "m1") as third:
                seen.append(third)
        async with ahandle_once(store, "m1") as after_b:
            seen.append(after_b)
        async with contextlib.AsyncExitStack() as worker_b:
            async with ahandle_once(store, "m2"):
                clock.now += 60
                await worker_b.enter_async_context(ahandle_once(store, "m2"))
            async with ahandle_once(store, "m2") as third:
                seen.append(third)
        async with ahandle_once(store, "m2") as after_b:
            seen.append(after_b)
        return seen

    with caplog.at_level(logging.WARNING, logger="missive_channels"):
        assert asyncio.run(main()) == [
            Delivery.NEW,
            Delivery.IN_PROGRESS,
            Delivery.DUPLICATE,
            Delivery.IN_PROGRESS,
            Delivery.DUPLICATE,
        ]
    assert [record.getMessage()[:45] for record in caplog.records] == [
        "the claim on 'm2' lapsed before its handler f"
    ]


def test_ctrl_c_inside_handle_once_releases_the_claim() -> None:
    """A KeyboardInterrupt while handling gives the claim back, so the redelivery is handled."""
    dedup, _ = _dedup()

    def handle() -> None:
        with handle_once(dedup, "m1") as delivery:
            assert delivery is Delivery.NEW
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        handle()
    assert dedup.claim("m1", "a") is Delivery.NEW


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
        return await store.claim("m1", "b")

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
    dedup.claim("m1", "a")
    assert repr(dedup) == (
        "InMemoryDeduplicator(ttl=60.0, claim_timeout=5.0, max_entries=3, entries=1)"
    )
