"""``missive-channels send --jsonl``: one message per line, a journal to resume, and the report."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import logging
import re
import sys
from pathlib import Path
from time import monotonic
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
from .progress import counts_text, open_display, snapshot

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Generator, Iterable, Iterator

    from missive_channels._bulk import SendOutcome, SendStatus
    from missive_channels._models import Message

    from .progress import Display

__all__ = ["message_from_json", "run_jsonl"]

_WAITS: Final = (
    # What the clients log just before they wait on Missive's rate limit: the limiter's own
    # wait, and the wait a 429 asked for before the retry.
    re.compile(r"^rate limit: .* waits (?P<seconds>[0-9.]+) s$"),
    re.compile(r"^retrying .*\(status 429\); waiting (?P<seconds>[0-9.]+) s$"),
)
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
)
_KINDS: Final[dict[object, type[Message]]] = {
    "text": TextMessage,
    "html": HtmlMessage,
    "email": EmailMessage,
}


def _wire_attachment(item: object, folder: Path) -> object:
    """Return an attachment of a line in its wire shape, reading a ``path`` from disk.

    A relative ``path`` is taken from ``folder``, the JSON Lines file's own folder.
    """
    given = cast("dict[str, object]", item) if isinstance(item, dict) else {}
    if "path" in given:
        rest = {key: value for key, value in given.items() if key != "path"}
        path, filename = given["path"], rest.get("filename")
        if not isinstance(path, str) or not isinstance(filename, (str, type(None))):
            msg = "an attachment's path and filename must be strings"
            raise ValidationError(msg, field="attachments")
        read = Attachment.from_path(folder / path, filename=filename)
        encoded = base64.b64encode(read.data).decode("ascii")
        return {**rest, "filename": read.filename, "base64_data": encoded}
    if "base64_data" in given:
        return given
    msg = 'each attachment is {"filename", "path"} or {"filename", "base64_data"}'
    raise ValidationError(msg, field="attachments")


def message_from_json(
    line: str, *, default_type: str, account: str | None, folder: Path | None = None
) -> Message:
    """Build a message from one line of ``send --jsonl``: the API's ``messages`` object.

    Participants are JSON objects, ``delivered_at`` is Unix seconds and each
    attachment is ``{"filename", "path"}`` (read from disk) or
    ``{"filename", "base64_data"}``. A ``"type"`` key overrides ``default_type``.
    Unknown keys are refused.

    Args:
        line: One JSON object.
        default_type: ``text``, ``html`` or ``email``, for a line without ``"type"``.
        account: The account id for a line without ``"account"``, if any.
        folder: Where a relative attachment ``path`` starts: the JSON Lines file's
            folder (default: the current directory).

    Returns:
        The message, checked by the models' own validators.

    Raises:
        ValidationError: If the line is not such an object, or a field is invalid.
    """
    try:
        data: object = json.loads(line)
    except ValueError as exc:
        msg = f"not JSON: {exc}"
        raise ValidationError(msg) from exc
    except RecursionError as exc:
        msg = "not JSON this tool reads: nested too deeply; a message is a few levels deep"
        raise ValidationError(msg) from exc
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
            _wire_attachment(each, folder or Path()) for each in cast("list[object]", attachments)
        ]
    return kind.from_dict(fields)


class _Report(logging.Handler):
    """What ``send --jsonl`` says on stderr: problems, progress, and the counts at the end.

    On a terminal the display shows done/total, the rate, the ETA and, while the
    client waits on Missive's rate limit, how long; it learns of the waits from
    the clients' log records. Elsewhere (no display) only problems and the counts
    are written.
    """

    def __init__(
        self, stream: TextIO, display: Display | None, *, clock: Callable[[], float]
    ) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.display = display
        self.total: int | None = None
        """The number of lines to send, when known before sending (not for stdin)."""
        self.clock = clock
        self.started = clock()
        from missive_channels._bulk import SendCounts  # noqa: PLC0415 - loads httpx, which only sending needs

        self.counts = SendCounts()
        self.held = 0
        """Skipped because an earlier run may have delivered them."""
        self.invalid = 0
        """Failed lines that were never messages: only editing them can fix them."""

    def tally(self) -> str:
        total = self.counts.total
        plural = "" if total == 1 else "s"
        return f"{total} message{plural}: {counts_text(self.counts)}"

    def show(self, waiting: float | None = None) -> None:
        if self.display is not None:
            elapsed = self.clock() - self.started
            now = snapshot(self.counts, total=self.total, elapsed=elapsed, waiting=waiting)
            self.display.update(now)

    def emit(self, record: logging.LogRecord) -> None:
        """Show a wait on Missive's rate limit the client is about to make."""
        message = record.getMessage()
        for pattern in _WAITS:
            found = pattern.match(message)
            if found is not None:
                self.show(waiting=float(found["seconds"]))

    def say(self, line: str) -> None:
        if self.display is None:
            write(self.stream, line)
        else:
            self.display.say(line)

    def count(self, status: SendStatus, problem: str | None = None) -> None:
        self.counts = self.counts.add(status)
        if problem is not None:
            self.say(problem)
        self.show()

    def invalid_line(self, number: int, problem: str) -> None:
        from missive_channels._bulk import SendStatus  # noqa: PLC0415 - loads httpx, which only sending needs

        self.invalid += 1
        self.count(SendStatus.FAILED, f"line {number}: {problem}")

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
        if self.invalid:
            again = "rerun the same command" if journal else "send those lines again"
            self.say(f"{self.invalid} invalid: fix the lines named above, then {again}")
        refused = counts.failed - self.invalid
        if refused:
            retry = (
                "rerun the same command to retry them"
                if journal
                else "without a journal a rerun sends every line again"
            )
            self.say(f"{refused} failed: {retry}")
        return POSSIBLY_DELIVERED if unsure else FAILURE if counts.failed else 0


def _open_jsonl(path: str) -> contextlib.AbstractContextManager[Iterable[str | bytes]]:
    # Bytes, decoded a line at a time, so that one line that is not UTF-8 fails alone.
    if path == "-":
        return contextlib.nullcontext(getattr(sys.stdin, "buffer", sys.stdin))
    try:
        return open(path, "rb")  # noqa: PTH123 - the user's path, closed by the caller
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


@contextlib.contextmanager
def _watching_waits(report: _Report) -> Generator[None, None, None]:
    """Let ``report`` see the clients' waits on the rate limit (only a display shows them)."""
    if report.display is None:
        yield
        return
    logger = logging.getLogger("missive_channels")
    level = logger.level
    logger.addHandler(report)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(report)
        logger.setLevel(level)


@contextlib.contextmanager
def _reporting(stream: TextIO) -> Generator[_Report, None, None]:
    """Report on ``stream`` while the block runs: with a progress display on a terminal."""
    with open_display(stream) as display:
        report = _Report(stream, display, clock=monotonic)
        with _watching_waits(report):
            yield report


def _count_lines(path: str) -> int:
    """Return how many messages a file holds: its lines that are not blank."""
    with open(path, "rb") as file:  # noqa: PTH123 - the user's path, read once more
        return sum(1 for line in file if line.strip())


def _json_outcome(
    line: int, status: SendStatus, *, error: object = None, outcome: SendOutcome | None = None
) -> str:
    """Return one line's outcome as the JSON object ``--json`` prints."""
    return json.dumps(
        {
            "line": line,
            "status": status.value,
            "external_id": None if outcome is None else outcome.external_id,
            "id": None if outcome is None else outcome.message_id,
            "conversation": None if outcome is None else outcome.conversation_id,
            "error": None if error is None else str(error),
            "reason": None if outcome is None else outcome.reason,
        }
    )


def _messages(
    file: Iterable[str | bytes],
    args: argparse.Namespace,
    *,
    journal: str | None,
    invalid: Callable[[int, str], None],
    lines: dict[int, int],
) -> Iterator[Message]:
    """Yield each valid line's message, noting its line number in ``lines`` by send index.

    A line that is not UTF-8, not a message, or without ``external_id`` under a
    journal goes to ``invalid`` with its number and what is wrong, and the rest go on.
    """
    folder = None if args.jsonl == "-" else Path(args.jsonl).parent
    indexes = itertools.count()
    for number, raw in enumerate(file, start=1):
        try:
            line = raw.decode() if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            invalid(number, f"not UTF-8 text: byte {raw[exc.start]:#04x} at column {exc.start + 1}")
            continue
        if not line.strip():
            continue
        try:
            message = message_from_json(
                line, default_type=args.type, account=args.account, folder=folder
            )
        except ValidationError as exc:
            invalid(number, str(exc))
            continue
        if journal is not None and message.external_id is None:
            invalid(
                number,
                "no external_id: with a journal every line needs a stable, unique "
                "external_id (or send with --no-journal)",
            )
            continue
        lines[next(indexes)] = number
        yield message


def run_jsonl(args: argparse.Namespace) -> int:
    """Run ``send --jsonl FILE``: send each line's message, report, and return the exit status."""
    journal = _check_jsonl_options(args)
    token = api_token(args)
    from missive_channels._bulk import SendStatus  # noqa: PLC0415 - loads httpx, which only sending needs

    lines: dict[int, int] = {}  # create_many's index of a message -> its line number
    with (
        _open_jsonl(args.jsonl) as file,
        api_client(args, token) as client,
        _reporting(sys.stderr) as report,
    ):

        def invalid(number: int, problem: str) -> None:
            if args.json:
                write(sys.stdout, _json_outcome(number, SendStatus.FAILED, error=problem))
            report.invalid_line(number, problem)

        outcomes = client.messages.create_many(
            _messages(file, args, journal=journal, invalid=invalid, lines=lines),
            journal=journal,
            resend_possibly_delivered=args.resend_possibly_delivered,
        )
        try:
            # Standard input can be read only once: its total stays unknown.
            report.total = None if args.jsonl == "-" else _count_lines(args.jsonl)
            for outcome in outcomes:
                number = lines.pop(outcome.index)
                if args.json:
                    shown = _json_outcome(
                        number, outcome.status, error=outcome.error, outcome=outcome
                    )
                    write(sys.stdout, shown)
                report.outcome(number, outcome)
        except JournalError as exc:
            raise UsageError(str(exc)) from exc
        except KeyboardInterrupt:
            report.say(f"interrupted after {report.tally()}")
            report.say("rerun the same command to resume")
            return INTERRUPTED
        return report.finish(journal=journal is not None)
