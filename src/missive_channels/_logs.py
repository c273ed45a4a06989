"""Turning on the package's own logs without touching `logging`: ``MISSIVE_LOG`` and ``-v``.

`logging` is imported only when the logs are turned on: a webhook handler that never
turns them on does not pay for it at start-up.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Final

from ._constants import LOG_ENV_VAR

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["LEVELS", "enable_logging", "enable_logging_from_env"]

LEVELS: Final = {"debug": 10, "info": 20}
"""The values of ``MISSIVE_LOG`` and the `logging` levels they turn on (DEBUG, INFO)."""

_HANDLER_NAME: Final = "missive_channels.stderr"
_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is when a record comes, as a redirect may replace it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def enable_logging(level: int) -> None:
    """Send the package's log records at ``level`` and above to stderr.

    The logs hold methods, paths, statuses and timings, never the token or a body.
    Calling it again changes the level; the handler is added once.

    Args:
        level: A `logging` level, e.g. ``logging.DEBUG``.
    """
    import logging  # noqa: PLC0415 - only for those who turn the logs on

    logger = logging.getLogger("missive_channels")
    logger.setLevel(level)
    if not any(handler.get_name() == _HANDLER_NAME for handler in logger.handlers):
        handler = logging.StreamHandler(_CurrentStderr())
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)


def enable_logging_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Turn the logs on when ``MISSIVE_LOG`` is ``debug`` or ``info``; other values leave them off.

    Args:
        environ: The environment to read.
    """
    level = LEVELS.get(environ.get(LOG_ENV_VAR, "").strip().lower())
    if level is not None:
        enable_logging(level)
