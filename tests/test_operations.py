"""The request spec of every operation, as data: method, path, query, body and answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from missive_channels import (
    Attachment,
    Conversation,
    CreatedMessage,
    CreatedPost,
    FieldTypeError,
    Notification,
    Participant,
    Post,
    RequestTooLargeError,
    StoredMessage,
    TextMessage,
    ValidationError,
)
from missive_channels._bodies import StreamedBody
from missive_channels._converter import encode_request
from missive_channels._operations import (
    MAX_IDS_PER_REQUEST,
    Operation,
    create_message,
    create_post,
    get_conversation,
    get_message,
    get_messages,
)
from missive_channels._pagination import conversation_messages
from missive_channels._responses import CreatedAnswer, ItemAnswer, ItemsAnswer

MESSAGE = TextMessage(
    account="acc-1",
    from_field=Participant(id="cust-1", name="Marta K."),
    body="Hello!",
    external_id="ext-1",
)
POST = Post(notification=Notification(title="Delivered", body="to +1 555"), markdown="**ok**")


def test_create_message_posts_the_messages_envelope_once() -> None:
    """``POST /messages`` carries the message in Missive's envelope and is never resent freely."""
    operation = create_message(MESSAGE)
    assert operation == Operation(
        method="POST",
        path="/messages",
        content=operation.content,
        idempotent=False,
        answer=CreatedAnswer("messages", CreatedMessage),
    )
    assert operation.params == ()
    assert isinstance(operation.content, bytes)
    assert json.loads(operation.content) == {
        "messages": {
            "account": "acc-1",
            "from_field": {"id": "cust-1", "name": "Marta K."},
            "body": "Hello!",
            "external_id": "ext-1",
        }
    }


def test_a_message_with_attachments_is_streamed_with_its_exact_length() -> None:
    """Attachments make a streamed body whose chunks join to the encoded request."""
    message = TextMessage(
        account="acc-1",
        from_field=Participant(id="cust-1"),
        body="see file",
        attachments=[Attachment(filename="a.txt", data=b"hello")],
    )
    content = create_message(message).content
    assert isinstance(content, StreamedBody)
    whole = b"".join(content)
    assert whole == encode_request(message)
    assert content.length == len(whole)
    assert json.loads(whole)["messages"]["attachments"] == [
        {"base64_data": "aGVsbG8=", "filename": "a.txt"}
    ]


@pytest.mark.parametrize("message", [POST, {"messages": {}}, None])
def test_create_message_refuses_anything_but_a_message(message: Any) -> None:
    """Only the three message types can be created, and the error says which they are."""
    with pytest.raises(
        FieldTypeError, match=r"^expected a TextMessage, HtmlMessage or EmailMessage, got"
    ):
        create_message(message)


def test_create_message_refuses_a_message_over_the_cap() -> None:
    """A message over Missive's 10 MB cap is refused before any request exists."""
    big = TextMessage(
        account="acc-1",
        from_field=Participant(id="cust-1"),
        body="x" * (10 * 1024 * 1024),
    )
    with pytest.raises(RequestTooLargeError):
        create_message(big)


def test_create_post_posts_the_posts_envelope_once() -> None:
    """``POST /posts`` carries the post in Missive's envelope and is never resent freely."""
    operation = create_post(POST)
    assert operation == Operation(
        method="POST",
        path="/posts",
        content=b'{"posts":{"notification":{"title":"Delivered","body":"to +1 555"},'
        b'"markdown":"**ok**"}}',
        idempotent=False,
        answer=CreatedAnswer("posts", CreatedPost),
    )


def test_create_post_refuses_anything_but_a_post() -> None:
    """A message is not a post."""
    with pytest.raises(FieldTypeError, match=r"^expected a Post, got TextMessage"):
        create_post(MESSAGE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message_id", "path"),
    [("m1", "/messages/m1"), ("a/b c?d", "/messages/a%2Fb%20c%3Fd"), ("é", "/messages/%C3%A9")],
)
def test_get_message_reads_one_message_at_its_encoded_path(message_id: str, path: str) -> None:
    """``GET /messages/:id`` keeps the id one path segment and reads one `StoredMessage`."""
    assert get_message(message_id) == Operation(
        method="GET", path=path, idempotent=True, answer=ItemAnswer("messages", StoredMessage)
    )


def test_get_conversation_reads_one_conversation() -> None:
    """``GET /conversations/:id`` reads one `Conversation`."""
    assert get_conversation("c 1") == Operation(
        method="GET",
        path="/conversations/c%201",
        idempotent=True,
        answer=ItemAnswer("conversations", Conversation),
    )


def test_get_messages_batches_ids_and_sends_repeats_once() -> None:
    """Ids go 25 to a request, comma-separated in first-seen order, each id once."""
    ids = [f"m{n}" for n in range(30)]
    operations = get_messages([*ids, "m0", "m29"])
    answer = ItemsAnswer("messages", StoredMessage)
    assert MAX_IDS_PER_REQUEST == 25
    assert operations == (
        Operation(
            method="GET", path="/messages/" + ",".join(ids[:25]), idempotent=True, answer=answer
        ),
        Operation(
            method="GET", path="/messages/" + ",".join(ids[25:]), idempotent=True, answer=answer
        ),
    )


def test_get_messages_of_nothing_is_no_request() -> None:
    """No ids, no operations."""
    assert get_messages([]) == ()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: get_message(""), ValidationError, "^message_id must be one non-empty Missive id"),
        (lambda: get_message("  "), ValidationError, "^message_id must be one non-empty"),
        (lambda: get_message("a,b"), ValidationError, "without commas, got 'a,b'$"),
        (lambda: get_message(7), FieldTypeError, "^message_id must be a str id, got int$"),
        (lambda: get_conversation(None), FieldTypeError, "^conversation_id must be a str id"),
        (lambda: get_messages(["a", ""]), ValidationError, "^message_ids must be one non-empty"),
        (lambda: get_messages("abc"), FieldTypeError, "^message_ids must be an iterable of ids"),
        (lambda: conversation_messages(",", limit=1), ValidationError, "^conversation_id must"),
    ],
)
def test_bad_ids_are_refused_before_any_request(
    call: Any, error: type[Exception], match: str
) -> None:
    """An id that cannot be one path segment raises our error, naming the argument."""
    with pytest.raises(error, match=match):
        call()


def test_the_first_page_of_a_conversation_asks_for_limit_items() -> None:
    """The listing starts with ``GET /conversations/:id/messages?limit=N`` read by its pager."""
    pager = conversation_messages("c/1", limit=4)
    page = pager.next_page()
    assert page == Operation(
        method="GET",
        path="/conversations/c%2F1/messages",
        params=(("limit", "4"),),
        idempotent=True,
        answer=pager,
    )
