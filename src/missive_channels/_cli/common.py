"""What the commands share: registering one, exit statuses, errors, output, the API client."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Final, TextIO

from missive_channels._errors import ValidationError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from missive_channels._client import MissiveClient

__all__ = [
    "FAILURE",
    "INTERRUPTED",
    "POSSIBLY_DELIVERED",
    "PROG",
    "USAGE",
    "CommandError",
    "UsageError",
    "add_command",
    "api_client",
    "api_token",
    "write",
]

PROG: Final = "missive-channels"
USAGE: Final = 2
FAILURE: Final = 1
POSSIBLY_DELIVERED: Final = 3
INTERRUPTED: Final = 130


class CommandError(Exception):
    """A failure to report as one line on stderr; the command exits with `status`."""

    status = FAILURE

    def __init__(self, message: str) -> None:
        """Keep the message on one line."""
        super().__init__(" ".join(message.split()))


class UsageError(CommandError):
    """A mistake in the command line; the command exits with status 2."""

    status = USAGE


def add_command(
    commands: Any,  # noqa: ANN401 - argparse's subparsers action is private
    name: str,
    run: Callable[[argparse.Namespace], int],
    *,
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """Add the command ``name``, carried out by ``run``, to the command line's subparsers.

    Args:
        commands: The subparsers of the ``missive-channels`` parser.
        name: The command's name.
        run: What carries the command out; it returns the exit status.
        summary: The line the top-level ``--help`` lists it with.
        description: The paragraph its own ``--help`` opens with.

    Returns:
        The command's parser, to add its options to.
    """
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=description
    )
    parser.set_defaults(run=run)
    return parser


def write(stream: TextIO, *lines: str) -> None:
    """Write whole lines to ``stream`` and flush them, so a pipe sees each one at once."""
    stream.write("".join(f"{line}\n" for line in lines))
    stream.flush()


def api_token(args: argparse.Namespace) -> str:
    """Return the API token from the variable named by ``--token-env``.

    Raises:
        UsageError: If the variable is unset or blank.
    """
    token = os.environ.get(args.token_env, "").strip()
    if not token:
        msg = (
            f"no API token: set the {args.token_env} environment variable "
            "(create a token in Missive under Preferences > API)"
        )
        raise UsageError(msg)
    return token


def api_client(args: argparse.Namespace, token: str) -> MissiveClient:
    """Return a client built from the connection options.

    Raises:
        UsageError: If a connection option is invalid.
    """
    from missive_channels._client import MissiveClient  # noqa: PLC0415 - httpx loads only for commands that send

    try:
        return MissiveClient(
            token=token, base_url=args.base_url, timeout=args.timeout, max_retries=args.max_retries
        )
    except ValidationError as exc:
        msg = f"invalid connection option: {exc}"
        raise UsageError(msg) from exc
