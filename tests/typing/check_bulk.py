"""Type-checked, never run: create_many's types on both clients, and the outcome types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from typing_extensions import assert_type

from missive_channels import (
    AsyncMissiveClient,
    ExternalIdConflictError,
    MissiveClient,
    MissiveError,
    Participant,
    TextMessage,
    ValidationError,
)
from missive_channels.bulk import (
    Journal,
    JournalEntry,
    SendCounts,
    SendOutcome,
    SendStatus,
    split_attachments,
)

messages = [TextMessage(account="a", from_field=Participant(id="x"), external_id="m-1")]
seen: list[SendCounts] = []


def show(counts: SendCounts) -> None:
    """A progress callback."""
    assert_type(counts.total, int)


client = MissiveClient()
assert_type(client.messages.create_many(messages), Iterator[SendOutcome])
assert_type(
    client.messages.create_many(
        (part for m in messages for part in split_attachments(m)),
        journal="backfill.sqlite",
        resend_possibly_delivered=True,
        progress=show,
    ),
    Iterator[SendOutcome],
)
assert_type(client.messages.create_many(messages, journal=Path("j.sqlite")), Iterator[SendOutcome])
with Journal("j.sqlite") as journal:
    for outcome in client.messages.create_many(messages, journal=journal, progress=seen.append):
        assert_type(outcome.index, int)
        assert_type(outcome.status, SendStatus)
        assert_type(outcome.message_id, str | None)
        assert_type(outcome.conversation_id, str | None)
        assert_type(outcome.error, MissiveError | None)
        assert_type(outcome.reason, str | None)
        assert_type(outcome.journal_entry, JournalEntry | None)
        assert_type(outcome.external_id, str | None)

conflict = ExternalIdConflictError("x", external_id="m-1", state="sent")
assert_type(conflict.external_id, str)
assert_type(conflict.state, str)
assert isinstance(conflict, ValidationError)
assert_type(SendCounts().add(SendStatus.SENT), SendCounts)

aclient = AsyncMissiveClient()


async def use_async() -> None:
    """The async client's create_many is an async iterator of the same outcomes."""
    outcomes = aclient.messages.create_many(messages, journal="j.sqlite", progress=show)
    assert_type(outcomes, AsyncIterator[SendOutcome])
    async for outcome in outcomes:
        assert_type(outcome, SendOutcome)
