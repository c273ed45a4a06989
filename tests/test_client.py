"""Both clients, through one set of scenarios: wire format, reads, errors, retries, limits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cattrs
import httpx
import pytest
from hypothesis import given, settings

from conftest import BASE, NOW, TOKEN, collect, resolve
from missive_channels import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncMissiveClient,
    Attachment,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    Conversation,
    Correspondent,
    CreatedMessage,
    CreatedPost,
    FieldTypeError,
    MissiveClient,
    NotFoundError,
    Notification,
    Participant,
    PermissionDeniedError,
    Post,
    RateLimit,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    StoredMessage,
    TextMessage,
    UnprocessableEntityError,
    ValidationError,
    __version__,
)
from missive_channels._converter import encode_post
from missive_channels._operations import create_post, get_message
from missive_channels._responses import ShapeError
from missive_channels.ratelimit import RateWindow, SlidingWindowLimiter
from missive_channels.webhooks import (
    Author,
    ConversationAuthor,
    ConversationUser,
    MessageAttachment,
    Organization,
    SharedLabel,
    Team,
    parse_webhook,
)
from strategies import json_values, stored_message_bodies

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from pytest_httpx import HTTPXMock

pytestmark = pytest.mark.anyio

ACCOUNT = "0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90"
MESSAGE = TextMessage(
    account=ACCOUNT,
    from_field=Participant(id="cust-4471", name="Marta K."),
    body="Hello!",
    attachments=[Attachment(filename="a.txt", data=b"hello")],
)
POST = Post(notification=Notification(title="Delivered", body="to +1 555"), markdown="**ok**")
FIXTURES = Path(__file__).parent / "fixtures"
UTC = timezone.utc
JONAS = "9e2a6c4d-1b3f-4a58-8c7d-0f1e2d3c4b5a"


async def create(client: Any) -> Any:
    """Send `MESSAGE` with the client, sync or async."""
    return await resolve(client.messages.create(MESSAGE))


# --- wire format ---------------------------------------------------------------------------


async def test_create_message_sends_the_exact_request(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """POST /messages carries the JSON envelope, bearer token, user agent and content type."""
    httpx_mock.add_response(method="POST", url=f"{BASE}/messages", status_code=201)
    await create(make_client())
    [request] = httpx_mock.get_requests()
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"] == f"missive-channels/{__version__}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert "Transfer-Encoding" not in request.headers
    body = json.loads(request.content)
    assert body == {
        "messages": {
            "account": ACCOUNT,
            "from_field": {"id": "cust-4471", "name": "Marta K."},
            "body": "Hello!",
            "attachments": [{"base64_data": "aGVsbG8=", "filename": "a.txt"}],
        }
    }
    assert request.headers["Content-Length"] == str(len(request.content))


@pytest.mark.parametrize("borrowed", [False, True], ids=["own", "borrowed"])
async def test_every_request_carries_the_token_and_identity(
    make_client: Any, httpx_mock: HTTPXMock, *, borrowed: bool
) -> None:
    """Reads and writes carry the token, user agent and Accept, whoever made the HTTP client.

    A borrowed HTTP client is not changed: the headers go with each of its requests.
    """
    httpx_mock.add_response(method="POST", status_code=201)
    httpx_mock.add_response(method="GET", json={"messages": {"id": "m1"}})
    kind = httpx.Client if make_client().kind == "sync" else httpx.AsyncClient
    http = kind() if borrowed else None
    client = make_client(http_client=http)
    await create(client)
    await resolve(client.messages.get("m1"))
    for request in httpx_mock.get_requests():
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["User-Agent"] == f"missive-channels/{__version__}"
        assert request.headers["Accept"] == "application/json"
    post, get = httpx_mock.get_requests()
    assert post.headers["Content-Type"] == "application/json"
    assert "Content-Type" not in get.headers
    if http is not None:
        assert "Authorization" not in http.headers
        await resolve(http.close() if isinstance(http, httpx.Client) else http.aclose())


async def test_create_post_sends_the_posts_envelope(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """POST /posts carries {"posts": {...}} with the notification and content."""
    httpx_mock.add_response(
        method="POST", url=f"{BASE}/posts", status_code=201, json={"posts": {"id": "p1"}}
    )
    created = await resolve(make_client().posts.create(POST))
    assert created == CreatedPost(id="p1", conversation_id=None)
    [request] = httpx_mock.get_requests()
    assert json.loads(request.content) == {
        "posts": {"notification": {"title": "Delivered", "body": "to +1 555"}, "markdown": "**ok**"}
    }
    assert request.headers["Content-Type"] == "application/json"


async def test_base_url_may_end_with_a_slash(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """A trailing slash on base_url does not double the path separator."""
    httpx_mock.add_response(url="http://localhost:8080/v1/messages", status_code=201)
    await create(make_client(base_url="http://localhost:8080/v1/"))
    assert httpx_mock.get_requests()[0].url.path == "/v1/messages"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", CreatedMessage()),
        (b"   ", CreatedMessage()),
        (b"not json", CreatedMessage()),
        (b"[1, 2]", CreatedMessage()),
        (
            b'{"messages": {"id": "m1", "conversation": "c1"}}',
            CreatedMessage(id="m1", conversation_id="c1"),
        ),
        (
            b'{"messages": {"id": "m1", "conversation": {"id": "c2"}}}',
            CreatedMessage(id="m1", conversation_id="c2"),
        ),
        (
            b'{"messages": [{"id": "m1"}], "conversations": [{"id": "c3"}]}',
            CreatedMessage(id="m1", conversation_id="c3"),
        ),
        (b'{"messages": [], "conversations": []}', CreatedMessage()),
        (b'{"messages": {"id": 7, "conversation": 8}}', CreatedMessage()),
    ],
)
async def test_created_message_reads_whatever_the_201_holds(
    make_client: Any, httpx_mock: HTTPXMock, body: bytes, expected: CreatedMessage
) -> None:
    """An empty, odd or partial 201 body never fails: the message exists; never invite a resend."""
    httpx_mock.add_response(status_code=201, content=body)
    assert await create(make_client()) == expected


async def test_invalid_input_fails_before_any_request(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A wrong type or an oversize message raises our errors and sends nothing."""
    client = make_client()
    with pytest.raises(FieldTypeError, match="TextMessage, HtmlMessage or EmailMessage"):
        await resolve(client.messages.create({"messages": {}}))
    with pytest.raises(FieldTypeError, match="expected a Post"):
        await resolve(client.posts.create("hello"))
    big = TextMessage(
        account=ACCOUNT,
        from_field=Participant(id="x"),
        attachments=[Attachment(filename="big.bin", data=bytes(8_000_000))],
    )
    with pytest.raises(RequestTooLargeError):
        await resolve(client.messages.create(big))
    assert httpx_mock.get_requests() == []


def test_posts_over_the_cap_are_refused() -> None:
    """encode_post applies the same size cap as messages."""
    with pytest.raises(RequestTooLargeError, match="over Missive's cap of 10 bytes"):
        encode_post(POST, limit=10)


def test_post_needs_text_or_markdown() -> None:
    """A post with only a notification is refused at construction, naming the fix."""
    with pytest.raises(ValidationError, match="`text`, `markdown` or `attachments`"):
        Post(notification=Notification(title="t", body="b"))
    with pytest.raises(ValidationError, match="must not be empty"):
        Notification(title=" ", body="b")


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, APIStatusError),
        (413, APIStatusError),
        (422, UnprocessableEntityError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (599, ServerError),
    ],
)
async def test_each_status_maps_to_its_error(
    make_client: Any, httpx_mock: HTTPXMock, status: int, cls: type[APIStatusError]
) -> None:
    """Every error status raises its class, carrying status, parsed body, method and URL."""
    httpx_mock.add_response(status_code=status, json={"error": "bad things"})
    with pytest.raises(APIStatusError) as caught:
        await create(make_client(max_retries=0))
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.body == {"error": "bad things"}
    assert error.method == "POST"
    assert error.url == f"{BASE}/messages"
    assert f"POST {BASE}/messages answered {status}" in str(error)
    assert "bad things" in str(error)
    assert error.possibly_delivered is (status >= 500)


@pytest.mark.parametrize(
    ("content", "body", "detail"),
    [
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (b"", None, None),
        (b'{"errors": "bad account"}', {"errors": "bad account"}, "bad account"),
        (b'{"message": "nope"}', {"message": "nope"}, "nope"),
        (b'{"other": 1}', {"other": 1}, '{"other": 1}'),
        (b'["a"]', ["a"], '["a"]'),
        (b"\xff\xfe", "\ufffd\ufffd", "\ufffd\ufffd"),
    ],
)
async def test_error_bodies_of_any_shape_are_kept(
    make_client: Any, httpx_mock: HTTPXMock, content: bytes, body: object, detail: str | None
) -> None:
    """JSON, text and empty error bodies are all kept, and the readable part quoted."""
    httpx_mock.add_response(status_code=400, content=content)
    with pytest.raises(BadRequestError) as caught:
        await create(make_client())
    assert caught.value.body == body
    message = str(caught.value)
    if detail is None:
        assert message.startswith(f"POST {BASE}/messages answered 400 Bad Request; ")
    else:
        assert f"answered 400 Bad Request: {detail};" in message
    assert "safe to send again" in message


async def test_long_error_details_are_cut(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """An error message quotes at most 300 characters of the body."""
    httpx_mock.add_response(status_code=400, text="x" * 1000)
    with pytest.raises(BadRequestError) as caught:
        await create(make_client())
    assert "x" * 300 + "…" in str(caught.value)
    assert "x" * 301 not in str(caught.value)


async def test_rate_limit_error_carries_the_headers(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A 429 past the retry budget raises RateLimitError with Retry-After and X-RateLimit-*."""
    headers = {
        "Retry-After": "2",
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "1718031260",
    }
    httpx_mock.add_response(status_code=429, headers=headers, json={"error": "slow down"})
    with pytest.raises(RateLimitError) as caught:
        await create(make_client(max_retries=0))
    error = caught.value
    assert (error.retry_after, error.limit, error.remaining) == (2.0, 300, 0)
    assert error.reset == 1718031260
    assert error.possibly_delivered is False
    assert "Missive asked to wait 2 s" in str(error)


async def test_rate_limit_headers_may_be_missing_or_garbled(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Unreadable X-RateLimit-* values and Retry-After become None instead of failing."""
    httpx_mock.add_response(
        status_code=429, headers={"Retry-After": "soon", "X-RateLimit-Limit": "many"}
    )
    with pytest.raises(RateLimitError) as caught:
        await create(make_client(max_retries=0))
    error = caught.value
    assert [error.retry_after, error.limit, error.remaining, error.reset] == [None] * 4


@pytest.mark.parametrize(
    ("exc", "cls", "possibly_delivered"),
    [
        (httpx.ConnectError("refused"), APIConnectionError, False),
        (httpx.ConnectTimeout("slow connect"), APITimeoutError, False),
        (httpx.PoolTimeout("pool"), APITimeoutError, False),
        (httpx.ReadTimeout("slow read"), APITimeoutError, True),
        (httpx.WriteTimeout("slow write"), APITimeoutError, True),
        (httpx.RemoteProtocolError("server disconnected"), APIConnectionError, True),
        (httpx.ReadError("reset"), APIConnectionError, True),
    ],
)
async def test_transport_failures_become_our_errors(
    make_client: Any,
    httpx_mock: HTTPXMock,
    exc: httpx.RequestError,
    cls: type[APIError],
    possibly_delivered: bool,
) -> None:
    """Httpx exceptions never escape; the original stays as __cause__."""
    httpx_mock.add_exception(exc)
    with pytest.raises(APIConnectionError) as caught:
        await create(make_client(max_retries=0))
    error = caught.value
    assert type(error) is cls
    assert error.__cause__ is exc
    assert error.possibly_delivered is possibly_delivered
    assert error.method == "POST"
    assert ("check in Missive before sending it again" in str(error)) is possibly_delivered


async def test_malformed_success_body_of_a_read_raises(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A read whose 200 body has the wrong shape raises APIResponseValidationError with a path."""
    httpx_mock.add_response(json={"messages": "nope"})
    client = make_client()
    with pytest.raises(APIResponseValidationError) as caught:
        await resolve(_first_page(client))
    assert caught.value.status_code == 200
    assert "$.messages: expected an array" in str(caught.value)


async def _first_page(client: Any) -> Any:
    items = client.conversations.messages("c1")
    if hasattr(items, "__anext__"):
        return await items.__anext__()
    return next(items)


# --- reads ---------------------------------------------------------------------------------


def fixture(name: str) -> dict[str, Any]:
    """A decoded JSON sample from tests/fixtures."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


async def test_an_email_message_reads_field_by_field(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """GET /messages/:id of an email: address-shaped correspondents, threading, conversation."""
    httpx_mock.add_response(url=f"{BASE}/messages/e4b7a0c2", json=fixture("get_message_email.json"))
    conversation_id = "3f8e2d1c-0b9a-4c7d-8e6f-5a4b3c2d1e0f"
    got = await resolve(make_client().messages.get("e4b7a0c2"))
    assert got == StoredMessage(
        id="e4b7a0c2-6d1f-4e3a-9b58-2c7d1e0f9a36",
        type="email",
        subject="Order #5521",
        body="<p>Hello, is my order shipped yet?</p><p>The invoice is attached.</p>",
        preview="Hello, is my order shipped yet? The invoice is attached.",
        from_field=Correspondent(address="marta@example.com", name="Marta K."),
        to_fields=(Correspondent(address="support@acme.example", name="Acme Support"),),
        cc_fields=(Correspondent(address="orders@example.com"),),
        bcc_fields=(Correspondent(address="audit@example.com", name="Audit"),),
        reply_to_fields=(Correspondent(address="marta+orders@example.com", name="Marta K."),),
        references=("<CAF5521.1@mail.example.com>", "<CAF5521.2@acme.example>"),
        in_reply_to=("<CAF5521.2@acme.example>",),
        email_message_id="<CAF5521.3@mail.example.com>",
        external_id=None,
        attachments=(
            MessageAttachment(
                id="att-9",
                filename="invoice.pdf",
                extension="pdf",
                url="https://files.example/att-9",
                media_type="application",
                sub_type="pdf",
                size=48213,
            ),
        ),
        author=None,
        conversation=Conversation(
            id=conversation_id,
            subject=None,
            latest_message_subject="Order #5521",
            color="#d14836",
            organization=Organization(id="org-1", name="Acme"),
            team=Team(id="team-1", name="Support", organization="org-1"),
            assignees=(),
            users=(
                ConversationUser(
                    id=JONAS,
                    name="Jonas Weber",
                    email="jonas@acme.example",
                    unassigned=True,
                    closed=False,
                    archived=False,
                    trashed=False,
                    junked=False,
                    assigned=False,
                    flagged=True,
                    snoozed=False,
                ),
            ),
            authors=(
                ConversationAuthor(name="Marta K.", address="marta@example.com"),
                ConversationAuthor(name="Acme Support", address="support@acme.example"),
            ),
            shared_labels=(
                SharedLabel(
                    id="label-2", name="Billing", name_with_parent_names="Billing", color="#1f8a70"
                ),
            ),
            attachments_count=1,
            messages_count=3,
            drafts_count=1,
            send_later_messages_count=0,
            tasks_count=2,
            completed_tasks_count=1,
            web_url=f"https://mail.missiveapp.com/#inbox/conversations/{conversation_id}",
            app_url=f"missive://mail.missiveapp.com/#inbox/conversations/{conversation_id}",
            assignee_names="",
            assignee_emails="",
            shared_label_names="Billing",
            created_at=datetime(2024, 6, 10, 11, 46, 40, tzinfo=UTC),
            last_activity_at=datetime(2024, 6, 10, 14, 54, 20, tzinfo=UTC),
        ),
        delivered_at=datetime(2024, 6, 10, 14, 53, 20, tzinfo=UTC),
        created_at=datetime(2024, 6, 10, 14, 53, 15, tzinfo=UTC),
        updated_at=datetime(2024, 6, 10, 14, 54, 20, tzinfo=UTC),
    )


async def test_a_text_channel_message_reads_field_by_field(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """GET /messages/:id on a Text channel: id-shaped correspondents, author, unknown keys."""
    httpx_mock.add_response(json=fixture("get_message_text.json"))
    conversation_id = "7c3e9a10-4f2b-4d6e-b8a1-2e3f4a5b6c7d"
    got = await resolve(make_client().messages.get("8a4d2f6b"))
    assert got == StoredMessage(
        id="8a4d2f6b-1c3e-4b7a-9d05-6e2f1a3c5b79",
        type="custom_text",
        subject=None,
        body="Thanks Marta, it left our warehouse today.",
        preview="Thanks Marta, it left our warehouse today.",
        from_field=Correspondent(id="acme-support", username="@acme", name="Acme Support"),
        # The all-null recipient names nobody and is left out.
        to_fields=(Correspondent(id="cust-4471", username="@marta.k", name="Marta K."),),
        cc_fields=(),
        bcc_fields=(),
        reply_to_fields=(),
        references=("acme-thread-5521",),
        in_reply_to=(),
        email_message_id=None,
        external_id="acme-msg-001003",
        attachments=(
            MessageAttachment(
                id="att-3",
                filename="tracking.png",
                extension="png",
                url="https://files.example/att-3",
                media_type="image",
                sub_type="png",
                size=20480,
                width=640,
                height=480,
            ),
        ),
        author=Author(
            id=JONAS,
            name="Jonas Weber",
            email="jonas@acme.example",
            avatar_url="https://cdn.example/avatars/jonas.png",
        ),
        conversation=Conversation(
            id=conversation_id,
            subject="Order #5521",
            latest_message_subject="Message from Jonas Weber",
            color=None,
            organization=None,
            team=None,
            assignees=(
                ConversationUser(
                    id=JONAS, name="Jonas Weber", email="jonas@acme.example", assigned=True
                ),
            ),
            users=(),
            authors=(
                ConversationAuthor(name="Acme Support"),
                ConversationAuthor(name="Marta K."),
            ),
            shared_labels=(),
            attachments_count=1,
            messages_count=4,
            drafts_count=0,
            send_later_messages_count=1,
            tasks_count=0,
            completed_tasks_count=0,
            web_url=f"https://mail.missiveapp.com/#inbox/conversations/{conversation_id}",
            app_url=f"missive://mail.missiveapp.com/#inbox/conversations/{conversation_id}",
            assignee_names="Jonas Weber",
            assignee_emails="jonas@acme.example",
            shared_label_names="",
            created_at=datetime(2024, 6, 10, 14, 33, 20, tzinfo=UTC),
            last_activity_at=datetime(2024, 6, 10, 15, 48, 22, tzinfo=UTC),
            extra={"a_future_field": {"nested": [1, 2]}},
        ),
        delivered_at=datetime(2024, 6, 10, 15, 48, 20, tzinfo=UTC),
        created_at=datetime(2024, 6, 10, 15, 48, 8, tzinfo=UTC),
        updated_at=datetime(2024, 6, 10, 15, 48, 22, tzinfo=UTC),
        extra={"some_future_field": True},
    )


async def test_nulls_and_correspondents_naming_nobody_read_as_empty(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Null lists and objects read as empty; a sender or recipient with nothing set is dropped."""
    nobody = {"id": None, "username": "", "name": None, "address": None}
    message = {
        "id": "m1",
        "from_field": nobody,
        "to_fields": [nobody, {}],
        "cc_fields": None,
        "references": None,
        "attachments": None,
        "author": None,
        "conversation": None,
        "delivered_at": None,
    }
    httpx_mock.add_response(json={"messages": message})
    assert await resolve(make_client().messages.get("m1")) == StoredMessage(id="m1")


async def test_messages_get_takes_a_one_item_list(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """Missive may wrap the single message in a list; ids are percent-encoded in the path."""
    httpx_mock.add_response(url=f"{BASE}/messages/a%2Fb", json={"messages": [{"id": "a/b"}]})
    assert await resolve(make_client().messages.get("a/b")) == StoredMessage(id="a/b")


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
    assert got == tuple(StoredMessage(id=i) for i in [*ids[:25], "m25"])


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


async def test_conversations_get_returns_the_webhook_conversation_model(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """GET /conversations/:id (a one-item list) reads into the Conversation webhooks carry."""
    webhook = (FIXTURES / "webhook_html.json").read_bytes()
    raw = fixture("webhook_html.json")["conversation"]
    httpx_mock.add_response(url=f"{BASE}/conversations/c1", json={"conversations": [raw]})
    got = await resolve(make_client().conversations.get("c1"))
    # After a merge the surviving conversation answers, under its own id.
    assert got.id == "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert got == parse_webhook(webhook).conversation
    assert got.team == Team(id="team-1", name="Support", organization="org-1")
    assert got.last_activity_at == datetime(2024, 6, 10, 17, 0, 1, tzinfo=UTC)


def _email_with(change: Any) -> dict[str, Any]:
    body = fixture("get_message_email.json")
    change(body["messages"])
    return body


@pytest.mark.parametrize(
    ("read", "body", "where"),
    [
        ("get", {"messages": "x"}, "$.messages: expected an object, got a string"),
        ("get", {"messages": {"subject": "S"}}, "$.messages.id: required key is missing"),
        (
            "get",
            _email_with(lambda m: m["cc_fields"][0].update(address=5)),
            "$.messages.cc_fields[0].address: expected a string, got a number",
        ),
        (
            "get",
            _email_with(lambda m: m.update(from_field=["marta@example.com"])),
            "$.messages.from_field: expected an object, got an array",
        ),
        (
            "get",
            _email_with(lambda m: m.update(in_reply_to=["<a@b>", None])),
            "$.messages.in_reply_to[1]: expected a string, got null",
        ),
        (
            "get",
            _email_with(lambda m: m["conversation"].pop("id")),
            "$.messages.conversation.id: required key is missing",
        ),
        (
            "get_many",
            {"messages": [{"id": "m1"}, {"id": 2}]},
            "$.messages[1].id: expected a string, got a number",
        ),
        (
            "get",
            _email_with(lambda m: m.update(body=5)),
            "$.messages.body: expected a string, got a number",
        ),
    ],
)
async def test_misshapen_reads_raise_with_the_json_path(
    make_client: Any, httpx_mock: HTTPXMock, read: str, body: dict[str, Any], where: str
) -> None:
    """A value of the wrong type in a 200 answer raises APIResponseValidationError at its path."""
    httpx_mock.add_response(json=body)
    client = make_client()
    calls = {
        "get": lambda: client.messages.get("m1"),
        "get_many": lambda: client.messages.get_many(["m1", "m2"]),
        "conversation": lambda: client.conversations.get("c1"),
    }
    with pytest.raises(APIResponseValidationError) as caught:
        await resolve(calls[read]())
    error = caught.value
    assert error.status_code == 200
    assert f"with a body of an unexpected shape: {where};" in str(error)
    # The converter's own exceptions stay inside: none is anywhere in the chain.
    cause: BaseException | None = error
    while cause is not None:
        assert not isinstance(cause, cattrs.BaseValidationError)
        cause = cause.__cause__


_READS = settings(max_examples=80, deadline=None)


@_READS
@given(stored_message_bodies)
def test_any_well_typed_message_reads(body: dict[str, Any]) -> None:
    """Any GET /messages answer with well-typed fields parses; correspondents naming nobody go."""
    got = get_message("m").answer.read(json.dumps(body).encode())
    raw = body["messages"]
    assert got.id == raw["id"]
    named = [c for c in raw.get("to_fields") or [] if any(c.values())]
    assert len(got.to_fields) == len(named)
    assert (got.conversation is None) == (raw.get("conversation") is None)


def _read_or_error(body: object) -> StoredMessage | ShapeError:
    """Parse a GET /messages answer, returning the shape error instead of raising it."""
    try:
        return get_message("m").answer.read(json.dumps(body).encode())
    except ShapeError as exc:
        return exc


@_READS
@given(stored_message_bodies | json_values.map(lambda value: {"messages": value}))
def test_any_json_reads_or_fails_with_a_shape_error(body: dict[str, Any]) -> None:
    """Whatever JSON Missive answers, parsing returns a message or raises our shape error."""
    outcome = _read_or_error(body)
    assert isinstance(outcome, StoredMessage) or outcome.path.startswith("$")


# --- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_reads_are_retried_on_transient_statuses(
    make_client: Any, httpx_mock: HTTPXMock, status: int
) -> None:
    """A GET answered 408, 429 or 5xx is sent again after an exponential backoff."""
    httpx_mock.add_response(status_code=status)
    httpx_mock.add_response(status_code=status)
    httpx_mock.add_response(json={"messages": []})
    client = make_client()
    assert await _list(client) == []
    assert client.sleeps == [0.5, 1.0]
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("gone")],
)
async def test_reads_are_retried_on_transport_failures(
    make_client: Any, httpx_mock: HTTPXMock, exc: httpx.RequestError
) -> None:
    """A GET that got no answer is sent again."""
    httpx_mock.add_exception(exc)
    httpx_mock.add_response(json={"messages": []})
    client = make_client()
    assert await _list(client) == []
    assert client.sleeps == [0.5]


async def test_reads_give_up_after_max_retries(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """After max_retries retries the last failure is raised; backoff doubles up to the cap."""
    for _ in range(6):
        httpx_mock.add_response(status_code=503)
    client = make_client(max_retries=5)
    with pytest.raises(ServerError):
        await _list(client)
    assert client.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]


async def test_jitter_shortens_the_backoff(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """The injected random number takes up to a quarter off each backoff."""
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(json={"messages": []})
    client = make_client()
    client._core.random = lambda: 0.5
    await _list(client)
    assert client.sleeps == [0.5 * (1 - 0.25 * 0.5)]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_reads_are_not_retried_on_client_errors(
    make_client: Any, httpx_mock: HTTPXMock, status: int
) -> None:
    """A 4xx other than 408 and 429 is final."""
    httpx_mock.add_response(status_code=status)
    client = make_client()
    with pytest.raises(APIStatusError):
        await _list(client)
    assert client.sleeps == []


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("t"), httpx.PoolTimeout("t")]
)
async def test_posts_are_retried_when_never_sent(
    make_client: Any, httpx_mock: HTTPXMock, exc: httpx.RequestError
) -> None:
    """POST /messages is resent when the connection failed before the request left."""
    httpx_mock.add_exception(exc)
    httpx_mock.add_response(status_code=201, json={"messages": {"id": "m1"}})
    client = make_client()
    assert await create(client) == CreatedMessage(id="m1")
    assert len(httpx_mock.get_requests()) == 2


async def test_posts_are_retried_after_429(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """A 429 means Missive did not process the message: it is resent after Retry-After."""
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "3"})
    httpx_mock.add_response(status_code=201)
    client = make_client(rate_limit=None)
    assert await create(client) == CreatedMessage()
    assert client.sleeps == [3.0]


@pytest.mark.parametrize(
    ("outcome", "cls"),
    [
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.WriteTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("gone"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (408, APIStatusError),
    ],
)
async def test_posts_are_never_resent_when_possibly_processed(
    make_client: Any, httpx_mock: HTTPXMock, outcome: Any, cls: type[APIError]
) -> None:
    """After a sent request timed out, dropped or got a 5xx, the client raises, never resends."""
    if isinstance(outcome, int):
        httpx_mock.add_response(status_code=outcome)
    else:
        httpx_mock.add_exception(outcome)
    client = make_client()
    with pytest.raises(APIError) as caught:
        await create(client)
    assert type(caught.value) is cls
    assert caught.value.possibly_delivered is (outcome != 408)
    assert len(httpx_mock.get_requests()) == 1
    assert client.sleeps == []


async def test_posts_to_posts_follow_the_same_rules(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """POST /posts is not resent after a 503 either."""
    httpx_mock.add_response(status_code=503)
    with pytest.raises(ServerError) as caught:
        await resolve(make_client().posts.create(POST))
    assert caught.value.possibly_delivered is True
    assert len(httpx_mock.get_requests()) == 1


async def test_retry_after_as_http_date_is_honoured(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Retry-After given as an HTTP date waits until that date."""
    when = format_datetime(datetime.fromtimestamp(NOW + 7, tz=timezone.utc), usegmt=True)
    httpx_mock.add_response(status_code=429, headers={"Retry-After": when})
    httpx_mock.add_response(status_code=201)
    client = make_client(rate_limit=None)
    await create(client)
    assert client.sleeps == [7.0]


async def test_retry_after_on_5xx_replaces_the_backoff(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A 503 with Retry-After waits as asked, not the backoff."""
    httpx_mock.add_response(status_code=503, headers={"Retry-After": "4"})
    httpx_mock.add_response(json={"messages": []})
    client = make_client()
    await _list(client)
    assert client.sleeps == [4.0]


async def test_a_429_without_retry_after_backs_off(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """Without Retry-After the usual backoff applies."""
    httpx_mock.add_response(status_code=429)
    httpx_mock.add_response(status_code=201)
    client = make_client()
    await create(client)
    assert client.sleeps == [0.5]


async def test_a_long_retry_after_raises_instead_of_sleeping(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Retry-After beyond 60 s raises RateLimitError at once, carrying the wait for the caller."""
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "3600"})
    client = make_client()
    with pytest.raises(RateLimitError) as caught:
        await create(client)
    assert caught.value.retry_after == 3600.0
    assert client.sleeps == []


async def test_max_retries_zero_disables_retries(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """With max_retries=0 even a 429 with a short Retry-After is raised."""
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "1"})
    client = make_client(max_retries=0)
    with pytest.raises(RateLimitError):
        await create(client)
    assert client.sleeps == []


# --- rate limiting ---------------------------------------------------------------------------


async def test_the_limiter_spaces_requests_out(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """With 2 requests per 10 s, the third waits for the window, measured on the limiter's clock."""
    clock = [100.0]
    limiter = SlidingWindowLimiter(
        RateLimit(max_concurrent=None, windows=[RateWindow(2, 10.0)], margin=0.0),
        clock=lambda: clock[0],
    )
    for _ in range(3):
        httpx_mock.add_response(status_code=201)
    client = make_client(rate_limit=limiter)
    await create(client)
    clock[0] += 1.0
    await create(client)
    await create(client)
    assert client.sleeps == [9.0]


async def test_limiter_waits_are_logged_at_debug_level(
    make_client: Any, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    """A start the limiter holds back is logged with its path and wait, at DEBUG only."""
    caplog.set_level(logging.DEBUG, logger="missive_channels")
    clock = [100.0]
    limiter = SlidingWindowLimiter(
        RateLimit(max_concurrent=None, windows=[RateWindow(1, 10.0)], margin=0.0),
        clock=lambda: clock[0],
    )
    for _ in range(2):
        httpx_mock.add_response(status_code=201)
    client = make_client(rate_limit=limiter)
    await create(client)
    await create(client)
    assert client.sleeps == [10.0]
    assert "rate limit: POST /v1/messages waits 10.000 s" in caplog.text


async def test_a_429_pauses_everyone_sharing_the_limiter(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Retry-After on a 429 holds back the next start of every client sharing the limiter."""
    clock = [0.0]
    limiter = SlidingWindowLimiter(clock=lambda: clock[0])
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "5"})
    httpx_mock.add_response(status_code=201)
    client = make_client(rate_limit=limiter, clock=clock)
    await create(client)
    assert client.sleeps == [5.0]
    assert limiter._paused_until == 5.0


async def test_concurrency_is_bounded(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """The client takes one of max_concurrent slots per request and gives it back."""
    httpx_mock.add_response(status_code=201)
    client = make_client(rate_limit=RateLimit(max_concurrent=1))
    await create(client)
    assert client._slots._value == 1


async def test_no_rate_limit_means_no_slots(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """rate_limit=None sends without limiter or semaphore."""
    httpx_mock.add_response(status_code=201)
    client = make_client(rate_limit=None)
    await create(client)
    assert client._core.limiter is None
    assert client._core.max_concurrent is None


# --- configuration and lifecycle -------------------------------------------------------------


@pytest.mark.parametrize("cls", [MissiveClient, AsyncMissiveClient])
def test_token_defaults_to_the_environment(cls: type[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Without token=, MISSIVE_API_TOKEN is used; without either, construction fails clearly."""
    monkeypatch.setenv("MISSIVE_API_TOKEN", "from-env")
    assert cls()._core.headers["Authorization"] == "Bearer from-env"
    monkeypatch.delenv("MISSIVE_API_TOKEN")
    with pytest.raises(ValidationError, match="MISSIVE_API_TOKEN") as caught:
        cls()
    assert caught.value.field == "token"
    with pytest.raises(ValidationError, match="no Missive API token"):
        cls(token="  ")


@pytest.mark.parametrize("cls", [MissiveClient, AsyncMissiveClient])
def test_base_url_defaults_to_the_environment(
    cls: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without base_url=, MISSIVE_BASE_URL is used if set and not empty, else Missive's URL."""
    monkeypatch.setenv("MISSIVE_BASE_URL", "http://127.0.0.1:8080/v1/")
    assert cls(token=TOKEN)._core.base_url == "http://127.0.0.1:8080/v1"
    assert cls(token=TOKEN, base_url=BASE)._core.base_url == BASE  # the argument wins
    monkeypatch.setenv("MISSIVE_BASE_URL", "")
    assert cls(token=TOKEN)._core.base_url == BASE
    monkeypatch.delenv("MISSIVE_BASE_URL")
    assert cls(token=TOKEN)._core.base_url == BASE


@pytest.mark.parametrize(
    ("value", "match"),
    [("ftp://example.com", "must be an http"), ("http://[::1", "is not a URL")],
)
@pytest.mark.parametrize("cls", [MissiveClient, AsyncMissiveClient])
def test_a_bad_base_url_in_the_environment_is_refused_naming_it(
    cls: type[Any], value: str, match: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MISSIVE_BASE_URL is validated like base_url, and the error names the variable."""
    monkeypatch.setenv("MISSIVE_BASE_URL", value)
    with pytest.raises(ValidationError, match=f"MISSIVE_BASE_URL environment variable .*{match}"):
        cls(token=TOKEN)


@pytest.mark.parametrize("token", ["with space", "new\nline", "caf\u00e9", " padded"])
@pytest.mark.parametrize("cls", [MissiveClient, AsyncMissiveClient])
def test_unsendable_tokens_are_refused_without_echoing_them(cls: type[Any], token: str) -> None:
    """A token that cannot go in a header is refused, and the message never repeats it."""
    with pytest.raises(ValidationError, match="copy it again") as caught:
        cls(token=token)
    assert token not in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_url": "ftp://example.com"}, "must be an http"),
        ({"base_url": "https://"}, "must be an http"),
        ({"base_url": "https://example.com/v1?x=1"}, "without query"),
        ({"base_url": "http://[::1"}, "is not a URL"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"rate_limit": 5}, "rate_limit must be"),
        ({"timeout": -1}, "timeout must be positive"),
        ({"timeout": 0}, "timeout must be positive"),
        ({"timeout": float("nan")}, "timeout must be positive"),
        ({"timeout": float("inf")}, "timeout must be a finite number"),
        ({"timeout": "5"}, "timeout must be a number"),
        ({"timeout": httpx.Timeout(5.0, connect=-1)}, "timeout.connect must be positive"),
        ({"timeout": httpx.Timeout(5.0, read=float("inf"))}, "timeout.read must be a finite"),
    ],
)
@pytest.mark.parametrize("cls", [MissiveClient, AsyncMissiveClient])
def test_bad_configuration_is_refused(cls: type[Any], kwargs: dict[str, Any], match: str) -> None:
    """Each invalid constructor argument raises ValidationError naming it."""
    with pytest.raises(ValidationError, match=match):
        cls(token=TOKEN, **kwargs)


@pytest.mark.parametrize("cls", [MissiveClient, AsyncMissiveClient])
def test_credentials_in_the_base_url_are_refused_without_echoing_them(cls: type[Any]) -> None:
    """A base_url with user:password@ is refused at construction, and the password never shows."""
    with pytest.raises(ValidationError, match="must not hold a user name or password") as caught:
        cls(token=TOKEN, base_url="https://user:hunter2@example.com/v1")
    assert "hunter2" not in str(caught.value)
    assert caught.value.field == "base_url"


def test_the_wrong_kind_of_http_client_is_refused() -> None:
    """A sync client refuses an httpx.AsyncClient and the other way round."""
    with pytest.raises(FieldTypeError, match=r"httpx\.Client"):
        MissiveClient(token=TOKEN, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(FieldTypeError, match=r"httpx\.AsyncClient"):
        AsyncMissiveClient(token=TOKEN, http_client=httpx.Client())  # type: ignore[arg-type]


def test_the_sync_client_closes_only_what_it_created() -> None:
    """close() closes the client's own httpx client, never one it was given."""
    given = httpx.Client()
    with MissiveClient(token=TOKEN, http_client=given):
        pass
    assert not given.is_closed
    given.close()
    with MissiveClient(token=TOKEN) as own:
        pass
    assert own._http.is_closed


async def test_the_async_client_closes_only_what_it_created() -> None:
    """aclose() closes the client's own httpx client, never one it was given."""
    given = httpx.AsyncClient()
    async with AsyncMissiveClient(token=TOKEN, http_client=given) as client:
        pass
    assert not given.is_closed
    await given.aclose()
    async with AsyncMissiveClient(token=TOKEN) as own:
        pass
    assert own._http.is_closed
    assert client._closed


async def test_a_closed_client_refuses_to_send(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """Using a client after close raises ClientClosedError, even with a borrowed httpx client."""
    client = make_client()
    await resolve(client.close() if client.kind == "sync" else client.aclose())
    with pytest.raises(ClientClosedError, match="the client is closed"):
        await create(client)
    assert httpx_mock.get_requests() == []


async def test_timeouts_reach_the_request(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """A float timeout applies to every phase; the default is 60 s with 10 s to connect."""
    httpx_mock.add_response(status_code=201)
    httpx_mock.add_response(status_code=201)
    await create(make_client(timeout=2.5))
    await create(make_client())
    short, default = httpx_mock.get_requests()
    assert short.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert default.extensions["timeout"] == httpx.Timeout(60.0, connect=10.0).as_dict()


async def test_a_given_http_client_keeps_its_own_timeout_unless_told(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Without timeout=, a borrowed httpx client's timeout applies; with it, the one given."""
    httpx_mock.add_response(status_code=201)
    httpx_mock.add_response(status_code=201)
    probe = make_client()
    kind = httpx.Client if probe.kind == "sync" else httpx.AsyncClient
    http = kind(timeout=httpx.Timeout(3.0))
    await create(make_client(http_client=http))
    await create(make_client(http_client=http, timeout=2.5))
    own, given = httpx_mock.get_requests()
    assert own.extensions["timeout"] == httpx.Timeout(3.0).as_dict()
    assert given.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert http.timeout == httpx.Timeout(3.0)
    await resolve(http.close() if probe.kind == "sync" else http.aclose())


# --- secrets ---------------------------------------------------------------------------------


async def test_the_token_never_shows(
    make_client: Any, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    """The token appears in no repr, log record or error message, even on failures and retries."""
    caplog.set_level(logging.DEBUG, logger="missive_channels")
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(status_code=401, json={"error": "bad token"})
    client = make_client()
    with pytest.raises(AuthenticationError) as caught:
        await _list(client)
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError) as timeout:
        await create(client)
    shown = [
        repr(client),
        str(client),
        repr(client._core),
        repr(client._core.send_command(_any_operation())),
        str(caught.value),
        repr(caught.value),
        str(timeout.value),
        caplog.text,
        *(record.getMessage() for record in caplog.records),
    ]
    assert all(TOKEN not in text for text in shown)
    assert "Bearer" not in caplog.text
    assert "-> 503 (attempt 1)" in caplog.text
    assert "retrying GET /v1/conversations/c1/messages after attempt 1 failed (status 503)" in (
        caplog.text
    )


def _any_operation() -> Any:
    return create_post(POST)


async def _list(client: Any) -> list[Any]:
    return await collect(client.conversations.messages("c1"))


class Traffic:
    """Eight sends from threads through one client, observed at both ends of its slots.

    The client's slots (a ``threading.BoundedSemaphore``) report each thread as
    holding one or blocked waiting for one, and the transport holds every request
    until the test lets one go. So after each step the test waits until every
    thread is accounted for (holding and in the transport, blocked, or done) and
    reads exact counts: no sleeping, and no outcome that depends on timing.
    """

    THREADS = 8

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Record the slots of the next client made; nothing in flight yet."""
        self.changed = threading.Condition()
        self.holding = self.blocked = self.in_flight = self.done = self.peak = self.slots = 0
        self.gate = threading.Semaphore(0)
        traffic = self

        class Slots(threading.BoundedSemaphore):
            def __init__(self, value: int = 1) -> None:
                super().__init__(value)
                traffic.slots = value

            def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:  # noqa: FBT002 - threading's own signature
                if not super().acquire(blocking=False):
                    with traffic.changed:
                        traffic.blocked += 1
                        traffic.changed.notify_all()
                    super().acquire(blocking, timeout)
                    with traffic.changed:
                        traffic.blocked -= 1
                with traffic.changed:
                    traffic.holding += 1
                    traffic.changed.notify_all()
                return True

            __enter__ = acquire

            def release(self, n: int = 1) -> None:
                with traffic.changed:
                    traffic.holding -= n
                super().release(n)

        monkeypatch.setattr(threading, "BoundedSemaphore", Slots)

    def transport(self, _: httpx.Request) -> httpx.Response:
        """Count the request in, hold it until the test lets one go, answer 201."""
        with self.changed:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.changed.notify_all()
        self.gate.acquire()
        with self.changed:
            self.in_flight -= 1
        return httpx.Response(201)

    def settled(self) -> tuple[int, int]:
        """Wait until every thread is accounted for; return (holding, blocked)."""
        with self.changed:
            # A thread counts as blocked from before it waits until it holds a slot, so
            # blocked threads are settled only once no slot is left free for them.
            accounted = self.changed.wait_for(
                lambda: (
                    self.holding + self.blocked + self.done == self.THREADS
                    and self.in_flight == self.holding
                    and (self.blocked == 0 or self.holding == self.slots)
                ),
                timeout=30,  # only if the client hangs; never reached otherwise
            )
            assert accounted, (
                f"the sends never settled: {self.holding} holding a slot ({self.in_flight} of "
                f"them in the transport), {self.blocked} blocked, {self.done} done"
            )
            return self.holding, self.blocked

    def run(self, senders: list[Any]) -> list[tuple[int, int]]:
        """Send from one thread per sender; return (holding, blocked) after each settled step."""

        def send(create: Any) -> None:
            create(MESSAGE)
            with self.changed:
                self.done += 1
                self.changed.notify_all()

        threads = [threading.Thread(target=send, args=(create,)) for create in senders]
        for thread in threads:
            thread.start()
        steps = [self.settled()]
        for _ in threads:
            self.gate.release()  # one request answered: a blocked thread may take its slot
            with self.changed:
                self.changed.wait_for(lambda: self.done > len(steps) - 1, timeout=30)
            steps.append(self.settled())
        for thread in threads:
            thread.join()
        return steps


#: Two slots for eight threads: two hold them while the rest wait, until too few are left.
TWO_AT_A_TIME = [(2, 6), (2, 5), (2, 4), (2, 3), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0)]


def test_threads_sharing_a_client_keep_max_concurrent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight threads sending through one client have exactly two requests in flight at a time."""
    traffic = Traffic(monkeypatch)
    http = httpx.Client(transport=httpx.MockTransport(traffic.transport))
    client = MissiveClient(token=TOKEN, http_client=http, rate_limit=RateLimit(max_concurrent=2))
    assert traffic.run([client.messages.create] * Traffic.THREADS) == TWO_AT_A_TIME
    http.close()
    assert traffic.peak == 2


# --- client options ----------------------------------------------------------------------


async def test_with_options_changes_only_the_view(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """A view's timeout and retries apply to its requests; the original keeps its own."""
    httpx_mock.add_response(status_code=503, is_reusable=True)
    client = make_client(timeout=30.0, max_retries=0)
    view = client.with_options(timeout=2.0, max_retries=1)
    assert type(view) is type(client)
    with pytest.raises(ServerError):
        await resolve(client.messages.get("m1"))
    with pytest.raises(ServerError):
        await resolve(view.messages.get("m1"))
    with pytest.raises(ServerError):
        await resolve(view.with_options().messages.get("m1"))
    with pytest.raises(ServerError):
        await resolve(client.messages.get("m1"))
    timeouts = [request.extensions["timeout"] for request in httpx_mock.get_requests()]
    short, long = httpx.Timeout(2.0).as_dict(), httpx.Timeout(30.0).as_dict()
    assert timeouts == [long, short, short, short, short, long]
    assert view._http is client._http


async def test_an_httpx_timeout_may_leave_a_phase_unbounded(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """An httpx.Timeout is taken as given, None for a phase being httpx's own "no limit"."""
    httpx_mock.add_response(status_code=201)
    timeout = httpx.Timeout(5.0, pool=None)
    await resolve(make_client().with_options(timeout=timeout).messages.create(MESSAGE))
    [request] = httpx_mock.get_requests()
    assert request.extensions["timeout"] == timeout.as_dict()


async def test_closing_a_view_leaves_the_pool_open(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """A view does not own the pool: closing it leaves the original able to send."""
    httpx_mock.add_response(status_code=201)
    client = make_client()
    view = client.with_options(max_retries=0)
    await resolve(view.close() if view.kind == "sync" else view.aclose())
    with pytest.raises(ClientClosedError):
        await create(view)
    assert isinstance(await create(client), CreatedMessage)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": 0}, "timeout must be positive"),
        ({"timeout": float("inf")}, "finite"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
async def test_with_options_refuses_bad_options(
    make_client: Any, kwargs: dict[str, Any], match: str
) -> None:
    """with_options validates like the constructor."""
    with pytest.raises(ValidationError, match=match):
        make_client().with_options(**kwargs)


async def test_every_request_method_takes_timeout_and_extra_headers(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Each request method sends this call's timeout and extra headers, and only for this call."""
    httpx_mock.add_response(
        method="POST", url=f"{BASE}/messages", status_code=201, is_reusable=True
    )
    httpx_mock.add_response(method="POST", url=f"{BASE}/posts", status_code=201)
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/conversations/c1", json={"conversations": [{"id": "c1"}]}
    )
    listed = {"messages": [{"id": "m1", "delivered_at": 1_700_000_000}]}
    httpx_mock.add_response(method="GET", json=listed, is_reusable=True)
    client = make_client()
    options: dict[str, Any] = {"timeout": 4.0, "extra_headers": {"X-Trace": "t-1"}}
    await resolve(client.messages.create(MESSAGE, **options))
    await resolve(client.posts.create(POST, **options))
    await resolve(client.messages.get("m1", **options))
    await resolve(client.messages.get_many(["m1", "m2"], **options))
    await resolve(client.conversations.get("c1", **options))
    await collect(client.conversations.messages("c1", **options))
    outcomes = await collect(client.messages.create_many([MESSAGE], **options))
    assert [outcome.status for outcome in outcomes] == ["sent"]
    await resolve(client.messages.get("m1"))
    *calls, plain = httpx_mock.get_requests()
    assert len(calls) == 7
    for request in calls:
        assert request.headers["X-Trace"] == "t-1"
        assert request.extensions["timeout"] == httpx.Timeout(4.0).as_dict()
    assert "X-Trace" not in plain.headers
    assert plain.extensions["timeout"] == httpx.Timeout(60.0, connect=10.0).as_dict()


@pytest.mark.parametrize("borrowed", [False, True], ids=["own", "borrowed"])
async def test_the_clients_own_headers_win_over_extra_headers(
    make_client: Any, httpx_mock: HTTPXMock, *, borrowed: bool
) -> None:
    """extra_headers cannot replace the token, user agent, Accept or Content-Type."""
    httpx_mock.add_response(status_code=201)
    kind = httpx.Client if make_client().kind == "sync" else httpx.AsyncClient
    http = kind() if borrowed else None
    client = make_client(http_client=http)
    extra = {
        "authorization": "Bearer stolen",
        "User-Agent": "other",
        "Accept": "text/html",
        "Content-Type": "text/plain",
        "X-Kept": "yes",
    }
    await resolve(client.messages.create(MESSAGE, extra_headers=extra))
    [request] = httpx_mock.get_requests()
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"] == f"missive-channels/{__version__}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Kept"] == "yes"
    if http is not None:
        await resolve(http.close() if isinstance(http, httpx.Client) else http.aclose())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"timeout": -1.0}, ValidationError, "timeout must be positive"),
        ({"extra_headers": [("X-A", "1")]}, FieldTypeError, "extra_headers must be a mapping"),
        ({"extra_headers": {"X-A": 1}}, FieldTypeError, "extra_headers must map str to str"),
        ({"extra_headers": {"X-A": "caf\u00e9"}}, ValidationError, "printable ASCII"),
        ({"extra_headers": {"X-A": "a\r\nb"}}, ValidationError, "printable ASCII"),
        ({"extra_headers": {"X A": "1"}}, ValidationError, "printable ASCII"),
        ({"extra_headers": {"": "1"}}, ValidationError, "printable ASCII"),
    ],
)
async def test_bad_call_options_are_refused_before_sending(
    make_client: Any, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    """An invalid per-call option raises our error before any request leaves."""
    with pytest.raises(error, match=match):
        await resolve(make_client().messages.get("m1", **kwargs))


async def test_an_unknown_call_option_is_a_type_error_naming_it(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A misspelt per-call option raises TypeError naming it, and nothing is sent."""
    client = make_client()
    match = "unexpected keyword argument 'timout'; the options of one call are timeout and"
    with pytest.raises(TypeError, match=match):
        await resolve(client.messages.create(MESSAGE, timout=4.0))
    with pytest.raises(TypeError, match=match):
        await collect(client.messages.create_many([MESSAGE], timout=4.0))
    with pytest.raises(TypeError, match=match):
        await collect(client.conversations.messages("c1", timout=4.0))
    assert httpx_mock.get_requests() == []


async def test_views_and_per_call_options_share_one_limiter() -> None:
    """Two views of one client, with per-call options too, never have more than 5 in flight."""
    in_flight = 0
    peak = 0
    full = asyncio.Event()

    async def handler(_: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == 5:
            full.set()
        # Hold the slot until five are in flight, so a second budget would show.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(full.wait(), timeout=2)
        await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(201)

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
        AsyncMissiveClient(token=TOKEN, base_url=BASE, http_client=http) as client,
    ):
        short = client.with_options(timeout=5.0)
        retrying = client.with_options(max_retries=0)
        sends = [short.messages.create(MESSAGE) for _ in range(4)]
        sends += [retrying.messages.create(MESSAGE) for _ in range(4)]
        sends += [client.messages.create(MESSAGE, timeout=3.0) for _ in range(4)]
        await asyncio.gather(*sends)
    assert peak == 5


def test_sync_views_share_one_limiter_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads sending through two views of one sync client keep its max_concurrent."""
    traffic = Traffic(monkeypatch)
    http = httpx.Client(transport=httpx.MockTransport(traffic.transport))
    client = MissiveClient(token=TOKEN, http_client=http, rate_limit=RateLimit(max_concurrent=2))
    views = [client.with_options(timeout=5.0), client.with_options(max_retries=1)]
    senders = [views[index % 2].messages.create for index in range(Traffic.THREADS)]
    assert traffic.run(senders) == TWO_AT_A_TIME
    http.close()
    assert traffic.peak == 2


# --- a transport that cannot be turned against the caller --------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_never_followed(
    make_client: Any, httpx_mock: HTTPXMock, status: int
) -> None:
    """A 3xx is an APIStatusError, not possibly delivered, even if the HTTP client follows them."""
    elsewhere = "https://elsewhere.example/v1/messages"
    httpx_mock.add_response(
        url=f"{BASE}/messages",
        status_code=status,
        headers={"Location": elsewhere},
        is_reusable=True,
    )
    httpx_mock.add_response(url=elsewhere, status_code=201, is_optional=True)
    kind = httpx.Client if make_client().kind == "sync" else httpx.AsyncClient
    http = kind(follow_redirects=True)
    client = make_client(http_client=http)
    with pytest.raises(APIStatusError) as caught:
        await create(client)
    assert caught.value.status_code == status
    assert not caught.value.possibly_delivered
    assert "redirect" in str(caught.value)
    [outcome] = await collect(client.messages.create_many([MESSAGE]))
    assert outcome.status == "failed"
    assert [str(request.url) for request in httpx_mock.get_requests()] == [f"{BASE}/messages"] * 2
    await resolve(http.close() if isinstance(http, httpx.Client) else http.aclose())


# --- what errors carry -------------------------------------------------------------------


async def test_status_errors_carry_the_response_and_request_id(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """An APIStatusError holds the httpx.Response and the X-Request-Id Missive sent."""
    httpx_mock.add_response(
        status_code=404, json={"error": "no such message"}, headers={"X-Request-Id": "req-77"}
    )
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "3600"})
    client = make_client()
    with pytest.raises(NotFoundError) as missing:
        await resolve(client.messages.get("m1"))
    assert missing.value.request_id == "req-77"
    assert isinstance(missing.value.response, httpx.Response)
    assert missing.value.response.status_code == 404
    assert missing.value.response.json() == {"error": "no such message"}
    with pytest.raises(RateLimitError) as limited:
        await resolve(client.messages.get("m1"))
    assert limited.value.request_id is None
    assert limited.value.response.headers["Retry-After"] == "3600"


async def test_connection_errors_carry_the_request(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """An APIConnectionError holds the httpx.Request that got no answer."""
    httpx_mock.add_exception(httpx.ReadError("reset"))
    with pytest.raises(APIConnectionError) as caught:
        await resolve(make_client(max_retries=0).messages.get("m1"))
    assert caught.value.request.method == "GET"
    assert str(caught.value.request.url) == f"{BASE}/messages/m1"


async def test_the_token_echoed_by_a_server_is_redacted(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A proxy echoing Authorization puts the token in no error text, body or outcome."""
    echo = f"bad credentials: Authorization: Bearer {TOKEN}"
    httpx_mock.add_response(status_code=401, text=echo, is_reusable=True)
    client = make_client()
    with pytest.raises(AuthenticationError) as caught:
        await create(client)
    assert TOKEN not in str(caught.value)
    assert "Bearer [redacted]" in str(caught.value)
    assert caught.value.body == "bad credentials: Authorization: Bearer [redacted]"
    [outcome] = await collect(client.messages.create_many([MESSAGE]))
    assert TOKEN not in str(outcome.error)


async def test_the_token_in_a_json_error_body_is_redacted(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A JSON body quoting the token keeps its shape, the token replaced."""
    httpx_mock.add_response(status_code=400, json={"error": f"token {TOKEN} refused"})
    with pytest.raises(BadRequestError) as caught:
        await create(make_client())
    assert caught.value.body == {"error": "token [redacted] refused"}
    assert TOKEN not in str(caught.value)


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An answer body sent chunk by chunk, counting what was read; ``fail`` raises at the end."""

    def __init__(self, chunk: bytes, count: int, fail: Exception | None = None) -> None:
        """Send ``chunk`` ``count`` times, then raise ``fail`` if given."""
        self.chunk, self.count, self.fail = chunk, count, fail
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        """Yield the chunks."""
        for _ in range(self.count):
            self.read += 1
            yield self.chunk
        if self.fail is not None:
            raise self.fail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        """Yield the chunks."""
        for chunk in self:
            yield chunk


def _serving(make_client: Any, *answers: httpx.Response) -> Any:
    pending = list(answers)
    transport = httpx.MockTransport(lambda _: pending.pop(0))
    kind = httpx.Client if make_client().kind == "sync" else httpx.AsyncClient
    return make_client(http_client=kind(transport=transport), max_retries=0)


@pytest.mark.parametrize("status", [201, 500])
async def test_an_oversized_answer_is_cut_off(make_client: Any, status: int) -> None:
    """A body past the cap stops being read; for a create it is APIResponseValidationError."""
    body = Chunks(b"x" * (1024 * 1024), 1024)  # 1 GiB, never held whole
    client = _serving(make_client, httpx.Response(status, stream=body))
    with pytest.raises(APIResponseValidationError, match="body over 16777216 bytes") as caught:
        await create(client)
    assert caught.value.possibly_delivered
    assert caught.value.status_code == status
    assert body.read <= 17


async def test_an_oversized_read_answer_is_not_possibly_delivered(make_client: Any) -> None:
    """A read cut off past the cap raises APIResponseValidationError, nothing delivered."""
    body = Chunks(b"x" * (1024 * 1024), 64)
    client = _serving(make_client, httpx.Response(200, stream=body))
    with pytest.raises(APIResponseValidationError) as caught:
        await resolve(client.messages.get("m1"))
    assert not caught.value.possibly_delivered
    assert "check in Missive" not in str(caught.value)


@pytest.mark.parametrize(
    ("headers", "fail"),
    [
        ({"Content-Encoding": "gzip"}, None),  # corrupt gzip
        ({}, httpx.RemoteProtocolError("peer closed connection")),  # truncated
    ],
)
async def test_a_created_answer_whose_body_fails_is_still_created(
    make_client: Any,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    fail: Exception | None,
) -> None:
    """Once a 2xx came for a create, Missive has it: created with unknown ids, and a warning."""
    caplog.set_level(logging.DEBUG, logger="missive_channels")
    answers = [
        httpx.Response(201, headers=headers, stream=Chunks(b'{"messages": ', 1, fail))
        for _ in range(2)
    ]
    client = _serving(make_client, *answers)
    created = await create(client)
    assert created == CreatedMessage(id=None, conversation_id=None)
    assert "POST /v1/messages -> 201, but its body could not be read" in caplog.text
    assert "POST /v1/messages -> 201, body failed: " in caplog.text
    [outcome] = await collect(client.messages.create_many([MESSAGE]))
    assert outcome.status == "sent"


async def test_an_error_answer_whose_body_fails_is_a_connection_error(make_client: Any) -> None:
    """A 5xx or a read whose body breaks off is an APIConnectionError, as before any answer."""
    broken = Chunks(b"{", 1, httpx.ReadError("reset"))
    client = _serving(make_client, httpx.Response(200, stream=broken))
    with pytest.raises(APIConnectionError, match="ReadError"):
        await resolve(client.messages.get("m1"))
    broken = Chunks(b"{", 1, httpx.ReadError("reset"))
    client = _serving(make_client, httpx.Response(503, stream=broken))
    with pytest.raises(APIConnectionError) as caught:
        await create(client)
    assert caught.value.possibly_delivered
