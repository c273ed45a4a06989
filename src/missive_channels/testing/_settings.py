"""Configuration objects of the fake: a channel's settings, Missive users and clocks."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Final, Literal, TypeAlias, cast, get_args

import attrs

from missive_channels._errors import FieldTypeError, ValidationError
from missive_channels._models import Participant
from missive_channels._validators import is_hex_color

__all__ = [
    "ChannelSettings",
    "ChannelType",
    "ManualClock",
    "MissiveUser",
    "RecipientField",
]

ChannelType: TypeAlias = Literal["text", "html", "email"]
"""A custom channel's message type, chosen at creation and never changed."""

RecipientField: TypeAlias = Literal["id", "name", "username"]
"""A participant key Missive users may fill in when they address a message."""

_CHANNEL_TYPES: Final = frozenset(get_args(ChannelType))
_RECIPIENT_FIELDS: Final = frozenset(get_args(RecipientField))


def _fail_type(instance: object, name: str, expected: str, value: object) -> FieldTypeError:
    msg = f"{type(instance).__name__}.{name} must be {expected}, got {type(value).__name__}"
    return FieldTypeError(msg, field=name)


def _check_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise _fail_type(instance, attribute.name, "bool", value)


def _check_optional_str(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise _fail_type(instance, attribute.name, "str or None", value)


def _check_str(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise _fail_type(instance, attribute.name, "str", value)


def _frozen_fields(value: Iterable[RecipientField]) -> frozenset[RecipientField]:
    # A bare str would be split into letters; leave it for the validator to name.
    if isinstance(value, str) or not isinstance(value, Iterable):  # pyright: ignore[reportUnnecessaryIsInstance]
        return cast("frozenset[RecipientField]", value)
    return frozenset(value)


def _participants(value: Iterable[Participant]) -> tuple[Participant, ...]:
    if isinstance(cast("object", value), str) or not isinstance(cast("object", value), Iterable):
        return cast("tuple[Participant, ...]", value)
    return tuple(value)


def _check_type(_instance: object, _: attrs.Attribute[Any], value: object) -> None:
    if value not in _CHANNEL_TYPES:
        msg = f"ChannelSettings.type is {value!r}; use 'text', 'html' or 'email'"
        raise ValidationError(msg, field="type")


def _check_recipient_fields(instance: object, _: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, frozenset):
        raise _fail_type(instance, "recipient_fields", "a set of str", value)
    unknown = sorted(map(repr, cast("frozenset[object]", value) - _RECIPIENT_FIELDS))
    if unknown:
        msg = (
            f"ChannelSettings.recipient_fields has {', '.join(unknown)}; "
            "use 'id', 'name' and/or 'username'"
        )
        raise ValidationError(msg, field="recipient_fields")
    if not value:
        msg = "ChannelSettings.recipient_fields is empty; allow at least one of id, name, username"
        raise ValidationError(msg, field="recipient_fields")


def _check_aliases(instance: object, _: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        raise _fail_type(instance, "aliases", "an iterable of Participant", value)
    for index, alias in enumerate(cast("tuple[object, ...]", value)):
        if not isinstance(alias, Participant):
            raise _fail_type(instance, f"aliases[{index}]", "Participant", alias)


def _check_max_recipients(instance: object, _: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail_type(instance, "max_recipients", "int or None", value)
    if value < 1:
        msg = f"ChannelSettings.max_recipients is {value}; it must be at least 1 (or None)"
        raise ValidationError(msg, field="max_recipients")


@attrs.frozen(kw_only=True)
class ChannelSettings:
    """A custom channel as configured in Missive's settings.

    Attributes:
        type: The message type: ``"text"``, ``"html"`` or ``"email"``; fixed at creation.
        allow_new_messages: Missive users may compose new messages (Text/HTML).
        allow_replies: Missive users may reply (Text/HTML).
        allow_editing_recipients: Missive users may change a reply's recipients.
        recipient_fields: The participant keys users may fill in for recipients;
            other keys are dropped from outgoing webhooks.
        aliases: The sender identities users pick from; the chosen one becomes the
            webhook's ``from_field``. The first is the default.
        max_recipients: The most recipients a new message or reply may have
            (``None``: no limit).
        bubble_color: The Text channel's bubble colour, ``#rgb`` or ``#rrggbb``.
        webhook_url: Where Missive POSTs what users send (Text/HTML).
        signature_secret: The key Missive signs webhooks with; unset means unsigned
            webhooks. Never shown in the repr.

    Raises:
        ValidationError: If a value is invalid (``FieldTypeError`` for a wrong type).
    """

    type: ChannelType = attrs.field(default="text", validator=_check_type)
    allow_new_messages: bool = attrs.field(default=True, validator=_check_bool)
    allow_replies: bool = attrs.field(default=True, validator=_check_bool)
    allow_editing_recipients: bool = attrs.field(default=True, validator=_check_bool)
    recipient_fields: frozenset[RecipientField] = attrs.field(
        default=_RECIPIENT_FIELDS, converter=_frozen_fields, validator=_check_recipient_fields
    )
    aliases: tuple[Participant, ...] = attrs.field(
        default=(Participant(name="Support"),), converter=_participants, validator=_check_aliases
    )
    max_recipients: int | None = attrs.field(default=None, validator=_check_max_recipients)
    bubble_color: str | None = attrs.field(default=None, validator=_check_optional_str)
    webhook_url: str | None = attrs.field(default=None, validator=_check_optional_str)
    signature_secret: str | None = attrs.field(
        default=None, validator=_check_optional_str, repr=lambda s: "None" if s is None else "***"
    )

    def __attrs_post_init__(self) -> None:
        if self.bubble_color is None:
            return
        if self.type != "text":
            msg = f"ChannelSettings.bubble_color applies to Text channels only, not {self.type!r}"
            raise ValidationError(msg, field="bubble_color")
        if not is_hex_color(self.bubble_color):
            msg = f"ChannelSettings.bubble_color is {self.bubble_color!r}; use '#rgb' or '#rrggbb'"
            raise ValidationError(msg, field="bubble_color")


@attrs.frozen(kw_only=True)
class MissiveUser:
    """A Missive user: the token's owner, or the author of a reply played with the fake.

    Attributes:
        id: The user's id.
        name: The display name.
        email: The user's email address.
        avatar_url: The avatar's URL, if any.
    """

    id: str = attrs.field(validator=_check_str)
    name: str = attrs.field(validator=_check_str)
    email: str = attrs.field(validator=_check_str)
    avatar_url: str | None = attrs.field(default=None, validator=_check_optional_str)


class ManualClock:
    """A clock that only moves when told to, so rate-limit tests never wait.

    Pass it as ``FakeMissive(clock=...)``; calling it returns the current time
    in Unix seconds.
    """

    def __init__(self, start: float = 1_718_031_200.0) -> None:
        """Create the clock.

        Args:
            start: The initial time in Unix seconds.
        """
        self._now = float(start)

    def __call__(self) -> float:
        """Return the current time in Unix seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Args:
            seconds: How far to move, in seconds (not negative).

        Raises:
            ValidationError: If ``seconds`` is negative.
        """
        if seconds < 0:
            msg = f"ManualClock.advance({seconds}): time only moves forward"
            raise ValidationError(msg, field="seconds")
        self._now += seconds


class ScaledClock:
    """Wall-clock time that runs ``scale`` times faster than real time from creation on."""

    def __init__(self, scale: float) -> None:
        self._scale = scale
        self._epoch = time.time()
        self._start = time.monotonic()

    def __call__(self) -> float:
        return self._epoch + (time.monotonic() - self._start) * self._scale
