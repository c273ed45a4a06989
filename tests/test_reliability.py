"""No message lost, none duplicated: bulk sends against FakeMissive under injected faults.

Every scenario runs with both clients over real loopback sockets and ends with the same
audit (`audit`): each input message has exactly one outcome; a `sent` message is in the
fake exactly once, under the ids the outcome reports; a `failed` one is not there at all;
a `possibly_delivered` or `skipped` one is there at most once; and the fake holds nothing
that was not an input, and nothing twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conftest import collect
from missive_channels import (
    APIConnectionError,
    APITimeoutError,
    JournalError,
    RateLimitError,
    ServerError,
)
from missive_channels.bulk import Journal, JournalState, SendOutcome, SendStatus
from missive_channels.testing import ChannelSettings, FakeMissive, Fault
from sigkill_worker import backlog

if TYPE_CHECKING:
    from collections.abc import Iterator

    from missive_channels import TextMessage

pytestmark = pytest.mark.anyio

COUNT = 24
WORKER = Path(__file__).with_name("sigkill_worker.py")


@pytest.fixture
def fake() -> Iterator[FakeMissive]:
    """A running fake that answers only the faults it is given (its own rate limits off).

    The clients here never really sleep, so they would retry the fake's own 429s (e.g. for
    a request the client timed out on but the server still holds) faster than real time;
    the injected faults alone keep each scenario exact.
    """
    with FakeMissive(rate_limit=None) as server:
        yield server


def channel(fake: FakeMissive) -> str:
    """A Text channel on the fake."""
    return fake.add_channel(ChannelSettings(type="text"))


def client_for(make_client: Any, fake: FakeMissive, **kwargs: Any) -> Any:
    """A client of the test's kind aimed at the fake; it never really sleeps."""
    kwargs.setdefault("timeout", 2.0)
    return make_client(base_url=fake.base_url, token=fake.token, **kwargs)


def stored(fake: FakeMissive) -> Counter[str]:
    """How many times the fake holds each external_id."""
    return Counter(str(record.payload.get("external_id")) for record in fake.messages)


def audit(inputs: list[TextMessage], outcomes: list[SendOutcome], fake: FakeMissive) -> None:
    """Check the no-loss, no-duplicate contract of a bulk send against what the fake holds."""
    assert [outcome.index for outcome in outcomes] == list(range(len(inputs)))
    assert [outcome.message for outcome in outcomes] == inputs
    held = stored(fake)
    ids = {str(record.payload.get("external_id")): record.id for record in fake.messages}
    for outcome in outcomes:
        external_id = outcome.external_id
        assert external_id is not None
        already_sent = (
            outcome.journal_entry is not None and outcome.journal_entry.state is JournalState.SENT
        )
        if outcome.status is SendStatus.SENT or already_sent:
            assert held[external_id] == 1, outcome
            assert outcome.message_id == ids[external_id]
        elif outcome.status is SendStatus.FAILED:
            assert held[external_id] == 0, outcome
        else:
            assert held[external_id] <= 1, outcome
    assert set(held) <= {message.external_id for message in inputs}
    assert max(held.values(), default=0) <= 1


def by_status(outcomes: list[SendOutcome]) -> dict[str, list[int]]:
    """The indexes of the outcomes, grouped by status."""
    groups: dict[str, list[int]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.status.value, []).append(outcome.index)
    return groups


async def run(client: Any, inputs: list[TextMessage], **kwargs: Any) -> list[SendOutcome]:
    """Send ``inputs`` in bulk with a client of either kind."""
    return await collect(client.messages.create_many(inputs, **kwargs))


async def test_a_clean_run_sends_everything_once_within_the_limits(make_client: Any) -> None:
    """Without faults every message is sent once, and Missive's limits never answer 429."""
    with FakeMissive(time_scale=60.0) as fake:
        inputs = list(backlog(channel(fake), COUNT))
        outcomes = await run(client_for(make_client, fake), inputs)
        audit(inputs, outcomes, fake)
        assert by_status(outcomes) == {"sent": list(range(COUNT))}
        assert fake.peak_in_flight <= 5
        assert [request.status for request in fake.requests] == [201] * COUNT


async def test_a_storm_of_5xx(make_client: Any, fake: FakeMissive, tmp_path: Path) -> None:
    """5xx answers are possibly delivered and never resent, processed by the server or not."""
    fake.faults.push(
        Fault.server_error(500, path="/v1/messages", times=4, skip=2),
        Fault.server_error(502, path="/v1/messages", recorded=True, times=4),
        Fault.server_error(503, path="/v1/messages", times=3),
    )
    inputs = list(backlog(channel(fake), COUNT))
    client = client_for(make_client, fake)
    journal = tmp_path / "j.sqlite"
    outcomes = await run(client, inputs, journal=journal)
    audit(inputs, outcomes, fake)
    doubtful = by_status(outcomes)["possibly_delivered"]
    assert len(doubtful) == 11
    assert all(isinstance(outcomes[index].error, ServerError) for index in doubtful)
    assert sum(stored(fake).values()) == COUNT - 7  # four 502s were processed anyway
    # The rerun sends nothing new: the doubtful messages need a decision first.
    rerun = await run(client, inputs, journal=journal)
    audit(inputs, rerun, fake)
    assert by_status(rerun) == {"skipped": list(range(COUNT))}
    # Opting in resends them all: the four that Missive had are now there twice.
    resent = await run(client, inputs, journal=journal, resend_possibly_delivered=True)
    assert len(by_status(resent)["sent"]) == 11
    assert sorted(stored(fake).values()) == [1] * (COUNT - 4) + [2] * 4


@pytest.mark.parametrize("kind", ["drop_before", "drop_after"])
async def test_dropped_connections(make_client: Any, fake: FakeMissive, kind: str) -> None:
    """A connection cut before or after the server processed the request is possibly delivered."""
    make = Fault.drop_before if kind == "drop_before" else Fault.drop_after
    fake.faults.push(make(path="/v1/messages", times=3, skip=1), make(path="/v1/messages", skip=7))
    inputs = list(backlog(channel(fake), COUNT))
    outcomes = await run(client_for(make_client, fake), inputs)
    audit(inputs, outcomes, fake)
    doubtful = by_status(outcomes)["possibly_delivered"]
    assert len(doubtful) == 4
    assert all(isinstance(outcomes[index].error, APIConnectionError) for index in doubtful)
    delivered = [index for index in doubtful if stored(fake)[f"m-{index}"]]
    assert len(delivered) == (0 if kind == "drop_before" else 4)


async def test_answers_slower_than_the_timeout(make_client: Any, fake: FakeMissive) -> None:
    """A request that times out is possibly delivered (the server did process it), never resent."""
    fake.faults.push(Fault.delay(1.0, path="/v1/messages", times=2, skip=3))
    inputs = list(backlog(channel(fake), 10))
    outcomes = await run(client_for(make_client, fake, timeout=0.25), inputs)
    audit(inputs, outcomes, fake)
    doubtful = by_status(outcomes)["possibly_delivered"]
    assert len(doubtful) == 2
    assert all(isinstance(outcomes[index].error, APITimeoutError) for index in doubtful)
    assert all(stored(fake)[f"m-{index}"] == 1 for index in doubtful)


async def test_a_burst_of_429_with_a_long_retry_after(
    make_client: Any, fake: FakeMissive, tmp_path: Path
) -> None:
    """429s asking for an hour fail their messages at once (never slept on); a rerun sends them."""
    fake.faults.push(Fault.rate_limited(retry_after=3600, path="/v1/messages", times=5, skip=4))
    inputs = list(backlog(channel(fake), 12))
    client = client_for(make_client, fake)
    journal = tmp_path / "j.sqlite"
    outcomes = await run(client, inputs, journal=journal)
    audit(inputs, outcomes, fake)
    failed = by_status(outcomes)["failed"]
    assert len(failed) == 5
    for index in failed:
        error = outcomes[index].error
        assert isinstance(error, RateLimitError)
        assert error.retry_after == 3600
        assert error.possibly_delivered is False
    assert max(client.sleeps, default=0.0) <= 60.0  # paused to the cap, never for an hour
    rerun = await run(client, inputs, journal=journal)
    audit(inputs, rerun, fake)
    assert by_status(rerun)["sent"] == failed
    assert sum(stored(fake).values()) == 12


async def test_a_burst_of_429_with_a_short_retry_after_is_waited_out(
    make_client: Any, fake: FakeMissive
) -> None:
    """429s with a short Retry-After are retried (Missive did not process them) and all arrive."""
    fake.faults.push(Fault.rate_limited(retry_after=1, path="/v1/messages", times=3, skip=2))
    inputs = list(backlog(channel(fake), 8))
    client = client_for(make_client, fake)
    outcomes = await run(client, inputs)
    audit(inputs, outcomes, fake)
    assert by_status(outcomes) == {"sent": list(range(8))}
    assert 1.0 in client.sleeps


async def test_every_fault_at_once(make_client: Any, fake: FakeMissive, tmp_path: Path) -> None:
    """Mixed faults, then a rerun from the journal: still nothing lost and nothing twice."""
    fake.faults.push(
        Fault.drop_before(path="/v1/messages", skip=1),
        Fault.server_error(500, path="/v1/messages", recorded=True, skip=2),
        Fault.drop_after(path="/v1/messages", skip=3),
        Fault.rate_limited(retry_after=3600, path="/v1/messages", times=2, skip=4),
        Fault.delay(1.0, path="/v1/messages", skip=5),
        Fault.server_error(503, path="/v1/messages", skip=6),
    )
    inputs = list(backlog(channel(fake), COUNT))
    client = client_for(make_client, fake, timeout=0.25)
    journal = tmp_path / "j.sqlite"
    first = await run(client, inputs, journal=journal)
    audit(inputs, first, fake)
    assert set(by_status(first)) == {"sent", "failed", "possibly_delivered"}
    rerun = await run(client, inputs, journal=journal)
    audit(inputs, rerun, fake)
    assert by_status(rerun)["sent"] == by_status(first)["failed"]
    with Journal(journal) as opened:
        counts = opened.counts()
    assert counts[JournalState.SENDING] == 0
    assert counts[JournalState.SENT] == COUNT - len(by_status(first)["possibly_delivered"])


def kill_mid_request(fake: FakeMissive, account: str, journal: Path, killed_at: int) -> None:
    """Run the worker until the fake has processed request ``killed_at`` (held), then SIGKILL it."""
    # That request is processed, then its answer is held until the process is gone.
    fake.faults.push(Fault.delay(60.0, path="/v1/messages", skip=killed_at))
    env = {**os.environ, "MISSIVE_API_TOKEN": fake.token}
    worker = subprocess.Popen(  # noqa: S603 - a fixed interpreter and script
        [sys.executable, str(WORKER), fake.base_url, account, str(journal), str(COUNT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120  # a guard against hanging, not a timing assertion
        while len(fake.messages) <= killed_at and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker never reached the held request"
            time.sleep(0.02)
        assert worker.poll() is None, "the worker exited before it was killed"
        worker.send_signal(signal.SIGKILL)
    finally:
        _, stderr = worker.communicate()
    assert worker.returncode == -signal.SIGKILL, stderr.decode()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
@pytest.mark.parametrize("moved", [False, True], ids=["in-place", "file-moved-alone"])
async def test_a_process_killed_mid_run_resumes_from_its_journal(
    make_client: Any, fake: FakeMissive, tmp_path: Path, moved: bool
) -> None:
    """SIGKILL during a request: the resumed run skips what was sent and the message in flight.

    The file the user named holds it all: moved alone to another folder, it resumes the same.
    """
    account = channel(fake)
    journal = tmp_path / "j.sqlite"
    killed_at = 9
    kill_mid_request(fake, account, journal, killed_at)
    if moved:
        (tmp_path / "elsewhere").mkdir()
        journal = journal.rename(tmp_path / "elsewhere" / "j.sqlite")
    with Journal(journal) as opened:
        states = [entry.state if (entry := opened.get(f"m-{n}")) else None for n in range(COUNT)]
    assert states == [JournalState.SENT] * killed_at + [JournalState.SENDING] + [None] * (
        COUNT - killed_at - 1
    )
    inputs = list(backlog(account, COUNT))
    outcomes = await run(client_for(make_client, fake), inputs, journal=journal)
    audit(inputs, outcomes, fake)
    assert by_status(outcomes) == {
        "skipped": list(range(killed_at + 1)),
        "sent": list(range(killed_at + 1, COUNT)),
    }
    assert "stopped while sending" in (outcomes[killed_at].reason or "")
    assert stored(fake) == Counter(f"m-{n}" for n in range(COUNT))  # each exactly once


async def test_a_second_run_on_a_held_journal_fails_at_once_and_sends_nothing(
    make_client: Any, fake: FakeMissive, tmp_path: Path
) -> None:
    """Overlapping runs on one journal: the second is refused before sending anything."""
    account = channel(fake)
    journal = tmp_path / "j.sqlite"
    inputs = list(backlog(account, 3))
    with Journal(journal), pytest.raises(JournalError, match="another run holds the journal"):
        await run(client_for(make_client, fake), inputs, journal=journal)
    assert fake.messages == []
