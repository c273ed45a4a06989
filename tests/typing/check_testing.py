"""Type-checked, never run: the testing kit's public types as users see them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from typing_extensions import assert_type

from missive_channels import Participant, RateLimit
from missive_channels.testing import (
    AsyncFakeTransport,
    ChannelSettings,
    ChannelType,
    ConversationData,
    FakeMissive,
    FakeMissiveError,
    FakeTransport,
    Fault,
    FaultKind,
    FaultQueue,
    ManualClock,
    MissiveUser,
    RecordedMessage,
    RecordedPost,
    RecordedRequest,
    SendRefusedError,
    WebhookDelivery,
    WebhookDeliveryError,
    WebhookPayload,
    signed_webhook_request,
    webhook_payload,
)
from missive_channels.webhooks import SIGNATURE_HEADERS

settings = ChannelSettings(
    type="html",
    allow_new_messages=False,
    recipient_fields={"id", "name"},
    aliases=[Participant(name="Support")],
    max_recipients=2,
    webhook_url="http://127.0.0.1:8000/hook",
    signature_secret="secret",
)
assert_type(settings.type, ChannelType)
assert_type(settings.aliases, "tuple[Participant, ...]")
assert_type(settings.max_recipients, "int | None")

clock = ManualClock()
clock.advance(60)
assert_type(clock(), float)

with FakeMissive(
    channels=[settings],
    rate_limit=RateLimit(max_concurrent=None),
    clock=clock,
    empty_responses=True,
    signature_header="X-Missive-Signature",
) as fake:
    assert_type(fake, FakeMissive)
    assert_type(fake.base_url, str)
    assert_type(fake.token, str)
    assert_type(fake.clock, Callable[[], float])
    account: str = fake.add_channel(ChannelSettings(), account="acc-1")
    fake.faults.push(Fault.drop_after(path="/v1/messages"), Fault.delay(0.5, times=None))
    assert_type(fake.faults, FaultQueue)
    assert_type(fake.faults.pending, "tuple[Fault, ...]")
    assert_type(fake.messages, list[RecordedMessage])
    assert_type(fake.messages[0].payload, Mapping[str, object])
    assert_type(fake.posts, list[RecordedPost])
    assert_type(fake.requests, list[RecordedRequest])
    assert_type(fake.conversations, list[ConversationData])
    assert_type(fake.conversation("c-1")["messages_count"], int)
    delivery = fake.reply("c-1", "Hi", alias=Participant(name="Support"))
    assert_type(delivery, WebhookDelivery)
    assert_type(delivery.status, int)
    assert_type(delivery.body, bytes)
    assert_type(delivery.payload, WebhookPayload)
    assert_type(delivery.payload["message"]["body"], str)
    assert_type(fake.compose(account, "Hi", to=[Participant(id="c")]), WebhookDelivery)
    assert_type(fake.user, MissiveUser)
    fake.empty_responses = False


async def play(fake: FakeMissive) -> None:
    """Async variants return the same deliveries."""
    assert_type(await fake.areply("c-1", "Hi"), WebhookDelivery)
    assert_type(await fake.acompose("acc", "Hi", to=[Participant(id="c")]), WebhookDelivery)


kind: FaultKind = Fault.server_error(503, recorded=True).kind
body, headers = signed_webhook_request("secret", type="html", header=SIGNATURE_HEADERS[1])
assert_type(body, bytes)
assert_type(headers, dict[str, str])
assert_type(webhook_payload(type="text", text="Hi"), WebhookPayload)
payload = webhook_payload(text="Hi", conversation_id="c-1", references=["r-1"])
assert_type(signed_webhook_request("secret", payload=payload), tuple[bytes, dict[str, str]])
signed_webhook_request("secret", text="Hi", conversation_id="c-1", delivered_at=1_718_034_500)
signed_webhook_request("secret", body="Hi")  # type: ignore[call-arg]  # the text is text=
signed_webhook_request("secret", payload={"ping": True})  # type: ignore[arg-type]
assert_type(FakeMissive().transport, FakeTransport)
assert_type(FakeMissive().async_transport, AsyncFakeTransport)

try:
    fake.reply("c-1", "Hi")
except SendRefusedError as refused:
    assert_type(refused, SendRefusedError)
except WebhookDeliveryError as failed:
    assert_type(failed.url, str)
except FakeMissiveError:
    pass
