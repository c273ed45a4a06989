"""Field checks shared by every model: `attrs.validators` wrapped once to raise our errors.

A check either comes from `attrs.validators`, passed through `ours` so that its
``TypeError`` becomes a `FieldTypeError` and its ``ValueError`` a
`ValidationError`, each naming the field; or it is one of the checks below that
attrs does not have (aware datetimes, threading references, colours), which raise
our errors themselves. Either way the message says what was wrong and what to do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, TypeAlias, TypeVar, cast

import attrs

from ._errors import FieldTypeError, ValidationError

__all__ = [
    "Validator",
    "as_tuple",
    "aware_datetime",
    "color",
    "email_address",
    "fraction",
    "instance_of",
    "is_color",
    "is_hex_color",
    "non_negative_int",
    "non_negative_seconds",
    "not_empty",
    "optional",
    "optional_positive_int",
    "optional_text",
    "ours",
    "positive_count",
    "positive_int",
    "positive_seconds",
    "positive_seconds_field",
    "reference_keys",
    "text",
    "tuple_of",
    "utf8",
    "where",
]

_T = TypeVar("_T")

Validator: TypeAlias = Callable[[Any, "attrs.Attribute[Any]", Any], None]
"""An attrs field validator: ``(instance, attribute, value) -> None``."""

_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")

_COLOR_WORDS: Final = frozenset({"good", "warning", "danger"})
_WHITESPACE: Final = re.compile(r"\s")


def where(instance: object, attribute: attrs.Attribute[Any]) -> str:
    """Return ``Class.field``, the name a message gives the offending field."""
    return f"{type(instance).__name__}.{attribute.name}"


def ours(check: Validator, expected: str) -> Validator:
    """Wrap an `attrs.validators` check so that it raises our errors.

    Args:
        check: The attrs validator.
        expected: What the field takes, e.g. ``"an int >= 1"``, for the message.

    Returns:
        A validator raising `FieldTypeError` where ``check`` raises ``TypeError``
        and `ValidationError` where it raises ``ValueError``; attrs' own exception
        is kept as ``__cause__``.
    """

    def run(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        try:
            check(instance, attribute, value)
        except TypeError as exc:
            msg = f"{where(instance, attribute)} must be {expected}, got {type(value).__name__}"
            raise FieldTypeError(msg, field=attribute.name) from exc
        except ValueError as exc:
            msg = f"{where(instance, attribute)} must be {expected}, got {value!r}"
            raise ValidationError(msg, field=attribute.name) from exc

    return run


def _describe(kinds: tuple[type, ...]) -> str:
    return " or ".join(kind.__name__ for kind in kinds)


def _not_bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A bool is an int to isinstance, never a count or a duration here.
    if isinstance(value, bool):
        msg = f"'{attribute.name}' must not be a bool"
        raise TypeError(msg)


_NUMBER: Final = attrs.validators.and_(attrs.validators.instance_of((int, float)), _not_bool)
_INT: Final = attrs.validators.and_(attrs.validators.instance_of(int), _not_bool)


def instance_of(*kinds: type) -> Validator:
    """Validator: the value is an instance of one of ``kinds``."""
    return ours(attrs.validators.instance_of(kinds), _describe(kinds))


def optional(*kinds: type) -> Validator:
    """Validator: the value is ``None`` or an instance of one of ``kinds``."""
    check = attrs.validators.optional(attrs.validators.instance_of(kinds))
    return ours(check, f"{_describe(kinds)} or None")


positive_int: Final = ours(attrs.validators.and_(_INT, attrs.validators.ge(1)), "an int >= 1")
"""Validator: the value is an int (not a bool) of at least 1."""

optional_positive_int: Final = ours(
    attrs.validators.optional(attrs.validators.and_(_INT, attrs.validators.ge(1))),
    "an int >= 1 or None",
)
"""Validator: the value is ``None`` or an int (not a bool) of at least 1."""

non_negative_int: Final = ours(attrs.validators.and_(_INT, attrs.validators.ge(0)), "an int >= 0")
"""Validator: the value is an int (not a bool) of 0 or more."""

fraction: Final = ours(
    attrs.validators.and_(_NUMBER, attrs.validators.ge(0), attrs.validators.le(1)),
    "a number between 0 and 1",
)
"""Validator: the value is a number from 0 to 1."""

positive_seconds_field: Final = ours(
    attrs.validators.and_(_NUMBER, attrs.validators.gt(0), attrs.validators.lt(math.inf)),
    "a finite number > 0",
)
"""Validator: the value is a finite number of seconds above 0."""

non_negative_seconds: Final = ours(
    attrs.validators.and_(_NUMBER, attrs.validators.ge(0), attrs.validators.lt(math.inf)),
    "a finite number >= 0",
)
"""Validator: the value is a finite number of seconds, 0 or more."""


def positive_seconds(name: str, value: object) -> float:
    """Check a duration argument: a number of seconds above 0.

    Args:
        name: The argument's name, for the message.
        value: The value given.

    Returns:
        The value as a float.

    Raises:
        FieldTypeError: If ``value`` is not a number.
        ValidationError: If it is not above 0 (NaN included).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"{name} must be a number of seconds, got {type(value).__name__}"
        raise FieldTypeError(msg, field=name)
    if not value > 0:  # also refuses NaN
        msg = f"{name} must be positive, got {value!r}"
        raise ValidationError(msg, field=name)
    return float(value)


def positive_count(name: str, value: object) -> int:
    """Check a size argument: an int of at least 1.

    Args:
        name: The argument's name, for the message.
        value: The value given.

    Returns:
        The value.

    Raises:
        FieldTypeError: If ``value`` is not an int (a bool is not one here).
        ValidationError: If it is below 1.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be an int, got {type(value).__name__}"
        raise FieldTypeError(msg, field=name)
    if value < 1:
        msg = f"{name} must be at least 1, got {value}"
        raise ValidationError(msg, field=name)
    return value


def tuple_of(kind: type) -> Validator:
    """Validator: the (converted) value is a tuple whose items are all ``kind``.

    The message names the first wrong item by its index, e.g. ``EmailMessage.cc_fields[1]``.
    """

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        name = where(instance, attribute)
        if not isinstance(value, tuple):
            msg = f"{name} must be an iterable of {kind.__name__}, got {type(value).__name__}"
            raise FieldTypeError(msg, field=attribute.name)
        for index, item in enumerate(cast("tuple[object, ...]", value)):
            if not isinstance(item, kind):
                msg = f"{name}[{index}] must be {kind.__name__}, got {type(item).__name__}"
                raise FieldTypeError(msg, field=attribute.name)

    return check


def as_tuple(value: Iterable[_T]) -> tuple[_T, ...]:
    """Converter: an iterable becomes a tuple; a str or a non-iterable is left for the validator.

    A str is iterable but never meant as a collection here; leaving it (and any
    non-iterable) unconverted lets `tuple_of` name the field in its error.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):  # pyright: ignore[reportUnnecessaryIsInstance]
        return cast("tuple[_T, ...]", value)
    return tuple(value)


def not_empty(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """Validator: the text is not empty or only whitespace."""
    if not value.strip():
        msg = f"{where(instance, attribute)} must not be empty"
        raise ValidationError(msg, field=attribute.name)


def aware_datetime(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: the value is ``None`` or a timezone-aware datetime.

    An int reaching it is one the converter could not turn into a datetime.
    """
    if value is None:
        return
    if not isinstance(value, datetime):
        name = where(instance, attribute)
        if isinstance(value, int) and not isinstance(value, bool):
            msg = f"{name} is out of range for a Unix timestamp: {value}"
            raise ValidationError(msg, field=attribute.name)
        msg = f"{name} must be an aware datetime or int Unix seconds, got {type(value).__name__}"
        raise FieldTypeError(msg, field=attribute.name)
    if value.utcoffset() is None:
        msg = (
            f"{where(instance, attribute)} is a naive datetime; give it a timezone, "
            "e.g. datetime.now(timezone.utc), so the instant is unambiguous"
        )
        raise ValidationError(msg, field=attribute.name)


def _sendable(
    text: str, instance: object, attribute: attrs.Attribute[Any], index: int | None = None
) -> None:
    """Refuse text with a lone surrogate (it has no UTF-8 form); ``index`` places it in a tuple.

    Callers skip ASCII text (``str.isascii``), which always has one.
    """
    try:
        text.encode()
    except UnicodeEncodeError as exc:
        name = where(instance, attribute) + ("" if index is None else f"[{index}]")
        msg = (
            f"{name} contains the lone surrogate {text[exc.start]!r} at position "
            f"{exc.start}, which cannot be sent as UTF-8 (text decoded from bytes that were "
            "not UTF-8, or half of an emoji); give the whole character or valid text"
        )
        raise ValidationError(msg, field=attribute.name) from exc


def utf8(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    r"""Validator: each str of a tuple (checked by ``tuple_of(str)`` first) can be sent as UTF-8.

    A lone surrogate, such as ``"\ud83d"`` (half an emoji) or the ``"\udce9"`` that
    Python makes of a byte that was not UTF-8, has no UTF-8 form: it is refused here,
    at construction, rather than failing the request later. `text` and
    `optional_text` check a single str the same way.
    """
    for index, item in enumerate(value):
        if not item.isascii():
            _sendable(item, instance, attribute, index)


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: the value is a str that can be sent as UTF-8 (see `utf8`)."""
    if not isinstance(value, str):
        msg = f"{where(instance, attribute)} must be str, got {type(value).__name__}"
        raise FieldTypeError(msg, field=attribute.name)
    if not value.isascii():
        _sendable(value, instance, attribute)


def optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: the value is ``None`` or a str that can be sent as UTF-8 (see `utf8`).

    One check where a model has many optional text fields: a webhook's participants
    run it for each of theirs.
    """
    if value is None:
        return
    if not isinstance(value, str):
        msg = f"{where(instance, attribute)} must be str or None, got {type(value).__name__}"
        raise FieldTypeError(msg, field=attribute.name)
    if not value.isascii():
        _sendable(value, instance, attribute)


def reference_keys(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]
) -> None:
    """Validator: every threading reference is non-empty and free of whitespace."""
    for index, reference in enumerate(value):
        if not reference or _WHITESPACE.search(reference):
            msg = (
                f"{where(instance, attribute)}[{index}] is {reference!r}: Missive silently "
                "ignores references that are empty or contain whitespace; use a key without spaces"
            )
            raise ValidationError(msg, field=attribute.name)


def email_address(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """Validator: the text is one email address, without a display name."""
    local, at, domain = value.partition("@")
    if not (at and local and domain) or "@" in domain or _WHITESPACE.search(value):
        msg = (
            f"{where(instance, attribute)} is {value!r}, which is not one email address; "
            "give a single address like 'marta@example.com' and the display name in `name`"
        )
        raise ValidationError(msg, field=attribute.name)


def is_hex_color(value: str) -> bool:
    """Return whether ``value`` is a ``#rgb`` or ``#rrggbb`` colour."""
    return len(value) in (4, 7) and value[0] == "#" and _HEX_DIGITS.issuperset(value[1:])


def is_color(value: str) -> bool:
    """Return whether ``value`` is a colour Missive takes: hex, or good, warning, danger."""
    return value in _COLOR_WORDS or is_hex_color(value)


def color(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """Validator: ``None``, a hex colour, or one of Missive's words good, warning, danger."""
    if value is not None and not is_color(value):
        msg = (
            f"{where(instance, attribute)} is {value!r}; use a hex colour such as '#1f8a70' "
            "or '#fa0', or one of 'good', 'warning', 'danger'"
        )
        raise ValidationError(msg, field=attribute.name)
