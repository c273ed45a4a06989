"""The package root loads the clients, and so httpx, only when they are first used; never redis."""

from __future__ import annotations

import subprocess
import sys

import pytest

import missive_channels

PROBE = """
import sys
import missive_channels
assert "httpx" not in sys.modules, "importing the package imported httpx"
missive_channels.MissiveClient
assert "httpx" in sys.modules
"""


def test_importing_the_package_does_not_import_httpx() -> None:
    """A fresh interpreter imports the package without httpx, and gets it with the client."""
    subprocess.run([sys.executable, "-c", PROBE], check=True)  # noqa: S603 - our own probe


REDIS_PROBE = """
import sys
import missive_channels, missive_channels.webhooks
missive_channels.MissiveClient, missive_channels.AsyncMissiveClient
assert "redis" not in sys.modules, "the package imported redis without the redis module"
import missive_channels.redis
assert "redis" in sys.modules
"""


def test_only_the_redis_module_imports_redis() -> None:
    """The root, the webhooks module and the clients never import redis; the redis module does."""
    subprocess.run([sys.executable, "-c", REDIS_PROBE], check=True)  # noqa: S603 - our own probe


def test_unknown_names_raise_attribute_error() -> None:
    """The lazy loader does not invent names."""
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = missive_channels.Nope  # type: ignore[attr-defined]
