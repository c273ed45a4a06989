"""Recognising redelivered webhooks: the deduplicator protocols and an in-memory store.

Missive signs only the body (no timestamp) and retries a delivery it did not see
answered in time, so the same message can arrive more than once. Deduplication is
keyed on ``message.id`` and marks a message handled only after the handler
succeeded: a failed handler releases its claim, so Missive's next retry runs it
again.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import OrderedDict
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Final, Protocol

from ._validators import positive_count, positive_seconds

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Generator

__all__ = [
    "AsyncDeduplicator",
    "Deduplicator",
    "Delivery",
    "InMemoryDeduplicator",
    "ahandle_once",
    "handle_once",
]


class Delivery(enum.Enum):
    """What a deduplicator says about a delivery, and how to answer it."""

    NEW = "new"
    """Not seen before, now claimed: handle it, then answer 200."""

    DUPLICATE = "duplicate"
    """Already handled: answer 200 (so Missive stops retrying) and do nothing."""

    IN_PROGRESS = "in_progress"
    """Being handled right now by another request: answer 409 without handling it.

    A non-2xx answer makes Missive retry later; by then the first attempt either
    succeeded (the retry is a `DUPLICATE`) or failed and released its claim (the
    retry handles it). Answering 200 here would lose the message if the first
    attempt then failed.
    """


class Deduplicator(Protocol):
    """A store of claimed and handled message ids (sync).

    When several processes receive webhooks, use a shared store:
    `missive_channels.redis.RedisDeduplicator`, or your own implementation over a
    database table; the three operations must be atomic per key.
    """

    def claim(self, key: str) -> Delivery:
        """Claim ``key`` for handling unless it is handled or being handled.

        Args:
            key: The message id.

        Returns:
            `Delivery.NEW` if the caller now owns the key, otherwise why not.
        """
        ...

    def complete(self, key: str) -> None:
        """Record ``key`` as handled; later claims report `Delivery.DUPLICATE`.

        Args:
            key: The message id, claimed by the caller.
        """
        ...

    def release(self, key: str) -> None:
        """Drop the claim on ``key`` after a failure, so a redelivery is handled.

        Args:
            key: The message id, claimed by the caller.
        """
        ...


class AsyncDeduplicator(Protocol):
    """The `Deduplicator` protocol for stores reached with ``await`` (e.g. async Redis)."""

    async def claim(self, key: str) -> Delivery:
        """See `Deduplicator.claim`."""
        ...

    async def complete(self, key: str) -> None:
        """See `Deduplicator.complete`."""
        ...

    async def release(self, key: str) -> None:
        """See `Deduplicator.release`."""
        ...


# The sync source of `ahandle_once`, which scripts/unasync.py generates below.
# unasync: source handle_once
@contextmanager
def handle_once(
    deduplicator: Deduplicator,
    key: str,
) -> Generator[Delivery, None, None]:
    """Claim a delivery for the ``with`` block; mark it handled if the block succeeds.

    For example:

    ```python
    with handle_once(dedup, event.message.id) as delivery:
        if delivery is Delivery.NEW:
            forward(event)  # an exception here releases the claim
    status = 409 if delivery is Delivery.IN_PROGRESS else 200
    ```

    Args:
        deduplicator: The `Deduplicator` holding the claims; an `InMemoryDeduplicator`
            never blocks, so async code may use it with `handle_once` too.
        key: The message id.

    Yields:
        What the deduplicator says about the delivery; only `Delivery.NEW` should
        be handled.
    """
    delivery = deduplicator.claim(key)
    if delivery is not Delivery.NEW:
        yield delivery
        return
    try:
        yield delivery
    except BaseException:
        deduplicator.release(key)
        raise
    deduplicator.complete(key)


# unasync: end handle_once
# unasync: generated handle_once
@asynccontextmanager
async def ahandle_once(
    deduplicator: AsyncDeduplicator,
    key: str,
) -> AsyncGenerator[Delivery, None]:
    """Claim a delivery for the ``async with`` block; mark it handled if the block succeeds.

    For example:

    ```python
    async with ahandle_once(dedup, event.message.id) as delivery:
        if delivery is Delivery.NEW:
            forward(event)  # an exception here releases the claim
    status = 409 if delivery is Delivery.IN_PROGRESS else 200
    ```

    Args:
        deduplicator: The `AsyncDeduplicator` holding the claims; an `InMemoryDeduplicator`
            never blocks, so async code may use it with `handle_once` too.
        key: The message id.

    Yields:
        What the deduplicator says about the delivery; only `Delivery.NEW` should
        be handled.
    """
    delivery = await deduplicator.claim(key)
    if delivery is not Delivery.NEW:
        yield delivery
        return
    try:
        yield delivery
    except BaseException:
        await deduplicator.release(key)
        raise
    await deduplicator.complete(key)


# unasync: end handle_once


_DAY: Final = 24 * 60 * 60.0


class InMemoryDeduplicator:
    """A thread-safe, bounded, in-process `Deduplicator` with expiry.

    Handled ids are remembered for ``ttl`` seconds; claims not completed or
    released within ``claim_timeout`` seconds lapse (so a forgotten claim cannot
    block a message forever). Beyond ``max_entries``, the least recently seen ids
    are forgotten first. It only sees its own process: with several workers, use
    `missive_channels.redis.RedisDeduplicator`.
    """

    __slots__ = ("_claim_timeout", "_clock", "_entries", "_lock", "_max_entries", "_ttl")

    def __init__(
        self,
        *,
        ttl: float = _DAY,
        claim_timeout: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create an empty deduplicator.

        Args:
            ttl: Seconds a handled id is remembered; cover Missive's retry window.
            claim_timeout: Seconds a claim lasts without `complete` or `release`;
                keep it above your handler's longest run.
            max_entries: How many ids to remember at most.
            clock: Returns the current time in seconds (monotonic); tests inject one.

        Raises:
            ValidationError: If a duration or the size is not positive.
        """
        self._ttl = positive_seconds("ttl", ttl)
        self._claim_timeout = positive_seconds("claim_timeout", claim_timeout)
        self._max_entries = positive_count("max_entries", max_entries)
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (handled?, expiry time), least recently seen first.
        self._entries: OrderedDict[str, tuple[bool, float]] = OrderedDict()

    @property
    def size(self) -> int:
        """How many ids are remembered (claimed or handled), expired ones until evicted."""
        return len(self._entries)

    def _put(self, key: str, *, handled: bool, now: float) -> None:
        expiry = now + (self._ttl if handled else self._claim_timeout)
        self._entries[key] = (handled, expiry)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def claim(self, key: str) -> Delivery:
        """Claim ``key`` unless it is handled or being handled (see `Deduplicator.claim`).

        Args:
            key: The message id.

        Returns:
            `Delivery.NEW` if the caller now owns the key, otherwise why not.
        """
        with self._lock:
            now = self._clock()
            entry = self._entries.get(key)
            if entry is not None and entry[1] > now:
                self._entries.move_to_end(key)
                return Delivery.DUPLICATE if entry[0] else Delivery.IN_PROGRESS
            self._put(key, handled=False, now=now)
            return Delivery.NEW

    def complete(self, key: str) -> None:
        """Record ``key`` as handled (see `Deduplicator.complete`).

        Args:
            key: The message id.
        """
        with self._lock:
            self._put(key, handled=True, now=self._clock())

    def release(self, key: str) -> None:
        """Forget the claim on ``key`` (see `Deduplicator.release`).

        Args:
            key: The message id.
        """
        with self._lock:
            entry = self._entries.get(key)
            # Only an unfinished claim goes: a late failure after the claim lapsed
            # and another request handled the message must not undo that record.
            if entry is not None and not entry[0]:
                del self._entries[key]

    def __repr__(self) -> str:
        """Show the configuration and how many ids are remembered."""
        return (
            f"InMemoryDeduplicator(ttl={self._ttl!r}, claim_timeout={self._claim_timeout!r}, "
            f"max_entries={self._max_entries!r}, entries={len(self._entries)})"
        )
