"""The webhook loop end to end: FakeMissive's signed deliveries, received over loopback, parsed.

The receiver here is a plain HTTP server that keeps the raw bytes and headers it got;
the SDK's `WebhookVerifier` and `parse_webhook` then read them, and every field of the
resulting `WebhookEvent` is compared with what the fake was told to send.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest

from fake_support import Receiver, api
from missive_channels import (
    Conversation,
    InvalidSignatureError,
    Participant,
    WebhookEvent,
    WebhookMessage,
    WebhookVerifier,
)
from missive_channels.testing import ChannelSettings, FakeMissive, ManualClock, MissiveUser
from missive_channels.webhooks import (
    Author,
    ConversationAuthor,
    ConversationUser,
    SignatureMatch,
    parse_webhook,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from missive_channels.testing import WebhookDelivery

START = 1_718_031_200
SECRET = "loop-secret"
MARTA = Participant(id="cust-4471", username="@marta.k", name="Marta K.")
SUPPORT = Participant(name="Acme Support")
SALES = Participant(id="sales", username="@sales")
JONAS = MissiveUser(
    id="9e2a6c4d-1b3f-4a58-8c7d-0f1e2d3c4b5a",
    name="Jonas Weber",
    email="jonas@acme.example",
    avatar_url="https://cdn.example/avatars/jonas.png",
)


def at(seconds: int) -> datetime:
    """Return the aware UTC datetime ``seconds`` after `START`."""
    return datetime.fromtimestamp(START + seconds, tz=timezone.utc)


@pytest.fixture
def clock() -> ManualClock:
    """The fake's clock, moved by hand."""
    return ManualClock(START)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A plain local webhook endpoint that records the raw requests."""
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeMissive]:
    """A running fake whose token belongs to Jonas."""
    with FakeMissive(rate_limit=None, clock=clock, user=JONAS) as fake:
        yield fake


def jonas(**flags: bool) -> ConversationUser:
    """Jonas as a conversation user: unassigned, nothing else set unless given."""
    state = {
        "unassigned": True,
        "closed": False,
        "archived": False,
        "trashed": False,
        "junked": False,
        "assigned": False,
        "flagged": False,
        "snoozed": False,
        **flags,
    }
    return ConversationUser(id=JONAS.id, name=JONAS.name, email=JONAS.email, **state)


def received_event(receiver: Receiver, delivery: WebhookDelivery) -> WebhookEvent:
    """Verify and parse the one request the receiver got; check it is the delivery's bytes."""
    (request,) = receiver.received
    assert request.body == delivery.body
    assert request.path == "/hook"
    event = WebhookVerifier(SECRET).unwrap(request.body, request.headers)
    assert parse_webhook(request.body) == event
    return event


def test_a_reply_on_a_text_channel_round_trips(
    fake: FakeMissive, clock: ManualClock, receiver: Receiver
) -> None:
    """Every field the receiver parses is what the fake's conversation and reply hold."""
    account = fake.add_channel(
        ChannelSettings(
            type="text",
            aliases=[SUPPORT, SALES],
            recipient_fields={"id", "name"},
            webhook_url=receiver.url,
            signature_secret=SECRET,
        )
    )
    with api(fake) as client:
        incoming = {
            "account": account,
            "from_field": {"id": MARTA.id, "username": MARTA.username, "name": MARTA.name},
            "body": "Is my order shipped?",
            "references": ["order-5521"],
            "delivered_at": START - 60,
        }
        answer = client.post("/messages", json={"messages": incoming}).json()["messages"]
    clock.advance(30)
    delivery = fake.reply(answer["conversation"], "It left today.", alias=SALES)
    event = received_event(receiver, delivery)
    conversation_id = answer["conversation"]
    web = f"mail.missiveapp.com/#inbox/conversations/{conversation_id}"
    assert event == WebhookEvent(
        message=WebhookMessage(
            id=delivery.payload["message"]["id"],
            type="custom_text",
            subject=None,
            body="It left today.",
            preview="It left today.",
            from_field=SALES,
            # The channel lets users fill in id and name only: the username is dropped.
            to_fields=(Participant(id="cust-4471", name="Marta K."),),
            references=(),
            external_id=None,
            attachments=(),
            author=Author(
                id=JONAS.id, name=JONAS.name, email=JONAS.email, avatar_url=JONAS.avatar_url
            ),
            delivered_at=at(30),
            created_at=at(30),
            updated_at=at(30),
        ),
        conversation=Conversation(
            id=conversation_id,
            subject=None,
            latest_message_subject="Message from Jonas Weber",
            color=None,
            organization=None,
            team=None,
            assignees=(),
            users=(jonas(),),
            authors=(ConversationAuthor(name="Marta K."), ConversationAuthor(name="@sales")),
            shared_labels=(),
            attachments_count=0,
            messages_count=2,
            drafts_count=0,
            send_later_messages_count=0,
            tasks_count=0,
            completed_tasks_count=0,
            web_url=f"https://{web}",
            app_url=f"missive://{web}",
            assignee_names="",
            assignee_emails="",
            shared_label_names="",
            created_at=at(0),
            last_activity_at=at(30),
        ),
    )
    assert delivery.status == 200


def test_a_new_html_message_round_trips(
    fake: FakeMissive, clock: ManualClock, receiver: Receiver
) -> None:
    """A composed HTML message starts a conversation; the parsed event says so, field by field."""
    account = fake.add_channel(
        ChannelSettings(
            type="html",
            aliases=[SUPPORT],
            recipient_fields={"username"},
            webhook_url=receiver.url,
            signature_secret=SECRET,
        )
    )
    clock.advance(5)
    ana = Participant(id="cust-9", username="@ana", name="Ana")
    delivery = fake.compose(account, "<p>Your parcel &amp; <b>invoice</b></p>", to=[ana])
    event = received_event(receiver, delivery)
    conversation_id = delivery.payload["conversation"]["id"]
    web = f"mail.missiveapp.com/#inbox/conversations/{conversation_id}"
    assert event == WebhookEvent(
        message=WebhookMessage(
            id=delivery.payload["message"]["id"],
            type="custom_html",
            body="<p>Your parcel &amp; <b>invoice</b></p>",
            preview="Your parcel & invoice",
            from_field=SUPPORT,
            to_fields=(Participant(username="@ana"),),
            author=Author(
                id=JONAS.id, name=JONAS.name, email=JONAS.email, avatar_url=JONAS.avatar_url
            ),
            delivered_at=at(5),
            created_at=at(5),
            updated_at=at(5),
        ),
        conversation=Conversation(
            id=conversation_id,
            latest_message_subject="Message from Jonas Weber",
            users=(jonas(),),
            authors=(ConversationAuthor(name="Acme Support"),),
            attachments_count=0,
            messages_count=1,
            drafts_count=0,
            send_later_messages_count=0,
            tasks_count=0,
            completed_tasks_count=0,
            web_url=f"https://{web}",
            app_url=f"missive://{web}",
            assignee_names="",
            assignee_emails="",
            shared_label_names="",
            created_at=at(5),
            last_activity_at=at(5),
        ),
    )


def test_async_delivery_in_the_other_header_verifies_during_a_rotation(
    clock: ManualClock, receiver: Receiver
) -> None:
    """``areply`` signs in X-Missive-Signature with the old secret; a rotating verifier says so."""
    with FakeMissive(
        rate_limit=None, clock=clock, user=JONAS, signature_header="X-Missive-Signature"
    ) as fake:
        account = fake.add_channel(
            ChannelSettings(type="text", webhook_url=receiver.url, signature_secret=SECRET)
        )
        with api(fake) as client:
            incoming = {"account": account, "from_field": {"id": "c-1"}, "body": "Hi"}
            answer = client.post("/messages", json={"messages": incoming}).json()["messages"]
        delivery = asyncio.run(fake.areply(answer["conversation"], "Hello from async"))
    (request,) = receiver.received
    verifier = WebhookVerifier(secrets=["the-new-secret", SECRET])
    assert verifier.verify(request.body, request.headers) == SignatureMatch(
        secret_index=1, header="X-Missive-Signature"
    )
    event = verifier.unwrap(request.body, request.headers)
    assert event.message.id == delivery.payload["message"]["id"]
    assert event.message.body == "Hello from async"
    assert event.message.to_fields == (Participant(id="c-1"),)
    assert event.conversation.id == answer["conversation"]
    with pytest.raises(InvalidSignatureError) as refused:
        WebhookVerifier("the-new-secret").verify(request.body, request.headers)
    assert refused.value.reason == "mismatch"
