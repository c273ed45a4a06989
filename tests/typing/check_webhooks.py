"""Type-checked, never run: the webhook API's types as users see them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from typing_extensions import assert_type

from missive_channels import (
    Conversation,
    InvalidSignatureError,
    Participant,
    StoredMessage,
    WebhookEvent,
    WebhookPayloadError,
    WebhookVerifier,
)
from missive_channels.webhooks import (
    ConversationUser,
    Delivery,
    InMemoryDeduplicator,
    MessageAttachment,
    RuleEvent,
    SignatureFailure,
    SignatureMatch,
    WebhookParticipant,
    compute_signature,
    handle_once,
    parse_rule_webhook,
    parse_webhook,
    verify_signature,
)

if TYPE_CHECKING:
    from missive_channels.webhooks import Deduplicator

body = b"{}"
assert_type(compute_signature(body, "secret"), str)
assert_type(verify_signature(body, "sha256=00", "secret"), int)
assert_type(verify_signature(bytearray(body), None, ["new", "old"]), int)
assert_type(verify_signature(memoryview(body), b"00", ("new", "old")), int)

verifier = WebhookVerifier("secret")
rotating = WebhookVerifier(secrets=["new", "old"])
assert_type(verifier.verify(body, {"X-Hook-Signature": "x"}), SignatureMatch)
assert_type(rotating.verify(body, [("x-hook-signature", "x")]).secret_index, int)
assert_type(rotating.verify(body, [(b"x-hook-signature", b"x")]).header, str)
event = verifier.unwrap(body, {"X-Hook-Signature": "x"})
assert_type(event, WebhookEvent)
assert_type(parse_webhook(body), WebhookEvent)

assert_type(event.message.id, str)
assert_type(event.message.type, str | None)
assert_type(event.message.from_field, WebhookParticipant | None)
assert_type(event.message.to_fields, tuple[WebhookParticipant, ...])
if event.message.from_field is not None:
    assert_type(event.message.from_field.extra, Mapping[str, object])
    # A webhook's participant is a Participant: it goes into a message as it is.
    reply_to: Participant = event.message.from_field
assert_type(event.message.attachments, tuple[MessageAttachment, ...])
assert_type(event.message.delivered_at, datetime | None)
assert_type(event.conversation, Conversation)
assert_type(event.conversation.users, tuple[ConversationUser, ...])
assert_type(event.conversation.messages_count, int | None)
# A webhook's conversation is the very class message reads embed.
stored = StoredMessage(id="m", conversation=event.conversation)
assert_type(stored.conversation, Conversation | None)

try:
    verifier.verify("text body", {})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
except InvalidSignatureError as exc:
    assert_type(exc.reason, SignatureFailure)
except WebhookPayloadError as exc:
    assert_type(exc.path, str)

dedup: Deduplicator = InMemoryDeduplicator(ttl=3600, clock=lambda: 0.0)
with handle_once(dedup, event.message.id) as delivery:
    assert_type(delivery, Delivery)

parse_webhook({"message": {}})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# Read models keep unknown keys and travel as JSON; rule webhooks parse alike.
travelling = parse_webhook(b"{}")
assert_type(travelling.extra, Mapping[str, object])
assert_type(travelling.to_dict(), dict[str, Any])
assert_type(WebhookEvent.from_dict(travelling.to_dict()), WebhookEvent)
rule_event = parse_rule_webhook(b"{}")
assert_type(rule_event, RuleEvent)
assert_type(rule_event.rule.type, str | None)
assert_type(rule_event.message, StoredMessage | None)
assert_type(WebhookVerifier("s").unwrap_rule(b"{}", {}), RuleEvent)
