"""The webhook event modelled with pydantic v2 and msgspec, field for field like ours.

Reference points for the parsing benchmark: the same fields, optionality and
types as `missive_channels.WebhookEvent` (frozen objects, tuples for lists,
Unix seconds read as aware UTC datetimes, unknown keys ignored).
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - both libraries read annotations at runtime

import msgspec
import pydantic

__all__ = ["MsgspecEvent", "PydanticEvent"]

_FROZEN = pydantic.ConfigDict(frozen=True)


class _PParticipant(pydantic.BaseModel):
    model_config = _FROZEN
    id: str | None = None
    username: str | None = None
    name: str | None = None


class _PAttachment(pydantic.BaseModel):
    model_config = _FROZEN
    id: str | None = None
    filename: str | None = None
    extension: str | None = None
    url: str | None = None
    media_type: str | None = None
    sub_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None


class _PAuthor(pydantic.BaseModel):
    model_config = _FROZEN
    id: str | None = None
    name: str | None = None
    email: str | None = None
    avatar_url: str | None = None


class _PMessage(pydantic.BaseModel):
    model_config = _FROZEN
    id: str
    type: str | None = None
    subject: str | None = None
    body: str | None = None
    preview: str | None = None
    from_field: _PParticipant | None = None
    to_fields: tuple[_PParticipant, ...] = ()
    references: tuple[str, ...] = ()
    external_id: str | None = None
    attachments: tuple[_PAttachment, ...] = ()
    author: _PAuthor | None = None
    delivered_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class _POrganization(pydantic.BaseModel):
    model_config = _FROZEN
    id: str | None = None
    name: str | None = None


class _PTeam(pydantic.BaseModel):
    model_config = _FROZEN
    id: str | None = None
    name: str | None = None
    organization: str | None = None


class _PUser(pydantic.BaseModel):
    model_config = _FROZEN
    id: str | None = None
    name: str | None = None
    email: str | None = None
    unassigned: bool | None = None
    closed: bool | None = None
    archived: bool | None = None
    trashed: bool | None = None
    junked: bool | None = None
    assigned: bool | None = None
    flagged: bool | None = None
    snoozed: bool | None = None


class _PConversationAuthor(pydantic.BaseModel):
    model_config = _FROZEN
    name: str | None = None
    address: str | None = None


class _PLabel(pydantic.BaseModel):
    model_config = _FROZEN
    id: str | None = None
    name: str | None = None
    name_with_parent_names: str | None = None
    color: str | None = None
    parent_id: str | None = None


class _PConversation(pydantic.BaseModel):
    model_config = _FROZEN
    id: str
    subject: str | None = None
    latest_message_subject: str | None = None
    color: str | None = None
    organization: _POrganization | None = None
    team: _PTeam | None = None
    assignees: tuple[_PUser, ...] = ()
    users: tuple[_PUser, ...] = ()
    authors: tuple[_PConversationAuthor, ...] = ()
    shared_labels: tuple[_PLabel, ...] = ()
    attachments_count: int | None = None
    messages_count: int | None = None
    drafts_count: int | None = None
    send_later_messages_count: int | None = None
    tasks_count: int | None = None
    completed_tasks_count: int | None = None
    web_url: str | None = None
    app_url: str | None = None
    assignee_names: str | None = None
    assignee_emails: str | None = None
    shared_label_names: str | None = None
    created_at: datetime | None = None
    last_activity_at: datetime | None = None


class PydanticEvent(pydantic.BaseModel):
    """The webhook event as a frozen pydantic v2 model."""

    model_config = _FROZEN
    message: _PMessage
    conversation: _PConversation


class _MParticipant(msgspec.Struct, frozen=True):
    id: str | None = None
    username: str | None = None
    name: str | None = None


class _MAttachment(msgspec.Struct, frozen=True):
    id: str | None = None
    filename: str | None = None
    extension: str | None = None
    url: str | None = None
    media_type: str | None = None
    sub_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None


class _MAuthor(msgspec.Struct, frozen=True):
    id: str | None = None
    name: str | None = None
    email: str | None = None
    avatar_url: str | None = None


class _MMessage(msgspec.Struct, frozen=True):
    id: str
    type: str | None = None
    subject: str | None = None
    body: str | None = None
    preview: str | None = None
    from_field: _MParticipant | None = None
    to_fields: tuple[_MParticipant, ...] = ()
    references: tuple[str, ...] = ()
    external_id: str | None = None
    attachments: tuple[_MAttachment, ...] = ()
    author: _MAuthor | None = None
    delivered_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class _MOrganization(msgspec.Struct, frozen=True):
    id: str | None = None
    name: str | None = None


class _MTeam(msgspec.Struct, frozen=True):
    id: str | None = None
    name: str | None = None
    organization: str | None = None


class _MUser(msgspec.Struct, frozen=True):
    id: str | None = None
    name: str | None = None
    email: str | None = None
    unassigned: bool | None = None
    closed: bool | None = None
    archived: bool | None = None
    trashed: bool | None = None
    junked: bool | None = None
    assigned: bool | None = None
    flagged: bool | None = None
    snoozed: bool | None = None


class _MConversationAuthor(msgspec.Struct, frozen=True):
    name: str | None = None
    address: str | None = None


class _MLabel(msgspec.Struct, frozen=True):
    id: str | None = None
    name: str | None = None
    name_with_parent_names: str | None = None
    color: str | None = None
    parent_id: str | None = None


class _MConversation(msgspec.Struct, frozen=True):
    id: str
    subject: str | None = None
    latest_message_subject: str | None = None
    color: str | None = None
    organization: _MOrganization | None = None
    team: _MTeam | None = None
    assignees: tuple[_MUser, ...] = ()
    users: tuple[_MUser, ...] = ()
    authors: tuple[_MConversationAuthor, ...] = ()
    shared_labels: tuple[_MLabel, ...] = ()
    attachments_count: int | None = None
    messages_count: int | None = None
    drafts_count: int | None = None
    send_later_messages_count: int | None = None
    tasks_count: int | None = None
    completed_tasks_count: int | None = None
    web_url: str | None = None
    app_url: str | None = None
    assignee_names: str | None = None
    assignee_emails: str | None = None
    shared_label_names: str | None = None
    created_at: datetime | None = None
    last_activity_at: datetime | None = None


class MsgspecEvent(msgspec.Struct, frozen=True):
    """The webhook event as frozen msgspec structs.

    Decode with ``strict=False``: that is how msgspec reads Unix seconds as datetimes.
    """

    message: _MMessage
    conversation: _MConversation
