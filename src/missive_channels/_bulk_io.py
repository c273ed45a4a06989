"""The loops that run a bulk send's flows: one at a time (sync), or a window of tasks (async).

These are the only parts of ``create_many`` that differ between the clients, and
they differ by nature, not by spelling: a sync client sends one message at a
time in the caller's thread, while an async client keeps several requests in
flight. So they are written out here rather than generated from each other;
every decision stays in `_bulk`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from ._bulk import BulkSend, SendOutcome
    from ._core import AsyncRunner, Runner

__all__ = ["asend_all", "send_all"]


def send_all(run: Runner, bulk: BulkSend) -> Iterator[SendOutcome]:
    """Send the messages one after the other, yielding each outcome as it comes.

    Args:
        run: The sync client's request loop.
        bulk: The bulk send.

    Yields:
        One outcome per message, in input order.
    """
    with bulk:
        for flow in bulk.flows():
            yield run(flow)


async def asend_all(run: AsyncRunner, bulk: BulkSend) -> AsyncIterator[SendOutcome]:
    """Send up to ``bulk.window`` messages at a time, yielding the outcomes in input order.

    A message's flow is made (and its journal decision taken) only when a place
    in the window frees up, so the input is read no faster than it is sent.
    Leaving early (an error, a cancellation, or closing the iterator) cancels
    the requests still in flight: their journal records stay ``sending``.

    Args:
        run: The async client's request loop.
        bulk: The bulk send.

    Yields:
        One outcome per message, in input order.
    """
    pending: deque[asyncio.Task[SendOutcome]] = deque()
    loop = asyncio.get_running_loop()
    with bulk:
        try:
            for flow in bulk.flows():
                pending.append(loop.create_task(run(flow)))
                if len(pending) >= bulk.window:
                    yield await pending.popleft()
            while pending:
                yield await pending.popleft()
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
            for task in pending:
                # Retrieve what the abandoned tasks raised, so that asyncio does not
                # log it as never retrieved; the error that ended the run propagates.
                if not task.cancelled():
                    task.exception()
