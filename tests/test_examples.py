"""The sending scripts in examples/ run end to end against FakeMissive, as a user would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from missive_channels.testing import ChannelSettings, FakeMissive, Fault

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLES = Path(__file__).parent.parent / "examples"
ACCOUNT = "0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90"


@pytest.fixture
def fake() -> Iterator[FakeMissive]:
    """A running FakeMissive with the examples' Text channel."""
    with FakeMissive() as running:
        running.add_channel(ChannelSettings(type="text"), account=ACCOUNT)
        yield running


def run(
    script: str, fake: FakeMissive, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run an example in a fresh interpreter, configured through the environment only."""
    env = {
        **os.environ,
        "MISSIVE_API_TOKEN": fake.token,
        "MISSIVE_BASE_URL": fake.base_url,
        "MISSIVE_ACCOUNT": ACCOUNT,
    }
    return subprocess.run(  # noqa: S603 - a fixed interpreter running a fixed example
        [sys.executable, str(EXAMPLES / script), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_send_sync_sends_one_message(fake: FakeMissive) -> None:
    """send_sync.py creates one message and prints the ids Missive gave it."""
    done = run("send_sync.py", fake)
    assert done.returncode == 0, done.stderr
    [sent] = fake.messages
    assert sent.payload["body"] == "Hello! Is my order #5521 shipped yet?"
    assert sent.payload["references"] == ["acme-thread-5521"]
    assert done.stdout == f"message {sent.id} in conversation {sent.conversation}\n"


def test_send_sync_reports_a_failure(fake: FakeMissive) -> None:
    """send_sync.py exits 1 and says why when Missive refuses the message."""
    fake.faults.push(Fault.server_error(503))
    done = run("send_sync.py", fake)
    assert done.returncode == 1
    assert "not sent:" in done.stderr
    assert "503" in done.stderr
    assert fake.messages == []


def test_send_async_threads_every_update(fake: FakeMissive) -> None:
    """send_async.py sends its three updates concurrently into one conversation."""
    done = run("send_async.py", fake)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "sent 3 of 3\n"
    assert sorted(m.payload["body"] for m in fake.messages) == [
        "Order received",
        "Parcel handed to the courier",
        "Payment confirmed",
    ]
    assert len({m.conversation for m in fake.messages}) == 1


def test_send_async_counts_failures(fake: FakeMissive) -> None:
    """send_async.py reports a refused update and exits 1, having sent the others."""
    fake.faults.push(Fault.server_error(500))
    done = run("send_async.py", fake)
    assert done.returncode == 1
    assert done.stdout == "sent 2 of 3\n"
    assert len(fake.messages) == 2


def test_send_attachments_splits_over_the_cap(fake: FakeMissive, tmp_path: Path) -> None:
    """send_attachments.py sends files too big for one request as several threaded messages."""
    paths = []
    for page in range(1, 4):
        path = tmp_path / f"scan-{page}.png"
        path.write_bytes(bytes([page]) * 3_000_000)
        paths.append(str(path))
    done = run("send_attachments.py", fake, *paths)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "sent 3 file(s) in 2 message(s)\n"
    names = [[a["filename"] for a in m.payload["attachments"]] for m in fake.messages]
    assert names == [["scan-1.png", "scan-2.png"], ["scan-3.png"]]
    assert len({m.conversation for m in fake.messages}) == 1


def test_send_attachments_needs_files(fake: FakeMissive, tmp_path: Path) -> None:
    """send_attachments.py exits 2 without files, or with one it cannot read, sending nothing."""
    assert run("send_attachments.py", fake).returncode == 2
    missing = run("send_attachments.py", fake, str(tmp_path / "nope.pdf"))
    assert missing.returncode == 2
    assert "cannot attach" in missing.stderr
    assert fake.messages == []


def test_alert_from_pipe_sends_each_line(fake: FakeMissive) -> None:
    """alert_from_pipe.py sends every non-blank stdin line, in order, into one conversation."""
    done = run("alert_from_pipe.py", fake, stdin="disk 91% full\n\n  cpu at 100%  \n")
    assert done.returncode == 0, done.stderr
    assert [m.payload["body"] for m in fake.messages] == ["disk 91% full", "cpu at 100%"]
    assert all(
        m.payload["from_field"] == {"id": "monitoring", "name": "Monitoring"} for m in fake.messages
    )
    assert len({m.conversation for m in fake.messages}) == 1


def test_alert_from_pipe_keeps_going_after_a_failure(fake: FakeMissive) -> None:
    """A refused alert is reported, the next ones are still sent, and the exit status is 1."""
    fake.faults.push(Fault.server_error(502))
    done = run("alert_from_pipe.py", fake, stdin="first\nsecond\n")
    assert done.returncode == 1
    assert done.stderr.count("alert not sent:") == 1
    assert [m.payload["body"] for m in fake.messages] == ["second"]


def test_build_message_prints_the_request_body() -> None:
    """build_message.py (the demo) prints the exact POST /v1/messages body as JSON."""
    done = subprocess.run(  # noqa: S603 - a fixed interpreter running a fixed example
        [sys.executable, str(EXAMPLES / "build_message.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    body = json.loads(done.stdout)
    assert body["messages"]["account"] == ACCOUNT
    assert body["messages"]["delivered_at"] == 1718031200
