"""The shared field checks: attrs' validators raising our errors, and the checks attrs lacks."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest

from missive_channels import FieldTypeError, ValidationError
from missive_channels._validators import (
    instance_of,
    is_color,
    is_hex_color,
    non_negative_seconds,
    optional_positive_int,
    positive_int,
    positive_seconds_field,
)


@attrs.frozen(kw_only=True)
class Settings:
    """A model using the shared checks, as the package's models do."""

    name: str = attrs.field(default="n", validator=instance_of(str))
    count: int = attrs.field(default=1, validator=positive_int)
    limit: int | None = attrs.field(default=None, validator=optional_positive_int)
    seconds: float = attrs.field(default=1.0, validator=positive_seconds_field)
    margin: float = attrs.field(default=0.0, validator=non_negative_seconds)


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"name": 3}, FieldTypeError, "Settings.name must be str, got int"),
        ({"count": 0}, ValidationError, "Settings.count must be an int >= 1, got 0"),
        ({"count": 1.5}, FieldTypeError, "Settings.count must be an int >= 1, got float"),
        ({"count": True}, FieldTypeError, "Settings.count must be an int >= 1, got bool"),
        ({"limit": 0}, ValidationError, "Settings.limit must be an int >= 1 or None, got 0"),
        ({"limit": False}, FieldTypeError, "Settings.limit must be an int >= 1 or None, got bool"),
        ({"seconds": 0}, ValidationError, "Settings.seconds must be a finite number > 0, got 0"),
        ({"seconds": math.inf}, ValidationError, "finite number > 0, got inf"),
        ({"seconds": math.nan}, ValidationError, "finite number > 0, got nan"),
        ({"seconds": "1"}, FieldTypeError, "finite number > 0, got str"),
        ({"margin": -1}, ValidationError, "Settings.margin must be a finite number >= 0, got -1"),
        ({"margin": math.inf}, ValidationError, "finite number >= 0, got inf"),
    ],
)
def test_attrs_checks_raise_our_errors_naming_the_field(
    fields: dict[str, Any], error: type[ValidationError], message: str
) -> None:
    """A failed attrs check is our error with the field's name, attrs' own as its cause."""
    with pytest.raises(error) as info:
        Settings(**fields)
    assert type(info.value) is error
    assert message in str(info.value)
    assert info.value.field == next(iter(fields))
    assert isinstance(info.value.__cause__, TypeError if error is FieldTypeError else ValueError)


def test_valid_values_pass_the_checks() -> None:
    """Values inside the bounds are kept as given."""
    settings = Settings(name="x", count=3, limit=None, seconds=0.5, margin=0)
    assert (settings.count, settings.limit, settings.seconds, settings.margin) == (3, None, 0.5, 0)
    assert Settings(limit=2).limit == 2


@pytest.mark.parametrize(
    ("value", "hex_colour", "colour"),
    [
        ("#fa0", True, True),
        ("#1F8A70", True, True),
        ("good", False, True),
        ("danger", False, True),
        ("#1f8a7", False, False),
        ("#1234", False, False),
        ("#12", False, False),
        ("#1234567", False, False),
        ("1f8a70", False, False),
        ("#1f8a70\n", False, False),
        ("red", False, False),
        ("", False, False),
        ("x1f8a70", False, False),
        ("#1f8a7g", False, False),
        ("##fa", False, False),
        ("#\N{ARABIC-INDIC DIGIT ONE}23", False, False),
    ],
)
def test_colours_are_told_apart(value: str, *, hex_colour: bool, colour: bool) -> None:
    """Hex colours have 3 or 6 digits; Missive's colour words count as colours only."""
    assert is_hex_color(value) is hex_colour
    assert is_color(value) is colour
