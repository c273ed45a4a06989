"""The JSON shapes the fake shows: conversations and webhook payloads, as typed dictionaries."""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "AssigneeData",
    "AttachmentData",
    "AuthorData",
    "ConversationAuthorData",
    "ConversationData",
    "ConversationUserData",
    "LabelData",
    "OrganizationData",
    "ParticipantData",
    "TeamData",
    "WebhookMessageData",
    "WebhookPayload",
]


class OrganizationData(TypedDict):
    """A conversation's ``organization``; the fake knows no organization names."""

    id: str
    name: str | None


class TeamData(TypedDict):
    """A conversation's ``team``."""

    id: str
    name: str | None
    organization: str | None


class AssigneeData(TypedDict):
    """One entry of a conversation's ``assignees``."""

    id: str
    name: str | None
    email: str | None


class ConversationUserData(TypedDict):
    """One entry of a conversation's ``users``: a Missive user and their state flags."""

    id: str
    name: str | None
    email: str | None
    unassigned: bool
    closed: bool
    assigned: bool
    archived: bool
    trashed: bool
    junked: bool
    flagged: bool
    snoozed: bool


class ConversationAuthorData(TypedDict):
    """One entry of a conversation's ``authors``."""

    name: str | None
    address: str | None


class LabelData(TypedDict):
    """One entry of a conversation's ``shared_labels``."""

    id: str
    name: str | None


class ConversationData(TypedDict):
    """A conversation as ``GET /v1/conversations/:id`` and webhooks show it."""

    id: str
    created_at: int
    last_activity_at: int
    subject: str | None
    latest_message_subject: str | None
    organization: OrganizationData | None
    team: TeamData | None
    color: str | None
    assignees: list[AssigneeData]
    users: list[ConversationUserData]
    attachments_count: int
    messages_count: int
    authors: list[ConversationAuthorData]
    drafts_count: int
    send_later_messages_count: int
    tasks_count: int
    completed_tasks_count: int
    web_url: str
    app_url: str
    assignee_names: str
    assignee_emails: str
    shared_label_names: str
    shared_labels: list[LabelData]


class ParticipantData(TypedDict):
    """A Text/HTML participant as webhooks show it: all three keys, unset ones null."""

    id: str | None
    name: str | None
    username: str | None


class AuthorData(TypedDict):
    """The Missive user who sent a webhook's message."""

    id: str
    email: str
    name: str
    avatar_url: str | None


class AttachmentData(TypedDict):
    """A file attached to a message."""

    id: str
    filename: str
    extension: str
    url: str
    media_type: str
    sub_type: str
    size: int
    width: int | None
    height: int | None


class WebhookMessageData(TypedDict):
    """The ``message`` object of a custom-channel webhook."""

    id: str
    preview: str
    type: str
    delivered_at: int
    updated_at: int
    created_at: int
    references: list[str]
    body: str
    from_field: ParticipantData
    to_fields: list[ParticipantData]
    external_id: str | None
    attachments: list[AttachmentData]
    author: AuthorData


class WebhookPayload(TypedDict):
    """A custom-channel webhook's JSON body."""

    message: WebhookMessageData
    conversation: ConversationData
