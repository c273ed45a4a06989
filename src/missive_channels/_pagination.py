"""Missive's ``until`` pagination: the page-to-page state machine, without I/O."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Final, Generic, Protocol, TypeVar

from ._errors import ValidationError
from ._events import StoredMessage
from ._operations import Operation, get, path_id
from ._responses import ShapeError, envelope, items_of, structure_item

__all__ = ["MAX_MESSAGES_PER_PAGE", "UntilPager", "conversation_messages"]


class _Listed(Protocol):
    """What the pager needs of an item: an id to recognise it by."""

    @property
    def id(self) -> str:
        """The item's id."""
        ...


T = TypeVar("T", bound=_Listed)

MAX_MESSAGES_PER_PAGE: Final = 10
"""Missive's ceiling on ``limit`` for ``GET /conversations/:id/messages``."""


class UntilPager(Generic[T]):
    """Walks a newest-first listing page by page, yielding every item exactly once.

    Missive pages with ``until``: the next page holds items at or before the
    timestamp of the oldest item of the previous one. Three cases need care:

    * A page may hold more than ``limit`` items (Missive keeps items with the
      same timestamp together); only a page with fewer than ``limit`` items is
      the last one.
    * Items sharing the boundary timestamp may come back on the next page;
      they are recognised by id and not repeated.
    * A page may bring nothing new, when more items share one timestamp than
      a page holds; then the walk steps one second further back instead of
      asking for the same page forever.
    """

    def __init__(
        self, path: str, *, key: str, model: type[T], timestamp_key: str, limit: int
    ) -> None:
        """Create the pager.

        Args:
            path: The listing's path.
            key: The envelope key holding the items, e.g. ``"messages"``.
            model: The read model each item is structured into by the converter.
            timestamp_key: The item field ``until`` refers to, e.g. ``"delivered_at"``;
                the model's attribute of that name must be an aware datetime.
            limit: Items per page to ask for.
        """
        self._path = path
        self._key = key
        self._model = model
        self._timestamp_key = timestamp_key
        self._limit = limit
        self._until: int | None = None
        self._seen: set[str] = set()
        self._done = False
        self._stalled = False

    def next_page(self) -> Operation[list[T]] | None:
        """Return the request for the next page, or ``None`` once the walk is over."""
        if self._done:
            return None
        params = [("limit", str(self._limit))]
        if self._until is not None:
            params.append(("until", str(self._until)))
        return get(self._path, self, params)

    def read(self, content: bytes) -> list[T]:
        """Read the answer to the latest page's request and move the walk on.

        The pager is the answer of the operations it makes: reading a page is what
        moves it to the next.

        Returns:
            The page's items not listed before, in the page's order.

        Raises:
            ShapeError: If the page is not a list of items with ids and timestamps,
                or it repeats only items already listed after the walk stepped back.
        """
        items = items_of(envelope(content, self._key))
        if items is None:
            msg = "expected an array"
            raise ShapeError(msg, path=f"$.{self._key}")
        fresh: list[T] = []
        fresh_ids: set[str] = set()
        oldest: int | None = None
        for index, raw in enumerate(items):
            path = f"$.{self._key}[{index}]"
            item = structure_item(raw, self._model, path=path)
            stamp: object = getattr(item, self._timestamp_key)
            if not isinstance(stamp, datetime):
                msg = "expected Unix seconds to page by, got null or nothing"
                raise ShapeError(msg, path=f"{path}.{self._timestamp_key}")
            # Whole seconds for `until`, rounded up so the item itself stays in range.
            second = math.ceil(stamp.timestamp())
            oldest = second if oldest is None else min(oldest, second)
            if item.id not in self._seen and item.id not in fresh_ids:
                fresh.append(item)
                fresh_ids.add(item.id)
        if oldest is not None and not fresh and self._stalled:
            # After stepping back past the timestamp of everything seen, a page of
            # seen items means `until` was not honoured; going on would loop forever.
            msg = f"the page for until={self._until} repeats only items already listed"
            raise ShapeError(msg, path=f"$.{self._key}")
        # Only now, with the whole page read, may the walk move on.
        self._seen.update(fresh_ids)
        if oldest is None or len(items) < self._limit:
            self._done = True
        else:
            self._stalled = not fresh
            self._until = oldest if fresh else oldest - 1
        return fresh


def conversation_messages(conversation_id: str, *, limit: int) -> UntilPager[StoredMessage]:
    """The walk over ``GET /conversations/:id/messages``, newest first.

    Raises:
        ValidationError: If the id is invalid or ``limit`` is not in 1..10.
    """
    if type(limit) is not int or not 1 <= limit <= MAX_MESSAGES_PER_PAGE:
        msg = f"limit must be an int from 1 to {MAX_MESSAGES_PER_PAGE}, got {limit!r}"
        raise ValidationError(msg, field="limit")
    path = f"/conversations/{path_id(conversation_id, field='conversation_id')}/messages"
    return UntilPager(
        path, key="messages", model=StoredMessage, timestamp_key="delivered_at", limit=limit
    )
