"""Sans-IO request specs, one per API operation, and the results they parse answers into."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Generic, TypeVar, cast
from urllib.parse import quote

import attrs

from ._bodies import StreamedBody, stream_request
from ._converter import encode_post, encode_request, structure_payload
from ._errors import FieldTypeError, ValidationError
from ._events import Conversation, StoredMessage
from ._models import EmailMessage, HtmlMessage, TextMessage
from ._responses import ShapeError, decode_json, items_of, member

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
    "envelope",
    "get",
    "get_conversation",
    "get_message",
    "get_messages",
    "path_id",
    "structure_item",
]

T = TypeVar("T")

MAX_IDS_PER_REQUEST: Final = 25
"""Ids per ``GET /messages/:id1,:id2,...``; Missive documents no ceiling, so keep URLs short."""


@attrs.frozen(kw_only=True)
class Operation(Generic[T]):
    """One API request, as data: what to send and how to read a success answer.

    Attributes:
        method: The HTTP method.
        path: The path below the base URL, ids already percent-encoded.
        params: The query parameters.
        content: The JSON body, if any: bytes, or a message body streamed in chunks.
        idempotent: Whether sending it twice is harmless (then it may be retried
            after any transient failure).
        parse: Turns the success body into the result; raises `ShapeError`.
    """

    method: str
    path: str
    parse: Callable[[bytes], T]
    params: tuple[tuple[str, str], ...] = ()
    content: bytes | StreamedBody | None = None
    idempotent: bool


@attrs.frozen(kw_only=True)
class CreatedMessage:
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
class CreatedPost:
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


def _first(value: object) -> object:
    items = items_of(value)
    if items is None:
        return value
    return items[0] if items else None


def _str_at(value: object, key: str) -> str | None:
    found = member(value, key)
    return found if isinstance(found, str) else None


def _created_ids(content: bytes, key: str) -> tuple[str | None, str | None]:
    """Read ``(id, conversation id)`` from a creation answer, however much of it there is.

    The resource was created whatever the body says, so nothing here may fail:
    raising would invite the caller to send it again.
    """
    try:
        body = decode_json(content)
    except ShapeError:
        return None, None
    created = _first(member(body, key))
    conversation = member(created, "conversation")
    conversation_id = conversation if isinstance(conversation, str) else _str_at(conversation, "id")
    if conversation_id is None:
        conversation_id = _str_at(_first(member(body, "conversations")), "id")
    return _str_at(created, "id"), conversation_id


def _parse_created_message(content: bytes) -> CreatedMessage:
    message_id, conversation_id = _created_ids(content, "messages")
    return CreatedMessage(id=message_id, conversation_id=conversation_id)


def _parse_created_post(content: bytes) -> CreatedPost:
    post_id, conversation_id = _created_ids(content, "posts")
    return CreatedPost(id=post_id, conversation_id=conversation_id)


def create_message(message: Message) -> Operation[CreatedMessage]:
    """``POST /messages``: validated and size-checked before any I/O; attachments streamed.

    Raises:
        FieldTypeError: If ``message`` is not one of the three message types.
        RequestTooLargeError: If the request is over Missive's cap.
    """
    if not isinstance(cast("object", message), (TextMessage, HtmlMessage, EmailMessage)):
        msg = (
            "expected a TextMessage, HtmlMessage or EmailMessage, "
            f"got {type(message).__name__}; build the message with one of those classes"
        )
        raise FieldTypeError(msg)
    # Stream the attachments' base64 text in chunks rather than copy it whole; a
    # message without attachments is small, and sent as plain bytes.
    content = stream_request(message) if message.attachments else encode_request(message)
    return Operation(
        method="POST",
        path="/messages",
        content=content,
        idempotent=False,
        parse=_parse_created_message,
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
        parse=_parse_created_post,
    )


def get(
    path: str, parse: Callable[[bytes], T], params: Sequence[tuple[str, str]] = ()
) -> Operation[T]:
    """A read: ``GET`` a path, retried freely."""
    return Operation(method="GET", path=path, params=tuple(params), idempotent=True, parse=parse)


def envelope(content: bytes, key: str) -> object:
    """Return ``body[key]`` of a JSON success body.

    Raises:
        ShapeError: If the body is not a JSON object holding ``key``.
    """
    value = member(decode_json(content), key)
    if value is None:
        msg = f"expected a JSON object with the key {key!r}"
        raise ShapeError(msg)
    return value


def _shape_error(problem: str, path: str) -> ShapeError:
    return ShapeError(problem, path=path)


def structure_item(value: object, cls: type[T], *, path: str) -> T:
    """Structure one item of a success body with the converter.

    Args:
        value: The decoded item.
        cls: The read model to build, e.g. `StoredMessage`.
        path: The item's JSON path in the body, e.g. ``$.messages[0]``.

    Returns:
        The model.

    Raises:
        ShapeError: Naming the JSON path of the first value of the wrong shape.
    """
    return structure_payload(value, cls, path=path, error=_shape_error)


def _one(content: bytes, key: str, cls: type[T]) -> T:
    value = envelope(content, key)
    items = items_of(value)
    if items is None:
        return structure_item(value, cls, path=f"$.{key}")
    if not items:
        msg = "expected one item, got an empty list"
        raise ShapeError(msg, path=f"$.{key}")
    return structure_item(items[0], cls, path=f"$.{key}[0]")


def _many(content: bytes, key: str, cls: type[T]) -> list[T]:
    value = envelope(content, key)
    items = items_of(value)
    if items is None:
        return [structure_item(value, cls, path=f"$.{key}")]
    return [structure_item(item, cls, path=f"$.{key}[{index}]") for index, item in enumerate(items)]


def _parse_message(content: bytes) -> StoredMessage:
    return _one(content, "messages", StoredMessage)


def _parse_messages(content: bytes) -> list[StoredMessage]:
    return _many(content, "messages", StoredMessage)


def _parse_conversation(content: bytes) -> Conversation:
    return _one(content, "conversations", Conversation)


def get_message(message_id: str) -> Operation[StoredMessage]:
    """``GET /messages/:id``.

    Raises:
        ValidationError: If the id is not one non-empty id.
    """
    return get(f"/messages/{path_id(message_id, field='message_id')}", _parse_message)


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
    return tuple(get(f"/messages/{','.join(chunk)}", _parse_messages) for chunk in chunks)


def get_conversation(conversation_id: str) -> Operation[Conversation]:
    """``GET /conversations/:id``.

    Raises:
        ValidationError: If the id is not one non-empty id.
    """
    path = f"/conversations/{path_id(conversation_id, field='conversation_id')}"
    return get(path, _parse_conversation)
