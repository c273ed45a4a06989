"""Missive's ``until`` pagination: the page-to-page state machine, without I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Generic, TypeVar, cast

from ._errors import ValidationError
from ._operations import Operation, envelope, get, path_id
from ._reads import MissiveMessage, message
from ._responses import ShapeError, items_of

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["MAX_MESSAGES_PER_PAGE", "UntilPager", "conversation_messages"]

T = TypeVar("T")

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
        self,
        path: str,
        *,
        key: str,
        timestamp_key: str,
        limit: int,
        structure: Callable[[object, str], T],
    ) -> None:
        """Create the pager.

        Args:
            path: The listing's path.
            key: The envelope key holding the items, e.g. ``"messages"``.
            timestamp_key: The item field ``until`` refers to, e.g. ``"delivered_at"``.
            limit: Items per page to ask for.
            structure: Builds the result from one raw item and its JSON path.
        """
        self._path = path
        self._key = key
        self._timestamp_key = timestamp_key
        self._limit = limit
        self._structure = structure
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
        return get(self._path, self._accept, params)

    def _accept(self, content: bytes) -> list[T]:
        items = items_of(envelope(content, self._key))
        if items is None:
            msg = "expected a list"
            raise ShapeError(msg, path=f"$.{self._key}")
        fresh: list[T] = []
        fresh_ids: list[str] = []
        oldest: int | None = None
        for index, item in enumerate(items):
            path = f"$.{self._key}[{index}]"
            if not isinstance(item, dict):
                msg = "expected an object"
                raise ShapeError(msg, path=path)
            raw = cast("dict[str, object]", item)
            item_id = raw.get("id")
            stamp = raw.get(self._timestamp_key)
            if not isinstance(item_id, str):
                msg = "expected a string id"
                raise ShapeError(msg, path=f"{path}.id")
            if type(stamp) is not int:
                msg = "expected integer Unix seconds"
                raise ShapeError(msg, path=f"{path}.{self._timestamp_key}")
            oldest = stamp if oldest is None else min(oldest, stamp)
            if item_id not in self._seen and item_id not in fresh_ids:
                fresh.append(self._structure(raw, path))
                fresh_ids.append(item_id)
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


def conversation_messages(conversation_id: str, *, limit: int) -> UntilPager[MissiveMessage]:
    """The walk over ``GET /conversations/:id/messages``, newest first.

    Raises:
        ValidationError: If the id is invalid or ``limit`` is not in 1..10.
    """
    if type(limit) is not int or not 1 <= limit <= MAX_MESSAGES_PER_PAGE:
        msg = f"limit must be an int from 1 to {MAX_MESSAGES_PER_PAGE}, got {limit!r}"
        raise ValidationError(msg, field="limit")
    path = f"/conversations/{path_id(conversation_id, field='conversation_id')}/messages"
    return UntilPager(
        path, key="messages", timestamp_key="delivered_at", limit=limit, structure=message
    )
