"""Reads: messages, conversations, and `until` pagination that never loses or repeats a message."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

from conftest import BASE, collect, resolve
from missive_channels import APIResponseValidationError, ValidationError
from missive_channels._pagination import UntilPager
from missive_channels._reads import Conversation, Correspondent, MissiveMessage

if TYPE_CHECKING:
    from pytest_httpx import HTTPXMock

pytestmark = pytest.mark.anyio

LIST = f"{BASE}/conversations/c1/messages"


def raw(message_id: str, delivered_at: int, **extra: Any) -> dict[str, Any]:
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


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"nope": []}, "$: expected a JSON object with the key 'messages'"),
        ({"messages": ["x"]}, "$.messages[0]: expected an object"),
        ({"messages": [{"delivered_at": 1}]}, "$.messages[0].id: expected a string id"),
        ({"messages": [{"id": "a", "delivered_at": "1"}]}, "$.messages[0].delivered_at"),
        ({"messages": [{"id": "a", "delivered_at": True}]}, "$.messages[0].delivered_at"),
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
    pager = UntilPager("/x", key="items", timestamp_key="t", limit=2, structure=lambda v, _: v)
    first = pager.next_page()
    assert first is not None
    assert first.parse(b'{"items": [{"id": "a", "t": 1}]}') == [{"id": "a", "t": 1}]
    assert pager.next_page() is None


# --- single reads and the read models ------------------------------------------------------

FULL = {
    "id": "m1",
    "type": "email",
    "subject": "Order",
    "preview": "Hi",
    "body": "<p>Hi</p>",
    "from_field": {"address": "marta@example.com", "name": "Marta"},
    "to_fields": [{"id": "acme", "username": "@acme", "name": None}, {"id": None}, "junk"],
    "cc_fields": [{"address": "cc@example.com"}],
    "bcc_fields": [],
    "reply_to_fields": [{"address": "reply@example.com", "name": "R"}],
    "references": ["r1", 2],
    "in_reply_to": ["<x@y>"],
    "email_message_id": "<m1@example.com>",
    "external_id": None,
    "conversation": {"id": "c1", "subject": None},
    "delivered_at": 1718031200,
    "created_at": 10**20,
    "updated_at": "yesterday",
    "attachments": [{"id": "att"}],
    "unknown": {"future": True},
}


async def test_messages_get_builds_the_message(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """GET /messages/:id becomes a MissiveMessage; odd or unknown fields are tolerated."""
    httpx_mock.add_response(url=f"{BASE}/messages/m1", json={"messages": FULL})
    got = await resolve(make_client().messages.get("m1"))
    assert got == MissiveMessage(
        id="m1",
        type="email",
        subject="Order",
        preview="Hi",
        body="<p>Hi</p>",
        from_field=Correspondent(address="marta@example.com", name="Marta"),
        to_fields=(Correspondent(id="acme", username="@acme"),),
        cc_fields=(Correspondent(address="cc@example.com"),),
        reply_to_fields=(Correspondent(address="reply@example.com", name="R"),),
        references=("r1",),
        in_reply_to=("<x@y>",),
        email_message_id="<m1@example.com>",
        conversation_id="c1",
        delivered_at=datetime(2024, 6, 10, 14, 53, 20, tzinfo=timezone.utc),
    )


async def test_messages_get_takes_a_one_item_list(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """Missive may wrap the single message in a list; ids are percent-encoded in the path."""
    httpx_mock.add_response(url=f"{BASE}/messages/a%2Fb", json={"messages": [{"id": "a/b"}]})
    assert await resolve(make_client().messages.get("a/b")) == MissiveMessage(id="a/b")


async def test_messages_get_refuses_an_empty_list(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """An empty list where one message was expected is a shape error."""
    httpx_mock.add_response(json={"messages": []})
    with pytest.raises(APIResponseValidationError, match=r"\$.messages: expected one item"):
        await resolve(make_client().messages.get("m1"))


async def test_get_many_batches_and_dedups(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """Ids go 25 per request, comma-separated, each id once; results keep Missive's order."""
    ids = [f"m{i}" for i in range(30)] + ["m0"]
    httpx_mock.add_response(
        url=f"{BASE}/messages/{','.join(ids[:25])}",
        json={"messages": [{"id": i} for i in ids[:25]]},
    )
    rest = f"{BASE}/messages/m25,m26,m27,m28,m29"
    httpx_mock.add_response(url=rest, json={"messages": {"id": "m25"}})
    got = await resolve(make_client().messages.get_many(ids))
    assert [m.id for m in got] == [*ids[:25], "m25"]


async def test_get_many_of_nothing_sends_nothing(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """No ids, no request."""
    assert await resolve(make_client().messages.get_many([])) == ()
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("ids", "match"),
    [
        ("m1", "not one str"),
        (["a,b"], "without commas"),
        ([""], "non-empty"),
        ([3], "must be a str"),
    ],
)
async def test_get_many_refuses_bad_ids(make_client: Any, ids: Any, match: str) -> None:
    """A bare string, an empty id, an id with a comma or a non-string is refused before I/O."""
    with pytest.raises(ValidationError, match=match):
        await resolve(make_client().messages.get_many(ids))


async def test_conversations_get_builds_the_conversation(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """GET /conversations/:id (a one-item list) becomes a Conversation."""
    httpx_mock.add_response(
        url=f"{BASE}/conversations/c1",
        json={
            "conversations": [
                {
                    "id": "c2",
                    "subject": "S",
                    "messages_count": 3,
                    "web_url": "https://mail.missiveapp.com/#c2",
                    "last_activity_at": 0,
                    "color": None,
                }
            ]
        },
    )
    got = await resolve(make_client().conversations.get("c1"))
    assert got == Conversation(
        id="c2",
        subject="S",
        messages_count=3,
        web_url="https://mail.missiveapp.com/#c2",
        last_activity_at=datetime(1970, 1, 1, tzinfo=timezone.utc),
    )


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"messages": "x"}, r"\$.messages: expected an object"),
        ({"messages": {"subject": "no id"}}, r"\$.messages.id: expected a string id"),
    ],
)
async def test_a_message_without_an_id_is_a_shape_error(
    make_client: Any, httpx_mock: HTTPXMock, body: dict[str, Any], where: str
) -> None:
    """A message must at least be an object with a string id."""
    httpx_mock.add_response(json=body)
    with pytest.raises(APIResponseValidationError, match=where):
        await resolve(make_client().messages.get("m1"))
