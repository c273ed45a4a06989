"""``missive-channels send --jsonl``: one message per line, a journal to resume, and the report."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import sys
from typing import TYPE_CHECKING, Final, TextIO, cast

from missive_channels._errors import JournalError, ValidationError
from missive_channels._journal import JournalState
from missive_channels._models import (
    Attachment,
    EmailMessage,
    HtmlMessage,
    TextMessage,
)

from .common import (
    FAILURE,
    INTERRUPTED,
    POSSIBLY_DELIVERED,
    CommandError,
    UsageError,
    api_client,
    api_token,
    write,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Iterator

    from missive_channels._bulk import SendOutcome, SendStatus
    from missive_channels._models import Message

__all__ = ["message_from_json", "run_jsonl"]

PROGRESS_EVERY: Final = 100
"""Messages between two progress lines when standard error is not a terminal."""

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
    return kind.from_dict(fields)


class _Report:
    """What ``send --jsonl`` says on stderr: problems, progress, and the counts at the end."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        from missive_channels._bulk import SendCounts  # noqa: PLC0415 - loads httpx, which only sending needs

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
        write(self.stream, f"\r\x1b[K{line}" if self.tty else line)

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
        raise CommandError(msg) from exc


def _check_jsonl_options(args: argparse.Namespace) -> str | None:
    mixed = [
        option for name, option in _SINGLE_ONLY if getattr(args, name) not in (None, [], False)
    ]
    if mixed:
        msg = f"--jsonl cannot be combined with {', '.join(mixed)}: put the fields on each line"
        raise UsageError(msg)
    journal: str | None = args.journal
    if journal is None and not args.no_journal:
        if args.jsonl == "-":
            msg = "--jsonl - needs --journal PATH (to resume after a failure) or --no-journal"
            raise UsageError(msg)
        journal = f"{args.jsonl}.journal"
    return journal


def run_jsonl(args: argparse.Namespace) -> int:
    """Run ``send --jsonl FILE``: send each line's message, report, and return the exit status."""
    journal = _check_jsonl_options(args)
    token = api_token(args)
    from missive_channels._bulk import SendStatus  # noqa: PLC0415 - loads httpx, which only sending needs

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

    with _open_jsonl(args.jsonl) as file, api_client(args, token) as client:
        outcomes = client.messages.create_many(
            messages(file),
            journal=journal,
            resend_possibly_delivered=args.resend_possibly_delivered,
        )
        try:
            for outcome in outcomes:
                report.outcome(lines.pop(outcome.index), outcome)
        except JournalError as exc:
            raise UsageError(str(exc)) from exc
        except KeyboardInterrupt:
            report.say(f"interrupted after {report.tally()}")
            report.say("rerun the same command to resume")
            return INTERRUPTED
    return report.finish(journal=journal is not None)
