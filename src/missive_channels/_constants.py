"""Constants several modules share: environment variable names, Missive's API root and size cap."""

from __future__ import annotations

from typing import Final

__all__ = [
    "BASE_URL_ENV_VAR",
    "DEFAULT_BASE_URL",
    "LOG_ENV_VAR",
    "MAX_REQUEST_BYTES",
    "SECRET_ENV_VAR",
    "TOKEN_ENV_VAR",
]

DEFAULT_BASE_URL: Final = "https://public.missiveapp.com/v1"
"""The root of Missive's REST API, used when no ``base_url`` is given."""

TOKEN_ENV_VAR: Final = "MISSIVE_API_TOKEN"  # noqa: S105 - a variable name, not a secret
"""The environment variable read for the API token when none is given."""

BASE_URL_ENV_VAR: Final = "MISSIVE_BASE_URL"
"""The environment variable read for the API root when no ``base_url`` is given."""

SECRET_ENV_VAR: Final = "MISSIVE_WEBHOOK_SECRET"  # noqa: S105 - a variable name, not a secret
"""The environment variable the command line reads for a channel's signature secret."""

LOG_ENV_VAR: Final = "MISSIVE_LOG"
"""The environment variable that turns the package's logs on: ``debug`` or ``info``."""
MAX_REQUEST_BYTES: Final = 10_000_000
"""Missive's cap on a whole request body (JSON with base64 attachments), in bytes.

Sources speak of "10 MB" without saying whether that is 10**7 or 2**20 * 10
bytes, so the smaller reading is used.
"""
