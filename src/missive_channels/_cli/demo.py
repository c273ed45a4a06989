"""The end-to-end demo: the whole custom-channel loop against a local `FakeMissive`, narrated."""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final, TypedDict, cast

import attrs
import httpx

from missive_channels._async_client import AsyncMissiveClient
from missive_channels._client import MissiveClient
from missive_channels._models import (
    Attachment,
    EmailAddress,
    EmailMessage,
    HtmlMessage,
    Notification,
    Participant,
    Post,
    TextMessage,
)
from missive_channels._receiver import (
    Received,
    WebhookReceiver,
    describe_event,
    describe_participant,
)
from missive_channels.testing import ChannelSettings, FakeMissive, MissiveUser, WebhookDelivery
from missive_channels.webhooks import WebhookVerifier, compute_signature

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import TextIO

    from typing_extensions import Unpack

    from missive_channels._events import Correspondent, StoredMessage, WebhookEvent
    from missive_channels._operations import CreatedMessage

__all__ = ["DemoRun", "run_demo"]

MARTA: Final = Participant(id="cust-4471", username="@marta.k", name="Marta K.")
SUPPORT: Final = Participant(id="acme-support", username="@acme", name="Acme Support")
SHOP: Final = Participant(id="shop", name="Acme Shop")
AGENT: Final = MissiveUser(
    id="0b7e6c52-5d1e-4c3b-9a60-3f1d2e4c5b6a", name="Jonas Weber", email="jonas@acme.example"
)
RECEIPT: Final = b"Order #5521\n1 x trail backpack, 40 l\nPaid 89.00 EUR\n"
HOOK_PATH: Final = "/missive/webhook"


@attrs.frozen(kw_only=True)
class DemoRun:
    """What a demo run did, for checking it against the transcript.

    Attributes:
        fake: The (stopped) `FakeMissive`, with everything it recorded.
        received: Every request the webhook receiver answered, in order.
        chat_conversation: The id of the chat conversation the demo threads into.
        seconds: How long the run took.
    """

    fake: FakeMissive
    received: tuple[Received, ...]
    chat_conversation: str
    seconds: float


class _ChatFields(TypedDict, total=False):
    # What differs between Marta's chat messages.
    body: str
    references: Iterable[str]
    attachments: Iterable[Attachment]
    external_id: str
    conversation: str
    delivered_at: int


class _Transcript:
    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._step = 0

    def line(self, text: str = "") -> None:
        self._out.write(f"{text}\n")
        self._out.flush()

    def step(self, title: str) -> None:
        self._step += 1
        self.line()
        self.line(f"[{self._step}] {title}")

    def row(self, label: str, value: str) -> None:
        self.line(f"    {label:<10} {value}")


def _short(identifier: str | None) -> str:
    return "(not given)" if identifier is None else identifier[:8]


def _outcome(created: CreatedMessage, known: set[str | None]) -> str:
    conversation = created.conversation_id
    how = "same conversation" if conversation in known else "new conversation"
    known.add(conversation)
    return f"message {_short(created.id)}, {how} {_short(conversation)}"


def _who(correspondent: Correspondent | None) -> str:
    found = None if correspondent is None else correspondent.name or correspondent.address
    return found or "?"


def _at(moment: datetime | None) -> str:
    return "--:--:--" if moment is None else moment.astimezone(timezone.utc).strftime("%H:%M:%S")


def _from_marta(accounts: dict[str, str], **fields: Unpack[_ChatFields]) -> TextMessage:
    """Return a message Marta writes on the chat widget: the Text channel, to Acme Support."""
    return TextMessage(account=accounts["text"], from_field=MARTA, to_fields=[SUPPORT], **fields)


async def _async_part(
    client: AsyncMissiveClient, accounts: dict[str, str], chat: str, now: int
) -> tuple[CreatedMessage, CreatedMessage, CreatedMessage]:
    html = HtmlMessage(
        account=accounts["html"],
        from_field=SHOP,
        to_fields=[SUPPORT],
        body="<p>Order <b>#5521</b> has been packed and is waiting for the carrier.</p>",
        references=["order-5521"],
        delivered_at=now - 200,
    )
    email = EmailMessage(
        account=accounts["email"],
        from_field=EmailAddress(address="dispatch@parcels.example", name="Parcels Dispatch"),
        to_fields=[EmailAddress(address="support@acme.example", name="Acme Support")],
        cc_fields=[EmailAddress(address="warehouse@acme.example")],
        subject="Pickup booked for order #5521",
        body="<p>We pick up order #5521 today between 14:00 and 16:00.</p>",
        references=["order-5521-pickup"],
        delivered_at=now - 150,
    )
    sent_html, sent_email = await asyncio.gather(
        client.messages.create(html), client.messages.create(email)
    )
    follow_up = _from_marta(
        accounts,
        body="Could you send me the tracking number?",
        conversation=chat,
        delivered_at=now - 60,
    )
    return sent_html, sent_email, await client.messages.create(follow_up)


def run_demo(out: TextIO) -> DemoRun:
    """Run the demo, printing its transcript to ``out``.

    Args:
        out: Where to write the transcript.

    Returns:
        What the run did, with the stopped fake and its records.
    """
    started = time.monotonic()
    secret = secrets.token_urlsafe(24)
    received: list[Received] = []
    say = _Transcript(out)
    with WebhookReceiver(WebhookVerifier(secret), received.append) as receiver:
        hook = receiver.url(HOOK_PATH)
        with FakeMissive(user=AGENT) as fake:
            accounts = {
                "text": fake.add_channel(
                    ChannelSettings(
                        type="text",
                        aliases=[SUPPORT],
                        webhook_url=hook,
                        signature_secret=secret,
                        bubble_color="#1f8a70",
                    )
                ),
                "html": fake.add_channel(
                    ChannelSettings(
                        type="html", aliases=[SUPPORT], webhook_url=hook, signature_secret=secret
                    )
                ),
                "email": fake.add_channel(ChannelSettings(type="email")),
            }
            _introduce(say, fake, hook, accounts)
            # Direct loopback connections: no proxy from the environment in between.
            with (
                httpx.Client(trust_env=False) as http,
                MissiveClient(token=fake.token, base_url=fake.base_url, http_client=http) as client,
            ):
                chat = _conversation_steps(say, fake, client, accounts)
                delivery, event = _agent_replies(say, fake, chat, received)
                _relay_receipt(say, client, event)
                _forged_refused(say, http, delivery, secret + "-forged", received)
                _read_back(say, fake, client, chat)
        seconds = time.monotonic() - started
        _summary(say, fake, received, seconds)
    return DemoRun(fake=fake, received=tuple(received), chat_conversation=chat, seconds=seconds)


def _introduce(say: _Transcript, fake: FakeMissive, hook: str, accounts: dict[str, str]) -> None:
    say.line("missive-channels demo: the whole custom-channel loop, offline.")
    say.line("FakeMissive (a local stand-in for Missive's API) and a webhook receiver run on")
    say.line("127.0.0.1; every request below really travels over a loopback socket.")
    say.line()
    say.row("API", f"{fake.base_url} (FakeMissive; the token is not shown)")
    say.row("webhooks", f"{hook} (checks signatures with WebhookVerifier)")
    say.row("channels", f"Text  {accounts['text']} (alias Acme Support; signed webhooks)")
    say.row("", f"HTML  {accounts['html']}")
    say.row("", f"Email {accounts['email']} (receive-only: never sends webhooks)")


def _conversation_steps(
    say: _Transcript, fake: FakeMissive, client: MissiveClient, accounts: dict[str, str]
) -> str:
    now = int(fake.clock())
    known: set[str | None] = set()
    first = _from_marta(
        accounts,
        body="Hello! Is my order #5521 shipped yet?",
        references=["chat-cust-4471"],
        attachments=[Attachment(filename="receipt-5521.txt", data=RECEIPT)],
        external_id="chat-msg-1001",
        delivered_at=now - 300,
    )
    say.step("A customer writes on the chat widget (MissiveClient, Text channel)")
    say.row("sent", f"POST /v1/messages from {describe_participant(MARTA)}")
    say.row("", f'body "{first.body}"')
    say.row("", f"reference chat-cust-4471; attachment receipt-5521.txt ({len(RECEIPT)} bytes)")
    created = client.messages.create(first)
    say.row("answered", _outcome(created, known))
    (stored,) = cast("list[dict[str, str]]", fake.messages[-1].payload["attachments"])
    intact = base64.b64decode(stored["base64_data"]) == RECEIPT
    say.row(
        "stored", f"{stored['filename']}: {'intact' if intact else 'CHANGED'}, base64 in the JSON"
    )
    chat = created.conversation_id
    assert chat is not None  # noqa: S101 - FakeMissive answers with ids unless told otherwise

    second = _from_marta(
        accounts,
        body="It is a birthday present, so I am a bit anxious.",
        references=["chat-cust-4471"],
        delivered_at=now - 240,
    )
    say.step("She adds a line, threaded by the same reference (MissiveClient)")
    say.row("sent", f'body "{second.body}", reference chat-cust-4471')
    say.row("answered", _outcome(client.messages.create(second), known))

    say.step("Two systems and Marta write (AsyncMissiveClient, the first two concurrently)")
    # The event loop runs in a thread of its own, as async code embedded in a sync
    # application would. (On CPython 3.11, coverage's tracer also loses the calling
    # frames after asyncio.run drives httpx's async transport in the main thread.)
    with ThreadPoolExecutor(max_workers=1) as pool:
        run = pool.submit(asyncio.run, _run_async(fake, accounts, chat, now))
        html, email, follow_up = run.result()
    say.row("HTML", "from Acme Shop: <p>Order <b>#5521</b> has been packed ...</p>")
    say.row("answered", _outcome(html, known))
    say.row("Email", "from dispatch@parcels.example to support@acme.example")
    say.row("", 'cc warehouse@acme.example, subject "Pickup booked for order #5521"')
    say.row("answered", _outcome(email, known))
    say.row("Text", f'from Marta K. with conversation={_short(chat)}: "Could you send me ..."')
    say.row("answered", _outcome(follow_up, known))
    return chat


async def _run_async(
    fake: FakeMissive, accounts: dict[str, str], chat: str, now: int
) -> tuple[CreatedMessage, CreatedMessage, CreatedMessage]:
    async with (
        httpx.AsyncClient(trust_env=False) as http,
        AsyncMissiveClient(token=fake.token, base_url=fake.base_url, http_client=http) as client,
    ):
        return await _async_part(client, accounts, chat, now)


def _agent_replies(
    say: _Transcript, fake: FakeMissive, chat: str, received: list[Received]
) -> tuple[WebhookDelivery, WebhookEvent]:
    say.step("An agent replies in Missive (played with fake.reply)")
    delivery = fake.reply(chat, "Thanks Marta! It left our warehouse today: tracking AC-5521-XY.")
    webhook = received[-1]
    say.row("webhook", f"POST {webhook.path} ({len(delivery.body)} bytes, signed)")
    say.row("receiver", f"answered {webhook.status}; WebhookVerifier parsed it into:")
    event = webhook.event
    assert event is not None  # noqa: S101 - the receiver accepted it (status 200)
    for line in describe_event(event, webhook.match):
        say.line(f"      {line}")
    return delivery, event


def _relay_receipt(say: _Transcript, client: MissiveClient, event: WebhookEvent) -> None:
    say.step("The integration relays the reply and posts a receipt (MissiveClient, POST /v1/posts)")
    recipients = ", ".join(p.name or p.username or p.id or "?" for p in event.message.to_fields)
    receipt = Post(
        conversation=event.conversation.id,
        notification=Notification(title="Delivered", body=f"Reply delivered to {recipients}"),
        markdown=f"**Delivered** to {recipients} on the chat widget.",
        username="Chat bridge",
    )
    say.row("sent", f'post "Delivered to {recipients}" into {_short(receipt.conversation)}')
    posted = client.posts.create(receipt)
    say.row("answered", f"post {_short(posted.id)} in {_short(posted.conversation_id)}")


def _forged_refused(
    say: _Transcript,
    http: httpx.Client,
    delivery: WebhookDelivery,
    wrong_secret: str,
    received: list[Received],
) -> None:
    say.step("A forged webhook is refused")
    forged = http.post(
        delivery.url,
        content=delivery.body,
        headers={
            "Content-Type": "application/json",
            "X-Hook-Signature": compute_signature(delivery.body, wrong_secret),
        },
    )
    say.row("sent", "the same body, signed with the wrong secret")
    say.row("receiver", f"answered {forged.status_code}: {received[-1].reason.split(':')[0]}")


def _read_back(say: _Transcript, fake: FakeMissive, client: MissiveClient, chat: str) -> None:
    say.step("The chat conversation read back (conversations.messages, newest first)")
    before = len(fake.requests)
    messages: list[StoredMessage] = list(client.conversations.messages(chat))
    pages = len(fake.requests) - before
    for message in messages:
        text = (message.body or "").replace("\n", " ")
        say.row(_at(message.delivered_at), f"{_who(message.from_field):<13} {text}")
    requests = "request" if pages == 1 else "requests"
    say.row("", f"{len(messages)} messages in {pages} GET {requests}; the receipt is a post")


def _summary(say: _Transcript, fake: FakeMissive, received: list[Received], seconds: float) -> None:
    accepted = sum(1 for r in received if r.status == 200)  # noqa: PLR2004 - HTTP OK
    say.line()
    say.line(
        f"Done in {seconds:.1f} s: {len(fake.requests)} API requests to FakeMissive and "
        f"{len(received)} webhook POSTs to the receiver, all on 127.0.0.1."
    )
    say.line(
        f"FakeMissive recorded {len(fake.messages)} messages, {len(fake.posts)} post and "
        f"{len(fake.deliveries)} webhook delivery; the receiver accepted {accepted} and "
        f"refused {len(received) - accepted}."
    )
