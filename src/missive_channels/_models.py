"""Outgoing message models: participants, attachments and the three channel message types."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar, cast

import attrs

from ._errors import FieldTypeError, ValidationError

if TYPE_CHECKING:
    import os

__all__ = [
    "Attachment",
    "EmailAddress",
    "EmailMessage",
    "HtmlMessage",
    "Message",
    "Notification",
    "Participant",
    "Post",
    "TextMessage",
]

_T = TypeVar("_T")
_Validator: TypeAlias = Callable[[Any, "attrs.Attribute[Any]", Any], None]

_COLOR_WORDS: Final = frozenset({"good", "warning", "danger"})
_HEX_COLOR: Final = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
_WHITESPACE: Final = re.compile(r"\s")


def _where(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _describe(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def _instance_of(kind: type | tuple[type, ...]) -> _Validator:
    """Validator: the value is an instance of ``kind``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            where = _where(instance, attribute)
            msg = f"{where} must be {_describe(kind)}, got {type(value).__name__}"
            raise FieldTypeError(msg, field=attribute.name)

    return check


def _optional(kind: type | tuple[type, ...]) -> _Validator:
    """Validator: the value is ``None`` or an instance of ``kind``."""
    inner = _instance_of(kind)

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            inner(instance, attribute, value)

    return check


def _tuple_of(kind: type) -> _Validator:
    """Validator: the (converted) value is a tuple whose items are all ``kind``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        where = _where(instance, attribute)
        if not isinstance(value, tuple):
            msg = f"{where} must be an iterable of {kind.__name__}, got {type(value).__name__}"
            raise FieldTypeError(msg, field=attribute.name)
        for index, item in enumerate(cast("tuple[object, ...]", value)):
            if not isinstance(item, kind):
                msg = f"{where}[{index}] must be {kind.__name__}, got {type(item).__name__}"
                raise FieldTypeError(msg, field=attribute.name)

    return check


def _as_tuple(value: Iterable[_T]) -> tuple[_T, ...]:
    # A str is iterable but never meant as a collection here; leave it (and any
    # non-iterable) unconverted so the validator can name the field in its error.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):  # pyright: ignore[reportUnnecessaryIsInstance]
        return cast("tuple[_T, ...]", value)
    return tuple(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return _as_tuple(value)


def _participants(value: Iterable[Participant]) -> tuple[Participant, ...]:
    return _as_tuple(value)


def _addresses(value: Iterable[EmailAddress]) -> tuple[EmailAddress, ...]:
    return _as_tuple(value)


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    return _as_tuple(value)


def _to_datetime(value: datetime | int | None) -> datetime | None:
    # Anything but int seconds passes through for the validator to judge, naming the field.
    if type(value) is int:
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            pass
    return cast("datetime | None", value)


def _aware_datetime(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, datetime):
        where = _where(instance, attribute)
        if isinstance(value, int) and not isinstance(value, bool):
            msg = f"{where} is out of range for a Unix timestamp: {value}"
            raise ValidationError(msg, field=attribute.name)
        msg = f"{where} must be an aware datetime or int Unix seconds, got {type(value).__name__}"
        raise FieldTypeError(msg, field=attribute.name)
    if value.utcoffset() is None:
        msg = (
            f"{_where(instance, attribute)} is a naive datetime; give it a timezone, "
            "e.g. datetime.now(timezone.utc), so the instant is unambiguous"
        )
        raise ValidationError(msg, field=attribute.name)


def _not_empty(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        msg = f"{_where(instance, attribute)} must not be empty"
        raise ValidationError(msg, field=attribute.name)


def _references(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for index, reference in enumerate(value):
        if not reference or _WHITESPACE.search(reference):
            msg = (
                f"{_where(instance, attribute)}[{index}] is {reference!r}: Missive silently "
                "ignores references that are empty or contain whitespace; use a key without spaces"
            )
            raise ValidationError(msg, field=attribute.name)


def _color(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and value not in _COLOR_WORDS and not _HEX_COLOR.match(value):
        msg = (
            f"{_where(instance, attribute)} is {value!r}; use a hex colour such as '#1f8a70' "
            "or '#fa0', or one of 'good', 'warning', 'danger'"
        )
        raise ValidationError(msg, field=attribute.name)


_OPT_STR: Final = _optional(str)
_OPT_BOOL: Final = _optional(bool)


def _opt_str() -> Any:  # noqa: ANN401 - stands in for attrs.field(), which is typed as its default
    return attrs.field(default=None, validator=_OPT_STR)


_STRINGS: Final = _tuple_of(str)


@attrs.frozen(kw_only=True)
class Participant:
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


def _email_address(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    local, at, domain = value.partition("@")
    if not (at and local and domain) or "@" in domain or _WHITESPACE.search(value):
        msg = (
            f"{_where(instance, attribute)} is {value!r}, which is not one email address; "
            "give a single address like 'marta@example.com' and the display name in `name`"
        )
        raise ValidationError(msg, field=attribute.name)


@attrs.frozen(kw_only=True)
class EmailAddress:
    """A sender or recipient on an Email channel.

    Attributes:
        address: One email address, e.g. ``"marta@example.com"``.
        name: The display name, if any.

    Raises:
        ValidationError: If ``address`` is not a single address.
    """

    address: str = attrs.field(validator=[_instance_of(str), _email_address])
    name: str | None = _opt_str()


def _bytes(value: bytes | bytearray | memoryview) -> bytes:
    return bytes(value) if isinstance(value, (bytearray, memoryview)) else value


@attrs.frozen(kw_only=True)
class Attachment:
    """A file sent with a message; Missive receives it inline, base64-encoded.

    Attributes:
        filename: The name Missive shows, e.g. ``"invoice.pdf"``.
        data: The file's bytes (``bytearray`` and ``memoryview`` are copied to ``bytes``).

    Raises:
        ValidationError: If ``filename`` is empty.
    """

    filename: str = attrs.field(validator=[_instance_of(str), _not_empty])
    data: bytes = attrs.field(
        converter=_bytes, validator=_instance_of(bytes), repr=lambda data: f"<{len(data)} bytes>"
    )

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], *, filename: str | None = None) -> Attachment:
        """Read an attachment from a file.

        Args:
            path: The file to read.
            filename: The name to show in Missive; defaults to the file's name.

        Returns:
            The attachment holding the file's bytes.

        Raises:
            ValidationError: If the file cannot be read.
        """
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            msg = f"cannot read attachment file {str(file)!r}: {exc.strerror or exc}"
            raise ValidationError(msg, field="attachments") from exc
        return cls(filename=file.name if filename is None else filename, data=data)


@attrs.frozen(kw_only=True)
class _MessageBase:
    """Fields every channel type accepts; see the public subclasses."""

    account: str = attrs.field(validator=[_instance_of(str), _not_empty])
    body: str | None = _opt_str()
    delivered_at: datetime | None = attrs.field(
        default=None, converter=_to_datetime, validator=_aware_datetime
    )
    external_id: str | None = _opt_str()
    references: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=[_STRINGS, _references]
    )
    conversation: str | None = _opt_str()
    attachments: tuple[Attachment, ...] = attrs.field(
        default=(), converter=_attachments, validator=_tuple_of(Attachment)
    )
    team: str | None = _opt_str()
    force_team: bool = attrs.field(default=False, validator=_instance_of(bool))
    organization: str | None = _opt_str()
    add_users: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_STRINGS)
    add_assignees: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_STRINGS)
    remove_assignees: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_STRINGS
    )
    add_shared_labels: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_STRINGS
    )
    remove_shared_labels: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_STRINGS
    )
    add_to_inbox: bool | None = attrs.field(default=None, validator=_OPT_BOOL)
    add_to_team_inbox: bool | None = attrs.field(default=None, validator=_OPT_BOOL)
    close: bool = attrs.field(default=False, validator=_instance_of(bool))
    conversation_subject: str | None = _opt_str()
    conversation_color: str | None = attrs.field(default=None, validator=[_OPT_STR, _color])

    def __attrs_post_init__(self) -> None:
        name = type(self).__name__
        for field in ("add_users", "add_assignees", "remove_assignees"):
            if getattr(self, field) and self.organization is None:
                msg = f"{name}.{field} needs `organization` (Missive requires it to find the users)"
                raise ValidationError(msg, field=field)
        for field in ("add_to_team_inbox", "force_team"):
            if getattr(self, field) and self.team is None:
                msg = f"{name}.{field} needs `team`: set the team the conversation belongs to"
                raise ValidationError(msg, field=field)


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

    from_field: Participant = attrs.field(validator=_instance_of(Participant))
    to_fields: tuple[Participant, ...] = attrs.field(
        default=(), converter=_participants, validator=_tuple_of(Participant)
    )


@attrs.frozen(kw_only=True)
class HtmlMessage(_MessageBase):
    """A message for a channel of type HTML: rich text and attachments.

    Takes the same fields as `TextMessage`; ``body`` is HTML.
    """

    from_field: Participant = attrs.field(validator=_instance_of(Participant))
    to_fields: tuple[Participant, ...] = attrs.field(
        default=(), converter=_participants, validator=_tuple_of(Participant)
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

    from_field: EmailAddress = attrs.field(validator=_instance_of(EmailAddress))
    to_fields: tuple[EmailAddress, ...] = attrs.field(
        default=(), converter=_addresses, validator=_tuple_of(EmailAddress)
    )
    cc_fields: tuple[EmailAddress, ...] = attrs.field(
        default=(), converter=_addresses, validator=_tuple_of(EmailAddress)
    )
    bcc_fields: tuple[EmailAddress, ...] = attrs.field(
        default=(), converter=_addresses, validator=_tuple_of(EmailAddress)
    )
    subject: str | None = _opt_str()


Message: TypeAlias = TextMessage | HtmlMessage | EmailMessage
"""Any message a custom channel accepts."""


@attrs.frozen(kw_only=True)
class Notification:
    """The notification Missive shows users for a post.

    Attributes:
        title: The notification's title, e.g. ``"Delivery failed"``.
        body: The notification's text.

    Raises:
        ValidationError: If ``title`` or ``body`` is empty.
    """

    title: str = attrs.field(validator=[_instance_of(str), _not_empty])
    body: str = attrs.field(validator=[_instance_of(str), _not_empty])


@attrs.frozen(kw_only=True)
class Post:
    """A post: a card inside a conversation, e.g. a delivery receipt or failure.

    Without ``conversation`` or ``references`` Missive starts a new conversation.

    Attributes:
        notification: The notification users see; required.
        text: The post's plain text; ``text`` or ``markdown`` is required.
        markdown: The post's Markdown.
        conversation: The conversation to post into.
        references: Threading keys: post into the conversation that carries one of them.
        username: The name shown as the post's author.
        username_icon: URL of the author's icon.
        conversation_icon: URL of the conversation's icon.
        conversation_subject: The conversation's title.
        conversation_color: ``#rgb``/``#rrggbb`` or ``good``, ``warning``, ``danger``.
        organization: The organization to link the conversation to.
        team: The team to link the conversation to.
        force_team: Move the conversation to ``team`` even if it already has one.
        add_users: User ids to give access.
        add_assignees: User ids to assign.
        add_shared_labels: Shared label ids to add.
        remove_shared_labels: Shared label ids to remove.
        add_to_inbox: Move the conversation to everyone's Inbox.
        add_to_team_inbox: Move the conversation to the team inbox.
        close: Close the conversation for everyone.
        reopen: Missive's ``reopen`` flag. Despite its name, ``True`` keeps a
            closed conversation closed; leave it unset to reopen as usual.

    Raises:
        ValidationError: If neither ``text`` nor ``markdown`` is set, or a field
            is invalid; ``FieldTypeError`` for a wrong type.
    """

    notification: Notification = attrs.field(validator=_instance_of(Notification))
    text: str | None = _opt_str()
    markdown: str | None = _opt_str()
    conversation: str | None = _opt_str()
    references: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=[_STRINGS, _references]
    )
    username: str | None = _opt_str()
    username_icon: str | None = _opt_str()
    conversation_icon: str | None = _opt_str()
    conversation_subject: str | None = _opt_str()
    conversation_color: str | None = attrs.field(default=None, validator=[_OPT_STR, _color])
    organization: str | None = _opt_str()
    team: str | None = _opt_str()
    force_team: bool = attrs.field(default=False, validator=_instance_of(bool))
    add_users: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_STRINGS)
    add_assignees: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_STRINGS)
    add_shared_labels: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_STRINGS
    )
    remove_shared_labels: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_STRINGS
    )
    add_to_inbox: bool | None = attrs.field(default=None, validator=_OPT_BOOL)
    add_to_team_inbox: bool | None = attrs.field(default=None, validator=_OPT_BOOL)
    close: bool = attrs.field(default=False, validator=_instance_of(bool))
    reopen: bool | None = attrs.field(default=None, validator=_OPT_BOOL)

    def __attrs_post_init__(self) -> None:
        if not (self.text or self.markdown):
            msg = (
                "Post needs `text` or `markdown`: Missive rejects a post without content "
                "(the notification alone is not shown in the conversation)"
            )
            raise ValidationError(msg, field="text")
