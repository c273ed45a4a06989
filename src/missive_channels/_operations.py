"""Sans-IO request specs, one per API operation, and the results of the creating ones.

An `Operation` is data: the method, path, query and body to send, whether it may be
sent twice, and the `Answer` that says what a success body means. Reading answers
lives in `_responses`; sending and retrying in `_core`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Generic, TypeVar
from urllib.parse import quote

import attrs

from ._bodies import StreamedBody, stream_request
from ._converter import encode_post, encode_request
from ._errors import FieldTypeError, ValidationError
from ._events import Conversation, StoredMessage
from ._models import JsonModel, check_message
from ._responses import Answer, CreatedAnswer, ItemAnswer, ItemsAnswer

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ._models import Message, Post

__all__ = [
    "MAX_IDS_PER_REQUEST",
    "CreatedMessage",
    "CreatedPost",
    "Operation",
    "create_message",
    "create_post",
    "get",
    "get_conversation",
    "get_message",
    "get_messages",
    "path_id",
]

T = TypeVar("T")

MAX_IDS_PER_REQUEST: Final = 25
"""Ids per ``GET /messages/:id1,:id2,...``; Missive documents no ceiling, so keep URLs short."""


@attrs.frozen(kw_only=True)
class Operation(Generic[T]):
    """One API request, as data: what to send and what a success answer means.

    Attributes:
        method: The HTTP method.
        path: The path below the base URL, ids already percent-encoded.
        params: The query parameters.
        content: The JSON body, if any: bytes, or a message body streamed in chunks.
        idempotent: Whether sending it twice is harmless (then it may be retried
            after any transient failure).
        answer: Reads a success body into the result.
    """

    method: str
    path: str
    answer: Answer[T]
    params: tuple[tuple[str, str], ...] = ()
    content: bytes | StreamedBody | None = None
    idempotent: bool


@attrs.frozen(kw_only=True)
class CreatedMessage(JsonModel):
    """What Missive said about a message it created.

    Missive may answer ``201 Created`` with an empty body, so both fields are
    optional: ``None`` means the answer did not say.

    Attributes:
        id: The new message's id.
        conversation_id: The id of the conversation it joined or started.
    """

    id: str | None = None
    conversation_id: str | None = None


@attrs.frozen(kw_only=True)
class CreatedPost(JsonModel):
    """What Missive said about a post it created; fields are ``None`` when not said.

    Attributes:
        id: The new post's id.
        conversation_id: The id of the conversation it joined or started.
    """

    id: str | None = None
    conversation_id: str | None = None


def path_id(value: object, *, field: str) -> str:
    """Return an id ready to sit in a URL path.

    Args:
        value: The id the caller gave.
        field: The argument's name, for the error message.

    Returns:
        The id, percent-encoded so that it stays one path segment.

    Raises:
        FieldTypeError: If the id is not a string.
        ValidationError: If the id is empty or contains a comma.
    """
    if not isinstance(value, str):
        msg = f"{field} must be a str id, got {type(value).__name__}"
        raise FieldTypeError(msg, field=field)
    if not value.strip() or "," in value:
        msg = f"{field} must be one non-empty Missive id without commas, got {value!r}"
        raise ValidationError(msg, field=field)
    return quote(value, safe="")


def create_message(message: Message) -> Operation[CreatedMessage]:
    """``POST /messages``: validated and size-checked before any I/O; attachments streamed.

    Raises:
        FieldTypeError: If ``message`` is not one of the three message types.
        RequestTooLargeError: If the request is over Missive's cap.
    """
    check_message(message)
    # Stream the attachments' base64 text in chunks rather than copy it whole; a
    # message without attachments is small, and sent as plain bytes.
    content = stream_request(message) if message.attachments else encode_request(message)
    return Operation(
        method="POST",
        path="/messages",
        content=content,
        idempotent=False,
        answer=CreatedAnswer("messages", CreatedMessage),
    )


def create_post(post: Post) -> Operation[CreatedPost]:
    """``POST /posts``: validated and encoded before any I/O.

    Raises:
        FieldTypeError: If ``post`` is not a `Post`.
        RequestTooLargeError: If the request is over Missive's cap.
    """
    return Operation(
        method="POST",
        path="/posts",
        content=encode_post(post),
        idempotent=False,
        answer=CreatedAnswer("posts", CreatedPost),
    )


def get(path: str, answer: Answer[T], params: Sequence[tuple[str, str]] = ()) -> Operation[T]:
    """A read: ``GET`` a path, retried freely."""
    return Operation(method="GET", path=path, params=tuple(params), idempotent=True, answer=answer)


def get_message(message_id: str) -> Operation[StoredMessage]:
    """``GET /messages/:id``.

    Raises:
        ValidationError: If the id is not one non-empty id.
    """
    path = f"/messages/{path_id(message_id, field='message_id')}"
    return get(path, ItemAnswer("messages", StoredMessage))


def get_messages(message_ids: Iterable[str]) -> tuple[Operation[list[StoredMessage]], ...]:
    """``GET /messages/:id1,:id2,...``, as many requests as the ids need; repeated ids once.

    Raises:
        ValidationError: If an id is not one non-empty id without commas.
    """
    if isinstance(message_ids, str):
        msg = "message_ids must be an iterable of ids, not one str; use messages.get for one id"
        raise FieldTypeError(msg, field="message_ids")
    ids = list(dict.fromkeys(path_id(value, field="message_ids") for value in message_ids))
    chunks = (ids[at : at + MAX_IDS_PER_REQUEST] for at in range(0, len(ids), MAX_IDS_PER_REQUEST))
    answer = ItemsAnswer("messages", StoredMessage)
    return tuple(get(f"/messages/{','.join(chunk)}", answer) for chunk in chunks)


def get_conversation(conversation_id: str) -> Operation[Conversation]:
    """``GET /conversations/:id``.

    Raises:
        ValidationError: If the id is not one non-empty id.
    """
    path = f"/conversations/{path_id(conversation_id, field='conversation_id')}"
    return get(path, ItemAnswer("conversations", Conversation))
