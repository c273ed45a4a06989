"""Bulk sending with both clients: outcomes, journal decisions, interruption and laziness."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sqlite3
from contextlib import aclosing, closing
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from conftest import collect, resolve
from missive_channels import (
    APIConnectionError,
    APITimeoutError,
    AsyncMissiveClient,
    Attachment,
    BadRequestError,
    ClientClosedError,
    ExternalIdConflictError,
    FieldTypeError,
    JournalError,
    MissiveClient,
    Participant,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    TextMessage,
    ValidationError,
)
from missive_channels._bodies import stream_request
from missive_channels._bulk import Decision, decide, skip_reason, status_of
from missive_channels._journal import fingerprint
from missive_channels.bulk import (
    Journal,
    JournalEntry,
    JournalState,
    SendCounts,
    SendOutcome,
    SendStatus,
    split_attachments,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from pytest_httpx import HTTPXMock

pytestmark = pytest.mark.anyio

ACCOUNT = "0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90"


def message(number: int, *, body: str | None = None, external_id: str | None = "") -> TextMessage:
    """The test message ``number``; its external_id is ``m-<number>`` unless given."""
    return TextMessage(
        account=ACCOUNT,
        from_field=Participant(id=f"cust-{number}"),
        body=f"message {number}" if body is None else body,
        external_id=f"m-{number}" if external_id == "" else external_id,
    )


def messages(count: int) -> list[TextMessage]:
    """Messages 0 to ``count - 1``."""
    return [message(number) for number in range(count)]


def created(request: httpx.Request) -> httpx.Response:
    """Missive's answer for a created message, ids derived from its external_id."""
    external_id = json.loads(request.content)["messages"].get("external_id")
    return httpx.Response(
        201, json={"messages": {"id": f"id-{external_id}", "conversation": f"c-{external_id}"}}
    )


def status(code: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    """An answer with an error status."""
    return lambda _: httpx.Response(code, json={"error": "scripted"}, headers=headers)


def raising(cls: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    """An answer that is a transport failure."""

    def answer(request: httpx.Request) -> httpx.Response:
        msg = "scripted"
        raise cls(msg, request=request)

    return answer


class Missive:
    """POST /messages behind pytest-httpx, answering per external_id; records what it saw."""

    def __init__(self, httpx_mock: HTTPXMock) -> None:
        """Register as the answer to every request."""
        self.script: dict[str | None, Callable[[httpx.Request], Any]] = {}
        self.received: list[str | None] = []
        httpx_mock.add_callback(self, is_reusable=True)

    def __call__(self, request: httpx.Request) -> Any:
        """Answer as scripted for the message's external_id; created by default."""
        external_id = json.loads(request.content)["messages"].get("external_id")
        self.received.append(external_id)
        return self.script.get(external_id, created)(request)


async def send(client: Any, items: Iterable[Any], **kwargs: Any) -> list[SendOutcome]:
    """Run create_many to the end with a client of either kind."""
    return await collect(client.messages.create_many(items, **kwargs))


def statuses(outcomes: list[SendOutcome]) -> list[str]:
    """The outcomes' statuses, as strings, in order."""
    return [outcome.status.value for outcome in outcomes]


# --- without a journal -----------------------------------------------------------------------


async def test_every_message_is_sent_once_in_order(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """Each message gets one outcome, in input order, with the ids Missive returned."""
    missive = Missive(httpx_mock)
    outcomes = await send(make_client(), messages(7))
    assert missive.received == [f"m-{n}" for n in range(7)]
    assert [outcome.index for outcome in outcomes] == list(range(7))
    assert statuses(outcomes) == ["sent"] * 7
    assert outcomes[3] == SendOutcome(
        index=3,
        message=message(3),
        status=SendStatus.SENT,
        message_id="id-m-3",
        conversation_id="c-m-3",
    )
    assert outcomes[3].external_id == "m-3"


async def test_an_empty_201_is_sent_without_ids(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """Missive may answer 201 with no body: the message is sent, its ids unknown."""
    httpx_mock.add_response(status_code=201)
    [outcome] = await send(make_client(), [message(0, external_id=None)])
    assert outcome.status is SendStatus.SENT
    assert (outcome.message_id, outcome.conversation_id, outcome.external_id) == (None, None, None)


async def test_failures_are_outcomes_and_the_run_goes_on(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """Each failure kind maps to failed or possibly_delivered; nothing is resent."""
    missive = Missive(httpx_mock)
    missive.script = {
        "m-1": status(400),
        "m-2": status(500),
        "m-3": raising(httpx.ReadTimeout),
        "m-4": status(429, **{"Retry-After": "3600"}),
        "m-5": raising(httpx.RemoteProtocolError),
    }
    outcomes = await send(make_client(max_retries=0), messages(7))
    assert statuses(outcomes) == [
        "sent",
        "failed",
        "possibly_delivered",
        "possibly_delivered",
        "failed",
        "possibly_delivered",
        "sent",
    ]
    assert [type(outcome.error) for outcome in outcomes] == [
        type(None),
        BadRequestError,
        ServerError,
        APITimeoutError,
        RateLimitError,
        APIConnectionError,
        type(None),
    ]
    rate_limited = outcomes[4].error
    assert isinstance(rate_limited, RateLimitError)
    assert rate_limited.retry_after == 3600
    assert missive.received == [f"m-{n}" for n in range(7)]


async def test_a_long_retry_after_is_never_slept(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """A 429 asking for more than the cap fails the message at once instead of sleeping for it."""
    missive = Missive(httpx_mock)
    missive.script = {"m-0": status(429, **{"Retry-After": "900"})}
    client = make_client()
    outcomes = await send(client, messages(1))
    assert statuses(outcomes) == ["failed"]
    assert max(client.sleeps, default=0) <= 60
    assert missive.received == ["m-0"]


async def test_a_refused_connection_is_retried_then_failed(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A connection that never opened certainly did not deliver: retried, then failed."""
    missive = Missive(httpx_mock)
    missive.script = {"m-0": raising(httpx.ConnectError)}
    client = make_client(max_retries=2)
    [outcome] = await send(client, messages(1))
    assert outcome.status is SendStatus.FAILED
    assert isinstance(outcome.error, APIConnectionError)
    assert outcome.error.possibly_delivered is False
    assert missive.received == ["m-0"] * 3


async def test_messages_that_cannot_be_sent_fail_without_a_request(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """A wrong type or an oversize message is a failed outcome; the others are still sent."""
    missive = Missive(httpx_mock)
    big = TextMessage(
        account=ACCOUNT,
        from_field=Participant(id="x"),
        attachments=[Attachment(filename="big.bin", data=bytes(8_000_000))],
    )
    outcomes = await send(make_client(), [{"messages": {}}, big, message(2)])
    assert statuses(outcomes) == ["failed", "failed", "sent"]
    assert isinstance(outcomes[0].error, FieldTypeError)
    assert isinstance(outcomes[1].error, RequestTooLargeError)
    assert outcomes[0].external_id is None
    assert missive.received == ["m-2"]


async def test_progress_receives_the_counts_after_each_outcome(
    make_client: Any, httpx_mock: HTTPXMock
) -> None:
    """The progress callback sees running counts; its last call holds the totals."""
    missive = Missive(httpx_mock)
    missive.script = {"m-1": status(400), "m-2": status(503)}
    seen: list[SendCounts] = []
    await send(make_client(max_retries=0), messages(4), progress=seen.append)
    assert [counts.total for counts in seen] == [1, 2, 3, 4]
    assert seen[-1] == SendCounts(sent=2, failed=1, possibly_delivered=1, skipped=0)


async def test_the_input_is_read_lazily(make_client: Any, httpx_mock: HTTPXMock) -> None:
    """An endless generator is fine: a message is read only when there is room to send it."""
    Missive(httpx_mock)
    pulled: list[int] = []

    def endless() -> Iterator[TextMessage]:
        number = 0
        while True:
            pulled.append(number)
            yield message(number)
            number += 1

    client = make_client()
    outcomes = client.messages.create_many(endless())
    if client.kind == "sync":
        first = next(outcomes)
        assert pulled == [0]
        outcomes.close()
    else:
        async with aclosing(outcomes):
            first = await outcomes.__anext__()
            assert pulled == [0, 1, 2, 3, 4]
    assert first.status is SendStatus.SENT


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"messages": message(0)}, "messages"),
        ({"messages": "m-0"}, "messages"),
        ({"messages": 42}, "messages"),
        ({"messages": [], "journal": 3}, "journal"),
        ({"messages": [], "resend_possibly_delivered": "yes"}, "resend_possibly_delivered"),
        ({"messages": [], "progress": "bar"}, "progress"),
    ],
)
async def test_wrong_argument_types_are_refused_at_once(
    make_client: Any, kwargs: dict[str, Any], field: str
) -> None:
    """A misused argument raises FieldTypeError naming it before any iteration."""
    with pytest.raises(FieldTypeError) as caught:
        make_client().messages.create_many(**kwargs)
    assert caught.value.field == field


async def test_a_closed_client_raises(make_client: Any, tmp_path: Path) -> None:
    """Sending with a closed client raises ClientClosedError and journals nothing."""
    client = make_client()
    await resolve(client.close() if client.kind == "sync" else client.aclose())
    with Journal(tmp_path / "j.sqlite") as journal:
        with pytest.raises(ClientClosedError):
            await send(client, messages(2), journal=journal)
        assert journal.get("m-0") is None


# --- with a journal --------------------------------------------------------------------------


async def test_a_rerun_skips_what_was_sent(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """Sent messages are journaled with their ids and skipped, ids kept, on the next run."""
    missive = Missive(httpx_mock)
    path = tmp_path / "j.sqlite"
    client = make_client()
    first = await send(client, messages(3), journal=path)
    assert statuses(first) == ["sent"] * 3
    again = await send(client, messages(3), journal=path)
    assert statuses(again) == ["skipped"] * 3
    assert again[1].message_id == "id-m-1"
    assert again[1].conversation_id == "c-m-1"
    assert again[1].reason == "already sent"
    assert again[1].journal_entry is not None
    assert again[1].journal_entry.state is JournalState.SENT
    assert missive.received == ["m-0", "m-1", "m-2"]
    with Journal(path) as journal:
        assert journal.counts()[JournalState.SENT] == 3


async def test_a_rerun_retries_failed_and_holds_back_uncertain_messages(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """Failed messages are sent again; possibly delivered ones only when asked."""
    missive = Missive(httpx_mock)
    missive.script = {"m-0": status(400), "m-1": status(502)}
    client = make_client(max_retries=0)
    with Journal(tmp_path / "j.sqlite") as journal:
        assert statuses(await send(client, messages(3), journal=journal)) == [
            "failed",
            "possibly_delivered",
            "sent",
        ]
        entry = journal.get("m-1")
        assert entry is not None
        assert entry.state is JournalState.POSSIBLY_DELIVERED
        assert "502" in (entry.error or "")
        missive.script = {}
        rerun = await send(client, messages(3), journal=journal)
        assert statuses(rerun) == ["sent", "skipped", "skipped"]
        assert rerun[1].reason is not None
        assert "resend_possibly_delivered=True" in rerun[1].reason
        resent = await send(client, messages(3), journal=journal, resend_possibly_delivered=True)
        assert statuses(resent) == ["skipped", "sent", "skipped"]
        assert missive.received == ["m-0", "m-1", "m-2", "m-0", "m-1"]
        entry = journal.get("m-1")
        assert entry is not None
        assert (entry.state, entry.attempts) == (JournalState.SENT, 2)


async def test_a_message_left_sending_is_not_resent_unless_asked(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """A record stuck in `sending` (a run killed mid-request) counts as possibly delivered."""
    missive = Missive(httpx_mock)
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.mark_sending("m-0", fingerprint(stream_request(message(0))))
        [skipped] = await send(make_client(), messages(1), journal=journal)
        assert skipped.status is SendStatus.SKIPPED
        assert skipped.reason is not None
        assert skipped.reason.startswith("an earlier run stopped while sending it")
        assert missive.received == []
        [sent] = await send(
            make_client(), messages(1), journal=journal, resend_possibly_delivered=True
        )
        assert sent.status is SendStatus.SENT
        assert missive.received == ["m-0"]


async def test_an_external_id_reused_for_another_message_fails(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """A journaled external_id reused for another body fails as a conflict, unsent, unskipped."""
    missive = Missive(httpx_mock)
    with Journal(tmp_path / "j.sqlite") as journal:
        await send(make_client(), [message(0)], journal=journal)
        [outcome] = await send(
            make_client(),
            [message(0, body="something else")],
            journal=journal,
            resend_possibly_delivered=True,
        )
    assert outcome.status is SendStatus.FAILED
    assert isinstance(outcome.error, ExternalIdConflictError)
    assert outcome.error.external_id == "m-0"
    assert outcome.error.state == "sent"
    assert outcome.error.field == "external_id"
    assert "message at index 0 has the external_id 'm-0'" in str(outcome.error)
    assert missive.received == ["m-0"]


async def test_a_failed_message_may_be_fixed_and_sent_again(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """A message Missive refused was never created, so a corrected body goes out under its id."""
    missive = Missive(httpx_mock)
    missive.script = {"m-0": status(400)}
    with Journal(tmp_path / "j.sqlite") as journal:
        await send(make_client(), [message(0)], journal=journal)
        missive.script = {}
        [outcome] = await send(make_client(), [message(0, body="fixed")], journal=journal)
        entry = journal.get("m-0")
    assert outcome.status is SendStatus.SENT
    assert entry is not None
    assert entry.state is JournalState.SENT
    assert missive.received == ["m-0", "m-0"]


async def test_a_journal_needs_external_ids(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """Without external_id a message fails with a ValidationError naming its index."""
    missive = Missive(httpx_mock)
    outcomes = await send(
        make_client(), [message(0), message(1, external_id=None)], journal=tmp_path / "j.sqlite"
    )
    assert statuses(outcomes) == ["sent", "failed"]
    error = outcomes[1].error
    assert isinstance(error, ValidationError)
    assert error.field == "external_id"
    assert str(error).startswith("message at index 1 has no external_id")
    assert missive.received == ["m-0"]


async def test_sending_is_committed_before_the_request_leaves(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """While the request is in flight, the journal's file alone already holds `sending`."""
    path = tmp_path / "j.sqlite"
    copy = tmp_path / "copy.sqlite"
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        copy.write_bytes(path.read_bytes())
        with closing(sqlite3.connect(copy, isolation_level=None)) as db:
            seen.append(db.execute("SELECT state FROM messages").fetchone()[0])
        return created(request)

    httpx_mock.add_callback(answer)
    await send(make_client(), messages(1), journal=path)
    assert seen == ["sending"]


async def test_a_journal_given_as_a_path_is_closed_and_an_instance_is_not(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """create_many closes only the journal it opened."""
    Missive(httpx_mock)
    with Journal(tmp_path / "mine.sqlite") as journal:
        await send(make_client(), messages(1), journal=journal)
        assert journal.get("m-0") is not None  # still open
    await send(make_client(), messages(1), journal=str(tmp_path / "opened.sqlite"))
    with Journal(tmp_path / "opened.sqlite") as reopened:
        assert reopened.counts()[JournalState.SENT] == 1


@pytest.mark.parametrize("content", [b"not a database at all" * 300, b"SQLite format 3\x00" * 500])
async def test_a_damaged_journal_sends_nothing(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path, content: bytes
) -> None:
    """A file that is not a journal (or a damaged one) raises JournalError; nothing is sent."""
    path = tmp_path / "j.sqlite"
    path.write_bytes(content)
    with pytest.raises(JournalError):
        await send(make_client(), messages(2), journal=path)
    assert httpx_mock.get_requests() == []


async def test_a_closed_journal_sends_nothing(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """A journal that cannot be read raises JournalError before any request."""
    journal = Journal(tmp_path / "j.sqlite")
    journal.close()
    with pytest.raises(JournalError, match="cannot read the journal"):
        await send(make_client(), messages(2), journal=journal)
    assert httpx_mock.get_requests() == []


class BrokenJournal(Journal):
    """A journal whose `sending` writes fail for some messages, as a full disk would."""

    broken: frozenset[str] = frozenset({"m-1"})

    def mark_sending(self, external_id: str, fingerprint: str) -> None:
        """Refuse the write for the broken external_ids."""
        if external_id in self.broken:
            msg = "disk full"
            raise JournalError(msg)
        super().mark_sending(external_id, fingerprint)


async def test_a_message_whose_record_cannot_be_written_is_never_sent(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """If `sending` cannot be committed the request does not leave, and the run stops."""
    missive = Missive(httpx_mock)
    with (
        BrokenJournal(tmp_path / "j.sqlite") as journal,
        pytest.raises(JournalError, match="disk full"),
    ):
        await send(make_client(), messages(3), journal=journal)
    assert "m-1" not in missive.received
    assert "m-0" in missive.received


async def test_a_repeated_message_in_one_run_is_sent_once(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """The same message twice in the input is sent once; the repeat is skipped."""
    missive = Missive(httpx_mock)
    outcomes = await send(
        make_client(), [message(0), message(0), message(1)], journal=tmp_path / "j.sqlite"
    )
    assert statuses(outcomes) == ["sent", "skipped", "sent"]
    assert missive.received == ["m-0", "m-1"]


async def test_split_parts_go_through_create_many_with_a_journal(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """Parts made by split_attachments are journaled by their suffixed ids and resume cleanly."""
    missive = Missive(httpx_mock)
    scans = [Attachment(filename=f"scan-{n}.png", data=bytes(40)) for n in range(3)]
    report = TextMessage(
        account=ACCOUNT,
        from_field=Participant(id="x"),
        body="Scans",
        external_id="ticket-7",
        references=["ticket-7"],
        attachments=scans,
    )
    originals = [report, message(1)]
    path = tmp_path / "j.sqlite"

    def parts() -> Iterator[TextMessage]:
        return (part for m in originals for part in split_attachments(m, limit=350))

    first = await send(make_client(), parts(), journal=path)
    assert [outcome.external_id for outcome in first] == [
        "ticket-7",
        "ticket-7#2",
        "ticket-7#3",
        "m-1",
    ]
    assert statuses(first) == ["sent"] * 4
    assert {tuple(outcome.message.references) for outcome in first[:3]} == {("ticket-7",)}
    again = await send(make_client(), parts(), journal=path)
    assert statuses(again) == ["skipped"] * 4
    assert missive.received == ["ticket-7", "ticket-7#2", "ticket-7#3", "m-1"]


async def test_an_external_id_twice_in_one_run_for_two_bodies(
    make_client: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """Two different messages sharing an external_id never both go out under it.

    The sync client has sent the first when it reaches the second (a conflict with the
    journal); the async client finds the first still in flight (a conflict within the run).
    """
    missive = Missive(httpx_mock)
    outcomes = await send(
        make_client(), [message(0), message(0, body="other")], journal=tmp_path / "j.sqlite"
    )
    assert statuses(outcomes) == ["sent", "failed"]
    error = outcomes[1].error
    assert isinstance(error, ExternalIdConflictError)
    assert error.external_id == "m-0"
    assert str(error).startswith("message at index 1 has the external_id 'm-0', which the ")
    assert missive.received == ["m-0"]


# --- interruption ----------------------------------------------------------------------------


async def test_ctrl_c_mid_request_leaves_the_journal_consistent(
    httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """Ctrl-C during a request leaves it `sending`; the rerun holds it back and sends the rest."""
    missive = Missive(httpx_mock)

    def interrupt(_: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    missive.script = {"m-1": interrupt}
    path = tmp_path / "j.sqlite"
    with MissiveClient(token="t", rate_limit=None) as client:
        outcomes: list[SendOutcome] = []
        with pytest.raises(KeyboardInterrupt):
            outcomes.extend(client.messages.create_many(messages(3), journal=path))
        with Journal(path) as journal:
            assert [journal.get(f"m-{n}") is not None for n in range(3)] == [True, True, False]
            sending = journal.get("m-1")
            assert sending is not None
            assert sending.state is JournalState.SENDING
        missive.script = {}
        rerun = list(client.messages.create_many(messages(3), journal=path))
    assert statuses(rerun) == ["skipped", "skipped", "sent"]
    assert missive.received == ["m-0", "m-1", "m-2"]


async def test_cancelling_an_async_run_leaves_the_journal_consistent(
    httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    """Cancelled mid-request, the async run leaves in-flight messages `sending` and loses none."""
    missive = Missive(httpx_mock)
    hanging = asyncio.Event()

    async def hang(_: httpx.Request) -> httpx.Response:
        hanging.set()
        await asyncio.Event().wait()
        raise AssertionError  # pragma: no cover - never reached

    missive.script = {"m-1": hang}
    path = tmp_path / "j.sqlite"
    async with AsyncMissiveClient(token="t", rate_limit=None) as client:
        run = asyncio.ensure_future(send(client, messages(12), journal=path))
        await hanging.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        with Journal(path) as journal:
            before = {
                f"m-{n}": entry.state
                for n in range(12)
                if (entry := journal.get(f"m-{n}")) is not None
            }
        missive.script = {}
        first_run = list(missive.received)
        rerun = await send(client, messages(12), journal=path)
    # Every request that left was journaled first; each journaled message is sent or in doubt.
    assert set(first_run) <= set(before)
    assert before["m-1"] is JournalState.SENDING
    assert set(before.values()) <= {JournalState.SENT, JournalState.SENDING}
    # The rerun holds back exactly what the first run touched and sends everything else once.
    assert [o.status is SendStatus.SKIPPED for o in rerun] == [
        f"m-{n}" in before for n in range(12)
    ]
    assert len(missive.received) == len(set(missive.received))
    assert set(missive.received) | set(before) == {f"m-{n}" for n in range(12)}


# --- async concurrency -----------------------------------------------------------------------


async def test_the_async_client_keeps_five_requests_in_flight_and_yields_in_order(
    httpx_mock: HTTPXMock,
) -> None:
    """Later messages may finish first, yet outcomes come in input order, five at a time."""
    active = 0
    most = 0
    finished: list[str] = []
    full = asyncio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal active, most
        active += 1
        most = max(most, active)
        external_id = json.loads(request.content)["messages"]["external_id"]
        if active == 5:
            for _ in range(20):  # give a sixth request every chance to start
                await asyncio.sleep(0)
            full.set()
        # Fewer than five in flight would never open the gate: fail then, rather than hang.
        await asyncio.wait_for(full.wait(), timeout=30)
        if external_id == "m-0":
            for _ in range(20):  # let the others finish first
                await asyncio.sleep(0)
        active -= 1
        finished.append(external_id)
        return created(request)

    httpx_mock.add_callback(answer, is_reusable=True)
    async with AsyncMissiveClient(token="t") as client:
        outcomes = await send(client, messages(7))
    assert most == 5
    assert finished.index("m-0") == 4
    assert [outcome.index for outcome in outcomes] == list(range(7))


async def test_an_async_error_cancels_the_messages_in_flight(
    httpx_mock: HTTPXMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A journal failure ends the async run with that error and nothing left running."""
    missive = Missive(httpx_mock)
    journal = BrokenJournal(tmp_path / "j.sqlite")
    journal.broken = frozenset({"m-1", "m-2"})
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        async with AsyncMissiveClient(token="t") as client:
            with journal, pytest.raises(JournalError, match="disk full"):
                await send(client, messages(8), journal=journal)
            sent = len(missive.received)
            for _ in range(20):
                await asyncio.sleep(0)
            assert len(missive.received) == sent
        gc.collect()
    assert "never retrieved" not in caplog.text
    assert not {"m-1", "m-2"} & set(missive.received)


# --- the decisions, as plain functions -------------------------------------------------------


def entry(state: JournalState, fingerprint: str = "fp") -> JournalEntry:
    """A journal record in ``state``."""
    return JournalEntry(external_id="m", state=state, fingerprint=fingerprint, error="boom")


@pytest.mark.parametrize(
    ("record", "fingerprint", "resend", "expected"),
    [
        (None, "fp", False, Decision.SEND),
        (entry(JournalState.FAILED), "fp", False, Decision.SEND),
        (entry(JournalState.FAILED), "other", False, Decision.SEND),
        (entry(JournalState.SENT), "fp", False, Decision.SKIP),
        (entry(JournalState.SENT), "fp", True, Decision.SKIP),
        (entry(JournalState.SENT), "other", False, Decision.CONFLICT),
        (entry(JournalState.SENDING), "fp", False, Decision.SKIP),
        (entry(JournalState.SENDING), "fp", True, Decision.SEND),
        (entry(JournalState.SENDING), "other", True, Decision.CONFLICT),
        (entry(JournalState.POSSIBLY_DELIVERED), "fp", False, Decision.SKIP),
        (entry(JournalState.POSSIBLY_DELIVERED), "fp", True, Decision.SEND),
        (entry(JournalState.POSSIBLY_DELIVERED), "other", False, Decision.CONFLICT),
    ],
)
def test_decide(
    record: JournalEntry | None, fingerprint: str, resend: bool, expected: Decision
) -> None:
    """Send unseen or failed messages; skip sent or uncertain ones; flag a reused id."""
    assert decide(record, fingerprint, resend_possibly_delivered=resend) is expected


def test_skip_reasons_say_why() -> None:
    """Each skipping state has its own explanation."""
    assert skip_reason(entry(JournalState.SENT)) == "already sent"
    assert "earlier run stopped" in skip_reason(entry(JournalState.SENDING))
    assert "may have delivered it (boom)" in skip_reason(entry(JournalState.POSSIBLY_DELIVERED))


def test_status_of_an_error() -> None:
    """Only an API error flagged possibly_delivered is possibly delivered."""
    maybe = ServerError(
        "x", method="POST", url="u", status_code=500, body=None, response=httpx.Response(500)
    )
    maybe.possibly_delivered = True
    assert status_of(maybe) is SendStatus.POSSIBLY_DELIVERED
    assert status_of(ValidationError("bad")) is SendStatus.FAILED


def test_counts_add_up() -> None:
    """Counts grow one status at a time and stay immutable."""
    counts = SendCounts().add(SendStatus.SENT).add(SendStatus.SKIPPED).add(SendStatus.SENT)
    assert counts == SendCounts(sent=2, skipped=1)
    assert counts.total == 3
    assert SendCounts().total == 0
