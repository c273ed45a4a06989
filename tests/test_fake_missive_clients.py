"""The SDK's own clients against FakeMissive: the end-to-end loop over real sockets."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from missive_channels import (
    APIConnectionError,
    AsyncMissiveClient,
    Attachment,
    Correspondent,
    MissiveClient,
    NotFoundError,
    Notification,
    Participant,
    Post,
    TextMessage,
)
from missive_channels.testing import ChannelSettings, FakeMissive, Fault

if TYPE_CHECKING:
    from collections.abc import Iterator

MARTA = Participant(id="cust-4471", name="Marta K.")


@pytest.fixture
def fake() -> Iterator[FakeMissive]:
    """A running fake without rate limits."""
    with FakeMissive(rate_limit=None) as fake:
        yield fake


def text(account: str, body: str, **fields: object) -> TextMessage:
    """A Text message from Marta."""
    return TextMessage(account=account, from_field=MARTA, body=body, **fields)  # type: ignore[arg-type]


def test_the_sync_client_sends_threads_and_reads(fake: FakeMissive) -> None:
    """create, get, conversation reads and posts round-trip through the fake."""
    account = fake.add_channel(ChannelSettings(type="text"))
    with MissiveClient(token=fake.token, base_url=fake.base_url) as client:
        first = client.messages.create(
            text(
                account,
                "Hello",
                references=["t-1"],
                attachments=[Attachment(filename="a.txt", data=b"x")],
            )
        )
        for index in range(12):
            client.messages.create(
                text(
                    account, str(index), references=["t-1"], delivered_at=1_700_000_000 + index // 4
                )
            )
        assert first.conversation_id is not None
        walked = list(client.conversations.messages(first.conversation_id, limit=5))
        assert len(walked) == len({m.id for m in walked}) == 13
        stored = client.messages.get(first.id or "")
        assert (stored.body, stored.from_field) == (
            "Hello",
            Correspondent(id="cust-4471", name="Marta K."),
        )
        assert [a.filename for a in stored.attachments] == ["a.txt"]
        conversation = client.conversations.get(first.conversation_id)
        assert stored.conversation == conversation
        assert conversation.messages_count == 13
        post = client.posts.create(
            Post(
                conversation=first.conversation_id,
                notification=Notification(title="t", body="b"),
                text="ok",
            )
        )
        assert post.conversation_id == first.conversation_id
    assert fake.messages[0].id == first.id
    assert len(fake.posts) == 1


def test_the_sync_client_reports_fake_failures(fake: FakeMissive) -> None:
    """Unknown accounts and dropped connections become the client's typed errors."""
    account = fake.add_channel()
    with MissiveClient(token=fake.token, base_url=fake.base_url) as client:
        with pytest.raises(NotFoundError):
            client.messages.create(text("nope", "Hi"))
        fake.faults.push(Fault.drop_after())
        with pytest.raises(APIConnectionError) as caught:
            client.messages.create(text(account, "Hi"))
    assert caught.value.possibly_delivered
    assert len(fake.messages) == 1  # delivered, though the client could not know


def test_the_async_client_sends_concurrently(fake: FakeMissive) -> None:
    """The async client's requests land, within Missive's concurrency limit."""
    account = fake.add_channel()

    async def send() -> int:
        async with AsyncMissiveClient(token=fake.token, base_url=fake.base_url) as client:
            sent = await asyncio.gather(
                *(client.messages.create(text(account, str(i))) for i in range(8))
            )
        return len(sent)

    assert asyncio.run(send()) == 8
    assert len(fake.messages) == 8
    assert fake.peak_in_flight <= 5


def test_empty_201_answers_are_understood(fake: FakeMissive) -> None:
    """With an empty 201 the client reports success without ids."""
    account = fake.add_channel()
    fake.empty_responses = True
    with MissiveClient(token=fake.token, base_url=fake.base_url) as client:
        created = client.messages.create(text(account, "Hi"))
    assert (created.id, created.conversation_id) == (None, None)
    assert len(fake.messages) == 1
