"""``missive-channels listen`` and ``sign``: a development webhook receiver, and signing a body."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import unicodedata
from typing import TYPE_CHECKING, Any, Final, TextIO

from missive_channels._constants import SECRET_ENV_VAR
from missive_channels.webhooks import SIGNATURE_HEADERS, WebhookVerifier, compute_signature

from .common import CommandError, UsageError, add_command, write

if TYPE_CHECKING:
    from collections.abc import Callable

    from missive_channels._receiver import Received

__all__ = ["add_webhook_commands"]

_MAX_PORT: Final = 65535
# Control (Cc: escape codes, carriage returns), format (Cf: bidi overrides), surrogate,
# private and unassigned characters are shown escaped.
_UNPRINTABLE: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _secret(args: argparse.Namespace) -> str:
    secret: str | None = args.secret if args.secret is not None else os.environ.get(SECRET_ENV_VAR)
    if not secret:
        msg = f"no signature secret: pass --secret or set {SECRET_ENV_VAR}"
        raise UsageError(msg)
    return secret


def add_webhook_commands(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    """Add ``listen`` and ``sign``, the commands that take the channel's signature secret."""
    listen = add_command(
        commands,
        "listen",
        _listen,
        summary="run a development webhook receiver that verifies and prints each event",
        description=(
            "Receive a custom channel's webhooks on a local port: verify each signature, "
            "print each event, and say in one line why a request was refused. Answers 200, "
            "401 (bad signature) or 400 (not a webhook payload). Stop with Ctrl-C."
        ),
    )
    sign = add_command(
        commands,
        "sign",
        _sign,
        summary="print the signature header for a file's bytes",
        description=(
            "Print the header Missive would send with a body, e.g. for "
            'curl -H "$(missive-channels sign body.json)" --data-binary @body.json URL'
        ),
    )
    for parser in (listen, sign):
        parser.add_argument(
            "--secret",
            help=f"the channel's Signature secret (default: ${SECRET_ENV_VAR}; "
            "prefer the variable: arguments show in the process list)",
        )
    listen.add_argument(
        "--port", type=_port, default=8000, help="the port; 0 picks a free one (default: 8000)"
    )
    listen.add_argument(
        "--host", default="127.0.0.1", help="the interface to listen on (default: 127.0.0.1)"
    )
    sign.add_argument("file", metavar="FILE", help="the body to sign; - reads stdin")
    sign.add_argument(
        "--header",
        choices=SIGNATURE_HEADERS,
        default=SIGNATURE_HEADERS[0],
        help="the header name to print (default: %(default)s)",
    )


def _port(text: str) -> int:
    """Argument type of ``--port``: a TCP port number, 0 to 65535 (argparse exits 2 otherwise)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= _MAX_PORT:
        msg = f"{text!r} is not a port: give a number from 1 to {_MAX_PORT}, or 0 for any free one"
        raise argparse.ArgumentTypeError(msg)
    return port


def _printable(text: str) -> str:
    """Escape control and format characters, so a request cannot drive the terminal."""
    return "".join(
        char if unicodedata.category(char) not in _UNPRINTABLE else ascii(char)[1:-1]
        for char in text
    )


def _reporter(stream: TextIO) -> Callable[[Received], None]:
    from missive_channels._receiver import describe_event  # noqa: PLC0415 - loaded with the receiver

    lock = threading.Lock()

    def report(received: Received) -> None:
        head = f"{time.strftime('%H:%M:%S')} {received.method} {received.path} {received.status}"
        if received.event is None:
            lines = [f"{head} rejected: {received.reason}"]
        else:
            lines = [
                f"{head} accepted",
                *(f"  {line}" for line in describe_event(received.event, received.match)),
            ]
        with lock:
            # Paths, bodies and names come from the network: never raw to the terminal.
            write(stream, *map(_printable, lines))

    return report


def _listen(args: argparse.Namespace) -> int:
    from missive_channels._receiver import WebhookReceiver  # noqa: PLC0415 - sign and send need no server

    verifier = WebhookVerifier(_secret(args))
    try:
        receiver = WebhookReceiver(verifier, _reporter(sys.stdout), host=args.host, port=args.port)
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        msg = f"cannot listen on {args.host}:{args.port}: {reason}"
        raise CommandError(msg) from exc
    try:
        write(sys.stdout, f"listening on {receiver.url('/')} (Ctrl-C to stop)")
        receiver.serve_forever()
    except KeyboardInterrupt:
        write(sys.stdout, "stopped")
    finally:
        receiver.stop()
    return 0


def _sign(args: argparse.Namespace) -> int:
    secret = _secret(args)
    try:
        if args.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as file:  # noqa: PTH123 - the path is the user's, as typed
                data = file.read()
    except OSError as exc:
        msg = f"cannot read {args.file}: {exc.strerror or exc}"
        raise CommandError(msg) from exc
    write(sys.stdout, f"{args.header}: {compute_signature(data, secret)}")
    return 0
