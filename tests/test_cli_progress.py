"""The progress display of ``send --jsonl``: its numbers, the rich bar, the plain line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from rich.console import Console

from missive_channels import _cli
from missive_channels._bulk import SendCounts, SendStatus
from missive_channels._cli import progress
from missive_channels._cli.progress import PlainLine, RichDisplay, Snapshot, snapshot
from missive_channels.testing import ChannelSettings, FakeMissive, Fault

if TYPE_CHECKING:
    from pathlib import Path

# Every rich module the display loads, hidden to play a machine without the `cli` extra.
RICH_MODULES = ("rich", "rich.console", "rich.progress", "rich.text")


@pytest.fixture(autouse=True)
def xterm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Play a terminal rich draws on, whatever terminal (or none) runs the tests."""
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


class Terminal(io.StringIO):
    """A stream attached to a terminal."""

    def isatty(self) -> bool:
        """Say it is a terminal."""
        return True


def counts(sent: int = 0, failed: int = 0) -> SendCounts:
    """Counts with ``sent`` messages sent and ``failed`` failed."""
    result = SendCounts()
    for status, times in ((SendStatus.SENT, sent), (SendStatus.FAILED, failed)):
        for _ in range(times):
            result = result.add(status)
    return result


def rich_console(width: int = 200) -> tuple[Console, io.StringIO]:
    """A rich console on a terminal of ``width`` columns, without colours, and what it wrote."""
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=width, color_system=None), screen


def test_a_snapshot_works_out_the_rate_and_the_time_left() -> None:
    """Ten messages in two minutes of forty: 5/min, six minutes left."""
    now = snapshot(counts(sent=9, failed=1), total=40, elapsed=120.0)
    assert now == Snapshot(
        done=10,
        total=40,
        amount="10/40 messages",
        rate="5/min",
        eta="ETA 6m 00s",
        counts="9 sent, 1 failed, 0 possibly delivered, 0 skipped",
        wait="",
    )
    assert now.line() == (
        "10/40 messages, 5/min, ETA 6m 00s: 9 sent, 1 failed, 0 possibly delivered, 0 skipped"
    )


def test_a_snapshot_without_a_total_has_a_rate_and_no_eta() -> None:
    """Standard input's total is unknown: the line says how many so far and how fast."""
    now = snapshot(counts(sent=3), total=None, elapsed=60.0)
    assert (now.amount, now.rate, now.eta) == ("3 messages", "3/min", "")


def test_before_the_first_outcome_a_snapshot_has_no_rate_and_shows_the_wait() -> None:
    """Nothing done yet gives no rate nor ETA, and the wait on the rate limit is in words."""
    now = snapshot(counts(), total=5, elapsed=0.0, waiting=41.2)
    assert now.line() == (
        "0/5 messages: 0 sent, 0 failed, 0 possibly delivered, 0 skipped; "
        "waiting for Missive's rate limit (42s)"
    )


def test_a_snapshot_never_shows_a_negative_time_left() -> None:
    """More outcomes than counted lines (a line holding two objects is one) leave ETA 0s."""
    assert snapshot(counts(sent=3), total=2, elapsed=1.0).eta == "ETA 0s"


@pytest.mark.parametrize(
    ("seconds", "said"), [(0.2, "1s"), (59.0, "59s"), (60.0, "1m 00s"), (3_725.0, "1h 02m")]
)
def test_durations_read_as_people_say_them(seconds: float, said: str) -> None:
    """Waits and ETAs round up to a whole second and grow into minutes, then hours."""
    assert progress.duration(seconds) == said


def test_the_rich_display_shows_done_of_total_the_rate_the_eta_and_the_wait() -> None:
    """On a terminal with rich, a bar carries the numbers and the wait on the rate limit."""
    console, screen = rich_console()
    display = RichDisplay(console)
    display.update(snapshot(counts(sent=297), total=891, elapsed=60.0, waiting=41.0))
    shown = screen.getvalue()
    assert "297/891 messages" in shown
    assert "297/min" in shown
    assert "ETA 2m 00s" in shown
    assert "297 sent, 0 failed, 0 possibly delivered, 0 skipped" in shown
    assert "waiting for Missive's rate limit (41s)" in shown
    assert "━" in shown  # the bar


def test_the_rich_display_drops_the_wait_once_sending_resumes() -> None:
    """The next update after a wait shows the new counts without the wait."""
    console, screen = rich_console()
    display = RichDisplay(console)
    display.update(snapshot(counts(), total=2, elapsed=0.0, waiting=5.0))
    screen.truncate(0)
    screen.seek(0)
    display.update(snapshot(counts(sent=1), total=2, elapsed=30.0))
    shown = screen.getvalue()
    assert "1/2 messages" in shown
    assert "waiting" not in shown


def test_the_rich_display_prints_lines_as_they_are_and_leaves_only_them() -> None:
    """A problem line keeps its brackets and colons; closing takes the bar off the screen."""
    console, screen = rich_console()
    display = RichDisplay(console)
    display.update(snapshot(counts(sent=1), total=2, elapsed=1.0))
    display.say("line 2: [bold]not markup[/bold] :smile:")
    display.close()
    shown = screen.getvalue()
    assert "line 2: [bold]not markup[/bold] :smile:\n" in shown
    # The bar, drawn last before closing, is erased: the cursor moves up and clears the line.
    assert shown.endswith("\x1b[1A\x1b[2K")


def test_the_rich_display_shows_nothing_before_its_first_update() -> None:
    """Lines said before any progress are printed alone, and closing then erases nothing."""
    console, screen = rich_console()
    display = RichDisplay(console)
    display.say("line 1: not JSON")
    display.close()
    assert screen.getvalue() == "line 1: not JSON\n"


def test_the_plain_line_rewrites_itself_and_lines_replace_it() -> None:
    """Each update overwrites the line; a said line takes its place and ends with a newline."""
    terminal = Terminal()
    line = PlainLine(terminal)
    line.update(snapshot(counts(sent=1), total=2, elapsed=30.0))
    line.say("line 2: not JSON")
    line.close()  # nothing left unfinished: nothing more written
    assert terminal.getvalue() == (
        "\r\x1b[K1/2 messages, 2/min, ETA 30s: 1 sent, 0 failed, 0 possibly delivered, 0 skipped"
        "\r\x1b[Kline 2: not JSON\n"
    )


def test_closing_the_plain_line_ends_an_unfinished_progress_line() -> None:
    """Stopped mid-run, the last progress stays on screen and what follows starts below it."""
    terminal = Terminal()
    line = PlainLine(terminal)
    line.update(snapshot(counts(sent=1), total=2, elapsed=30.0))
    line.close()
    line.close()
    assert terminal.getvalue().endswith("0 skipped\n")


def test_a_terminal_with_rich_gets_the_rich_display() -> None:
    """Where rich is installed, a terminal gets the bar."""
    with progress.open_display(Terminal()) as display:
        assert isinstance(display, RichDisplay)


def test_a_terminal_without_rich_gets_the_plain_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the `cli` extra, a terminal gets the line that updates itself."""
    for name in RICH_MODULES:
        monkeypatch.setitem(sys.modules, name, None)
    terminal = Terminal()
    with progress.open_display(terminal) as display:
        assert isinstance(display, PlainLine)
        display.update(snapshot(counts(sent=1), total=None, elapsed=60.0))
    assert terminal.getvalue() == (
        "\r\x1b[K1 messages, 1/min: 1 sent, 0 failed, 0 possibly delivered, 0 skipped\n"
    )


@pytest.mark.parametrize(("name", "value"), [("TERM", "dumb"), ("TTY_INTERACTIVE", "0")])
def test_a_terminal_rich_cannot_redraw_gets_the_plain_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """A dumb terminal, or one that asks for no redrawing, gets the plain line even with rich."""
    monkeypatch.setenv(name, value)
    with progress.open_display(Terminal()) as display:
        assert isinstance(display, PlainLine)


def test_a_stream_that_is_not_a_terminal_gets_no_display() -> None:
    """A pipe or a file gets no progress at all."""
    stream = io.StringIO()
    with progress.open_display(stream) as display:
        assert display is None
    assert stream.getvalue() == ""


def test_send_jsonl_on_a_terminal_with_rich_shows_the_bar_then_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A whole run: the bar with done/total and the 429's wait, then the summary in its place."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("COLUMNS", "200")
    with FakeMissive(rate_limit=None) as fake:
        monkeypatch.setenv("MISSIVE_API_TOKEN", fake.token)
        account = fake.add_channel(ChannelSettings(type="text"))
        fake.faults.push(Fault.rate_limited(retry_after=1))
        path = tmp_path / "in.jsonl"
        lines = [
            {"account": account, "external_id": "a", "from_field": {"id": "crm"}, "body": "b"},
            {"account": account, "external_id": "c", "from_field": {"id": "crm"}, "body": "d"},
        ]
        path.write_text("".join(f"{json.dumps(line)}\n" for line in lines))
        argv = ["send", "--base-url", fake.base_url, "--max-retries", "1", "--jsonl", str(path)]
        assert _cli.main([*argv, "--json"]) == 0
        assert [message.payload["body"] for message in fake.messages] == ["b", "d"]
    shown = terminal.getvalue()
    assert "0/2 messages" in shown
    assert "waiting for Missive's rate limit (1s)" in shown
    assert "2/2 messages" in shown
    assert "done, 2 messages: 2 sent, 0 failed, 0 possibly delivered, 0 skipped\n" in shown
    # Standard output keeps only the --json outcomes, never the display.
    outcomes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(o["line"], o["status"]) for o in outcomes] == [(1, "sent"), (2, "sent")]


# httpx imports rich for its own command line where click and pygments are installed too, so
# the probe stays with what loads no httpx: the package root, webhooks, and the CLI's --help.
PROBE = """
import contextlib, io, sys
import missive_channels, missive_channels.webhooks
from missive_channels import _cli
with contextlib.redirect_stdout(io.StringIO()):
    assert _cli.main(["--help"]) == _cli.main(["send", "--help"]) == 0
assert "rich" not in sys.modules, "the package or --help imported rich"
"""


def test_neither_the_library_nor_help_imports_rich() -> None:
    """Rich loads only when a display starts: importing the package and --help stay light."""
    subprocess.run([sys.executable, "-c", PROBE], check=True)  # noqa: S603 - our own probe
