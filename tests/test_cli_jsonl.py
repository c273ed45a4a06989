"""``missive-channels send --jsonl``: bulk sending from a file, against FakeMissive."""

from __future__ import annotations

import base64
import io
import itertools
import json
import logging
import sqlite3
import sys
from contextlib import closing
from typing import TYPE_CHECKING, Any

import pytest

from missive_channels import _cli
from missive_channels._cli import jsonl
from missive_channels._cli.progress import PlainLine
from missive_channels._core import ClientCore
from missive_channels._operations import get_message
from missive_channels._ratelimit import Lease
from missive_channels.testing import ChannelSettings, FakeMissive, Fault

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMissive]:
    """A running FakeMissive without rate limits, its token in the environment."""
    with FakeMissive(rate_limit=None) as fake:
        monkeypatch.setenv("MISSIVE_API_TOKEN", fake.token)
        yield fake


@pytest.fixture
def account(fake: FakeMissive) -> str:
    """A Text channel's account id."""
    return fake.add_channel(ChannelSettings(type="text"))


class Result:
    """What one in-process run of the command line produced."""

    def __init__(self, status: int, out: str, err: str) -> None:
        """Keep the exit status and the two streams."""
        self.status = status
        self.out = out
        self.err = err
        self.lines = err.splitlines()


@pytest.fixture
def cli(
    fake: FakeMissive, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Return a runner of ``send --jsonl ...`` pointed at the fake, with the given stdin."""

    def run(*argv: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        command = ["send", "--base-url", fake.base_url, "--max-retries", "0", *argv]
        status = _cli.main(command)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        assert fake.token not in out + err
        return Result(status, out, err)

    return run


def text(account: str, external_id: str | None, body: str, **extra: Any) -> dict[str, Any]:
    """One line's object: a Text message from "crm"."""
    line: dict[str, Any] = {"account": account, "from_field": {"id": "crm"}, "body": body}
    if external_id is not None:
        line["external_id"] = external_id
    return line | extra


def write(path: Path, *objects: dict[str, Any] | str) -> str:
    """Write one JSON object (or raw text) per line; return the path as a string."""
    path.write_text("".join(f"{o if isinstance(o, str) else json.dumps(o)}\n" for o in objects))
    return str(path)


def bodies(fake: FakeMissive) -> list[str]:
    """The bodies FakeMissive recorded, in order."""
    return [message.payload["body"] for message in fake.messages]


def test_a_file_is_sent_once_and_a_rerun_skips_it(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """Each line becomes one message; rerunning the command sends nothing again."""
    path = write(tmp_path / "backfill.jsonl", *(text(account, f"t-{n}", f"m{n}") for n in range(3)))
    first = cli("--jsonl", path)
    assert first.status == 0, first.err
    assert first.out == ""
    assert first.lines == ["done, 3 messages: 3 sent, 0 failed, 0 possibly delivered, 0 skipped"]
    assert bodies(fake) == ["m0", "m1", "m2"]
    assert fake.messages[0].payload == text(account, "t-0", "m0")
    assert (tmp_path / "backfill.jsonl.journal").exists()
    again = cli("--jsonl", path)
    assert again.status == 0, again.err
    assert again.lines == ["done, 3 messages: 0 sent, 0 failed, 0 possibly delivered, 3 skipped"]
    assert bodies(fake) == ["m0", "m1", "m2"]


def test_a_bad_line_is_reported_and_the_rest_sent(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """Invalid lines are failed with their line number, never sent; a fixed rerun sends them."""
    good = [text(account, "a", "first"), text(account, "b", "second")]
    path = tmp_path / "in.jsonl"
    write(
        path, good[0], "{not json", "", text(account, "c", "x", references=["has space"]),
        text(account, "d", "y", sender="?"), good[1], "[1]",
    )  # fmt: skip
    result = cli("--jsonl", str(path))
    assert result.status == 1
    assert result.lines[0].startswith("line 2: not JSON: Expecting property name")
    assert result.lines[1].startswith("line 4: TextMessage.references")
    assert result.lines[2] == (
        "line 5: unexpected key 'sender': TextMessage has no such field; "
        "remove it or check the spelling"
    )
    assert result.lines[3] == "line 7: each line must be one JSON object: the API's messages object"
    assert result.lines[4:] == [
        "done, 6 messages: 2 sent, 4 failed, 0 possibly delivered, 0 skipped",
        "4 invalid: fix the lines named above, then rerun the same command",
    ]
    assert bodies(fake) == ["first", "second"]
    write(path, *good, text(account, "c", "third"))
    assert cli("--jsonl", str(path)).status == 0
    assert bodies(fake) == ["first", "second", "third"]


def test_a_lone_surrogate_in_a_line_fails_that_line_only(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """Half an emoji escaped in JSON is a failed line, named by its number; the rest is sent."""
    path = write(
        tmp_path / "in.jsonl",
        text(account, "a", "first"),
        json.dumps(text(account, "b", "\ud83d")),
        text(account, "c", "third"),
    )
    result = cli("--jsonl", path)
    assert result.status == 1
    assert result.lines[0].startswith(
        "line 2: TextMessage.body contains the lone surrogate '\\ud83d' at position 0"
    )
    assert bodies(fake) == ["first", "third"]


def test_lines_build_every_message_type_and_attachment(
    cli: Callable[..., Result], fake: FakeMissive, tmp_path: Path
) -> None:
    """``--type`` and a line's ``"type"`` choose the class; attachments come by path or base64."""
    html = fake.add_channel(ChannelSettings(type="html"))
    email = fake.add_channel(ChannelSettings(type="email"))
    (tmp_path / "report.csv").write_bytes(b"a,b\n1,2\n")
    encoded = base64.b64encode(b"\x89PNG").decode()
    path = write(
        tmp_path / "in.jsonl",
        {
            "from_field": {"id": "crm"}, "to_fields": [{"id": "c1", "name": "C"}],
            "body": "<b>hi</b>", "external_id": "h1", "delivered_at": 1700000000,
            "attachments": [{"filename": "r.csv", "path": str(tmp_path / "report.csv")}],
        },
        {
            "type": "email", "account": email, "from_field": {"address": "a@example.com"},
            "to_fields": [{"address": "b@example.com", "name": "B"}],
            "cc_fields": [{"address": "c@example.com"}], "subject": "Hello", "body": "<p>x</p>",
            "external_id": "e1", "attachments": [{"filename": "logo.png", "base64_data": encoded}],
        },
        {"type": "sms", "account": html, "from_field": {"id": "x"}, "external_id": "s1"},
        {"from_field": {"id": "x"}, "body": "b", "external_id": "a1", "attachments": [{}]},
        {"from_field": {"id": "x"}, "body": "b", "external_id": "a2",
         "attachments": [{"filename": "gone", "path": str(tmp_path / "missing")}]},
    )  # fmt: skip
    result = cli("--jsonl", path, "--type", "html", "--account", html)
    assert result.status == 1
    first, second = fake.messages
    assert first.account == html
    assert first.payload["delivered_at"] == 1700000000
    assert first.payload["to_fields"] == [{"id": "c1", "name": "C"}]
    assert first.payload["attachments"] == [
        {"filename": "r.csv", "base64_data": base64.b64encode(b"a,b\n1,2\n").decode()}
    ]
    assert second.account == email
    assert second.payload["subject"] == "Hello"
    assert second.payload["cc_fields"] == [{"address": "c@example.com"}]
    assert second.payload["attachments"] == [{"filename": "logo.png", "base64_data": encoded}]
    assert result.lines[:3] == [
        "line 3: type must be one of text, html or email",
        'line 4: each attachment is {"filename", "path"} or {"filename", "base64_data"}',
        (
            f"line 5: cannot read attachment file {str(tmp_path / 'missing')!r}: "
            "No such file or directory"
        ),
    ]


def test_a_5xx_is_possibly_delivered_until_resent(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """A processed 503 exits 3; a rerun skips it; ``--resend-possibly-delivered`` sends it."""
    path = write(tmp_path / "in.jsonl", text(account, "a", "one"), text(account, "b", "two"))
    fake.faults.push(Fault.server_error(503, recorded=True, skip=1))
    result = cli("--jsonl", path)
    assert result.status == 3
    assert result.lines[0].startswith("line 2: external_id b: ")
    assert "503" in result.lines[0]
    assert result.lines[1:] == [
        "done, 2 messages: 1 sent, 0 failed, 1 possibly delivered, 0 skipped",
        "1 possibly delivered: check Missive, then rerun with --resend-possibly-delivered",
    ]
    assert bodies(fake) == ["one", "two"]
    held = cli("--jsonl", path)
    assert held.status == 3
    assert held.lines == [
        "done, 2 messages: 0 sent, 0 failed, 0 possibly delivered, 2 skipped",
        "1 skipped as possibly delivered by an earlier run",
        "1 possibly delivered: check Missive, then rerun with --resend-possibly-delivered",
    ]
    assert bodies(fake) == ["one", "two"]
    resent = cli("--jsonl", path, "--resend-possibly-delivered")
    assert resent.status == 0, resent.err
    assert bodies(fake) == ["one", "two", "two"]


def test_a_journal_needs_an_external_id_on_every_line(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """A line without ``external_id`` fails with its line number; the others are sent."""
    path = write(tmp_path / "in.jsonl", text(account, "a", "one"), text(account, None, "two"))
    result = cli("--jsonl", path, "--journal", str(tmp_path / "j.sqlite"))
    assert result.status == 1
    assert result.lines[0] == (
        "line 2: no external_id: with a journal every line needs a stable, unique external_id "
        "(or send with --no-journal)"
    )
    assert bodies(fake) == ["one"]
    assert (tmp_path / "j.sqlite").exists()


def test_a_foreign_journal_stops_before_sending(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """A journal path holding another application's database exits 2 with one line."""
    with closing(sqlite3.connect(tmp_path / "other.db", isolation_level=None)) as other:
        other.execute("CREATE TABLE t (x)")
    path = write(tmp_path / "in.jsonl", text(account, "a", "one"))
    result = cli("--jsonl", path, "--journal", str(tmp_path / "other.db"))
    assert result.status == 2
    assert len(result.lines) == 1
    assert result.lines[0].startswith("missive-channels: error: ")
    assert "another application" in result.lines[0]
    assert fake.requests == []


def test_stdin_without_a_journal(
    cli: Callable[..., Result], fake: FakeMissive, account: str
) -> None:
    """``--jsonl -`` reads stdin; without a journal ``external_id`` is optional."""
    lines = "".join(json.dumps(text(account, None, f"m{n}")) + "\n" for n in range(2))
    refused = cli("--jsonl", "-", stdin=lines)
    assert refused.status == 2
    assert "needs --journal PATH" in refused.err
    result = cli("--jsonl", "-", "--no-journal", stdin=lines)
    assert result.status == 0, result.err
    assert bodies(fake) == ["m0", "m1"]


def test_failures_without_a_journal_warn_against_a_rerun(
    cli: Callable[..., Result], fake: FakeMissive, account: str
) -> None:
    """Without a journal the hints say a rerun resends everything; check before resending."""
    fake.faults.push(Fault.server_error(500, recorded=True))
    fake.faults.push(Fault.server_error(400))
    lines = "".join(json.dumps(text(account, None, f"m{n}")) + "\n" for n in range(2)) + "{}\n"
    result = cli("--jsonl", "-", "--no-journal", stdin=lines)
    assert result.status == 3
    assert result.lines[-3:] == [
        "1 possibly delivered: check Missive before resending",
        "1 invalid: fix the lines named above, then send those lines again",
        "1 failed: without a journal a rerun sends every line again",
    ]


def test_a_pipe_gets_no_progress_only_problems_and_the_counts(
    cli: Callable[..., Result], account: str, tmp_path: Path
) -> None:
    """When standard error is not a terminal, the run stays quiet until its summary."""
    path = write(tmp_path / "in.jsonl", *(text(account, f"t{n}", "b") for n in range(5)))
    result = cli("--jsonl", path)
    assert result.status == 0, result.err
    assert result.lines == ["done, 5 messages: 5 sent, 0 failed, 0 possibly delivered, 0 skipped"]


class Terminal(io.StringIO):
    """Standard error attached to a terminal."""

    def isatty(self) -> bool:
        """Say it is a terminal."""
        return True


def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """Attach standard error to a terminal, on a machine without rich: the plain line shows."""
    for name in ("rich", "rich.console"):
        monkeypatch.setitem(sys.modules, name, None)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    return terminal


def test_progress_updates_one_line_on_a_terminal(
    cli: Callable[..., Result], account: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal one line shows done/total, the rate and the ETA; problems replace it."""
    terminal = plain_terminal(monkeypatch)
    monkeypatch.setattr(jsonl, "monotonic", itertools.count(0, 30).__next__)  # 30 s a message
    path = write(tmp_path / "in.jsonl", text(account, "a", "b"), "", "{}")
    assert cli("--jsonl", path).status == 1
    assert terminal.getvalue() == (
        "\r\x1b[K1/2 messages, 2/min, ETA 30s: 1 sent, 0 failed, 0 possibly delivered, 0 skipped"
        "\r\x1b[Kline 3: $.account: required key is missing; "
        "$.from_field: required key is missing\n"
        "\r\x1b[K2/2 messages, 2/min, ETA 0s: 1 sent, 1 failed, 0 possibly delivered, 0 skipped"
        "\r\x1b[Kdone, 2 messages: 1 sent, 1 failed, 0 possibly delivered, 0 skipped\n"
        "\r\x1b[K1 invalid: fix the lines named above, then rerun the same command\n"
    )


def test_stdin_on_a_terminal_shows_no_total(
    cli: Callable[..., Result], account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Standard input is read once, so the line shows the rate without a total or an ETA."""
    terminal = plain_terminal(monkeypatch)
    monkeypatch.setattr(jsonl, "monotonic", itertools.count(0, 30).__next__)
    line = json.dumps(text(account, None, "b"))
    assert cli("--jsonl", "-", "--no-journal", stdin=line).status == 0
    assert terminal.getvalue().startswith(
        "\r\x1b[K1 messages, 2/min: 1 sent, 0 failed, 0 possibly delivered, 0 skipped\r"
    )


def test_a_terminal_shows_the_wait_a_429_asks_for(
    cli: Callable[..., Result],
    fake: FakeMissive,
    account: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the client waits on Missive's rate limit, the line says so and for how long."""
    terminal = plain_terminal(monkeypatch)
    fake.faults.push(Fault.rate_limited(retry_after=1))
    path = write(tmp_path / "in.jsonl", text(account, "a", "b"))
    assert cli("--jsonl", path, "--max-retries", "1").status == 0
    assert (
        "0/1 messages: 0 sent, 0 failed, 0 possibly delivered, 0 skipped; " in terminal.getvalue()
    )
    assert "; waiting for Missive's rate limit (1s)" in terminal.getvalue()
    assert bodies(fake) == ["b"]
    assert logging.getLogger("missive_channels").level == logging.NOTSET  # put back


def test_a_terminal_shows_the_limiter_s_own_waits() -> None:
    """The wait a client's limiter imposes before a request shows, in minutes and seconds."""
    terminal = Terminal()
    report = jsonl._Report(terminal, PlainLine(terminal), clock=lambda: 0.0)
    core = ClientCore(
        token="t", base_url=None, timeout=None, max_retries=0, rate_limit=None, own_client=True
    )
    with jsonl._watching_waits(report):
        core.start_delay(core.send_command(get_message("m1")), Lease(wait=75.0))
    assert terminal.getvalue() == (
        "\r\x1b[K0 messages: 0 sent, 0 failed, 0 possibly delivered, 0 skipped; "
        "waiting for Missive's rate limit (1m 15s)"
    )


def test_json_prints_one_outcome_per_line(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """--json with --jsonl gives scripts one JSON object per input line on stdout."""
    path = write(
        tmp_path / "in.jsonl", text(account, "a", "one"), "", "{bad", text(account, "c", "3")
    )
    result = cli("--jsonl", path, "--json")
    assert result.status == 1
    first, bad, third = map(json.loads, result.out.splitlines())
    sent = fake.messages
    assert first == {
        "line": 1,
        "status": "sent",
        "external_id": "a",
        "id": sent[0].id,
        "conversation": sent[0].conversation,
        "error": None,
        "reason": None,
    }
    assert (bad["line"], bad["status"], bad["id"]) == (3, "failed", None)
    assert bad["error"].startswith("not JSON: Expecting property name")
    assert (third["line"], third["status"], third["id"]) == (4, "sent", sent[1].id)
    again = cli("--jsonl", path, "--json")
    skipped = json.loads(again.out.splitlines()[0])
    assert (skipped["status"], skipped["id"]) == ("skipped", sent[0].id)
    assert skipped["reason"]


class Interrupted(io.StringIO):
    """Standard input whose reader presses Ctrl-C after the first line."""

    def __init__(self, first: str) -> None:
        """Hold the one line given before the interrupt."""
        super().__init__(first + "\n")
        self.given = False

    def __next__(self) -> str:
        """Give the first line, then raise ``KeyboardInterrupt``."""
        if self.given:
            raise KeyboardInterrupt
        self.given = True
        return super().__next__()


def test_ctrl_c_prints_the_counts_and_exits_130(
    fake: FakeMissive,
    account: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An interrupt stops the run with the counts so far and a hint to resume, status 130."""
    monkeypatch.setattr(sys, "stdin", Interrupted(json.dumps(text(account, "a", "one"))))
    journal = str(tmp_path / "j")
    status = _cli.main(["send", "--base-url", fake.base_url, "--jsonl", "-", "--journal", journal])
    assert status == 130
    assert capsys.readouterr().err.splitlines() == [
        "interrupted after 1 message: 1 sent, 0 failed, 0 possibly delivered, 0 skipped",
        "rerun the same command to resume",
    ]
    assert bodies(fake) == ["one"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--body", "x", "--from-id", "a"], "--jsonl cannot be combined with --body, --from-id"),
        (["--to-id", "a", "--json"], "--jsonl cannot be combined with --to-*: put"),
        (["--journal", "j", "--no-journal"], "not allowed with argument"),
    ],
)
def test_jsonl_refuses_single_message_options(
    cli: Callable[..., Result], fake: FakeMissive, tmp_path: Path, options: list[str], expected: str
) -> None:
    """Options of a single message, or both journal choices, are a usage error: nothing is sent."""
    result = cli("--jsonl", write(tmp_path / "in.jsonl", "{}"), *options)
    assert result.status == 2
    assert expected in result.err
    assert fake.requests == []


@pytest.mark.parametrize(
    "options",
    [["--journal", "j"], ["--no-journal"], ["--resend-possibly-delivered"]],
)
def test_journal_options_need_jsonl(cli: Callable[..., Result], options: list[str]) -> None:
    """The journal options apply to ``--jsonl`` only."""
    result = cli("--account", "a", "--body", "b", "--from-id", "x", *options)
    assert result.status == 2
    assert "go with --jsonl FILE" in result.err


def test_single_message_still_needs_an_account(cli: Callable[..., Result]) -> None:
    """Without ``--jsonl``, ``--account`` stays required."""
    result = cli("--body", "b", "--from-id", "x")
    assert result.status == 2
    assert "the following arguments are required: --account" in result.err


def test_an_unreadable_file_fails_with_status_1(
    cli: Callable[..., Result], fake: FakeMissive, tmp_path: Path
) -> None:
    """A missing file is one error line and status 1."""
    result = cli("--jsonl", str(tmp_path / "missing.jsonl"))
    assert result.status == 1
    missing = tmp_path / "missing.jsonl"
    assert result.lines == [
        f"missive-channels: error: cannot read {missing}: No such file or directory"
    ]
    assert fake.requests == []


def test_line_errors_name_the_json_path(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """A line's wrong values are reported at their JSON path; nothing of it is sent."""
    path = write(
        tmp_path / "in.jsonl",
        text(account, "a", "x", to_fields=[{"id": "c1"}, {"id": 2}]),
        text(account, "b", "x", attachments=[{"filename": "f", "path": 5}]),
        text(
            account,
            "c",
            "x",
            attachments=[{"filename": "f", "path": str(tmp_path / "p"), "size": 1}],
        ),
    )
    (tmp_path / "p").write_bytes(b"data")
    result = cli("--jsonl", path)
    assert result.status == 1
    assert result.lines[:2] == [
        "line 1: $.to_fields[1].id: expected a string, got a number",
        "line 2: an attachment's path and filename must be strings",
    ]
    assert result.lines[2] == (
        "line 3: $.attachments[0]: unexpected key 'size': Attachment has no such field; "
        "remove it or check the spelling"
    )
    assert fake.messages == []


def test_a_line_that_is_not_utf8_fails_alone(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """One invalid UTF-8 byte fails its line by number; the lines around it are sent."""
    path = tmp_path / "in.jsonl"
    good = [json.dumps(text(account, f"t-{n}", f"m{n}")).encode() for n in range(2)]
    path.write_bytes(good[0] + b"\n" + b'{"body": "caf\xe9"}\n' + good[1] + b"\n")
    result = cli("--jsonl", str(path))
    assert result.status == 1
    assert result.lines == [
        "line 2: not UTF-8 text: byte 0xe9 at column 14",
        "done, 3 messages: 2 sent, 1 failed, 0 possibly delivered, 0 skipped",
        "1 invalid: fix the lines named above, then rerun the same command",
    ]
    assert bodies(fake) == ["m0", "m1"]


def test_a_line_nested_too_deeply_fails_alone(
    cli: Callable[..., Result], fake: FakeMissive, account: str, tmp_path: Path
) -> None:
    """A line nested 100,000 levels deep is reported by number, not a RecursionError."""
    deep = '{"a": ' * 100_000 + "1" + "}" * 100_000
    path = write(tmp_path / "in.jsonl", deep, text(account, "t", "after"))
    result = cli("--jsonl", path)
    assert result.status == 1
    assert result.lines[0] == (
        "line 1: not JSON this tool reads: nested too deeply; a message is a few levels deep"
    )
    assert result.lines[1] == "done, 2 messages: 1 sent, 1 failed, 0 possibly delivered, 0 skipped"
    assert bodies(fake) == ["after"]


def test_an_attachment_path_is_relative_to_the_jsonl_files_folder(
    cli: Callable[..., Result],
    fake: FakeMissive,
    account: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A relative ``path`` is found beside the JSON Lines file, wherever the command runs."""
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "report.csv").write_bytes(b"a,b\n")
    (tmp_path / "report.csv").write_bytes(b"the wrong file\n")
    monkeypatch.chdir(tmp_path)
    line = text(account, "t", "b", attachments=[{"path": "report.csv"}])
    result = cli("--jsonl", write(folder / "in.jsonl", line))
    assert result.status == 0, result.err
    assert result.lines == ["done, 1 message: 1 sent, 0 failed, 0 possibly delivered, 0 skipped"]
    assert fake.messages[0].payload["attachments"] == [
        {"filename": "report.csv", "base64_data": base64.b64encode(b"a,b\n").decode()}
    ]
