"""The ``missive-channels`` command-line tool: ``demo``, ``send``, ``listen`` and ``sign``."""

from __future__ import annotations

import argparse
import base64
import contextlib
import itertools
import json
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Final, NoReturn, TextIO, cast

from . import __version__
from ._converter import structure_message
from ._errors import APIError, JournalError, ValidationError
from ._journal import JournalState
from ._models import Attachment, EmailAddress, EmailMessage, HtmlMessage, Participant, TextMessage
from .webhooks import SIGNATURE_HEADERS, WebhookVerifier, compute_signature

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from ._bulk import SendOutcome, SendStatus
    from ._client import MissiveClient
    from ._models import Message
    from ._receiver import Received

__all__ = ["main"]

PROG: Final = "missive-channels"
TOKEN_ENV: Final = "MISSIVE_API_TOKEN"  # noqa: S105 - a variable name, not a secret
SECRET_ENV: Final = "MISSIVE_WEBHOOK_SECRET"  # noqa: S105 - same
BASE_URL_ENV: Final = "MISSIVE_BASE_URL"
DEFAULT_BASE_URL: Final = "https://public.missiveapp.com/v1"
USAGE: Final = 2
FAILURE: Final = 1
POSSIBLY_DELIVERED: Final = 3
INTERRUPTED: Final = 130
PROGRESS_EVERY: Final = 100
"""Messages between two progress lines when standard error is not a terminal."""


class _CommandError(Exception):
    """A failure to report as one line on stderr; the command exits with `status`."""

    status = FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class _UsageError(_CommandError):
    """A mistake in the command line; the command exits with status 2."""

    status = USAGE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Report a usage mistake as one line (argparse would add the whole usage text)."""
        msg = f"{message} (see '{self.prog} --help')"
        raise _UsageError(msg)


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


def _write(stream: TextIO, *lines: str) -> None:
    stream.write("".join(f"{line}\n" for line in lines))
    stream.flush()


# -- send -------------------------------------------------------------------------------------


def _add_send(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    send = commands.add_parser(
        "send",
        help="post one message, or a JSON Lines file of them, into a custom channel",
        description=(
            "Post one message into a custom channel (POST /v1/messages) and print the ids "
            "Missive answered. The body comes from --body or stdin. Each recipient is built "
            "from consecutive --to-* options; repeating a key starts the next recipient, so "
            "'--to-id a --to-name A --to-id b' gives two recipients. With --jsonl FILE, send "
            "one message per line instead, each a JSON object shaped like the API's "
            "'messages' object, recording progress in a journal so that a rerun resumes."
        ),
        epilog=f"The API token is read from ${TOKEN_ENV} (or the variable named by --token-env).",
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
    who = send.add_argument_group("sender and recipients")
    who.add_argument("--from-id", metavar="ID", help="sender id (text, html)")
    who.add_argument("--from-username", metavar="USERNAME", help="sender username (text, html)")
    who.add_argument("--from-name", metavar="NAME", help="sender display name")
    who.add_argument("--from-address", metavar="ADDRESS", help="sender email address (email)")
    for key, kinds in (("id", "text, html"), ("username", "text, html"), ("name", "any")):
        who.add_argument(
            f"--to-{key}",
            dest="to",
            action=_Group,
            key=key,
            metavar=key.upper(),
            help=f"recipient {key} ({kinds}; repeatable)",
        )
    who.add_argument(
        "--to-address",
        dest="to",
        action=_Group,
        key="address",
        metavar="ADDRESS",
        help="recipient address (email; repeatable)",
    )
    for field in ("cc", "bcc"):
        for key in ("address", "name"):
            who.add_argument(
                f"--{field}-{key}",
                dest=field,
                action=_Group,
                key=key,
                metavar=key.upper(),
                help=f"{field.capitalize()} recipient {key} (email; repeatable)",
            )
    content = send.add_argument_group("content and threading")
    content.add_argument("--subject", metavar="TEXT", help="the subject (email)")
    content.add_argument(
        "--reference",
        dest="references",
        action="append",
        default=[],
        metavar="KEY",
        help="a threading key; the message joins the conversation holding it (repeatable)",
    )
    content.add_argument("--conversation", metavar="ID", help="append to this conversation")
    content.add_argument(
        "--attach",
        dest="attachments",
        action="append",
        default=[],
        metavar="FILE",
        help="attach a file (repeatable)",
    )
    content.add_argument("--external-id", metavar="ID", help="your own id for the message")
    connection = send.add_argument_group("connection and output")
    connection.add_argument(
        "--token-env",
        default=TOKEN_ENV,
        metavar="NAME",
        help=f"the environment variable holding the API token (default: {TOKEN_ENV})",
    )
    connection.add_argument(
        "--base-url",
        metavar="URL",
        help=f"the API root, e.g. a FakeMissive's or a proxy's (default: ${BASE_URL_ENV} "
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
    connection.add_argument("--json", action="store_true", help="print the ids as one JSON object")
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
        raise _UsageError(msg)
    if args.type == "email":
        if args.from_address is None:
            msg = "--type email needs the sender's --from-address"
            raise _UsageError(msg)
        for field in ("to", "cc", "bcc"):
            if any("address" not in group for group in getattr(args, field)):
                msg = f"each --{field}-name needs a --{field}-address to go with it"
                raise _UsageError(msg)


def _read_body(args: argparse.Namespace) -> str:
    if args.body is not None:
        body: str = args.body
        return body
    stdin = sys.stdin
    if stdin is None or stdin.isatty():
        msg = "no message body: give --body TEXT or pipe the text on stdin"
        raise _UsageError(msg)
    try:
        text = stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read the message body from stdin: {exc}"
        raise _CommandError(msg) from exc
    # Like the shell's $(...): the newline `echo` adds is not part of the message.
    return text.rstrip("\n")


def _attachments(paths: Sequence[str]) -> list[Attachment]:
    try:
        return [Attachment.from_path(path) for path in paths]
    except ValidationError as exc:
        raise _CommandError(str(exc)) from exc


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


def _token(args: argparse.Namespace) -> str:
    token = os.environ.get(args.token_env, "").strip()
    if not token:
        msg = (
            f"no API token: set the {args.token_env} environment variable "
            "(create a token in Missive under Preferences > API)"
        )
        raise _UsageError(msg)
    return token


def _client(args: argparse.Namespace, token: str) -> MissiveClient:
    from ._client import MissiveClient  # noqa: PLC0415 - httpx loads only for commands that send

    try:
        return MissiveClient(
            token=token, base_url=args.base_url, timeout=args.timeout, max_retries=args.max_retries
        )
    except ValidationError as exc:
        msg = f"invalid connection option: {exc}"
        raise _UsageError(msg) from exc


def _send(args: argparse.Namespace) -> int:
    if args.jsonl is not None:
        return _send_jsonl(args)
    if args.journal is not None or args.no_journal or args.resend_possibly_delivered:
        msg = "--journal, --no-journal and --resend-possibly-delivered go with --jsonl FILE"
        raise _UsageError(msg)
    if args.account is None:
        msg = "the following arguments are required: --account (see 'missive-channels send --help')"
        raise _UsageError(msg)
    _check_options(args)
    if not any((args.from_id, args.from_username, args.from_name, args.from_address)):
        msg = "no sender: give --from-id, --from-username or --from-name"
        raise _UsageError(msg)
    token = _token(args)
    body = _read_body(args)
    files = _attachments(args.attachments)
    if not body and not files:
        msg = "the message body is empty: give --body TEXT, pipe text on stdin, or --attach"
        raise _UsageError(msg)
    try:
        message = build_message(args, body, files)
    except ValidationError as exc:
        msg = f"invalid message: {exc}"
        raise _UsageError(msg) from exc
    with _client(args, token) as client:
        try:
            created = client.messages.create(message)
        except ValidationError as exc:
            msg = f"invalid message: {exc}"
            raise _UsageError(msg) from exc
        except APIError as exc:
            raise _CommandError(str(exc)) from exc
    if args.json:
        _write(sys.stdout, json.dumps({"id": created.id, "conversation": created.conversation_id}))
    else:
        unsaid = "(not given: Missive answered without a body)"
        _write(
            sys.stdout,
            f"message       {created.id or unsaid}",
            f"conversation  {created.conversation_id or unsaid}",
        )
    return 0


# -- send --jsonl -------------------------------------------------------------------------------

_SINGLE_ONLY: Final = (
    ("body", "--body"),
    ("from_id", "--from-id"),
    ("from_username", "--from-username"),
    ("from_name", "--from-name"),
    ("from_address", "--from-address"),
    ("to", "--to-*"),
    ("cc", "--cc-*"),
    ("bcc", "--bcc-*"),
    ("subject", "--subject"),
    ("references", "--reference"),
    ("conversation", "--conversation"),
    ("attachments", "--attach"),
    ("external_id", "--external-id"),
    ("json", "--json"),
)
_KINDS: Final[dict[object, type[Message]]] = {
    "text": TextMessage,
    "html": HtmlMessage,
    "email": EmailMessage,
}


def _wire_attachment(item: object) -> object:
    """Return an attachment of a line in its wire shape, reading a ``path`` from disk."""
    given = cast("dict[str, object]", item) if isinstance(item, dict) else {}
    if "path" in given:
        rest = {key: value for key, value in given.items() if key != "path"}
        path, filename = given["path"], rest.get("filename")
        if not isinstance(path, str) or not isinstance(filename, (str, type(None))):
            msg = "an attachment's path and filename must be strings"
            raise ValidationError(msg, field="attachments")
        read = Attachment.from_path(path, filename=filename)
        encoded = base64.b64encode(read.data).decode("ascii")
        return {**rest, "filename": read.filename, "base64_data": encoded}
    if "base64_data" in given:
        return given
    msg = 'each attachment is {"filename", "path"} or {"filename", "base64_data"}'
    raise ValidationError(msg, field="attachments")


def message_from_json(line: str, *, default_type: str, account: str | None) -> Message:
    """Build a message from one line of ``send --jsonl``: the API's ``messages`` object.

    Participants are JSON objects, ``delivered_at`` is Unix seconds and each
    attachment is ``{"filename", "path"}`` (read from disk) or
    ``{"filename", "base64_data"}``. A ``"type"`` key overrides ``default_type``.
    Unknown keys are refused.

    Args:
        line: One JSON object.
        default_type: ``text``, ``html`` or ``email``, for a line without ``"type"``.
        account: The account id for a line without ``"account"``, if any.

    Returns:
        The message, checked by the models' own validators.

    Raises:
        ValidationError: If the line is not such an object, or a field is invalid.
    """
    try:
        data: object = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(str(exc)) from exc
    if not isinstance(data, dict):
        msg = "each line must be one JSON object: the API's messages object"
        raise ValidationError(msg)
    fields = cast("dict[str, object]", data)
    kind = _KINDS.get(fields.pop("type", default_type))
    if kind is None:
        msg = "type must be one of text, html or email"
        raise ValidationError(msg, field="type")
    if account is not None:
        fields.setdefault("account", account)
    attachments = fields.get("attachments")
    if isinstance(attachments, list):
        fields["attachments"] = [
            _wire_attachment(each) for each in cast("list[object]", attachments)
        ]
    return structure_message(fields, kind)


class _Report:
    """What ``send --jsonl`` says on stderr: problems, progress, and the counts at the end."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        from ._bulk import SendCounts  # noqa: PLC0415 - loads httpx, which only sending needs

        self.counts = SendCounts()
        self.held = 0
        """Skipped because an earlier run may have delivered them."""

    def tally(self) -> str:
        counts = self.counts
        return (
            f"{counts.total} messages: {counts.sent} sent, {counts.failed} failed, "
            f"{counts.possibly_delivered} possibly delivered, {counts.skipped} skipped"
        )

    def say(self, line: str) -> None:
        # On a terminal, first wipe the progress line this one replaces.
        _write(self.stream, f"\r\x1b[K{line}" if self.tty else line)

    def count(self, status: SendStatus, problem: str | None = None) -> None:
        self.counts = self.counts.add(status)
        if problem is not None:
            self.say(problem)
        if self.tty:
            self.stream.write(f"\r{self.tally()}")
            self.stream.flush()
        elif self.counts.total % PROGRESS_EVERY == 0:
            self.say(self.tally())

    def outcome(self, line: int, outcome: SendOutcome) -> None:
        problem = None
        if outcome.error is not None:
            who = f"external_id {outcome.external_id}: " if outcome.external_id else ""
            problem = f"line {line}: {who}{outcome.error}"
        entry = outcome.journal_entry
        if entry is not None and entry.state is not JournalState.SENT:
            self.held += 1
        self.count(outcome.status, problem)

    def finish(self, *, journal: bool) -> int:
        counts = self.counts
        self.say(f"done, {self.tally()}")
        unsure = counts.possibly_delivered + self.held
        if self.held:
            self.say(f"{self.held} skipped as possibly delivered by an earlier run")
        if unsure:
            rerun = (
                ", then rerun with --resend-possibly-delivered" if journal else " before resending"
            )
            self.say(f"{unsure} possibly delivered: check Missive{rerun}")
        if counts.failed:
            retry = (
                "rerun the same command to retry them"
                if journal
                else "without a journal a rerun sends every line again"
            )
            self.say(f"{counts.failed} failed: {retry}")
        return POSSIBLY_DELIVERED if unsure else FAILURE if counts.failed else 0


def _open_jsonl(path: str) -> contextlib.AbstractContextManager[TextIO]:
    if path == "-":
        return contextlib.nullcontext(sys.stdin)
    try:
        return open(path, encoding="utf-8")  # noqa: PTH123 - the user's path, closed by the caller
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise _CommandError(msg) from exc


def _check_jsonl_options(args: argparse.Namespace) -> str | None:
    mixed = [
        option for name, option in _SINGLE_ONLY if getattr(args, name) not in (None, [], False)
    ]
    if mixed:
        msg = f"--jsonl cannot be combined with {', '.join(mixed)}: put the fields on each line"
        raise _UsageError(msg)
    journal: str | None = args.journal
    if journal is None and not args.no_journal:
        if args.jsonl == "-":
            msg = "--jsonl - needs --journal PATH (to resume after a failure) or --no-journal"
            raise _UsageError(msg)
        journal = f"{args.jsonl}.journal"
    return journal


def _send_jsonl(args: argparse.Namespace) -> int:
    journal = _check_jsonl_options(args)
    token = _token(args)
    from ._bulk import SendStatus  # noqa: PLC0415 - loads httpx, which only sending needs

    report = _Report(sys.stderr)
    lines: dict[int, int] = {}  # create_many's index of a message -> its line number
    indexes = itertools.count()

    def messages(file: Iterable[str]) -> Iterator[Message]:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                message = message_from_json(line, default_type=args.type, account=args.account)
            except ValidationError as exc:
                report.count(SendStatus.FAILED, f"line {number}: {exc}")
                continue
            lines[next(indexes)] = number
            yield message

    with _open_jsonl(args.jsonl) as file, _client(args, token) as client:
        outcomes = client.messages.create_many(
            messages(file),
            journal=journal,
            resend_possibly_delivered=args.resend_possibly_delivered,
        )
        try:
            for outcome in outcomes:
                report.outcome(lines.pop(outcome.index), outcome)
        except JournalError as exc:
            raise _UsageError(str(exc)) from exc
        except KeyboardInterrupt:
            report.say(f"interrupted after {report.tally()}")
            report.say("rerun the same command to resume")
            return INTERRUPTED
    return report.finish(journal=journal is not None)


# -- listen and sign --------------------------------------------------------------------------


def _add_secret(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret",
        help=f"the channel's Signature secret (default: ${SECRET_ENV}; "
        "prefer the variable: arguments show in the process list)",
    )


def _secret(args: argparse.Namespace) -> str:
    secret: str | None = args.secret if args.secret is not None else os.environ.get(SECRET_ENV)
    if not secret:
        msg = f"no signature secret: pass --secret or set {SECRET_ENV}"
        raise _UsageError(msg)
    return secret


def _add_listen(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    listen = commands.add_parser(
        "listen",
        help="run a development webhook receiver that verifies and prints each event",
        description=(
            "Receive a custom channel's webhooks on a local port: verify each signature, "
            "print each event, and say in one line why a request was refused. Answers 200, "
            "401 (bad signature) or 400 (not a webhook payload). Stop with Ctrl-C."
        ),
    )
    _add_secret(listen)
    listen.add_argument(
        "--port", type=int, default=8000, help="the port; 0 picks a free one (default: 8000)"
    )
    listen.add_argument(
        "--host", default="127.0.0.1", help="the interface to listen on (default: 127.0.0.1)"
    )
    listen.set_defaults(run=_listen)


def _reporter(stream: TextIO) -> Callable[[Received], None]:
    from ._receiver import describe_event  # noqa: PLC0415 - loaded with the receiver

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
            _write(stream, *lines)

    return report


def _listen(args: argparse.Namespace) -> int:
    from ._receiver import WebhookReceiver  # noqa: PLC0415 - sign and send need no server

    verifier = WebhookVerifier(_secret(args))
    try:
        receiver = WebhookReceiver(verifier, _reporter(sys.stdout), host=args.host, port=args.port)
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        msg = f"cannot listen on {args.host}:{args.port}: {reason}"
        raise _CommandError(msg) from exc
    try:
        _write(sys.stdout, f"listening on {receiver.url('/')} (Ctrl-C to stop)")
        receiver.serve_forever()
    except KeyboardInterrupt:
        _write(sys.stdout, "stopped")
    finally:
        receiver.stop()
    return 0


def _add_sign(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    sign = commands.add_parser(
        "sign",
        help="print the signature header for a file's bytes",
        description=(
            "Print the header Missive would send with a body, e.g. for "
            'curl -H "$(missive-channels sign body.json)" --data-binary @body.json URL'
        ),
    )
    _add_secret(sign)
    sign.add_argument("file", metavar="FILE", help="the body to sign; - reads stdin")
    sign.add_argument(
        "--header",
        choices=SIGNATURE_HEADERS,
        default=SIGNATURE_HEADERS[0],
        help="the header name to print (default: %(default)s)",
    )
    sign.set_defaults(run=_sign)


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
        raise _CommandError(msg) from exc
    _write(sys.stdout, f"{args.header}: {compute_signature(data, secret)}")
    return 0


# -- demo ---------------------------------------------------------------------------------


def _add_demo(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    demo = commands.add_parser(
        "demo",
        help="run the whole loop against a local FakeMissive and print a transcript",
        description=(
            "Start a local stand-in for Missive and a webhook receiver, send Text, HTML and "
            "Email messages with the sync and async clients, play an agent's reply, verify "
            "and parse its webhook, post a delivery receipt and read the conversation back. "
            "Offline: everything travels over 127.0.0.1."
        ),
    )
    demo.set_defaults(run=_demo)


def _demo(_args: argparse.Namespace) -> int:
    from ._demo import run_demo  # noqa: PLC0415 - the demo loads the testing kit

    run_demo(sys.stdout)
    return 0


# -- entry point --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``missive-channels`` command line."""
    parser = _Parser(
        prog=PROG,
        description="Missive custom channels from the shell: try, send, receive and sign.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    commands.required = True
    _add_demo(commands)
    _add_send(commands)
    _add_listen(commands)
    _add_sign(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments after the program name; default ``sys.argv[1:]``.

    Returns:
        The exit status: 0 on success, 1 when a command failed, 2 for a usage
        mistake, 130 when interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0
    except _CommandError as failure:
        _write(sys.stderr, f"{PROG}: error: {failure}")
        return failure.status
    except KeyboardInterrupt:
        _write(sys.stderr, f"{PROG}: interrupted")
        return INTERRUPTED
