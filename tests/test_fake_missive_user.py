"""Playing the Missive user: signed webhooks delivered to a real receiver, and the settings."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from fake_support import Receiver, api
from missive_channels import Participant
from missive_channels.testing import (
    ChannelSettings,
    FakeMissive,
    FakeMissiveError,
    MissiveUser,
    SendRefusedError,
    WebhookDeliveryError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SECRET = "s3cr3t"
MARTA = {"id": "cust-4471", "username": "@marta.k", "name": "Marta K."}
SUPPORT = Participant(name="Acme Support")
SALES = Participant(id="sales", username="@sales")
JONAS = MissiveUser(
    id="u-jonas", name="Jonas Weber", email="jonas@example.com", avatar_url="https://a/j.png"
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local webhook endpoint answering 200."""
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def fake() -> Iterator[FakeMissive]:
    """A running fake without rate limits."""
    with FakeMissive(rate_limit=None) as fake:
        yield fake


@pytest.fixture
def client(fake: FakeMissive) -> Iterator[httpx.Client]:
    """An httpx client authenticated against the fake."""
    with api(fake) as client:
        yield client


def channel(fake: FakeMissive, receiver: Receiver, **settings: Any) -> str:
    """Add a channel posting to the receiver, signed with SECRET."""
    options: dict[str, Any] = {
        "webhook_url": receiver.url,
        "signature_secret": SECRET,
        "aliases": [SUPPORT, SALES],
        **settings,
    }
    return fake.add_channel(ChannelSettings(**options))


def incoming(client: httpx.Client, account: str, **fields: Any) -> str:
    """POST a message from Marta and return its conversation id."""
    message = {"account": account, "from_field": MARTA, "body": "Where is my order?", **fields}
    response = client.post("/messages", json={"messages": message})
    assert response.status_code == 201, response.text
    conversation: str = response.json()["messages"]["conversation"]
    return conversation


def test_a_reply_is_posted_signed_to_the_webhook_url(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """The receiver gets JSON whose signature checks out with hmac over the raw bytes."""
    conversation_id = incoming(client, channel(fake, receiver))
    delivery = fake.reply(conversation_id, "It left our warehouse today.", author=JONAS)
    (request,) = receiver.received
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-hook-signature"] == f"sha256={expected}"
    assert delivery.body == request.body
    assert delivery.status == 200
    assert delivery.response == b"ok"
    assert fake.deliveries == [delivery]
    assert SECRET not in repr(delivery)


def test_the_payload_has_missives_shape(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """``{"message": ..., "conversation": ...}`` with Missive's keys and types."""
    conversation_id = incoming(client, channel(fake, receiver))
    fake.reply(conversation_id, "Thanks Marta, it shipped.", author=JONAS)
    payload = json.loads(receiver.received[0].body)
    assert set(payload) == {"message", "conversation"}
    message = payload["message"]
    assert set(message) == {
        "id",
        "preview",
        "type",
        "delivered_at",
        "updated_at",
        "created_at",
        "references",
        "body",
        "from_field",
        "to_fields",
        "external_id",
        "attachments",
        "author",
    }
    assert message["type"] == "custom_text"
    assert message["body"] == message["preview"] == "Thanks Marta, it shipped."
    assert all(isinstance(message[key], int) for key in ("delivered_at", "created_at"))
    assert message["from_field"] == {"id": None, "name": "Acme Support", "username": None}
    assert message["to_fields"] == [MARTA | {}]
    assert message["author"] == {
        "id": "u-jonas",
        "email": "jonas@example.com",
        "name": "Jonas Weber",
        "avatar_url": "https://a/j.png",
    }
    conversation = payload["conversation"]
    assert conversation["id"] == conversation_id
    assert conversation["messages_count"] == 2
    assert conversation["latest_message_subject"] == "Message from Jonas Weber"
    assert {"name": "Acme Support", "address": None} in conversation["authors"]
    assert "u-jonas" in [user["id"] for user in conversation["users"]]
    for key in ("web_url", "app_url", "drafts_count", "tasks_count", "shared_labels"):
        assert key in conversation


def test_the_reply_shows_in_the_conversation(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """GET /conversations/:id/messages lists the user's reply with its author."""
    conversation_id = incoming(client, channel(fake, receiver))
    delivery = fake.reply(conversation_id, "On its way.")
    newest = client.get(f"/conversations/{conversation_id}/messages").json()["messages"]
    ids = [m["id"] for m in newest]
    assert delivery.payload["message"]["id"] in ids
    reply = next(m for m in newest if m["id"] == delivery.payload["message"]["id"])
    assert reply["author"]["name"] == "Fake Agent"
    assert client.get(f"/messages/{reply['id']}").json()["messages"]["body"] == "On its way."
    assert len(fake.messages) == 1  # only API messages count as accepted


def test_html_channels_send_custom_html(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """An HTML channel's webhook has type custom_html and a tag-free preview."""
    conversation_id = incoming(client, channel(fake, receiver, type="html"))
    delivery = fake.reply(conversation_id, "<p>Shipped &amp; <b>tracked</b></p>")
    assert delivery.payload["message"]["type"] == "custom_html"
    assert delivery.payload["message"]["preview"] == "Shipped & tracked"


def test_the_signature_header_name_is_configurable(receiver: Receiver) -> None:
    """Missive's docs disagree on the header, so the fake can use X-Missive-Signature."""
    with FakeMissive(signature_header="X-Missive-Signature") as fake:
        account = channel(fake, receiver)
        fake.compose(account, "Hello", to=[Participant(id="c-1")])
    headers = receiver.received[0].headers
    assert headers["x-missive-signature"].startswith("sha256=")
    assert "x-hook-signature" not in headers


def test_without_a_secret_the_webhook_is_unsigned(fake: FakeMissive, receiver: Receiver) -> None:
    """A channel without a signature secret sends no signature header."""
    account = channel(fake, receiver, signature_secret=None)
    fake.compose(account, "Hello", to=[Participant(id="c-1")])
    assert "x-hook-signature" not in receiver.received[0].headers


def test_compose_starts_a_conversation(fake: FakeMissive, receiver: Receiver) -> None:
    """A new message opens a conversation on the channel that later replies can use."""
    account = channel(fake, receiver)
    delivery = fake.compose(account, "Hi!", to=[Participant(id="c-1", name="Cleo")], alias=SALES)
    message = delivery.payload["message"]
    assert message["from_field"] == {"id": "sales", "name": None, "username": "@sales"}
    assert message["to_fields"] == [{"id": "c-1", "name": "Cleo", "username": None}]
    conversation_id = delivery.payload["conversation"]["id"]
    assert fake.conversation(conversation_id)["messages_count"] == 1


def test_the_receivers_answer_is_returned_whatever_it_is(
    fake: FakeMissive, client: httpx.Client
) -> None:
    """A failing receiver is reported through the delivery, not an exception."""
    with Receiver(status=500, answer=b"boom") as failing:
        conversation_id = incoming(client, channel(fake, failing))
        delivery = fake.reply(conversation_id, "Hi")
    assert (delivery.status, delivery.response) == (500, b"boom")


def test_async_reply_and_compose(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """`areply` and `acompose` deliver the same webhooks from async code."""
    account = channel(fake, receiver)
    conversation_id = incoming(client, account)

    async def play() -> list[int]:
        first = await fake.areply(conversation_id, "async reply")
        second = await fake.acompose(account, "async new", to=[Participant(id="c-2")])
        return [first.status, second.status]

    assert asyncio.run(play()) == [200, 200]
    bodies = [json.loads(r.body)["message"]["body"] for r in receiver.received]
    assert bodies == ["async reply", "async new"]


# -- settings -----------------------------------------------------------------------------


def test_recipient_fields_are_reduced_to_the_allowed_ones(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """Only the recipient keys the channel allows reach the webhook."""
    account = channel(fake, receiver, recipient_fields={"id"})
    delivery = fake.reply(incoming(client, account), "Hi")
    assert delivery.payload["message"]["to_fields"] == [
        {"id": "cust-4471", "name": None, "username": None}
    ]


def test_a_recipient_left_empty_by_the_reduction_is_refused(
    fake: FakeMissive, receiver: Receiver
) -> None:
    """A recipient with none of the allowed keys cannot be addressed."""
    account = channel(fake, receiver, recipient_fields={"username"})
    with pytest.raises(SendRefusedError, match="none of the recipient fields"):
        fake.compose(account, "Hi", to=[Participant(id="c-1")])
    assert receiver.received == []


@pytest.mark.parametrize(
    ("settings", "call", "match"),
    [
        ({"allow_replies": False}, "reply", "does not allow replies"),
        ({"allow_new_messages": False}, "compose", "does not allow new messages"),
        ({"aliases": []}, "reply", "no aliases"),
        ({"max_recipients": 1}, "compose2", "2 recipients; the channel allows at most 1"),
        ({"type": "email"}, "reply", "Email custom channels never send webhooks"),
        ({"allow_editing_recipients": False}, "reply_to", "edit a reply's recipients"),
    ],
)
def test_settings_refuse_what_missive_would_not_offer(
    *,
    fake: FakeMissive,
    client: httpx.Client,
    receiver: Receiver,
    settings: dict[str, Any],
    call: str,
    match: str,
) -> None:
    """Each outgoing setting turns the forbidden action into SendRefusedError, sending nothing."""
    account = channel(fake, receiver, **settings)
    sender = {"address": "m@example.com"} if settings.get("type") == "email" else MARTA
    response = client.post(
        "/messages", json={"messages": {"account": account, "from_field": sender}}
    )
    conversation_id = response.json()["messages"]["conversation"]
    two = [Participant(id="a"), Participant(id="b")]
    actions: dict[str, Callable[[], object]] = {
        "reply": lambda: fake.reply(conversation_id, "Hi"),
        "reply_to": lambda: fake.reply(conversation_id, "Hi", to=[Participant(id="else")]),
        "compose": lambda: fake.compose(account, "Hi", to=[Participant(id="a")]),
        "compose2": lambda: fake.compose(account, "Hi", to=two),
    }
    with pytest.raises(SendRefusedError, match=match):
        actions[call]()
    assert receiver.received == []


def test_unchanged_recipients_are_fine_when_editing_is_off(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """Passing the default recipients explicitly is not an edit."""
    account = channel(fake, receiver, allow_editing_recipients=False)
    conversation_id = incoming(client, account)
    assert fake.reply(conversation_id, "Hi", to=[Participant(**MARTA)]).status == 200


def test_an_alias_must_be_one_of_the_channels(
    fake: FakeMissive, client: httpx.Client, receiver: Receiver
) -> None:
    """Sending as an alias the channel lacks is refused."""
    conversation_id = incoming(client, channel(fake, receiver))
    with pytest.raises(SendRefusedError, match="not one of the channel's aliases"):
        fake.reply(conversation_id, "Hi", alias=Participant(name="Impostor"))


def test_a_new_message_needs_recipients(fake: FakeMissive, receiver: Receiver) -> None:
    """Composing without ``to`` (or with an empty one) is refused."""
    account = channel(fake, receiver)
    with pytest.raises(SendRefusedError, match="needs recipients"):
        fake.compose(account, "Hi", to=None)  # type: ignore[arg-type]
    with pytest.raises(SendRefusedError, match="has no recipients"):
        fake.compose(account, "Hi", to=[])


def test_a_reply_with_nobody_to_answer_is_refused(fake: FakeMissive, receiver: Receiver) -> None:
    """A conversation holding only users' messages has no default recipient."""
    account = channel(fake, receiver)
    started = fake.compose(account, "Hi", to=[Participant(id="c-1")])
    with pytest.raises(SendRefusedError, match="the reply has no recipients"):
        fake.reply(started.payload["conversation"]["id"], "Anyone?")


def test_a_post_only_conversation_has_no_channel(fake: FakeMissive, client: httpx.Client) -> None:
    """Replying where only posts live is refused: there is no channel to reply through."""
    response = client.post(
        "/posts", json={"posts": {"notification": {"title": "t", "body": "b"}, "text": "x"}}
    )
    with pytest.raises(SendRefusedError, match="has no custom channel"):
        fake.reply(response.json()["posts"]["conversation"], "Hi")


@pytest.mark.parametrize(
    ("action", "match"),
    [
        ("unknown conversation", "no conversation 'nope'"),
        ("unknown account", "no channel with account id 'nope'"),
        ("no webhook", "has no webhook_url"),
        ("body not str", "body must be a str"),
        ("recipient not participant", "recipients must be Participant objects"),
    ],
)
def test_misuse_is_our_error(fake: FakeMissive, action: str, match: str) -> None:
    """Mistakes in driving the fake raise FakeMissiveError with a reason."""
    bare = fake.add_channel()
    hooked = fake.add_channel(ChannelSettings(webhook_url="http://127.0.0.1:9/x"))
    to = [Participant(id="c")]
    actions: dict[str, Callable[[], object]] = {
        "unknown conversation": lambda: fake.reply("nope", "Hi"),
        "unknown account": lambda: fake.compose("nope", "Hi", to=to),
        "no webhook": lambda: fake.compose(bare, "Hi", to=to),
        "body not str": lambda: fake.compose(hooked, b"Hi", to=to),  # type: ignore[arg-type]
        "recipient not participant": lambda: fake.compose(hooked, "Hi", to=[{"id": "c"}]),  # type: ignore[list-item]
    }
    with pytest.raises(FakeMissiveError, match=match):
        actions[action]()


def test_an_unreachable_receiver_is_a_delivery_error(fake: FakeMissive) -> None:
    """Nobody listening: WebhookDeliveryError naming the URL, with the cause kept."""
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{placeholder.getsockname()[1]}/hook"
    account = fake.add_channel(ChannelSettings(webhook_url=url))
    with pytest.raises(WebhookDeliveryError, match="could not deliver the webhook") as caught:
        fake.compose(account, "Hi", to=[Participant(id="c")])
    assert caught.value.url == url
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert fake.deliveries == []

    async def play() -> None:
        await fake.acompose(account, "Hi", to=[Participant(id="c")])

    with pytest.raises(WebhookDeliveryError):
        asyncio.run(play())


def test_a_slow_receiver_times_out(receiver: Receiver) -> None:
    """A receiver slower than ``webhook_timeout`` is a delivery error."""
    receiver.delay = 30
    with FakeMissive(webhook_timeout=0.2) as fake:
        account = channel(fake, receiver)
        with pytest.raises(WebhookDeliveryError, match="ReadTimeout"):
            fake.compose(account, "Hi", to=[Participant(id="c")])
