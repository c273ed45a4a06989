"""`until` pagination over conversation messages: never losing or repeating a message."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

from conftest import BASE, collect
from missive_channels import (
    APIResponseValidationError,
    Correspondent,
    StoredMessage,
    ValidationError,
)
from missive_channels._pagination import UntilPager

if TYPE_CHECKING:
    from pytest_httpx import HTTPXMock

pytestmark = pytest.mark.anyio

LIST = f"{BASE}/conversations/c1/messages"


def raw(message_id: str, delivered_at: float, **extra: Any) -> dict[str, Any]:
    """A raw message as Missive lists it."""
    return {"id": message_id, "delivered_at": delivered_at, **extra}


def page(*messages: dict[str, Any]) -> dict[str, Any]:
    """A listing answer."""
    return {"messages": list(messages)}


async def listed(client: Any, limit: int = 3) -> list[str]:
    """The ids the client yields for conversation c1."""
    return [m.id for m in await collect(client.conversations.messages("c1", limit=limit))]


def untils(httpx_mock: HTTPXMock) -> list[str | None]:
    """The `until` of each listing request, in order."""
    return [request.url.params.get("until") for request in httpx_mock.get_requests()]


async def test_pages_are_followed_until_a_short_page(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Each next page asks `until` the oldest timestamp; a page under `limit` ends the walk."""
    first = page(raw("a", 30), raw("b", 20), raw("c", 10))
    httpx_mock.add_response(url=f"{LIST}?limit=3", json=first)
    httpx_mock.add_response(url=f"{LIST}?limit=3&until=10", json=page(raw("c", 10), raw("d", 5)))
    assert await listed(make_client()) == ["a", "b", "c", "d"]


async def test_a_page_larger_than_limit_is_not_the_last(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Missive may return more than `limit` items; the walk goes on."""
    httpx_mock.add_response(
        json=page(raw("a", 30), raw("b", 20), raw("c", 10), raw("d", 10), raw("e", 10))
    )
    httpx_mock.add_response(json=page(raw("e", 10), raw("f", 4)))
    assert await listed(make_client()) == ["a", "b", "c", "d", "e", "f"]
    assert untils(httpx_mock) == [None, "10"]


async def test_equal_timestamps_across_a_boundary_are_neither_lost_nor_repeated(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Messages sharing the boundary timestamp reappear on the next page and are skipped by id."""
    httpx_mock.add_response(json=page(raw("a", 30), raw("b", 10), raw("c", 10)))
    httpx_mock.add_response(json=page(raw("b", 10), raw("c", 10), raw("d", 10)))
    httpx_mock.add_response(json=page(raw("d", 10), raw("e", 9)))
    assert await listed(make_client()) == ["a", "b", "c", "d", "e"]
    assert untils(httpx_mock) == [None, "10", "10"]


async def test_a_page_of_one_timestamp_with_nothing_new_steps_back(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """When a full page brings nothing new (all one timestamp), the walk asks one second earlier."""
    httpx_mock.add_response(json=page(raw("a", 10), raw("b", 10), raw("c", 10)))
    httpx_mock.add_response(json=page(raw("a", 10), raw("b", 10), raw("c", 10)))
    httpx_mock.add_response(json=page(raw("d", 9)))
    assert await listed(make_client()) == ["a", "b", "c", "d"]
    assert untils(httpx_mock) == [None, "10", "9"]


async def test_a_server_ignoring_until_raises_instead_of_looping(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Stepping back and still seeing only known messages is an error, not an endless loop."""
    for _ in range(3):
        httpx_mock.add_response(json=page(raw("a", 10), raw("b", 10), raw("c", 10)))
    with pytest.raises(APIResponseValidationError, match="repeats only items already listed"):
        await listed(make_client())
    assert untils(httpx_mock) == [None, "10", "9"]


async def test_an_empty_conversation_lists_nothing(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """An empty first page ends the walk at once."""
    httpx_mock.add_response(json=page())
    assert await listed(make_client()) == []


async def test_listed_messages_are_whole_stored_messages(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Each listed item is structured into a StoredMessage; unknown keys are kept in extra."""
    item = raw(
        "a",
        1718031200,
        type="custom_text",
        body="Hi",
        from_field={"id": "cust-4471", "username": "@marta.k", "name": None},
        to_fields=[{"id": None, "username": None, "name": None}],
        external_id="acme-msg-1",
        brand_new={"nested": True},
    )
    httpx_mock.add_response(json=page(item))
    got = await collect(make_client().conversations.messages("c1", limit=3))
    assert got == [
        StoredMessage(
            id="a",
            type="custom_text",
            body="Hi",
            from_field=Correspondent(id="cust-4471", username="@marta.k"),
            external_id="acme-msg-1",
            delivered_at=datetime(2024, 6, 10, 14, 53, 20, tzinfo=timezone.utc),
            extra={"brand_new": {"nested": True}},
        )
    ]


async def test_fractional_timestamps_page_from_the_second_above(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """`until` is whole seconds, rounded up so that no message at the boundary is skipped."""
    httpx_mock.add_response(json=page(raw("a", 30), raw("b", 20.5), raw("c", 20.25)))
    httpx_mock.add_response(json=page(raw("c", 20.25), raw("d", 20)))
    assert await listed(make_client()) == ["a", "b", "c", "d"]
    assert untils(httpx_mock) == [None, "21"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"nope": []}, "$: expected a JSON object with the key 'messages'"),
        ({"messages": "x"}, "$.messages: expected an array"),
        ({"messages": ["x"]}, "$.messages[0]: expected an object, got a string"),
        ({"messages": [{"delivered_at": 1}]}, "$.messages[0].id: required key is missing"),
        (
            {"messages": [{"id": "a", "delivered_at": "1"}]},
            "$.messages[0].delivered_at: expected Unix seconds to page by",
        ),
        (
            {"messages": [{"id": "a", "delivered_at": True}]},
            "$.messages[0].delivered_at: expected Unix seconds to page by",
        ),
        (
            {"messages": [raw("a", 2), {"id": "b"}]},
            "$.messages[1].delivered_at: expected Unix seconds to page by, got null or nothing",
        ),
        (
            {"messages": [raw("a", 2, to_fields=[{"address": 7}])]},
            "$.messages[0].to_fields[0].address: expected a string, got a number",
        ),
    ],
)
async def test_malformed_pages_name_the_bad_spot(
    make_client: Any, httpx_mock: HTTPXMock, body: dict[str, Any], where: str
) -> None:
    """A page that is not a list of messages with ids and timestamps fails with a JSON path."""
    httpx_mock.add_response(json=body)
    with pytest.raises(APIResponseValidationError, match=f"unexpected shape: {_escape(where)}"):
        await listed(make_client())


def _escape(text: str) -> str:
    return re.escape(text)


@pytest.mark.parametrize("limit", [0, 11, 2.0, True])
async def test_limit_outside_1_to_10_is_refused_at_call(make_client: Any, limit: Any) -> None:
    """An invalid page size raises before iteration starts."""
    with pytest.raises(ValidationError, match="limit must be an int from 1 to 10"):
        make_client().conversations.messages("c1", limit=limit)


def test_the_pager_is_done_after_the_last_page() -> None:
    """Once a short page is read, no further request is made."""
    pager = UntilPager("/x", key="items", model=StoredMessage, timestamp_key="created_at", limit=2)
    first = pager.next_page()
    assert first is not None
    assert first.answer.read(b'{"items": [{"id": "a", "created_at": 0}]}') == [
        StoredMessage(id="a", created_at=datetime(1970, 1, 1, tzinfo=timezone.utc))
    ]
    assert pager.next_page() is None
