"""Recognising redelivered webhooks: the deduplicator protocols and an in-memory store.

Missive signs only the body (no timestamp) and retries a delivery it did not see
answered in time, so the same message can arrive more than once. Deduplication is
keyed on ``message.id`` and marks a message handled only after the handler
succeeded: a failed handler releases its claim, so Missive's next retry runs it
again. Each claim carries its owner's token, and only that owner's `complete` or
`release` acts on it: a handler outlasting its claim cannot free or finish the
claim another request took over.
"""

from __future__ import annotations

import enum
import os
import threading
import time
from collections import OrderedDict
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol

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

    Every claim records its owner, a token unique to one attempt at handling
    (`handle_once` draws 16 random bytes from `os.urandom`); `complete` and `release`
    act only on the caller's own claim. A claim lapses after a timeout, so a slow
    attempt may find its message claimed by another: it must then leave that
    claim alone.

    When several processes receive webhooks, use a shared store:
    `missive_channels.redis.RedisDeduplicator`, or your own implementation over a
    database table; the three operations must be atomic per key.
    """

    def claim(self, key: str, owner: str) -> Delivery:
        """Claim ``key`` for ``owner`` unless it is handled or being handled.

        Args:
            key: The message id.
            owner: A token unique to this attempt, given again to `complete` or `release`.

        Returns:
            `Delivery.NEW` if ``owner`` now holds the claim, otherwise why not.
        """
        ...

    def complete(self, key: str, owner: str) -> bool:
        """Record ``key`` as handled; later claims report `Delivery.DUPLICATE`.

        Another owner's live claim is left alone (its own outcome decides), and a
        record of a handled message stays as it is. A claim that lapsed with
        nobody taking it over is still recorded as handled: the handler did succeed.

        Args:
            key: The message id.
            owner: The token the claim was made with.

        Returns:
            ``True`` if ``owner``'s claim was still live; ``False`` if it had lapsed,
            so the message may have been handled twice.
        """
        ...

    def release(self, key: str, owner: str) -> None:
        """Drop ``owner``'s claim on ``key`` after a failure, so a redelivery is handled.

        Anything else under ``key`` (another owner's claim, a handled record) stays.

        Args:
            key: The message id.
            owner: The token the claim was made with.
        """
        ...


class AsyncDeduplicator(Protocol):
    """The `Deduplicator` protocol for stores reached with ``await`` (e.g. async Redis)."""

    async def claim(self, key: str, owner: str) -> Delivery:
        """See `Deduplicator.claim`."""
        ...

    async def complete(self, key: str, owner: str) -> bool:
        """See `Deduplicator.complete`."""
        ...

    async def release(self, key: str, owner: str) -> None:
        """See `Deduplicator.release`."""
        ...


def _lapsed(key: str) -> None:
    """Warn that a claim lapsed before its handler finished."""
    import logging  # noqa: PLC0415 - only when a claim lapses, as webhook handlers start fast

    logging.getLogger("missive_channels").warning(
        "the claim on %r lapsed before its handler finished, so another request may have "
        "handled it too; raise claim_timeout above the handler's longest run",
        key,
    )


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

    The claim is made under a fresh owner token, so a block that outlasts its
    claim never releases or completes the claim another request took over; a
    block finishing after its claim lapsed logs a warning.

    Yields:
        What the deduplicator says about the delivery; only `Delivery.NEW` should
        be handled.
    """
    owner = os.urandom(16).hex()
    delivery = deduplicator.claim(key, owner)
    if delivery is not Delivery.NEW:
        yield delivery
        return
    try:
        yield delivery
    except BaseException:
        deduplicator.release(key, owner)
        raise
    if not deduplicator.complete(key, owner):
        _lapsed(key)


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

    The claim is made under a fresh owner token, so a block that outlasts its
    claim never releases or completes the claim another request took over; a
    block finishing after its claim lapsed logs a warning.

    Yields:
        What the deduplicator says about the delivery; only `Delivery.NEW` should
        be handled.
    """
    owner = os.urandom(16).hex()
    delivery = await deduplicator.claim(key, owner)
    if delivery is not Delivery.NEW:
        yield delivery
        return
    try:
        yield delivery
    except BaseException:
        await deduplicator.release(key, owner)
        raise
    if not await deduplicator.complete(key, owner):
        _lapsed(key)


# unasync: end handle_once


_DAY: Final = 24 * 60 * 60.0


class _Entry(NamedTuple):
    """What `InMemoryDeduplicator` remembers of a key."""

    owner: str | None
    """The claim's owner, or ``None`` once the message is handled."""
    expiry: float
    """When the claim lapses, or the handled record is forgotten (clock time)."""


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
        # key -> its entry, least recently seen first.
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    @property
    def size(self) -> int:
        """How many ids are remembered (claimed or handled), expired ones until evicted."""
        return len(self._entries)

    def _put(self, key: str, owner: str | None, now: float) -> None:
        expiry = now + (self._ttl if owner is None else self._claim_timeout)
        self._entries[key] = _Entry(owner, expiry)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def _live(self, key: str, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        return entry if entry is not None and entry.expiry > now else None

    def claim(self, key: str, owner: str) -> Delivery:
        """Claim ``key`` for ``owner`` if nobody handled or holds it; see `Deduplicator.claim`."""
        with self._lock:
            now = self._clock()
            if (entry := self._live(key, now)) is not None:
                self._entries.move_to_end(key)
                return Delivery.IN_PROGRESS if entry.owner is not None else Delivery.DUPLICATE
            self._put(key, owner, now)
            return Delivery.NEW

    def complete(self, key: str, owner: str) -> bool:
        """Record ``key`` as handled unless another owner holds it; see `Deduplicator.complete`."""
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            own = entry is not None and entry.owner == owner
            if own or entry is None:
                self._put(key, None, now)
            return own

    def release(self, key: str, owner: str) -> None:
        """Forget ``owner``'s claim on ``key``; see `Deduplicator.release`."""
        with self._lock:
            entry = self._entries.get(key)
            # Only the caller's own claim goes: after its claim lapsed, another request
            # may hold the message, or have handled it; neither must be undone.
            if entry is not None and entry.owner == owner:
                del self._entries[key]

    def __repr__(self) -> str:
        """Show the configuration and how many ids are remembered."""
        return (
            f"InMemoryDeduplicator(ttl={self._ttl!r}, claim_timeout={self._claim_timeout!r}, "
            f"max_entries={self._max_entries!r}, entries={len(self._entries)})"
        )
