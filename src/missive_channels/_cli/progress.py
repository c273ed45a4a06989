"""The progress display of ``send --jsonl``: its numbers, a rich display, and a plain line."""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Protocol

import attrs

from .common import write

if TYPE_CHECKING:
    from collections.abc import Generator
    from typing import TextIO

    from rich.console import Console
    from rich.progress import Progress, TaskID

    from missive_channels._bulk import SendCounts

__all__ = [
    "Display",
    "PlainLine",
    "RichDisplay",
    "Snapshot",
    "counts_text",
    "duration",
    "open_display",
    "snapshot",
]


def duration(seconds: float) -> str:
    """Return a wait or an ETA the way people say it: ``45s``, ``5m 10s``, ``2h 05m``."""
    whole = math.ceil(seconds)
    if whole < 60:  # noqa: PLR2004 - a minute
        return f"{whole}s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:  # noqa: PLR2004 - an hour
        return f"{minutes}m {rest:02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def counts_text(counts: SendCounts) -> str:
    """Return how many messages ended in each status: ``3 sent, 1 failed, ...``."""
    return (
        f"{counts.sent} sent, {counts.failed} failed, "
        f"{counts.possibly_delivered} possibly delivered, {counts.skipped} skipped"
    )


@attrs.frozen(kw_only=True)
class Snapshot:
    """What a progress display shows at one moment, each part already in words.

    Attributes:
        done: Messages with an outcome so far.
        total: The messages to send, when known before sending (not for stdin).
        amount: ``12/40 messages``, or ``12 messages`` without a total.
        rate: Messages a minute so far (``297/min``), or empty before the first.
        eta: The time left at that rate (``ETA 2m 05s``), or empty without a total or a rate.
        counts: How many messages ended in each status.
        wait: ``waiting for Missive's rate limit (41s)`` while the client waits, else empty.
    """

    done: int
    total: int | None
    amount: str
    rate: str
    eta: str
    counts: str
    wait: str

    def line(self) -> str:
        """Return the whole progress as one line of text."""
        head = ", ".join(part for part in (self.amount, self.rate, self.eta) if part)
        tail = f"; {self.wait}" if self.wait else ""
        return f"{head}: {self.counts}{tail}"


def snapshot(
    counts: SendCounts, *, total: int | None, elapsed: float, waiting: float | None = None
) -> Snapshot:
    """Work out what a progress display shows.

    Args:
        counts: The outcomes so far.
        total: The messages to send, if known.
        elapsed: Seconds since sending started.
        waiting: Seconds the client is about to wait on Missive's rate limit, if it is.

    Returns:
        The numbers of the moment, in words.
    """
    done = counts.total
    rate = eta = ""
    if done and elapsed > 0:
        per_second = done / elapsed
        rate = f"{per_second * 60:.0f}/min"
        if total is not None:
            eta = f"ETA {duration(max(total - done, 0) / per_second)}"
    return Snapshot(
        done=done,
        total=total,
        amount=f"{done} messages" if total is None else f"{done}/{total} messages",
        rate=rate,
        eta=eta,
        counts=counts_text(counts),
        wait="" if waiting is None else f"waiting for Missive's rate limit ({duration(waiting)})",
    )


class Display(Protocol):
    """Where a terminal user watches a bulk send: a progress display and lines above it."""

    def update(self, now: Snapshot) -> None:
        """Show the progress of the moment in place of the last one."""

    def say(self, line: str) -> None:
        """Write a line that stays (a problem, the counts at the end) above the progress."""

    def close(self) -> None:
        """Stop the display, leaving the lines said on screen."""


class PlainLine:
    """A display of one line that rewrites itself, for a terminal without rich."""

    def __init__(self, stream: TextIO) -> None:
        """Display on ``stream``, a terminal."""
        self.stream = stream
        self.shown = False
        """Whether a progress line is on screen, unfinished."""

    def update(self, now: Snapshot) -> None:
        """Rewrite the line with the progress of the moment."""
        self.stream.write(f"\r\x1b[K{now.line()}")
        self.stream.flush()
        self.shown = True

    def say(self, line: str) -> None:
        """Write ``line`` over the progress line, which the next update writes again below."""
        write(self.stream, f"\r\x1b[K{line}")
        self.shown = False

    def close(self) -> None:
        """End an unfinished progress line, so that what follows starts on a line of its own."""
        if self.shown:
            write(self.stream, "")
            self.shown = False


class RichDisplay:
    """A ``rich`` progress bar with the counts, the rate, the ETA and the rate-limit wait."""

    def __init__(self, console: Console) -> None:
        """Display on ``console``; nothing shows until the first update."""
        from rich.progress import BarColumn, Progress, TextColumn  # noqa: PLC0415 - rich is optional, and only a terminal needs it

        def text(field: str, style: str = "none") -> TextColumn:
            return TextColumn(f"{{task.fields[{field}]}}", style=style, markup=False)

        self.progress: Progress = Progress(
            text("amount", "bold"),
            BarColumn(),
            text("rate"),
            text("eta", "cyan"),
            text("counts"),
            text("wait", "bold yellow"),
            console=console,
            # Refreshed on each update, with no thread of its own: the numbers change only then.
            auto_refresh=False,
            # The summary replaces the bar, as it replaces the plain line.
            transient=True,
            # Standard output stays the user's (`--json` outcomes), never drawn into the display.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task: TaskID | None = None

    def update(self, now: Snapshot) -> None:
        """Show the progress of the moment, starting the display the first time."""
        fields = attrs.asdict(now)
        del fields["done"], fields["total"]
        if self.task is None:
            self.task = self.progress.add_task("", total=now.total, completed=now.done, **fields)
            self.progress.start()
        self.progress.update(self.task, total=now.total, completed=now.done, refresh=True, **fields)

    def say(self, line: str) -> None:
        """Print ``line`` above the progress bar, as it is: no markup, no highlighting."""
        from rich.text import Text  # noqa: PLC0415 - loaded with the display already

        self.progress.console.print(Text(line), soft_wrap=True)

    def close(self) -> None:
        """Take the progress bar off the screen."""
        self.progress.stop()


def _terminal_display(stream: TextIO) -> Display:
    """Return the rich display on ``stream`` if rich is installed and can draw, else the plain line.

    Rich redraws only on a terminal it finds interactive: not one whose ``TERM`` is
    ``dumb``, nor under ``TTY_INTERACTIVE=0``. The plain line serves those.
    """
    try:
        from rich.console import Console  # noqa: PLC0415 - rich is optional: the `cli` extra
    except ImportError:
        return PlainLine(stream)
    console = Console(file=stream)
    return RichDisplay(console) if console.is_interactive else PlainLine(stream)


@contextlib.contextmanager
def open_display(stream: TextIO) -> Generator[Display | None, None, None]:
    """Display progress on ``stream`` while the block runs, if it is a terminal.

    Yields:
        The rich display where rich is installed and can draw, else the plain line; ``None``
        when ``stream`` is not a terminal, which then gets no progress at all.
    """
    if not stream.isatty():
        yield None
        return
    display = _terminal_display(stream)
    try:
        yield display
    finally:
        display.close()
