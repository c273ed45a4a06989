"""Configuration objects of the testing kit: channel settings, users and clocks."""

from __future__ import annotations

import time
from typing import Any

import attrs
import pytest

from missive_channels import FieldTypeError, Participant, ValidationError
from missive_channels.testing import ChannelSettings, FakeMissive, ManualClock, MissiveUser
from missive_channels.testing._settings import ScaledClock


def test_default_settings_make_a_permissive_text_channel() -> None:
    """By default a Text channel allows everything and has one alias."""
    settings = ChannelSettings()
    assert settings.type == "text"
    assert settings.allow_new_messages
    assert settings.allow_replies
    assert settings.allow_editing_recipients
    assert settings.recipient_fields == frozenset({"id", "name", "username"})
    assert settings.aliases == (Participant(name="Support"),)
    assert settings.max_recipients is None
    assert settings.webhook_url is None


def test_collections_are_normalised() -> None:
    """Recipient fields become a frozenset and aliases a tuple."""
    alias = Participant(id="a")
    settings = ChannelSettings(recipient_fields=["id", "id"], aliases=[alias])
    assert settings.recipient_fields == frozenset({"id"})
    assert settings.aliases == (alias,)


def test_settings_are_frozen() -> None:
    """Settings cannot change after creation."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ChannelSettings().allow_replies = False  # type: ignore[misc]


def test_the_secret_never_shows_in_the_repr() -> None:
    """The signature secret is masked."""
    shown = repr(ChannelSettings(signature_secret="hush"))
    assert "hush" not in shown
    assert "signature_secret=***" in shown
    assert "signature_secret=None" in repr(ChannelSettings())


@pytest.mark.parametrize(
    ("fields", "error", "match"),
    [
        ({"type": "sms"}, ValidationError, "ChannelSettings.type is 'sms'"),
        ({"allow_replies": "no"}, FieldTypeError, "ChannelSettings.allow_replies must be bool"),
        ({"recipient_fields": "id"}, FieldTypeError, "recipient_fields must be a set of str"),
        ({"recipient_fields": 3}, FieldTypeError, "recipient_fields must be a set of str"),
        ({"recipient_fields": ["email"]}, ValidationError, "recipient_fields has 'email'"),
        ({"recipient_fields": []}, ValidationError, "recipient_fields is empty"),
        ({"aliases": "Support"}, FieldTypeError, "aliases must be an iterable of Participant"),
        ({"aliases": [{"name": "S"}]}, FieldTypeError, r"aliases\[0\] must be Participant"),
        ({"max_recipients": 0}, ValidationError, "max_recipients is 0"),
        ({"max_recipients": True}, FieldTypeError, "max_recipients must be int or None"),
        ({"bubble_color": "blue"}, ValidationError, "use '#rgb' or '#rrggbb'"),
        ({"bubble_color": 7}, FieldTypeError, "bubble_color must be str or None"),
        ({"type": "html", "bubble_color": "#fff"}, ValidationError, "Text channels only"),
        ({"webhook_url": b"http://x"}, FieldTypeError, "webhook_url must be str or None"),
    ],
)
def test_invalid_settings_are_refused(
    fields: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Each setting is validated with our typed errors."""
    with pytest.raises(error, match=match):
        ChannelSettings(**fields)


def test_a_text_channel_takes_a_bubble_color() -> None:
    """Bubble colours are a Text-channel feature."""
    assert ChannelSettings(bubble_color="#1f8a70").bubble_color == "#1f8a70"


def test_missive_users_are_validated() -> None:
    """A user needs string id, name and email."""
    user = MissiveUser(id="u", name="Jonas", email="j@example.com")
    assert user.avatar_url is None
    with pytest.raises(FieldTypeError, match=r"MissiveUser.id must be str, got int"):
        MissiveUser(id=1, name="Jonas", email="j@example.com")  # type: ignore[arg-type]
    with pytest.raises(FieldTypeError, match="avatar_url"):
        MissiveUser(id="u", name="J", email="e", avatar_url=1)  # type: ignore[arg-type]


def test_the_manual_clock_moves_only_forward() -> None:
    """The manual clock advances on request and refuses to go back."""
    clock = ManualClock(start=100)
    assert clock() == 100.0
    clock.advance(2.5)
    assert clock() == 102.5
    with pytest.raises(ValidationError, match="only moves forward"):
        clock.advance(-1)


def test_the_scaled_clock_runs_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    """With scale 60 one real second is a minute of the fake's time."""
    monkeypatch.setattr(time, "time", lambda: 1_000.0)
    monkeypatch.setattr(time, "monotonic", lambda: 50.0)
    clock = ScaledClock(60.0)
    monkeypatch.setattr(time, "monotonic", lambda: 51.5)
    assert clock() == 1_090.0


def test_time_scale_selects_a_scaled_clock() -> None:
    """``time_scale`` builds the fake's clock; an explicit clock wins."""
    scaled = FakeMissive(time_scale=60).clock
    assert isinstance(scaled, ScaledClock)
    assert scaled._scale == 60.0
    manual = ManualClock()
    assert FakeMissive(clock=manual, time_scale=0).clock is manual
