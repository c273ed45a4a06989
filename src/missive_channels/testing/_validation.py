"""Validation of the fake's API requests: the fields Missive documents and what each must hold."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import uuid
from typing import TYPE_CHECKING, Any, Final, Literal

from missive_channels._validators import is_color

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "MESSAGE_FIELDS",
    "POST_FIELDS",
    "ApiError",
    "_fail",
    "attachment",
    "check_actions",
    "check_fields",
    "people",
    "query_int",
    "valid_references",
]

_WHITESPACE: Final = re.compile(r"\s")
_PAGE_LIMIT: Final = 10
_EMAIL_ONLY: Final = ("subject", "cc_fields", "bcc_fields")
_CHAT_KEYS: Final = frozenset({"id", "name", "username"})
_EMAIL_KEYS: Final = frozenset({"address", "name"})

# What each documented field of POST /messages and POST /posts must hold.
_Kind = Literal["str", "int", "bool", "strs", "participant", "participants", "special"]
_ACTIONS: Final[dict[str, _Kind]] = {
    "references": "strs",
    "conversation": "str",
    "team": "str",
    "force_team": "bool",
    "organization": "str",
    "add_users": "strs",
    "add_assignees": "strs",
    "add_shared_labels": "strs",
    "remove_shared_labels": "strs",
    "add_to_inbox": "bool",
    "add_to_team_inbox": "bool",
    "close": "bool",
    "conversation_subject": "str",
    "conversation_color": "str",
}
MESSAGE_FIELDS: Final[dict[str, _Kind]] = {
    **_ACTIONS,
    "account": "str",
    "from_field": "participant",
    "to_fields": "participants",
    "cc_fields": "participants",
    "bcc_fields": "participants",
    "subject": "str",
    "body": "str",
    "delivered_at": "int",
    "attachments": "special",
    "external_id": "str",
    "remove_assignees": "strs",
}
POST_FIELDS: Final[dict[str, _Kind]] = {
    **_ACTIONS,
    "username": "str",
    "username_icon": "str",
    "conversation_icon": "str",
    "text": "str",
    "markdown": "str",
    "notification": "special",
    "attachments": "special",
    "reopen": "bool",
}


class ApiError(Exception):
    """A request the fake answers with an error status; never escapes the server."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _fail(message: str, status: int = 400) -> ApiError:
    return ApiError(status, message)


def check_kind(where: str, kind: _Kind, value: object) -> None:
    if kind == "str":
        if not isinstance(value, str):
            raise _fail(f"{where} must be a string")
    elif kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _fail(f"{where} must be a non-negative integer (Unix seconds)")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(f"{where} must be true or false")
    elif kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):  # pyright: ignore[reportUnknownVariableType]
            raise _fail(f"{where} must be an array of strings")
    elif kind == "participants" and not isinstance(value, list):
        raise _fail(f"{where} must be an array of participants")


def check_fields(
    envelope: str, fields: Mapping[str, Any], table: Mapping[str, _Kind], *, strict: bool
) -> None:
    for key, value in fields.items():
        kind = table.get(key)
        if kind is None:
            if strict:
                raise _fail(f"{envelope}.{key} is not a parameter Missive documents")
            continue
        if value is not None:
            check_kind(f"{envelope}.{key}", kind, value)


def participant(where: str, value: object, channel_type: str) -> dict[str, Any]:
    """Validate one participant against the channel type and return it normalised."""
    if not isinstance(value, dict):
        raise _fail(f"{where} must be an object")
    fields: dict[str, object] = value  # pyright: ignore[reportUnknownVariableType]
    if channel_type == "email":
        extra = set(fields) - _EMAIL_KEYS
        address = fields.get("address")
        if extra or not isinstance(address, str) or "@" not in address:
            raise _fail(
                f"{where} must be {{address, name}} with an email address on an Email channel"
            )
        name = fields.get("name")
        if name is not None and not isinstance(name, str):
            raise _fail(f"{where}.name must be a string")
        return {"address": address, "name": name}
    extra = set(fields) - _CHAT_KEYS
    if extra:
        raise _fail(
            f"{where} has {', '.join(sorted(extra))}; participants on a "
            f"{channel_type.capitalize()} channel are {{id, username, name}}"
        )
    for key in _CHAT_KEYS:
        if fields.get(key) is not None and not isinstance(fields[key], str):
            raise _fail(f"{where}.{key} must be a string")
    if not any(fields.get(key) for key in _CHAT_KEYS):
        raise _fail(f"{where} needs at least one of id, username, name")
    return {"id": fields.get("id"), "username": fields.get("username"), "name": fields.get("name")}


def attachment(where: str, value: object, index: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{where} must be an object {{base64_data, filename}}")
    item: dict[str, object] = value  # pyright: ignore[reportUnknownVariableType]
    data, filename = item.get("base64_data"), item.get("filename")
    if set(item) - {"base64_data", "filename"}:
        raise _fail(f"{where} accepts only base64_data and filename")
    if not isinstance(filename, str) or not filename.strip():
        raise _fail(f"{where}.filename must be a non-empty string")
    if not isinstance(data, str):
        raise _fail(f"{where}.base64_data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{where}.base64_data is not valid base64") from None
    media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    main, _, sub = media.partition("/")
    extension = filename.rpartition(".")[2] if "." in filename else ""
    attachment_id = str(uuid.uuid4())
    return {
        "id": attachment_id,
        "filename": filename,
        "extension": extension,
        "url": f"https://files.fake-missive.invalid/{attachment_id}/{index}",
        "media_type": main,
        "sub_type": sub,
        "size": len(raw),
        "width": None,
        "height": None,
    }


def color(where: str, value: str | None) -> None:
    if value is not None and not is_color(value):
        raise _fail(f"{where} must be a hex colour or one of good, warning, danger")


def query_int(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise _fail(f"query parameter {name} must be an integer, got {raw!r}") from None


def people(
    fields: Mapping[str, Any], kind: str
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Check the sender and recipients against the channel type; return them normalised."""
    if kind != "email":
        for key in _EMAIL_ONLY:
            if fields.get(key) is not None:
                raise _fail(
                    f"messages.{key} applies to Email channels only; this channel is {kind}"
                )
    if fields.get("from_field") is None:
        raise _fail("messages.from_field is required: the sender")
    sender = participant("messages.from_field", fields["from_field"], kind)
    lists = {
        key: [
            participant(f"messages.{key}[{i}]", item, kind)
            for i, item in enumerate(fields.get(key) or [])
        ]
        for key in ("to_fields", "cc_fields", "bcc_fields")
    }
    return sender, lists


def check_actions(envelope: str, fields: Mapping[str, Any]) -> None:
    """Check the conversation actions shared by messages and posts."""
    for key in ("add_users", "add_assignees"):
        if fields.get(key) and fields.get("organization") is None:
            raise _fail(f"{envelope}.{key} needs organization")
    for key in ("add_to_team_inbox", "force_team"):
        if fields.get(key) and fields.get("team") is None:
            raise _fail(f"{envelope}.{key} needs team")
    color(f"{envelope}.conversation_color", fields.get("conversation_color"))


def valid_references(fields: Mapping[str, Any]) -> list[str]:
    """Return the references Missive keeps."""
    # Missive silently ignores references that contain whitespace (documented for drafts).
    references: list[str] = fields.get("references") or []
    return [r for r in references if r and not _WHITESPACE.search(r)]
