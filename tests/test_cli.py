"""The command line, in-process and as a real subprocess, against FakeMissive over loopback."""

from __future__ import annotations

import base64
import importlib
import io
import json
import logging
import os
import queue
import runpy
import signal
import socket
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

import httpx
import pytest

import missive_channels
from missive_channels import _cli
from missive_channels._cli import listen
from missive_channels._receiver import Received
from missive_channels.testing import ChannelSettings, FakeMissive, Fault, signed_webhook_request
from missive_channels.webhooks import compute_signature

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

SECRET = "the-channel-secret"


@pytest.fixture
def fake() -> Iterator[FakeMissive]:
    """A running FakeMissive without rate limits."""
    with FakeMissive(rate_limit=None) as fake:
        yield fake


@pytest.fixture
def accounts(fake: FakeMissive) -> dict[str, str]:
    """One channel of each type, by type."""
    return {
        kind: fake.add_channel(ChannelSettings(type=kind)) for kind in ("text", "html", "email")
    }


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token or secret leaks in from the surrounding environment."""
    monkeypatch.delenv("MISSIVE_API_TOKEN", raising=False)
    monkeypatch.delenv("MISSIVE_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("MISSIVE_BASE_URL", raising=False)


class Result:
    """What one in-process run of the command line produced."""

    def __init__(self, status: int, out: str, err: str) -> None:
        """Keep the exit status and the two streams."""
        self.status = status
        self.out = out
        self.err = err


class Terminal(io.StringIO):
    """Standard input attached to a terminal: nothing is piped."""

    def isatty(self) -> bool:
        """Say it is a terminal."""
        return True


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Return a runner of ``main(argv)`` with the given stdin (bytes piped, or a terminal)."""

    def run(*argv: str, stdin: bytes | None = None) -> Result:
        piped = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8") if stdin is not None else None
        monkeypatch.setattr(sys, "stdin", piped or Terminal())
        status = _cli.main(list(argv))
        out, err = capsys.readouterr()
        return Result(status, out, err)

    return run


def error_line(result: Result, status: int) -> str:
    """Check the run failed with ``status`` and exactly one error line; return it."""
    assert result.status == status
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("missive-channels: error: ")
    assert "Traceback" not in result.err
    return result.err


# -- the parser -------------------------------------------------------------------------------


def test_version(cli: Callable[..., Result]) -> None:
    """``--version`` prints the package version and exits 0."""
    result = cli("--version")
    assert result.status == 0
    assert result.out == f"missive-channels {missive_channels.__version__}\n"


@pytest.mark.parametrize("command", ["demo", "send", "listen", "sign"])
def test_every_command_has_help(cli: Callable[..., Result], command: str) -> None:
    """Each command documents itself under ``--help`` and the top-level help lists it."""
    assert command in cli("--help").out
    result = cli(command, "--help")
    assert result.status == 0
    assert result.out.startswith(f"usage: missive-channels {command}")


def test_a_command_is_required(cli: Callable[..., Result]) -> None:
    """Without a command the tool says so in one line and exits 2."""
    line = error_line(cli(), 2)
    assert "COMMAND" in line
    assert "see 'missive-channels --help'" in line


def test_an_unknown_option_is_a_usage_error(cli: Callable[..., Result]) -> None:
    """Argument errors from argparse come out as one line pointing at the command's help."""
    line = error_line(cli("sign", "--nope", "file"), 2)
    assert "unrecognized arguments: --nope (see 'missive-channels --help')" in line
    line = error_line(cli("sign", "--secret", SECRET), 2)
    assert "the following arguments are required: FILE" in line
    assert "see 'missive-channels sign --help'" in line


def test_ctrl_c_during_a_command_exits_130(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt ends the command with one line and status 130, no traceback."""

    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(listen, "_sign", interrupted)
    result = cli("sign", "--secret", SECRET, "-", stdin=b"")
    assert result.status == 130
    assert result.err == "missive-channels: interrupted\n"


def test_importing_the_main_module_runs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    """Only running ``python -m missive_channels`` starts the tool, not importing it."""
    sys.modules.pop("missive_channels.__main__", None)
    module = importlib.import_module("missive_channels.__main__")
    assert module.main is _cli.main
    assert capsys.readouterr() == ("", "")


def test_python_dash_m_runs_the_same_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m missive_channels`` exits with ``main``'s status."""
    monkeypatch.setattr(sys, "argv", ["missive-channels", "--version"])
    # runpy warns when the module it is about to run was imported before.
    monkeypatch.delitem(sys.modules, "missive_channels.__main__", raising=False)
    # Installed, the package is a pytest plugin, so pytest's assertion rewriter claims its
    # modules; on Python 3.10 runpy cannot run a module through that loader.
    finders = [f for f in sys.meta_path if type(f).__name__ != "AssertionRewritingHook"]
    monkeypatch.setattr(sys, "meta_path", finders)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("missive_channels", run_name="__main__")
    assert exit_.value.code == 0
    assert missive_channels.__version__ in capsys.readouterr().out


# -- send -------------------------------------------------------------------------------------


@pytest.fixture
def sending(fake: FakeMissive, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Set the token and return the options pointing ``send`` at the fake."""
    monkeypatch.setenv("MISSIVE_API_TOKEN", fake.token)
    return ["--base-url", fake.base_url, "--max-retries", "0"]


def test_send_a_piped_alert(
    cli: Callable[..., Result], fake: FakeMissive, accounts: dict[str, str], sending: list[str]
) -> None:
    """``echo "disk full" | missive-channels send ...`` posts exactly that, and prints the ids."""
    result = cli(
        "send", "--account", accounts["text"], "--from-name", "monitor", *sending,
        stdin=b"disk full\n",
    )  # fmt: skip
    assert result.status == 0, result.err
    (recorded,) = fake.messages
    assert recorded.payload == {
        "account": accounts["text"],
        "from_field": {"name": "monitor"},
        "body": "disk full",
    }
    assert result.out == (f"message       {recorded.id}\nconversation  {recorded.conversation}\n")
    assert fake.token not in result.out + result.err


@pytest.mark.parametrize(
    ("flags", "logged"), [([], False), (["-v"], False), (["-vv"], True), (["--verbose"] * 2, True)]
)
def test_verbose_logs_requests_to_stderr(
    cli: Callable[..., Result],
    fake: FakeMissive,
    accounts: dict[str, str],
    sending: list[str],
    flags: list[str],
    *,
    logged: bool,
) -> None:
    """-vv logs each attempt to stderr (-v only retries), never the token; stdout is unchanged."""
    logger = logging.getLogger("missive_channels")
    handlers, level = list(logger.handlers), logger.level
    try:
        result = cli(
            *flags, "send", "--account", accounts["text"], "--from-name", "m", *sending,
            stdin=b"hi",
        )  # fmt: skip
    finally:
        logger.handlers[:] = handlers
        logger.setLevel(level)
    assert result.status == 0, result.err
    assert result.out.startswith("message ")
    assert ("POST /v1/messages -> 201 (attempt 1)" in result.err) is logged
    assert fake.token not in result.err


def test_send_every_text_option(
    cli: Callable[..., Result],
    fake: FakeMissive,
    accounts: dict[str, str],
    sending: list[str],
    tmp_path: Path,
) -> None:
    """Sender, grouped recipients, references, external id and attachments reach the wire."""
    (tmp_path / "log.txt").write_bytes(b"disk /var at 99%\n")
    (tmp_path / "graph.png").write_bytes(bytes(range(256)))
    result = cli(
        "send", "--account", accounts["text"], "--type", "text", "--body", "Disk almost full",
        "--from-id", "mon-1", "--from-username", "@monitor", "--from-name", "Monitor",
        "--to-id", "ops", "--to-name", "Ops", "--to-id", "sre", "--to-username", "@sre",
        "--reference", "host-db1", "--reference", "alert-disk", "--external-id", "alert-77",
        "--attach", str(tmp_path / "log.txt"), "--attach", str(tmp_path / "graph.png"),
        *sending,
    )  # fmt: skip
    assert result.status == 0, result.err
    (recorded,) = fake.messages
    payload = dict(recorded.payload)
    attachments = payload.pop("attachments")
    assert payload == {
        "account": accounts["text"],
        "from_field": {"id": "mon-1", "username": "@monitor", "name": "Monitor"},
        "to_fields": [{"id": "ops", "name": "Ops"}, {"id": "sre", "username": "@sre"}],
        "body": "Disk almost full",
        "external_id": "alert-77",
        "references": ["host-db1", "alert-disk"],
    }
    assert [(a["filename"], base64.b64decode(a["base64_data"])) for a in attachments] == [
        ("log.txt", b"disk /var at 99%\n"),
        ("graph.png", bytes(range(256))),
    ]


def test_send_threads_by_conversation_and_prints_json(
    cli: Callable[..., Result], fake: FakeMissive, accounts: dict[str, str], sending: list[str]
) -> None:
    """``--conversation`` appends to the conversation a first send printed, on an HTML channel."""
    common = ["send", "--account", accounts["html"], "--type", "html", "--from-id", "shop"]
    first = cli(*common, "--body", "<p>Packed</p>", "--json", *sending)
    ids = json.loads(first.out)
    assert ids == {"id": fake.messages[0].id, "conversation": fake.messages[0].conversation}
    second = cli(
        *common, "--body", "<p>Shipped</p>", "--conversation", ids["conversation"], *sending
    )
    assert second.status == 0, second.err
    assert fake.messages[1].conversation == ids["conversation"]
    assert fake.messages[1].payload["conversation"] == ids["conversation"]
    assert f"conversation  {ids['conversation']}\n" in second.out


def test_send_an_email(
    cli: Callable[..., Result], fake: FakeMissive, accounts: dict[str, str], sending: list[str]
) -> None:
    """Email participants are addresses with names; subject, Cc and Bcc are sent."""
    result = cli(
        "send", "--account", accounts["email"], "--type", "email",
        "--from-address", "alerts@example.com", "--from-name", "Alerts",
        "--to-name", "Ops", "--to-address", "ops@example.com", "--to-address", "sre@example.com",
        "--cc-address", "lead@example.com", "--cc-name", "Lead",
        "--bcc-address", "audit@example.com", "--subject", "Disk full on db1",
        *sending, stdin=b"<p>Disk full</p>\n\n",
    )  # fmt: skip
    assert result.status == 0, result.err
    (recorded,) = fake.messages
    assert recorded.payload == {
        "account": accounts["email"],
        "from_field": {"address": "alerts@example.com", "name": "Alerts"},
        "to_fields": [
            {"address": "ops@example.com", "name": "Ops"},
            {"address": "sre@example.com"},
        ],
        "cc_fields": [{"address": "lead@example.com", "name": "Lead"}],
        "bcc_fields": [{"address": "audit@example.com"}],
        "subject": "Disk full on db1",
        "body": "<p>Disk full</p>",
    }


def test_send_with_only_an_attachment(
    cli: Callable[..., Result],
    fake: FakeMissive,
    accounts: dict[str, str],
    sending: list[str],
    tmp_path: Path,
) -> None:
    """An empty body is fine when a file is attached; the body is then left out."""
    (tmp_path / "report.csv").write_text("a,b\n", encoding="utf-8")
    result = cli(
        "send", "--account", accounts["text"], "--from-name", "cron",
        "--attach", str(tmp_path / "report.csv"), *sending, stdin=b"",
    )  # fmt: skip
    assert result.status == 0, result.err
    assert "body" not in fake.messages[0].payload
    assert fake.messages[0].payload["attachments"][0]["filename"] == "report.csv"


def test_send_says_when_missive_gave_no_ids(
    cli: Callable[..., Result], fake: FakeMissive, accounts: dict[str, str], sending: list[str]
) -> None:
    """An empty 201 is a success; the output says the ids were not given."""
    fake.empty_responses = True
    result = cli("send", "--account", accounts["text"], "--from-name", "m", "--body", "x", *sending)
    assert result.status == 0
    assert result.out.count("(not given: Missive answered without a body)") == 2
    assert len(fake.messages) == 1


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--subject", "S", "--from-name", "m"], "--subject cannot be used with --type text"),
        (
            ["--from-address", "a@example.com", "--to-address", "b@example.com"],
            "--from-address, --to-address cannot be used with --type text: use them with",
        ),
        (["--from-name", "m", "--cc-address", "c@example.com"], "--cc-* cannot be used"),
        (
            ["--type", "email", "--from-id", "x", "--to-username", "@y"],
            "--from-id, --to-username cannot be used with --type email: email participants",
        ),
        (["--type", "email", "--from-name", "m"], "--type email needs the sender's --from-address"),
        (
            ["--type", "email", "--from-address", "a@example.com", "--bcc-name", "B"],
            "each --bcc-name needs a --bcc-address",
        ),
        (["--from-name", "m", "--type", "sms"], "argument --type: invalid choice: 'sms'"),
        ([], "no sender: give --from-id, --from-username or --from-name"),
    ],
)
def test_send_refuses_bad_option_combinations(
    cli: Callable[..., Result],
    fake: FakeMissive,
    sending: list[str],
    options: list[str],
    expected: str,
) -> None:
    """Options that do not fit the channel type are a usage error; nothing is sent."""
    result = cli("send", "--account", "acc", "--body", "b", *options, *sending)
    assert expected in error_line(result, 2)
    assert fake.requests == []


def test_send_needs_a_token(
    cli: Callable[..., Result], fake: FakeMissive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the token variable the error names it; ``--token-env`` names another."""
    base = ["send", "--account", "a", "--from-name", "m", "--base-url", fake.base_url]
    assert "set the MISSIVE_API_TOKEN environment variable" in error_line(cli(*base), 2)
    monkeypatch.setenv("MISSIVE_API_TOKEN", fake.token)
    line = error_line(cli(*base, "--token-env", "ALERTS_TOKEN"), 2)
    assert "set the ALERTS_TOKEN environment variable" in line
    assert fake.requests == []


def test_send_takes_the_token_from_the_named_variable(
    cli: Callable[..., Result],
    fake: FakeMissive,
    accounts: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--token-env NAME`` names the token variable; MISSIVE_BASE_URL sets the API root."""
    monkeypatch.setenv("ALERTS_TOKEN", fake.token)
    monkeypatch.setenv("MISSIVE_BASE_URL", fake.base_url)
    result = cli(
        "send", "--account", accounts["text"], "--from-name", "m", "--body", "hi",
        "--token-env", "ALERTS_TOKEN",
    )  # fmt: skip
    assert result.status == 0, result.err
    assert fake.requests[0].headers["authorization"] == f"Bearer {fake.token}"


def test_send_needs_a_body(
    cli: Callable[..., Result], accounts: dict[str, str], sending: list[str]
) -> None:
    """No ``--body`` and a terminal on stdin, or an empty pipe, is a usage error."""
    common = ["send", "--account", accounts["text"], "--from-name", "m", *sending]
    assert "give --body TEXT or pipe the text on stdin" in error_line(cli(*common), 2)
    assert "the message body is empty" in error_line(cli(*common, stdin=b"\n"), 2)


def test_send_reports_unreadable_stdin(
    cli: Callable[..., Result], accounts: dict[str, str], sending: list[str]
) -> None:
    """Bytes that are not text on stdin fail the command with one line."""
    result = cli(
        "send", "--account", accounts["text"], "--from-name", "m", *sending, stdin=b"\xff\xfe"
    )
    assert "cannot read the message body from stdin" in error_line(result, 1)


def test_send_reports_an_unreadable_attachment(
    cli: Callable[..., Result], fake: FakeMissive, sending: list[str], tmp_path: Path
) -> None:
    """A missing file fails the command before anything is sent."""
    missing = tmp_path / "nope.txt"
    result = cli(
        "send", "--account", "a", "--from-name", "m", "--body", "b", "--attach", str(missing),
        *sending,
    )  # fmt: skip
    line = error_line(result, 1)
    assert "cannot read attachment file" in line
    assert "nope.txt" in line
    assert fake.requests == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--reference", "two words"], "invalid message: TextMessage.references[0]"),
        # What Python makes of `--body $'\xe9'` (a byte that is not UTF-8) in a UTF-8 locale.
        (
            ["--body", "caf\udce9"],
            "invalid message: TextMessage.body contains the lone surrogate '\\udce9' at position 3",
        ),
        (["--base-url", "ftp://example.com"], "invalid connection option: base_url"),
        (
            ["--max-retries", "-1"],
            "invalid connection option: RetryPolicy.max_retries must be an int >= 0",
        ),
        (["--timeout", "-1"], "invalid connection option: timeout must be positive, got -1.0"),
        (["--timeout", "0"], "invalid connection option: timeout must be positive, got 0.0"),
        (["--timeout", "nan"], "invalid connection option: timeout must be positive, got nan"),
        (["--timeout", "inf"], "invalid connection option: timeout must be a finite number"),
        (
            ["--base-url", "https://user:pw@example.com/v1"],
            "invalid connection option: base_url must not hold a user name or password",
        ),
    ],
)
def test_send_reports_invalid_fields(
    cli: Callable[..., Result],
    fake: FakeMissive,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    expected: str,
) -> None:
    """Invalid message fields and connection options are usage errors; nothing is sent."""
    monkeypatch.setenv("MISSIVE_API_TOKEN", fake.token)
    result = cli(
        "send", "--account", "a", "--from-name", "m", "--body", "b", "--base-url", fake.base_url,
        *options,
    )  # fmt: skip
    assert expected in error_line(result, 2)
    assert fake.requests == []


@pytest.mark.parametrize(
    "size",
    [
        7_500_000,  # the file fits alone; with the message around it, the request does not
        7_500_001,  # the file alone is over: refused before it is read
    ],
)
def test_send_refuses_a_message_over_missives_cap(
    cli: Callable[..., Result], fake: FakeMissive, sending: list[str], tmp_path: Path, size: int
) -> None:
    """A request over 10 MB is refused before any I/O, as a usage error."""
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(size)
    result = cli(
        "send", "--account", "a", "--from-name", "m", "--body", "b", "--attach", str(big),
        *sending,
    )  # fmt: skip
    assert "over Missive's cap" in error_line(result, 2)
    assert fake.requests == []


def test_send_reports_api_errors(
    cli: Callable[..., Result],
    fake: FakeMissive,
    accounts: dict[str, str],
    sending: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unknown account, a 5xx, a dropped connection and a wrong token each fail with status 1."""
    common = ["send", "--from-name", "m", "--body", "b", *sending]
    assert "answered 404" in error_line(cli(*common, "--account", "no-such-account"), 1)
    fake.faults.push(Fault.server_error(503))
    line = error_line(cli(*common, "--account", accounts["text"]), 1)
    assert "answered 503" in line
    assert "may" in line  # possibly delivered: the user is told to check first
    fake.faults.push(Fault.drop_before())
    assert "POST" in error_line(cli(*common, "--account", accounts["text"]), 1)
    monkeypatch.setenv("MISSIVE_API_TOKEN", "missive_pat-wrong")
    line = error_line(cli(*common, "--account", accounts["text"]), 1)
    assert "answered 401" in line
    assert "missive_pat-wrong" not in line
    assert fake.messages == []


def test_send_as_a_real_subprocess(fake: FakeMissive, accounts: dict[str, str]) -> None:
    """``python -m missive_channels send`` with a piped body posts it and exits 0."""
    env = {**os.environ, "MISSIVE_API_TOKEN": fake.token}
    done = subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [
            sys.executable, "-m", "missive_channels", "send", "--account", accounts["text"],
            "--type", "text", "--from-name", "monitor", "--base-url", fake.base_url,
        ],
        input=b"disk full\n",
        capture_output=True,
        env=env,
        check=False,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (recorded,) = fake.messages
    assert recorded.payload["body"] == "disk full"
    assert recorded.id in done.stdout.decode()
    failed = subprocess.run(
        [sys.executable, "-m", "missive_channels", "send", "--account", "a", "--from-name", "m"],
        input=b"x",
        capture_output=True,
        env={k: v for k, v in env.items() if k != "MISSIVE_API_TOKEN"},
        check=False,
        timeout=60,
    )
    assert failed.returncode == 2
    assert failed.stderr.decode().splitlines() == [
        (
            "missive-channels: error: no API token: set the MISSIVE_API_TOKEN environment "
            "variable (create a token in Missive under Preferences > API)"
        )
    ]


# -- sign -------------------------------------------------------------------------------------

# Known answer, computed independently:
#   printf '%s' 'hello, missive' | openssl dgst -sha256 -hmac 'the-channel-secret'
#   SHA2-256(stdin)= 504e64404af2648d06a8b57ed84d37a54109542f364619815416f5d395234f5e
KNOWN_BODY = b"hello, missive"
KNOWN_DIGEST = "504e64404af2648d06a8b57ed84d37a54109542f364619815416f5d395234f5e"


def test_sign_a_file(cli: Callable[..., Result], tmp_path: Path) -> None:
    """The printed header line carries the HMAC-SHA256 openssl computes; the secret never shows."""
    body = tmp_path / "body.json"
    body.write_bytes(KNOWN_BODY)
    result = cli("sign", "--secret", SECRET, str(body))
    assert result.status == 0
    assert result.out == f"X-Hook-Signature: sha256={KNOWN_DIGEST}\n"
    assert SECRET not in result.out + result.err


def test_sign_stdin_with_the_secret_from_the_environment(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-`` reads the raw bytes of stdin; ``--header`` picks the other header name."""
    monkeypatch.setenv("MISSIVE_WEBHOOK_SECRET", SECRET)
    result = cli("sign", "--header", "X-Missive-Signature", "-", stdin=KNOWN_BODY)
    assert result.out == f"X-Missive-Signature: sha256={KNOWN_DIGEST}\n"


def test_sign_errors(cli: Callable[..., Result], tmp_path: Path) -> None:
    """No secret is a usage error; an unreadable file a failure; one line each."""
    assert "no signature secret" in error_line(cli("sign", "-", stdin=b"x"), 2)
    assert "no signature secret" in error_line(cli("sign", "--secret", "", "-", stdin=b"x"), 2)
    line = error_line(cli("sign", "--secret", SECRET, str(tmp_path / "missing.json")), 1)
    assert "cannot read" in line
    assert "No such file or directory" in line


# -- listen -----------------------------------------------------------------------------------


class Lines:
    """A stdout stand-in that hands each written line to a queue, for another thread to read."""

    def __init__(self) -> None:
        """Start empty."""
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []

    def write(self, text: str) -> int:
        """Queue each complete line."""
        for line in text.splitlines():
            self.queue.put(line)
            self.seen.append(line)
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def next(self) -> str:
        """Return the next line, failing (not hanging) if none comes."""
        return self.queue.get(timeout=30)


def exchange(url: str, *, content: bytes, headers: dict[str, str]) -> int:
    """POST to the receiver and return the status."""
    with httpx.Client(trust_env=False) as client:
        return client.post(url, content=content, headers=headers).status_code


def raw_request(port: int, request: bytes) -> bytes:
    """Send raw bytes to the receiver and return everything it answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def drive_listener(lines: Lines, answers: dict[str, Any]) -> None:
    """Play a webhook sender against ``listen``: record answers and printed lines, then Ctrl-C."""
    try:
        ready = lines.next()
        answers["ready"] = ready
        url = ready.split()[2]
        port = int(url.rsplit(":", 1)[1].strip("/"))
        body, headers = signed_webhook_request(SECRET, text="It shipped today.")
        answers["good"] = exchange(url + "hook", content=body, headers=headers)
        answers["good_lines"] = [lines.next() for _ in range(9)]
        forged = dict(headers, **{"X-Hook-Signature": "sha256=" + "0" * 64})
        answers["forged"] = exchange(url + "hook", content=body, headers=forged)
        answers["forged_line"] = lines.next()
        answers["unsigned"] = exchange(url, content=body, headers={})
        answers["unsigned_line"] = lines.next()
        junk, junk_headers = b"not json", {}
        junk_headers["X-Hook-Signature"] = compute_signature(junk, SECRET)
        answers["junk"] = exchange(url, content=junk, headers=junk_headers)
        answers["junk_line"] = lines.next()
        empty = b'{"message": {}, "conversation": {"id": "c"}}'
        signed = {"X-Hook-Signature": compute_signature(empty, SECRET)}
        answers["shape"] = exchange(url, content=empty, headers=signed)
        answers["shape_line"] = lines.next()
        with httpx.Client(trust_env=False) as http:
            answers["get"] = http.get(url).status_code
        answers["get_line"] = lines.next()
        answers["chunked"] = raw_request(
            port, b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        answers["chunked_line"] = lines.next()
        answers["huge"] = raw_request(
            port, b"POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"
        )
        answers["huge_line"] = lines.next()
    except BaseException as exc:  # noqa: BLE001 - reported by the main thread below
        answers["error"] = exc
    finally:
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def test_listen_verifies_prints_and_stops_on_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Good, forged, unsigned, malformed and odd requests get 200/401/400/405/411/413, each told."""
    lines = Lines()
    monkeypatch.setattr(sys, "stdout", lines)
    monkeypatch.setenv("MISSIVE_WEBHOOK_SECRET", SECRET)
    answers: dict[str, Any] = {}
    helper = threading.Thread(target=drive_listener, args=(lines, answers))
    helper.start()
    status = _cli.main(["listen", "--port", "0"])
    helper.join()
    assert "error" not in answers, answers.get("error")
    assert status == 0
    assert answers["ready"].startswith("listening on http://127.0.0.1:")
    assert answers["ready"].endswith("/ (Ctrl-C to stop)")
    assert answers["good"] == 200
    head, *event = answers["good_lines"]
    assert head.endswith("POST /hook 200 accepted")
    assert event[0].startswith("  message ")
    assert "(custom_text)" in event[0]
    assert event[1] == "  from          Support"
    assert event[2] == "  to            Customer (id customer-1)"
    assert event[3] == "  author        Fake Agent <agent@example.com>"
    assert event[4].startswith("  conversation ")
    assert event[5].startswith("  web url       https://mail.missiveapp.com/")
    assert event[6] == "  signature     X-Hook-Signature verified"
    assert event[7] == "  body          It shipped today."
    assert answers["forged"] == 401
    assert answers["forged_line"].endswith(
        "POST /hook 401 rejected: invalid signature (mismatch): the signature does not match "
        "the body; check the secret is the channel's Signature secret and that the body is "
        "the raw bytes, unmodified"
    )
    assert answers["unsigned"] == 401
    assert "401 rejected: invalid signature (missing_signature)" in answers["unsigned_line"]
    assert answers["junk"] == 400
    assert (
        "400 rejected: malformed payload at $: the body is not valid JSON" in (answers["junk_line"])
    )
    assert answers["shape"] == 400
    assert "400 rejected: malformed payload at $.message" in answers["shape_line"]
    assert answers["get"] == 405
    assert "GET / 405 rejected: only POST is accepted" in answers["get_line"]
    assert answers["chunked"].startswith(b"HTTP/1.1 411 ")
    assert "411 rejected: no valid Content-Length" in answers["chunked_line"]
    assert answers["huge"].startswith(b"HTTP/1.1 413 ")
    assert "413 rejected: the body is 99,999,999 bytes" in answers["huge_line"]
    assert lines.seen[-1] == "stopped"
    assert SECRET not in "\n".join(lines.seen)
    assert capsys.readouterr().err == ""


def test_listen_errors(cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret is a usage error; a taken port or an impossible one a failure."""
    assert "no signature secret: pass --secret or set MISSIVE_WEBHOOK_SECRET" in error_line(
        cli("listen", "--port", "0"), 2
    )
    monkeypatch.setenv("MISSIVE_WEBHOOK_SECRET", SECRET)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = error_line(cli("listen", "--port", str(port)), 1)
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in line
    for port in ("70000", "99999", "-1", "http"):
        assert f"argument --port: {port!r} is not a port: give a number from 1 to 65535" in (
            error_line(cli("listen", "--port", port), 2)
        )


def test_listen_prints_what_the_network_sent_escaped() -> None:
    """Escape codes and bidi overrides in a path or reason reach the terminal escaped."""
    stream = io.StringIO()
    report = listen._reporter(stream)
    report(
        Received(
            method="POST",
            path="/hook\x1b[2J\x1b]0;owned\x07",
            status=400,
            reason="malformed payload at $.message.body: \u202eevil\r",
        )
    )
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(
        "POST /hook\\x1b[2J\\x1b]0;owned\\x07 400 rejected: malformed payload at "
        "$.message.body: \\u202eevil\\r"
    )
    assert "\x1b" not in stream.getvalue()


def test_listen_as_a_real_subprocess_exits_cleanly_on_ctrl_c() -> None:
    """A real process prints the event, then SIGINT ends it with status 0 and no traceback."""
    env = {**os.environ, "MISSIVE_WEBHOOK_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "missive_channels", "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        url = ready.split()[2]
        body, headers = signed_webhook_request(SECRET, text="Sent from a subprocess")
        assert exchange(url + "hook", content=body, headers=headers) == 200
        accepted = [process.stdout.readline() for _ in range(9)]
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0
    assert err == ""
    assert accepted[0].rstrip().endswith("POST /hook 200 accepted")
    assert accepted[-1] == "  body          Sent from a subprocess\n"
    assert out == "stopped\n"
