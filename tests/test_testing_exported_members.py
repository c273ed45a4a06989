"""`missive_channels.testing` exports exactly its public names, each documented."""

from __future__ import annotations

import inspect

import missive_channels
from missive_channels import testing


def test_all_lists_every_public_name_once() -> None:
    """`__all__` is free of repeats and equals the public names the module defines."""
    public = {
        name
        for name in dir(testing)
        if not name.startswith("_") and not inspect.ismodule(getattr(testing, name))
    }
    assert set(testing.__all__) == public
    assert len(set(testing.__all__)) == len(testing.__all__)


def test_every_public_name_is_documented() -> None:
    """Every exported class, function and public method has a docstring of its own."""
    for name in testing.__all__:
        value = getattr(testing, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name
        if inspect.isclass(value):
            for member, attribute in vars(value).items():
                if not member.startswith("_") and callable(attribute):
                    assert inspect.getdoc(attribute), f"{name}.{member}"


def test_the_package_root_does_not_export_the_testing_kit() -> None:
    """The testing kit is imported by name; the root's `__all__` leaves it out."""
    assert "testing" not in missive_channels.__all__
    assert "FakeMissive" not in missive_channels.__all__


def test_names_with_a_home_elsewhere_are_not_exported() -> None:
    """Signing, the header constant and rate limits live in `webhooks` and the root only."""
    for old in ("webhook_signature", "DEFAULT_SIGNATURE_HEADER", "RateLimits"):
        assert not hasattr(testing, old), old
