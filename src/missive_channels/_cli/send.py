"""``missive-channels send``: its options, and posting one message built from them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, Final

from missive_channels._constants import BASE_URL_ENV_VAR, DEFAULT_BASE_URL, TOKEN_ENV_VAR
from missive_channels._errors import APIError, RequestTooLargeError, ValidationError
from missive_channels._models import (
    Attachment,
    EmailAddress,
    EmailMessage,
    HtmlMessage,
    Participant,
    TextMessage,
)

from .common import CommandError, UsageError, api_client, api_token, write
from .jsonl import run_jsonl

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from missive_channels._models import Message

__all__ = ["add_send", "build_message"]

_DESCRIPTION: Final = (
    "Post one message into a custom channel (POST /v1/messages) and print the ids "
    "Missive answered. The body comes from --body or stdin. Each recipient is built "
    "from consecutive --to-* options; repeating a key starts the next recipient, so "
    "'--to-id a --to-name A --to-id b' gives two recipients. With --jsonl FILE, send "
    "one message per line instead, each a JSON object shaped like the API's "
    "'messages' object, recording progress in a journal so that a rerun resumes."
)


class _Group(argparse.Action):
    """Collect ``--to-id``, ``--to-name`` ... into participants: a repeated key starts the next."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        *,
        key: str,
        **kwargs: Any,  # noqa: ANN401 - argparse passes its own keywords through
    ) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.key = key

    def __call__(
        self,
        parser: argparse.ArgumentParser,  # noqa: ARG002 - argparse's signature
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,  # noqa: ARG002 - same
    ) -> None:
        groups: list[dict[str, str]] = list(getattr(namespace, self.dest) or [])
        if not groups or self.key in groups[-1]:
            groups.append({})
        groups[-1][self.key] = str(values)
        setattr(namespace, self.dest, groups)


_SENDER: Final = (
    ("--from-id", "ID", "sender id (text, html)"),
    ("--from-username", "USERNAME", "sender username (text, html)"),
    ("--from-name", "NAME", "sender display name"),
    ("--from-address", "ADDRESS", "sender email address (email)"),
)
# (participant list, key, channel types) for each repeatable --<list>-<key> option.
_RECIPIENTS: Final = (
    ("to", "id", "text, html"),
    ("to", "username", "text, html"),
    ("to", "name", "any"),
    ("to", "address", "email"),
    ("cc", "address", "email"),
    ("cc", "name", "email"),
    ("bcc", "address", "email"),
    ("bcc", "name", "email"),
)


def _recipient_help(field: str, key: str, kinds: str) -> str:
    if field == "to":
        return f"recipient {key} ({kinds}; repeatable)"
    return f"{field.capitalize()} recipient {key} ({kinds}; repeatable)"


def _add_participants(send: argparse.ArgumentParser) -> None:
    who = send.add_argument_group("sender and recipients")
    for flag, metavar, text in _SENDER:
        who.add_argument(flag, metavar=metavar, help=text)
    for field, key, kinds in _RECIPIENTS:
        who.add_argument(
            f"--{field}-{key}",
            dest=field,
            action=_Group,
            key=key,
            metavar=key.upper(),
            help=_recipient_help(field, key, kinds),
        )


def _add_repeatable(
    add_argument: Callable[..., object], flag: str, dest: str, metavar: str, text: str
) -> None:
    """Add an option that may be given several times, its values collected in a list."""
    add_argument(
        flag, dest=dest, action="append", default=[], metavar=metavar, help=f"{text} (repeatable)"
    )


def _add_content(send: argparse.ArgumentParser) -> None:
    content = send.add_argument_group("content and threading")
    content.add_argument("--subject", metavar="TEXT", help="the subject (email)")
    _add_repeatable(
        content.add_argument,
        "--reference",
        "references",
        "KEY",
        "a threading key; the message joins the conversation holding it",
    )
    content.add_argument("--conversation", metavar="ID", help="append to this conversation")
    _add_repeatable(content.add_argument, "--attach", "attachments", "FILE", "attach a file")
    content.add_argument("--external-id", metavar="ID", help="your own id for the message")


def _add_connection(send: argparse.ArgumentParser) -> None:
    connection = send.add_argument_group("connection and output")
    connection.add_argument(
        "--token-env",
        default=TOKEN_ENV_VAR,
        metavar="NAME",
        help=f"the environment variable holding the API token (default: {TOKEN_ENV_VAR})",
    )
    connection.add_argument(
        "--base-url",
        metavar="URL",
        help=f"the API root, e.g. a FakeMissive's or a proxy's (default: ${BASE_URL_ENV_VAR} "
        f"if set, else {DEFAULT_BASE_URL})",
    )
    connection.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="per request (default: 60)"
    )
    connection.add_argument(
        "--max-retries",
        type=int,
        default=3,
        metavar="N",
        help="retries when Missive certainly did not process the request (default: 3)",
    )
    connection.add_argument(
        "--json",
        action="store_true",
        help="print the ids as one JSON object (with --jsonl: one JSON outcome per input line)",
    )


def _add_bulk(send: argparse.ArgumentParser) -> None:
    bulk = send.add_argument_group("bulk sending")
    bulk.add_argument(
        "--jsonl",
        metavar="FILE",
        help="send one message per line of FILE (- reads stdin) instead of the options above",
    )
    journal = bulk.add_mutually_exclusive_group()
    journal.add_argument(
        "--journal", metavar="PATH", help="the journal to resume from (default: FILE.journal)"
    )
    journal.add_argument("--no-journal", action="store_true", help="send without a journal")
    bulk.add_argument(
        "--resend-possibly-delivered",
        action="store_true",
        help="send again the messages the journal has as possibly delivered (check Missive first)",
    )


def add_send(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    """Add the ``send`` command to the command line's subparsers."""
    send: argparse.ArgumentParser = commands.add_parser(
        "send",
        help="post one message, or a JSON Lines file of them, into a custom channel",
        description=_DESCRIPTION,
        epilog=f"The API token is read from ${TOKEN_ENV_VAR} "
        "(or the variable named by --token-env).",
    )
    send.add_argument(
        "--account", metavar="ID", help="the channel's account id (with --jsonl: the default)"
    )
    send.add_argument(
        "--type",
        choices=("text", "html", "email"),
        default="text",
        help="the channel's message type (with --jsonl: the default; default: text)",
    )
    send.add_argument("--body", metavar="TEXT", help="the message body (default: read stdin)")
    _add_participants(send)
    _add_content(send)
    _add_connection(send)
    _add_bulk(send)
    send.set_defaults(run=_send, to=[], cc=[], bcc=[])


_EMAIL_ONLY: Final = ("subject", "from_address", "to:address", "cc", "bcc")
_CHAT_ONLY: Final = ("from_id", "from_username", "to:id", "to:username")


def _given(args: argparse.Namespace, name: str) -> bool:
    if name.startswith("to:"):
        key = name[3:]
        return any(key in group for group in args.to)
    value: object = getattr(args, name)
    return value != [] and value is not None


def _option(name: str) -> str:
    return (
        "--"
        + name.replace("to:", "to-").replace("_", "-")
        + ("-*" if name in ("cc", "bcc") else "")
    )


def _check_options(args: argparse.Namespace) -> None:
    misplaced = _CHAT_ONLY if args.type == "email" else _EMAIL_ONLY
    wrong = [_option(name) for name in misplaced if _given(args, name)]
    if wrong:
        hint = (
            "email participants take --*-address and --*-name"
            if args.type == "email"
            else "use them with --type email"
        )
        msg = f"{', '.join(wrong)} cannot be used with --type {args.type}: {hint}"
        raise UsageError(msg)
    if args.type == "email":
        if args.from_address is None:
            msg = "--type email needs the sender's --from-address"
            raise UsageError(msg)
        for field in ("to", "cc", "bcc"):
            if any("address" not in group for group in getattr(args, field)):
                msg = f"each --{field}-name needs a --{field}-address to go with it"
                raise UsageError(msg)


def _read_body(args: argparse.Namespace) -> str:
    if args.body is not None:
        body: str = args.body
        return body
    stdin = sys.stdin
    if stdin is None or stdin.isatty():
        msg = "no message body: give --body TEXT or pipe the text on stdin"
        raise UsageError(msg)
    try:
        text = stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read the message body from stdin: {exc}"
        raise CommandError(msg) from exc
    # Like the shell's $(...): the newline `echo` adds is not part of the message.
    return text.rstrip("\n")


def _attachments(paths: Sequence[str]) -> list[Attachment]:
    try:
        return [Attachment.from_path(path) for path in paths]
    except RequestTooLargeError as exc:
        raise UsageError(str(exc)) from exc
    except ValidationError as exc:
        raise CommandError(str(exc)) from exc


def _chat(group: dict[str, str]) -> Participant:
    return Participant(id=group.get("id"), username=group.get("username"), name=group.get("name"))


def _email(group: dict[str, str]) -> EmailAddress:
    return EmailAddress(address=group["address"], name=group.get("name"))


def build_message(args: argparse.Namespace, body: str, files: Sequence[Attachment]) -> Message:
    """Build the message ``send`` posts from its parsed options.

    Args:
        args: The parsed ``send`` options.
        body: The message body.
        files: The attachments, already read.

    Returns:
        The message for the channel type chosen with ``--type``.

    Raises:
        ValidationError: If a field is invalid.
    """
    common: dict[str, Any] = {
        "account": args.account,
        "body": body or None,
        "references": args.references,
        "conversation": args.conversation,
        "attachments": files,
        "external_id": args.external_id,
    }
    if args.type == "email":
        return EmailMessage(
            from_field=EmailAddress(address=args.from_address, name=args.from_name),
            to_fields=[_email(group) for group in args.to],
            cc_fields=[_email(group) for group in args.cc],
            bcc_fields=[_email(group) for group in args.bcc],
            subject=args.subject,
            **common,
        )
    sender = Participant(id=args.from_id, username=args.from_username, name=args.from_name)
    kind = TextMessage if args.type == "text" else HtmlMessage
    return kind(from_field=sender, to_fields=[_chat(group) for group in args.to], **common)


def _check_single(args: argparse.Namespace) -> None:
    """Check the options of a one-message send, before anything is read."""
    if args.journal is not None or args.no_journal or args.resend_possibly_delivered:
        msg = "--journal, --no-journal and --resend-possibly-delivered go with --jsonl FILE"
        raise UsageError(msg)
    if args.account is None:
        msg = "the following arguments are required: --account (see 'missive-channels send --help')"
        raise UsageError(msg)
    _check_options(args)
    if not any((args.from_id, args.from_username, args.from_name, args.from_address)):
        msg = "no sender: give --from-id, --from-username or --from-name"
        raise UsageError(msg)


def _message(args: argparse.Namespace) -> Message:
    body = _read_body(args)
    files = _attachments(args.attachments)
    if not body and not files:
        msg = "the message body is empty: give --body TEXT, pipe text on stdin, or --attach"
        raise UsageError(msg)
    try:
        return build_message(args, body, files)
    except ValidationError as exc:
        msg = f"invalid message: {exc}"
        raise UsageError(msg) from exc


def _send(args: argparse.Namespace) -> int:
    if args.jsonl is not None:
        return run_jsonl(args)
    _check_single(args)
    token = api_token(args)
    message = _message(args)
    with api_client(args, token) as client:
        try:
            created = client.messages.create(message)
        except ValidationError as exc:
            msg = f"invalid message: {exc}"
            raise UsageError(msg) from exc
        except APIError as exc:
            raise CommandError(str(exc)) from exc
    if args.json:
        write(sys.stdout, json.dumps({"id": created.id, "conversation": created.conversation_id}))
    else:
        unsaid = "(not given: Missive answered without a body)"
        write(
            sys.stdout,
            f"message       {created.id or unsaid}",
            f"conversation  {created.conversation_id or unsaid}",
        )
    return 0
