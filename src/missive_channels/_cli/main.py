"""The ``missive-channels`` parser and dispatch, and how a failure becomes an exit status."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from missive_channels import __version__
from missive_channels._logs import enable_logging

from .common import INTERRUPTED, PROG, CommandError, UsageError, add_command, write
from .listen import add_webhook_commands
from .send import add_send

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Report a usage mistake as one line (argparse would add the whole usage text)."""
        msg = f"{message} (see '{self.prog} --help')"
        raise UsageError(msg)


def _add_demo(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    add_command(
        commands,
        "demo",
        _demo,
        summary="run the whole loop against a local FakeMissive and print a transcript",
        description=(
            "Start a local stand-in for Missive and a webhook receiver, send Text, HTML and "
            "Email messages with the sync and async clients, play an agent's reply, verify "
            "and parse its webhook, post a delivery receipt and read the conversation back. "
            "Offline: everything travels over 127.0.0.1."
        ),
    )


def _demo(_args: argparse.Namespace) -> int:
    from .demo import run_demo  # noqa: PLC0415 - the demo loads the testing kit

    run_demo(sys.stdout)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``missive-channels`` command line."""
    parser = _Parser(
        prog=PROG,
        description="Missive custom channels from the shell: try, send, receive and sign.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log requests and retries to stderr; twice for every attempt and wait "
        "(as MISSIVE_LOG=info or debug; never the token or bodies)",
    )
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    commands.required = True
    _add_demo(commands)
    add_send(commands)
    add_webhook_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments after the program name; default ``sys.argv[1:]``.

    Returns:
        The exit status: 0 on success, 1 when a command failed, 2 for a usage
        mistake, 3 when messages may have been delivered though they failed, 130
        when interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
        verbose: int = args.verbose
        if verbose:
            enable_logging(logging.DEBUG if verbose > 1 else logging.INFO)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0
    except CommandError as failure:
        write(sys.stderr, f"{PROG}: error: {failure}")
        return failure.status
    except KeyboardInterrupt:
        write(sys.stderr, f"{PROG}: interrupted")
        return INTERRUPTED
