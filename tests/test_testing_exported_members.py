"""`missive_channels.testing` keeps no second copy of a name that lives elsewhere."""

from __future__ import annotations

from missive_channels import testing


def test_names_with_a_home_elsewhere_are_not_exported() -> None:
    """Signing, the header constant and rate limits live in `webhooks` and the root only."""
    for old in ("webhook_signature", "DEFAULT_SIGNATURE_HEADER", "RateLimits"):
        assert not hasattr(testing, old), old
