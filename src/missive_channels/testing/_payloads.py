"""Missive's JSON shapes built by hand (conversations, messages, webhooks) and signed requests.

This module deliberately shares no code with the SDK's parsers: it is the
independent oracle the parsers are tested against. Signing uses the package's
`compute_signature`, which the verifier's own tests pin to Missive's examples.
"""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Final, Literal, TypedDict

from missive_channels._errors import ValidationError
from missive_channels._models import Participant
from missive_channels.webhooks import SIGNATURE_HEADERS, compute_signature

from ._settings import MissiveUser

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from typing_extensions import Unpack

    from ._shapes import (
        AssigneeData,
        AuthorData,
        ConversationAuthorData,
        ConversationData,
        ConversationUserData,
        ParticipantData,
        WebhookMessageData,
        WebhookPayload,
    )

__all__ = ["signed_webhook_request", "webhook_payload"]

DEFAULT_AUTHOR: Final = MissiveUser(
    id="5a0c1e7e-0000-4000-8000-000000000001",
    name="Fake Agent",
    email="agent@example.com",
)

_TAG: Final = re.compile(r"<[^>]*>")
_SPACE: Final = re.compile(r"\s+")
_PREVIEW_LENGTH: Final = 200
_WEB_APP: Final = "mail.missiveapp.com/#inbox/conversations/"


def encode(payload: Mapping[str, object]) -> bytes:
    """Return compact UTF-8 JSON bytes for a payload."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def preview(body: str, *, rich: bool) -> str:
    """Return Missive's short plain-text preview of a body (HTML tags stripped if ``rich``)."""
    text = html.unescape(_TAG.sub(" ", body)) if rich else body
    return _SPACE.sub(" ", text).strip()[:_PREVIEW_LENGTH]


def participant_json(participant: Participant) -> ParticipantData:
    """Return a Text/HTML participant as webhooks show it: all three keys, unset ones null."""
    return {"id": participant.id, "name": participant.name, "username": participant.username}


def author_json(user: MissiveUser) -> AuthorData:
    """Return a Missive user as a webhook's ``message.author``."""
    return {"id": user.id, "email": user.email, "name": user.name, "avatar_url": user.avatar_url}


def user_json(
    user_id: str, user: MissiveUser | None, *, closed: bool, assigned: bool, unassigned: bool
) -> ConversationUserData:
    """Return one entry of a conversation's ``users``: the user and their state flags."""
    return {
        "id": user_id,
        "name": None if user is None else user.name,
        "email": None if user is None else user.email,
        "unassigned": unassigned,
        "closed": closed,
        "assigned": assigned,
        "archived": False,
        "trashed": False,
        "junked": False,
        "flagged": False,
        "snoozed": False,
    }


def conversation_json(
    *,
    id: str,
    created_at: int,
    last_activity_at: int,
    subject: str | None = None,
    latest_message_subject: str | None = None,
    organization: str | None = None,
    team: str | None = None,
    color: str | None = None,
    assignees: Sequence[AssigneeData] = (),
    users: Sequence[ConversationUserData] = (),
    attachments_count: int = 0,
    messages_count: int = 0,
    authors: Sequence[ConversationAuthorData] = (),
    shared_labels: Sequence[str] = (),
) -> ConversationData:
    """Return a conversation object shaped like Missive's (webhooks and ``GET /conversations``).

    Names of organizations, teams and labels are unknown to the fake and shown as null.
    """
    return {
        "id": id,
        "created_at": created_at,
        "last_activity_at": last_activity_at,
        "subject": subject,
        "latest_message_subject": latest_message_subject,
        "organization": None if organization is None else {"id": organization, "name": None},
        "team": None if team is None else {"id": team, "name": None, "organization": organization},
        "color": color,
        "assignees": [a.copy() for a in assignees],
        "users": [u.copy() for u in users],
        "attachments_count": attachments_count,
        "messages_count": messages_count,
        "authors": [a.copy() for a in authors],
        "drafts_count": 0,
        "send_later_messages_count": 0,
        "tasks_count": 0,
        "completed_tasks_count": 0,
        "web_url": f"https://{_WEB_APP}{id}",
        "app_url": f"missive://{_WEB_APP}{id}",
        "assignee_names": ", ".join(a["name"] for a in assignees if a["name"]),
        "assignee_emails": ", ".join(a["email"] for a in assignees if a["email"]),
        "shared_label_names": "",
        "shared_labels": [{"id": label, "name": None} for label in shared_labels],
    }


def outgoing_message_json(
    *,
    id: str,
    type: Literal["text", "html"],
    body: str,
    from_field: Participant,
    to_fields: Iterable[Participant],
    author: MissiveUser,
    at: int,
    references: Iterable[str] = (),
    external_id: str | None = None,
) -> WebhookMessageData:
    """Return the ``message`` object of a custom-channel webhook for a message sent ``at``.

    A Missive user's message is created, delivered and last updated when it is sent.
    """
    return {
        "id": id,
        "preview": preview(body, rich=type == "html"),
        "type": f"custom_{type}",
        "delivered_at": at,
        "updated_at": at,
        "created_at": at,
        "references": list(references),
        "body": body,
        "from_field": participant_json(from_field),
        "to_fields": [participant_json(p) for p in to_fields],
        "external_id": external_id,
        "attachments": [],
        "author": author_json(author),
    }


def author_entry(participant: Participant) -> ConversationAuthorData:
    """Return a conversation ``authors`` entry for a Text/HTML participant."""
    return {"name": participant.name or participant.username or participant.id, "address": None}


def _check_type(type: object) -> Literal["text", "html"]:
    if type not in ("text", "html"):
        msg = (
            f"type is {type!r}; webhooks exist for 'text' and 'html' channels only "
            "(Email channels never send them)"
        )
        raise ValidationError(msg, field="type")
    return type


DEFAULT_TEXT: Final = "Thanks, it left our warehouse today."


def webhook_payload(
    *,
    type: Literal["text", "html"] = "text",
    text: str = DEFAULT_TEXT,
    from_field: Participant | None = None,
    to_fields: Iterable[Participant] | None = None,
    author: MissiveUser | None = None,
    message_id: str | None = None,
    conversation_id: str | None = None,
    delivered_at: int | None = None,
    references: Iterable[str] = (),
    external_id: str | None = None,
) -> WebhookPayload:
    """Build a custom-channel webhook payload, as Missive POSTs it when a user replies.

    Every argument has a plausible default, so ``webhook_payload()`` alone is a
    valid Text event.

    Args:
        type: The channel type, ``"text"`` (``message.type`` ``custom_text``) or
            ``"html"`` (``custom_html``).
        text: The message's text (plain text, or HTML for ``"html"``): ``message.body``.
        from_field: The alias the user sent as (default ``Participant(name="Support")``).
        to_fields: The recipients (default one customer).
        author: The Missive user who sent it (default a fake agent).
        message_id: The message id (default a fresh UUID).
        conversation_id: The conversation id (default a fresh UUID).
        delivered_at: Unix seconds (default now).
        references: The message's references.
        external_id: The message's external id.

    Returns:
        ``{"message": {...}, "conversation": {...}}``.

    Raises:
        ValidationError: If ``type`` is not ``"text"`` or ``"html"``.
    """
    kind = _check_type(type)
    now = int(time.time()) if delivered_at is None else delivered_at
    sender = Participant(name="Support") if from_field is None else from_field
    recipients = (
        (Participant(id="customer-1", name="Customer"),) if to_fields is None else tuple(to_fields)
    )
    user = DEFAULT_AUTHOR if author is None else author
    conversation = conversation_id or str(uuid.uuid4())
    message = outgoing_message_json(
        id=message_id or str(uuid.uuid4()),
        type=kind,
        body=text,
        from_field=sender,
        to_fields=recipients,
        author=user,
        at=now,
        references=references,
        external_id=external_id,
    )
    me = user_json(user.id, user, closed=False, assigned=False, unassigned=True)
    return {
        "message": message,
        "conversation": conversation_json(
            id=conversation,
            created_at=now,
            last_activity_at=now,
            latest_message_subject=f"Message from {user.name}",
            users=[me],
            messages_count=1,
            authors=[author_entry(sender), *map(author_entry, recipients)],
        ),
    }


class _PayloadFields(TypedDict, total=False):
    # The keywords of `webhook_payload`, which `signed_webhook_request` passes on.
    type: Literal["text", "html"]
    text: str
    from_field: Participant | None
    to_fields: Iterable[Participant] | None
    author: MissiveUser | None
    message_id: str | None
    conversation_id: str | None
    delivered_at: int | None
    references: Iterable[str]
    external_id: str | None


def signed_webhook_request(
    secret: str,
    *,
    payload: WebhookPayload | None = None,
    header: str = SIGNATURE_HEADERS[0],
    **fields: Unpack[_PayloadFields],
) -> tuple[bytes, dict[str, str]]:
    """Build the body and headers of a signed webhook request, for a receiver's tests.

    The payload is ``webhook_payload(...)`` of the payload fields given (``text``,
    ``conversation_id``, ...), or ``payload`` itself; sign any other body with
    `missive_channels.webhooks.compute_signature`.

    Args:
        secret: The channel's signature secret.
        payload: A payload to sign as it is, e.g. one `webhook_payload` built;
            then give none of the payload fields.
        header: The signature header's name; default the first of
            `missive_channels.webhooks.SIGNATURE_HEADERS`, as Missive sends it.
        **fields: The payload fields, as in `webhook_payload`: ``type``, ``text``
            (``message.body``), ``from_field``, ``to_fields``, ``author``,
            ``message_id``, ``conversation_id``, ``delivered_at``, ``references``
            and ``external_id``.

    Returns:
        ``(body, headers)``: the HTTP request body (bytes) and headers. Send both
        unchanged; the signature covers the exact bytes.

    Raises:
        ValidationError: If ``type`` is invalid, or ``payload`` comes with payload fields.
        FieldTypeError: If ``secret`` is not a str.
        InvalidSignatureError: If ``secret`` is empty.
    """
    if payload is None:
        payload = webhook_payload(**fields)
    elif fields:
        named = ", ".join(f"{name}=" for name in fields)
        msg = (
            f"payload= comes with {named}; give either a whole payload "
            "or the fields to build one from, not both"
        )
        raise ValidationError(msg, field=next(iter(fields)))
    raw = encode(payload)
    return raw, {"Content-Type": "application/json", header: compute_signature(raw, secret)}
