"""Models of what the read endpoints return (messages, conversations) and their tolerant parsing.

Interim: these minimal models stand in until the webhook event models
(``Conversation``, message authors and attachments) are shared by reads too.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, cast

import attrs

from ._responses import ShapeError, items_of, member

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Conversation", "Correspondent", "MissiveMessage", "conversation", "message"]


@attrs.frozen(kw_only=True)
class Correspondent:
    """A sender or recipient as Missive reports it.

    Text and HTML channels identify people by ``id``, ``username`` and ``name``;
    email uses ``address`` and ``name``. Any of them may be missing.

    Attributes:
        id: The identifier on a Text or HTML channel.
        username: The handle on a Text or HTML channel.
        name: The display name.
        address: The email address.
    """

    id: str | None = None
    username: str | None = None
    name: str | None = None
    address: str | None = None


@attrs.frozen(kw_only=True)
class MissiveMessage:
    """A message as ``GET /messages`` and conversation listings return it.

    Attributes:
        id: Missive's message id.
        type: The message type, e.g. ``"custom_text"`` or ``"email"``.
        subject: The subject, if any.
        preview: A short plain-text preview.
        body: The body: text or HTML.
        from_field: The sender.
        to_fields: The To recipients.
        cc_fields: The Cc recipients (email).
        bcc_fields: The Bcc recipients (email).
        reply_to_fields: The Reply-To addresses (email).
        references: Threading keys.
        in_reply_to: Message-IDs this message answers (email).
        email_message_id: The RFC 5322 Message-ID (email).
        external_id: Your id for the message, if one was set.
        conversation_id: The id of the message's conversation, if given.
        delivered_at: When it was delivered (aware, UTC).
        created_at: When it was created (aware, UTC).
        updated_at: When it last changed (aware, UTC).
    """

    id: str
    type: str | None = None
    subject: str | None = None
    preview: str | None = None
    body: str | None = None
    from_field: Correspondent | None = None
    to_fields: tuple[Correspondent, ...] = ()
    cc_fields: tuple[Correspondent, ...] = ()
    bcc_fields: tuple[Correspondent, ...] = ()
    reply_to_fields: tuple[Correspondent, ...] = ()
    references: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    email_message_id: str | None = None
    external_id: str | None = None
    conversation_id: str | None = None
    delivered_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Conversation:
    """A Missive conversation as ``GET /conversations/:id`` returns it.

    After a merge Missive may answer with a different ``id`` than the one asked for.

    Attributes:
        id: The conversation's id.
        subject: The conversation's subject, if set.
        latest_message_subject: The subject of the newest message.
        color: The conversation's colour, if any.
        messages_count: How many messages it holds.
        web_url: Its URL in Missive's web app.
        app_url: Its URL in Missive's desktop app.
        created_at: When it was created (aware, UTC).
        last_activity_at: When it last changed (aware, UTC).
    """

    id: str
    subject: str | None = None
    latest_message_subject: str | None = None
    color: str | None = None
    messages_count: int | None = None
    web_url: str | None = None
    app_url: str | None = None
    created_at: datetime | None = None
    last_activity_at: datetime | None = None


def _str(raw: Mapping[str, object], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) else None


def _int(raw: Mapping[str, object], key: str) -> int | None:
    value = raw.get(key)
    return value if type(value) is int else None


def _time(raw: Mapping[str, object], key: str) -> datetime | None:
    value = _int(raw, key)
    try:
        return None if value is None else datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _strings(raw: Mapping[str, object], key: str) -> tuple[str, ...]:
    return tuple(item for item in items_of(raw.get(key)) or () if isinstance(item, str))


def _correspondent(value: object) -> Correspondent | None:
    fields = {key: member(value, key) for key in ("id", "username", "name", "address")}
    kept = {key: found for key, found in fields.items() if isinstance(found, str)}
    return Correspondent(**kept) if kept else None


def _correspondents(raw: Mapping[str, object], key: str) -> tuple[Correspondent, ...]:
    found = (_correspondent(item) for item in items_of(raw.get(key)) or ())
    return tuple(item for item in found if item is not None)


def _object(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        msg = "expected an object"
        raise ShapeError(msg, path=path)
    raw = cast("Mapping[str, object]", value)
    if not isinstance(raw.get("id"), str):
        msg = "expected a string id"
        raise ShapeError(msg, path=f"{path}.id")
    return raw


def message(value: object, path: str) -> MissiveMessage:
    """Build a `MissiveMessage` from one raw message, ignoring unknown or malformed extras.

    Raises:
        ShapeError: If it is not an object with a string ``id``.
    """
    raw = _object(value, path)
    conversation_id = member(raw.get("conversation"), "id")
    return MissiveMessage(
        id=str(raw["id"]),
        type=_str(raw, "type"),
        subject=_str(raw, "subject"),
        preview=_str(raw, "preview"),
        body=_str(raw, "body"),
        from_field=_correspondent(raw.get("from_field")),
        to_fields=_correspondents(raw, "to_fields"),
        cc_fields=_correspondents(raw, "cc_fields"),
        bcc_fields=_correspondents(raw, "bcc_fields"),
        reply_to_fields=_correspondents(raw, "reply_to_fields"),
        references=_strings(raw, "references"),
        in_reply_to=_strings(raw, "in_reply_to"),
        email_message_id=_str(raw, "email_message_id"),
        external_id=_str(raw, "external_id"),
        conversation_id=conversation_id if isinstance(conversation_id, str) else None,
        delivered_at=_time(raw, "delivered_at"),
        created_at=_time(raw, "created_at"),
        updated_at=_time(raw, "updated_at"),
    )


def conversation(value: object, path: str) -> Conversation:
    """Build a `Conversation` from one raw conversation, ignoring unknown or malformed extras.

    Raises:
        ShapeError: If it is not an object with a string ``id``.
    """
    raw = _object(value, path)
    return Conversation(
        id=str(raw["id"]),
        subject=_str(raw, "subject"),
        latest_message_subject=_str(raw, "latest_message_subject"),
        color=_str(raw, "color"),
        messages_count=_int(raw, "messages_count"),
        web_url=_str(raw, "web_url"),
        app_url=_str(raw, "app_url"),
        created_at=_time(raw, "created_at"),
        last_activity_at=_time(raw, "last_activity_at"),
    )
