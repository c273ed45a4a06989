"""Outgoing message models: participants, attachments and the three channel message types."""

# Annotations here are evaluated as the classes are made (no `from __future__ import
# annotations`): resolving them from strings took a tenth of the package's import time.
# Names a class uses before it is defined stay quoted.
import os
import stat
import warnings
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, Final, TypeAlias, cast

import attrs
from typing_extensions import Self

from ._constants import MAX_REQUEST_BYTES
from ._errors import FieldTypeError, MissiveWarning, RequestTooLargeError, ValidationError
from ._validators import (
    as_tuple,
    aware_datetime,
    color,
    email_address,
    instance_of,
    not_empty,
    optional,
    optional_text,
    reference_keys,
    text,
    tuple_of,
    utf8,
)

__all__ = [
    "Attachment",
    "EmailAddress",
    "EmailMessage",
    "HtmlMessage",
    "JsonModel",
    "Message",
    "Notification",
    "Participant",
    "Post",
    "PostAttachment",
    "TextMessage",
]


class JsonModel:
    """What every model shares: it travels as JSON in Missive's own shape."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the model as JSON-compatible data, in Missive's own shape.

        Keys are Missive's, datetimes are Unix seconds, attachments are base64
        and unset fields are left out; a read model's ``extra`` keys are merged
        back in. ``json.dumps`` accepts the result as it is.

        Returns:
            A dict of JSON values, ready for ``json.dumps``, a task queue or a
            web framework's response.
        """
        # The converter imports the models, so it is looked up when first used.
        from ._converter import to_dict  # noqa: PLC0415

        return to_dict(self)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Build the model from data in Missive's shape, as `to_dict` returns it.

        Read models and results tolerate what Missive may send (unknown keys go
        to ``extra``); outgoing models refuse unknown keys.

        Args:
            data: The decoded JSON object.

        Returns:
            The model; ``Cls.from_dict(x.to_dict()) == x``.

        Raises:
            ValidationError: Naming the JSON path of the first problem found.
        """
        from ._converter import from_dict  # noqa: PLC0415 - see to_dict

        return from_dict(data, cls)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return as_tuple(value)


def _participants(value: Iterable["Participant"]) -> tuple["Participant", ...]:
    return as_tuple(value)


def _addresses(value: Iterable["EmailAddress"]) -> tuple["EmailAddress", ...]:
    return as_tuple(value)


def _attachments(value: Iterable["Attachment"]) -> tuple["Attachment", ...]:
    return as_tuple(value)


def _to_datetime(value: datetime | int | None) -> datetime | None:
    # Anything but int seconds passes through for the validator to judge, naming the field.
    if type(value) is int:
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            pass
    return cast("datetime | None", value)


# Every text field is also checked to be sendable as UTF-8 (no lone surrogates).
_STR: Final = text
_OPT_STR: Final = optional_text
_OPT_BOOL: Final = optional(bool)
_STRINGS: Final = attrs.validators.and_(tuple_of(str), utf8)


def _opt_str() -> Any:  # noqa: ANN401 - stands in for attrs.field(), which is typed as its default
    return attrs.field(default=None, validator=_OPT_STR)


def _strings_field() -> Any:  # noqa: ANN401 - same
    # A plain function, not a shared attrs.Converter (which would save attrs inspecting its
    # signature per class at import): cattrs calls a Converter on the default at every
    # to_dict() and request encoding, to compare the value with it.
    return attrs.field(default=(), converter=_strings, validator=_STRINGS)


@attrs.frozen(kw_only=True)
class Participant(JsonModel):
    """A sender, recipient or alias on a Text or HTML channel.

    Missive identifies people on these channels by any of three keys; the
    channel's settings decide which of them Missive users may fill in.

    Attributes:
        id: Your system's identifier for the person.
        username: A handle, e.g. ``"@marta.k"``.
        name: A display name.

    Raises:
        ValidationError: If no field is set.
    """

    id: str | None = _opt_str()
    username: str | None = _opt_str()
    name: str | None = _opt_str()

    def __attrs_post_init__(self) -> None:
        if not (self.id or self.username or self.name):
            msg = "Participant needs at least one of id, username or name"
            raise ValidationError(msg, field="id")


@attrs.frozen(kw_only=True)
class EmailAddress(JsonModel):
    """A sender or recipient on an Email channel.

    Attributes:
        address: One email address, e.g. ``"marta@example.com"``.
        name: The display name, if any.

    Raises:
        ValidationError: If ``address`` is not a single address.
    """

    address: str = attrs.field(validator=[_STR, email_address])
    name: str | None = _opt_str()


def _bytes(value: bytes | bytearray | memoryview) -> bytes:
    return bytes(value) if isinstance(value, (bytearray, memoryview)) else value


@attrs.frozen(kw_only=True)
class Attachment(JsonModel):
    """A file sent with a message; Missive receives it inline, base64-encoded.

    Attributes:
        filename: The name Missive shows, e.g. ``"invoice.pdf"``.
        data: The file's bytes (``bytearray`` and ``memoryview`` are copied to ``bytes``).

    Raises:
        ValidationError: If ``filename`` is empty.
    """

    filename: str = attrs.field(validator=[_STR, not_empty])
    data: bytes = attrs.field(
        converter=_bytes, validator=instance_of(bytes), repr=lambda data: f"<{len(data)} bytes>"
    )

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], *, filename: str | None = None) -> Self:
        """Read an attachment from a regular file.

        The file is checked before it is read: anything but a regular file (a
        FIFO, a device, a directory) is refused without being opened, and a file
        whose base64 form alone would exceed Missive's request cap is refused
        without being read.

        Args:
            path: The file to read.
            filename: The name to show in Missive; defaults to the file's name.

        Returns:
            The attachment holding the file's bytes.

        Raises:
            ValidationError: If the file is not a regular file or cannot be read.
            RequestTooLargeError: If the file is larger than any request can carry
                (over 7,500,000 bytes, whose base64 is Missive's 10,000,000-byte cap).
        """
        file = Path(path)
        try:
            info = file.stat()
            if not stat.S_ISREG(info.st_mode):
                msg = (
                    f"attachment file {str(file)!r} is not a regular file (a directory, a "
                    "device or a pipe); give the path of a file, or read the bytes yourself "
                    "into Attachment(data=...)"
                )
                raise ValidationError(msg, field="attachments")
            _check_file_size(file, info.st_size)
            with file.open("rb") as handle:
                # Bounded, in case the file grew since it was measured.
                data = handle.read(_MAX_FILE_BYTES + 1)
        except OSError as exc:
            msg = f"cannot read attachment file {str(file)!r}: {exc.strerror or exc}"
            raise ValidationError(msg, field="attachments") from exc
        _check_file_size(file, len(data))
        return cls(filename=file.name if filename is None else filename, data=data)


# The largest file whose base64 form fits in a request: 4 base64 characters per 3 bytes.
_MAX_FILE_BYTES: Final = MAX_REQUEST_BYTES // 4 * 3


def _check_file_size(file: Path, size: int) -> None:
    if size > _MAX_FILE_BYTES:
        advice = (
            f"attachment file {str(file)!r} ({size:,} bytes) alone encodes to that much, so "
            "no message can carry it; send it as a link"
        )
        raise RequestTooLargeError(size=4 * -(-size // 3), limit=MAX_REQUEST_BYTES, advice=advice)


# A base only: each subclass gets its own __repr__ and __eq__ (and __hash__), so attrs
# need not write and compile them for the base too, at import.
@attrs.frozen(kw_only=True, repr=False, eq=False)
class _ConversationActions(JsonModel):
    """What a message or a post may do to its conversation, declared once for both.

    The three message types and `Post` inherit these fields, so they are checked
    alike: the user actions need ``organization`` and the team moves need ``team``.
    """

    _NEEDS_ORGANIZATION: ClassVar[tuple[str, ...]] = ("add_users", "add_assignees")
    """The fields Missive can only act on with ``organization`` set (it finds the users there)."""

    references: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=[_STRINGS, reference_keys]
    )
    conversation: str | None = _opt_str()
    team: str | None = _opt_str()
    force_team: bool = attrs.field(default=False, validator=instance_of(bool))
    organization: str | None = _opt_str()
    add_users: tuple[str, ...] = _strings_field()
    add_assignees: tuple[str, ...] = _strings_field()
    add_shared_labels: tuple[str, ...] = _strings_field()
    remove_shared_labels: tuple[str, ...] = _strings_field()
    add_to_inbox: bool | None = attrs.field(default=None, validator=_OPT_BOOL)
    add_to_team_inbox: bool | None = attrs.field(default=None, validator=_OPT_BOOL)
    close: bool = attrs.field(default=False, validator=instance_of(bool))
    conversation_subject: str | None = _opt_str()
    conversation_color: str | None = attrs.field(default=None, validator=[_OPT_STR, color])

    def __attrs_post_init__(self) -> None:
        self._check_actions()

    def _check_actions(self) -> None:
        """Refuse actions Missive cannot act on; warn about labels without ``organization``."""
        name = type(self).__name__
        if self.add_shared_labels and self.organization is None:
            msg = (
                f"{name}.add_shared_labels without `organization`: Missive may not add "
                "the labels; set organization to the labels' organization id"
            )
            # The caller's frame: _check_actions, __attrs_post_init__, __init__, the caller.
            warnings.warn(msg, MissiveWarning, stacklevel=4)
        for field in self._NEEDS_ORGANIZATION:
            if getattr(self, field) and self.organization is None:
                msg = f"{name}.{field} needs `organization` (Missive requires it to find the users)"
                raise ValidationError(msg, field=field)
        for field in ("add_to_team_inbox", "force_team"):
            if getattr(self, field) and self.team is None:
                msg = f"{name}.{field} needs `team`: set the team the conversation belongs to"
                raise ValidationError(msg, field=field)


# A base only: each subclass gets its own __repr__ and __eq__ (and __hash__), so attrs
# need not write and compile them for the base too, at import.
@attrs.frozen(kw_only=True, repr=False, eq=False)
class _MessageBase(_ConversationActions):
    """Fields every channel type accepts; see the public subclasses."""

    _NEEDS_ORGANIZATION: ClassVar[tuple[str, ...]] = (
        *_ConversationActions._NEEDS_ORGANIZATION,  # noqa: SLF001 - the base class's own list
        "remove_assignees",
    )

    account: str = attrs.field(validator=[_STR, not_empty])
    body: str | None = _opt_str()
    delivered_at: datetime | None = attrs.field(
        default=None, converter=_to_datetime, validator=aware_datetime
    )
    external_id: str | None = _opt_str()
    attachments: tuple[Attachment, ...] = attrs.field(
        default=(), converter=_attachments, validator=tuple_of(Attachment)
    )
    remove_assignees: tuple[str, ...] = _strings_field()


@attrs.frozen(kw_only=True)
class TextMessage(_MessageBase):
    """A message for a channel of type Text: plain text and emoji, attachments.

    Attributes:
        account: The custom channel's account id (Missive: Settings → API → Resource IDs).
        from_field: The sender.
        to_fields: The recipients.
        body: Plain text.
        delivered_at: When the message was delivered (aware ``datetime`` or int
            Unix seconds); Missive uses the request time if unset.
        external_id: Your unique id for this message.
        references: Threading keys: the message joins the conversation that
            carries one of them, or starts a new one.
        conversation: Append to this exact conversation instead.
        attachments: Files sent inline.
        team: The team to link the conversation to.
        force_team: Move the conversation to ``team`` even if it already has one.
        organization: The organization to link the conversation to; needed by
            ``add_users``, ``add_assignees`` and ``remove_assignees``.
        add_users: User ids to give access.
        add_assignees: User ids to assign.
        remove_assignees: User ids to unassign.
        add_shared_labels: Shared label ids to add.
        remove_shared_labels: Shared label ids to remove.
        add_to_inbox: Move the conversation to everyone's Inbox (unset: channel default).
        add_to_team_inbox: Move the conversation to the team inbox; needs ``team``.
        close: Close the conversation for everyone.
        conversation_subject: The conversation's title.
        conversation_color: ``#rgb``/``#rrggbb`` or ``good``, ``warning``, ``danger``.

    Raises:
        ValidationError: If a field is invalid; ``FieldTypeError`` for a wrong type.
    """

    from_field: Participant = attrs.field(validator=instance_of(Participant))
    to_fields: tuple[Participant, ...] = attrs.field(
        default=(), converter=_participants, validator=tuple_of(Participant)
    )


@attrs.frozen(kw_only=True)
class HtmlMessage(_MessageBase):
    """A message for a channel of type HTML: rich text and attachments.

    Takes the same fields as `TextMessage`; ``body`` is HTML.
    """

    from_field: Participant = attrs.field(validator=instance_of(Participant))
    to_fields: tuple[Participant, ...] = attrs.field(
        default=(), converter=_participants, validator=tuple_of(Participant)
    )


@attrs.frozen(kw_only=True)
class EmailMessage(_MessageBase):
    """A message for a channel of type Email (receive-only): subject, From/To/Cc/Bcc, HTML body.

    Takes the fields of `TextMessage` with email addresses as participants, plus:

    Attributes:
        from_field: The sender's address.
        to_fields: The To addresses.
        cc_fields: The Cc addresses.
        bcc_fields: The Bcc addresses.
        subject: The message subject.
    """

    from_field: EmailAddress = attrs.field(validator=instance_of(EmailAddress))
    to_fields: tuple[EmailAddress, ...] = attrs.field(
        default=(), converter=_addresses, validator=tuple_of(EmailAddress)
    )
    cc_fields: tuple[EmailAddress, ...] = attrs.field(
        default=(), converter=_addresses, validator=tuple_of(EmailAddress)
    )
    bcc_fields: tuple[EmailAddress, ...] = attrs.field(
        default=(), converter=_addresses, validator=tuple_of(EmailAddress)
    )
    subject: str | None = _opt_str()


Message: TypeAlias = TextMessage | HtmlMessage | EmailMessage
"""Any message a custom channel accepts."""

MESSAGE_TYPES: Final = (TextMessage, HtmlMessage, EmailMessage)
"""The classes of `Message`, for ``isinstance``."""


def check_message(message: object) -> None:
    """Refuse anything but one of the three message types.

    Raises:
        FieldTypeError: If ``message`` is not a `TextMessage`, `HtmlMessage` or `EmailMessage`.
    """
    if not isinstance(message, MESSAGE_TYPES):
        msg = (
            "expected a TextMessage, HtmlMessage or EmailMessage, "
            f"got {type(message).__name__}; build the message with one of those classes"
        )
        raise FieldTypeError(msg)


@attrs.frozen(kw_only=True)
class Notification(JsonModel):
    """The notification Missive shows users for a post.

    Attributes:
        title: The notification's title, e.g. ``"Delivery failed"``.
        body: The notification's text.

    Raises:
        ValidationError: If ``title`` or ``body`` is empty.
    """

    title: str = attrs.field(validator=[_STR, not_empty])
    body: str = attrs.field(validator=[_STR, not_empty])


def _post_attachments(value: Iterable["PostAttachment"]) -> tuple["PostAttachment", ...]:
    return as_tuple(value)


@attrs.frozen(kw_only=True)
class PostAttachment(JsonModel):
    """A rich card inside a post, as Missive's "Create a post" documents it.

    Attributes:
        author_name: The name shown at the top of the card.
        author_link: The URL the name links to (``mailto:`` works).
        author_icon: The URL of an icon shown beside the name.
        color: The card's accent colour: ``#rgb``/``#rrggbb`` or ``good``,
            ``warning``, ``danger``.
        title: The card's title.
        text: The card's text.
        timestamp: The time shown on the card (aware ``datetime`` or int Unix seconds).

    Raises:
        ValidationError: If none of ``author_name``, ``title`` and ``text`` is set,
            or a field is invalid; ``FieldTypeError`` for a wrong type.
    """

    author_name: str | None = _opt_str()
    author_link: str | None = _opt_str()
    author_icon: str | None = _opt_str()
    color: str | None = attrs.field(default=None, validator=[_OPT_STR, color])
    title: str | None = _opt_str()
    text: str | None = _opt_str()
    timestamp: datetime | None = attrs.field(
        default=None, converter=_to_datetime, validator=aware_datetime
    )

    def __attrs_post_init__(self) -> None:
        if not (self.author_name or self.title or self.text):
            msg = (
                "PostAttachment needs `author_name`, `title` or `text`: an empty card shows nothing"
            )
            raise ValidationError(msg, field="text")


@attrs.frozen(kw_only=True)
class Post(_ConversationActions):
    """A post: a card inside a conversation, e.g. a delivery receipt or failure.

    Without ``conversation`` or ``references`` Missive starts a new conversation.

    Attributes:
        notification: The notification users see; required.
        text: The post's plain text; ``text``, ``markdown`` or ``attachments`` is required.
        markdown: The post's Markdown.
        conversation: The conversation to post into.
        references: Threading keys: post into the conversation that carries one of them.
        username: The name shown as the post's author.
        username_icon: URL of the author's icon.
        conversation_icon: URL of the conversation's icon.
        attachments: Rich cards shown in the post (`PostAttachment`).
        conversation_subject: The conversation's title.
        conversation_color: ``#rgb``/``#rrggbb`` or ``good``, ``warning``, ``danger``.
        organization: The organization to link the conversation to; needed by
            ``add_users`` and ``add_assignees``.
        team: The team to link the conversation to.
        force_team: Move the conversation to ``team`` even if it already has one; needs ``team``.
        add_users: User ids to give access.
        add_assignees: User ids to assign.
        add_shared_labels: Shared label ids to add.
        remove_shared_labels: Shared label ids to remove.
        add_to_inbox: Move the conversation to everyone's Inbox.
        add_to_team_inbox: Move the conversation to the team inbox; needs ``team``.
        close: Close the conversation for everyone.
        reopen: Missive's ``reopen`` flag. Despite its name, ``True`` keeps a
            closed conversation closed; leave it unset to reopen as usual.

    Raises:
        ValidationError: If none of ``text``, ``markdown`` and ``attachments`` is
            set, or a field is invalid; ``FieldTypeError`` for a wrong type.

    Warns:
        MissiveWarning: If shared labels are added without ``organization``.
    """

    notification: Notification = attrs.field(validator=instance_of(Notification))
    text: str | None = _opt_str()
    markdown: str | None = _opt_str()
    username: str | None = _opt_str()
    username_icon: str | None = _opt_str()
    conversation_icon: str | None = _opt_str()
    attachments: tuple[PostAttachment, ...] = attrs.field(
        default=(), converter=_post_attachments, validator=tuple_of(PostAttachment)
    )
    reopen: bool | None = attrs.field(default=None, validator=_OPT_BOOL)

    def __attrs_post_init__(self) -> None:
        self._check_actions()
        if not (self.text or self.markdown or self.attachments):
            msg = (
                "Post needs `text`, `markdown` or `attachments`: Missive rejects a post "
                "without content (the notification alone is not shown in the conversation)"
            )
            raise ValidationError(msg, field="text")


REQUEST_MODELS: Final = frozenset(
    {*MESSAGE_TYPES, Post, PostAttachment, Participant, EmailAddress, Notification}
)
"""The models requests carry, `Attachment` aside: read from JSON, they refuse unknown keys."""
