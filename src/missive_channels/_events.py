"""Read-side models: webhook events, messages and conversations as Missive sends them out.

One set of classes serves webhooks and API reads alike: `Conversation` is what a
webhook carries and what ``GET /conversations/:id`` returns, and `StoredMessage`
(``GET /messages``, conversation listings) embeds the same `Conversation`,
`Author` and `MessageAttachment`. They are plain frozen data: every field but
the ids is optional, because Missive documents few guarantees and adds fields
over time. Structuring them from JSON is the converter's job
(``_converter.structure_payload``), which tolerates unknown keys, missing keys
and ``null`` values.
"""

# Annotations here are evaluated as the classes are made (no `from __future__ import
# annotations`): resolving them from strings took a tenth of the package's import time.
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import attrs

from ._models import JsonModel, Participant

__all__ = [
    "Author",
    "Comment",
    "Conversation",
    "ConversationAuthor",
    "ConversationUser",
    "Correspondent",
    "MessageAttachment",
    "Organization",
    "Rule",
    "RuleEvent",
    "SharedLabel",
    "StoredMessage",
    "Team",
    "WebhookEvent",
    "WebhookMessage",
    "WebhookParticipant",
]

_NOTHING_EXTRA: Final[Mapping[str, object]] = MappingProxyType({})


def _read_only(value: Mapping[str, object]) -> Mapping[str, object]:
    # A copy, so that changing the mapping given never changes the model; the
    # shared empty default (most objects) is returned as it is.
    if value is _NOTHING_EXTRA or not value:
        return _NOTHING_EXTRA
    return MappingProxyType(dict(value))


# One converter object for every read model: attrs inspects a plain function's
# signature again for each class that uses it.
_READ_ONLY: Final = attrs.Converter(_read_only)


def _extra_repr(value: Mapping[str, object]) -> str:
    return repr(dict(value))


def _extra() -> Any:  # noqa: ANN401 - stands in for attrs.field(), which is typed as its default
    """Declare a read model's ``extra``: read-only, compared, never hashed."""
    return attrs.field(default=_NOTHING_EXTRA, converter=_READ_ONLY, hash=False, repr=_extra_repr)


@attrs.frozen(kw_only=True)
class MessageAttachment(JsonModel):
    """A file attached to a message, as Missive describes it (it is not inlined).

    This is the shape ``GET /messages`` documents; webhooks are read the same way,
    though Missive shows no example there. Every field may be missing.

    Attributes:
        id: Missive's attachment id.
        filename: The file's name, e.g. ``"invoice.pdf"``.
        extension: The file name extension, e.g. ``"pdf"``.
        url: Where to download the file.
        media_type: The MIME top-level type, e.g. ``"image"``.
        sub_type: The MIME subtype, e.g. ``"png"``.
        size: The size in bytes.
        width: The width in pixels, for images.
        height: The height in pixels, for images.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str | None = None
    filename: str | None = None
    extension: str | None = None
    url: str | None = None
    media_type: str | None = None
    sub_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class Author(JsonModel):
    """The Missive user who wrote a message.

    Attributes:
        id: The user's Missive id.
        name: The user's display name.
        email: The user's email address.
        avatar_url: The URL of the user's avatar image.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str | None = None
    name: str | None = None
    email: str | None = None
    avatar_url: str | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True, eq=False)
class WebhookParticipant(Participant):
    """A sender or recipient as a custom channel's webhook names it.

    It is a `Participant`, so it goes straight into a message you send (for
    example ``TextMessage(from_field=event.message.to_fields[0], ...)``); a
    message you send carries only ``id``, ``username`` and ``name``, never
    ``extra``. It equals a `Participant` with the same three values, and
    another ``WebhookParticipant`` whose ``extra`` is equal too.

    Attributes:
        id: Your system's identifier for the person.
        username: A handle, e.g. ``"@marta.k"``.
        name: A display name.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    extra: Mapping[str, object] = _extra()

    def __eq__(self, other: object) -> bool:
        """Compare the three values with a `Participant`'s, and ``extra`` too with ours."""
        if type(other) is Participant:
            return (self.id, self.username, self.name) == (other.id, other.username, other.name)
        if isinstance(other, WebhookParticipant):
            mine = (self.id, self.username, self.name, self.extra)
            return mine == (other.id, other.username, other.name, other.extra)
        return NotImplemented

    # Equal participants hash alike; ``extra`` takes no part, as in every read model.
    __hash__ = Participant.__hash__


# A base only: each subclass gets its own __repr__ and __eq__ (and __hash__), so attrs
# need not write and compile them for the base too, at import.
@attrs.frozen(kw_only=True, repr=False, eq=False)
class _ReadMessage(JsonModel):
    """What a message carries wherever Missive reads it out; see the public subclasses."""

    id: str
    type: str | None = None
    subject: str | None = None
    body: str | None = None
    preview: str | None = None
    references: tuple[str, ...] = ()
    external_id: str | None = None
    attachments: tuple[MessageAttachment, ...] = ()
    author: Author | None = None
    delivered_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class WebhookMessage(_ReadMessage):
    """The message a Missive user sent or replied from a Text or HTML custom channel.

    Attributes:
        id: Missive's message id; use it to recognise redelivered webhooks.
        type: The message type: ``"custom_text"`` for Text channels, likely
            ``"custom_html"`` for HTML channels; kept as an open string so new
            types never fail parsing.
        subject: The subject, if any.
        body: Plain text (Text channels) or HTML (HTML channels).
        preview: A short plain-text preview of the body.
        from_field: The alias the user sent as; ``None`` when Missive gave none
            or gave one with no id, username or name (nothing to address).
        to_fields: The recipients. Recipients with no id, username or name carry
            nothing to address and are left out.
        references: Threading keys; may be empty even in an existing thread, so
            prefer the conversation id to find your thread.
        external_id: Your id for the message, if one was set.
        attachments: The attached files.
        author: The Missive user who sent the message.
        delivered_at: When the message was sent (aware, UTC).
        created_at: When the message (or its draft) was created (aware, UTC);
            may precede ``delivered_at``.
        updated_at: When the message last changed (aware, UTC).
        extra: The keys Missive sent that this model does not name, as sent.
    """

    from_field: WebhookParticipant | None = None
    to_fields: tuple[WebhookParticipant, ...] = ()
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class Organization(JsonModel):
    """A Missive organization.

    Attributes:
        id: The organization's id.
        name: The organization's name.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str | None = None
    name: str | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class Team(JsonModel):
    """A Missive team.

    Attributes:
        id: The team's id.
        name: The team's name.
        organization: The id of the organization the team belongs to.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str | None = None
    name: str | None = None
    organization: str | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class SharedLabel(JsonModel):
    """A shared label applied to a conversation.

    Attributes:
        id: The label's id.
        name: The label's own name.
        name_with_parent_names: The name prefixed with its parents' names.
        color: The label's colour, e.g. ``"#1f8a70"``.
        parent: The id of the parent label, for nested labels.
        organization: The id of the organization the label belongs to.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str | None = None
    name: str | None = None
    name_with_parent_names: str | None = None
    color: str | None = None
    parent: str | None = None
    organization: str | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class ConversationUser(JsonModel):
    """A Missive user with access to a conversation, and where it sits in their mailbox.

    Each state flag is ``None`` when Missive did not send it.

    Attributes:
        id: The user's Missive id.
        name: The user's display name.
        email: The user's email address.
        unassigned: The conversation is in the user's unassigned view.
        closed: The user closed the conversation.
        archived: The user archived the conversation.
        trashed: The user trashed the conversation.
        junked: The user marked the conversation as spam.
        assigned: The conversation is assigned to the user.
        flagged: The user starred the conversation.
        snoozed: The user snoozed the conversation.
        extra: The keys Missive sent that this model does not name, as sent.
    """

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
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class ConversationAuthor(JsonModel):
    """Someone who wrote in a conversation, as listed on the conversation.

    Attributes:
        name: The author's display name.
        address: The author's address (``None`` on custom channels).
        extra: The keys Missive sent that this model does not name, as sent.
    """

    name: str | None = None
    address: str | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class Conversation(JsonModel):
    """A Missive conversation: the thread a message belongs to.

    Webhooks carry it, ``GET /conversations/:id`` returns it and `StoredMessage`
    embeds it. After a merge, ``GET /conversations/:id`` may answer with the
    surviving conversation, whose ``id`` differs from the one asked for.

    Attributes:
        id: The conversation's id; store it to append your next message with
            ``conversation=`` (more reliable than references).
        subject: The conversation's subject, if one was set.
        latest_message_subject: The subject of the newest message.
        color: The conversation's colour, if any.
        organization: The organization the conversation belongs to.
        team: The team the conversation belongs to.
        assignees: The users the conversation is assigned to.
        users: The users with access, with their mailbox state.
        authors: Who wrote in the conversation.
        shared_labels: The shared labels applied.
        attachments_count: How many attachments the conversation holds.
        messages_count: How many messages the conversation holds.
        drafts_count: How many drafts the conversation holds.
        send_later_messages_count: How many messages are scheduled to be sent.
        tasks_count: How many tasks the conversation holds.
        completed_tasks_count: How many of those tasks are completed.
        web_url: The conversation's URL in Missive's web app.
        app_url: The conversation's URL in Missive's desktop app.
        assignee_names: The assignees' names, comma-separated.
        assignee_emails: The assignees' emails, comma-separated.
        shared_label_names: The shared labels' names, comma-separated.
        created_at: When the conversation was created (aware, UTC), where sent.
        last_activity_at: When the conversation last changed (aware, UTC), where sent.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str
    subject: str | None = None
    latest_message_subject: str | None = None
    color: str | None = None
    organization: Organization | None = None
    team: Team | None = None
    assignees: tuple[ConversationUser, ...] = ()
    users: tuple[ConversationUser, ...] = ()
    authors: tuple[ConversationAuthor, ...] = ()
    shared_labels: tuple[SharedLabel, ...] = ()
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
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class WebhookEvent(JsonModel):
    """One delivery of a custom channel's webhook: a message and its conversation.

    Attributes:
        message: The message the Missive user sent.
        conversation: The conversation it belongs to.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    message: WebhookMessage
    conversation: Conversation
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class Correspondent(JsonModel):
    """A sender or recipient of a `StoredMessage`, whichever channel it went through.

    Text and HTML channels name people by ``id``, ``username`` and ``name`` (like
    `Participant`); email by ``address`` and ``name`` (like `EmailAddress`). One
    class holds either shape, so every field is optional. A correspondent with
    none of the four set (each missing, null or empty) names nobody and is left
    out of the message.

    Attributes:
        id: The identifier on a Text or HTML channel.
        username: The handle on a Text or HTML channel.
        name: The display name.
        address: The email address.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str | None = None
    username: str | None = None
    name: str | None = None
    address: str | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class StoredMessage(_ReadMessage):
    """A message as Missive stores it: what ``GET /messages`` and conversation listings return.

    It may come from any channel, email included, so its sender and recipients
    are `Correspondent` objects and it carries the email threading fields; the
    attachments, author and conversation are the same classes a webhook carries.

    Attributes:
        id: Missive's message id.
        type: The message type, e.g. ``"custom_text"``, ``"custom_html"`` or
            ``"email"``; kept as an open string so new types never fail parsing.
        subject: The subject, if any.
        body: The body: plain text or HTML, depending on the type.
        preview: A short plain-text preview of the body.
        from_field: The sender; ``None`` when Missive gave none or one naming nobody.
        to_fields: The To recipients; those naming nobody are left out, as in
            every list of correspondents.
        cc_fields: The Cc recipients (email).
        bcc_fields: The Bcc recipients (email).
        reply_to_fields: The Reply-To addresses (email).
        references: Threading keys.
        in_reply_to: The Message-IDs this message answers (email).
        email_message_id: The RFC 5322 Message-ID (email).
        external_id: Your id for the message, if one was set.
        attachments: The attached files.
        author: The Missive user who wrote it, when Missive says.
        conversation: The conversation it belongs to, when Missive includes it
            (``GET /messages`` does).
        delivered_at: When the message was delivered (aware, UTC); conversation
            listings page by it.
        created_at: When the message was created (aware, UTC).
        updated_at: When the message last changed (aware, UTC).
        extra: The keys Missive sent that this model does not name, as sent.
    """

    from_field: Correspondent | None = None
    to_fields: tuple[Correspondent, ...] = ()
    cc_fields: tuple[Correspondent, ...] = ()
    bcc_fields: tuple[Correspondent, ...] = ()
    reply_to_fields: tuple[Correspondent, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    email_message_id: str | None = None
    conversation: Conversation | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class Rule(JsonModel):
    """The Missive rule that sent a rule webhook.

    Attributes:
        id: The rule's id.
        description: The rule's description, as written in Missive.
        type: What triggered the rule, e.g. ``"label_change"``,
            ``"new_comment"`` or ``"incoming_twilio_message"``; kept as an open
            string so new types never fail parsing.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    id: str
    description: str | None = None
    type: str | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class Comment(JsonModel):
    """A comment Missive users wrote in a conversation.

    Attributes:
        id: The comment's id.
        body: The comment's text.
        author: The Missive user who wrote it.
        created_at: When it was written (aware, UTC).
        extra: The keys Missive sent that this model does not name (e.g. ``mentions``,
            ``task``), as sent.
    """

    id: str
    body: str | None = None
    author: Author | None = None
    created_at: datetime | None = None
    extra: Mapping[str, object] = _extra()


@attrs.frozen(kw_only=True)
class RuleEvent(JsonModel):
    """One delivery of a Missive rule's webhook: the rule, its conversation and what triggered it.

    Which of ``message``, ``comment`` and ``latest_message`` Missive sends depends
    on the rule's type. Messages may come from any channel (email, SMS, custom
    channels), so they are `StoredMessage` objects.

    Attributes:
        rule: The rule that fired.
        conversation: The conversation it fired on.
        message: The message that triggered the rule, for message rules.
        comment: The comment that triggered the rule, for comment rules.
        latest_message: The conversation's newest message, where Missive sends it.
        extra: The keys Missive sent that this model does not name, as sent.
    """

    rule: Rule
    conversation: Conversation
    message: StoredMessage | None = None
    comment: Comment | None = None
    latest_message: StoredMessage | None = None
    extra: Mapping[str, object] = _extra()
