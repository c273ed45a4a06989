"""Receive a custom channel's webhook: check its signature, parse it, drop redeliveries.

Missive signs the raw request body with HMAC-SHA256 under the channel's "Signature
secret" and sends ``sha256=<hex>`` in ``X-Hook-Signature`` (one page of Missive's
docs says ``X-Missive-Signature``; both are looked up). This module needs only the
standard library, attrs and cattrs: importing it never imports an HTTP client, so
webhook handlers start fast.

Typical use, whatever the web framework::

    verifier = WebhookVerifier(os.environ["MISSIVE_WEBHOOK_SECRET"])

    def handle(raw_body: bytes, headers) -> int:
        try:
            event = verifier.unwrap(raw_body, headers)
        except InvalidSignatureError:
            return 401
        except WebhookPayloadError:
            return 400
        ...  # act on event.message and event.conversation
        return 200
"""

from __future__ import annotations

from ._dedup import (
    AsyncDeduplicator,
    Deduplicator,
    Delivery,
    InMemoryDeduplicator,
    ahandle_once,
    handle_once,
)
from ._errors import InvalidSignatureError, SignatureFailure, WebhookError, WebhookPayloadError
from ._events import (
    Author,
    Conversation,
    ConversationAuthor,
    ConversationUser,
    MessageAttachment,
    Organization,
    SharedLabel,
    Team,
    WebhookEvent,
    WebhookMessage,
)
from ._webhooks import (
    SIGNATURE_HEADERS,
    Body,
    Headers,
    SignatureMatch,
    WebhookVerifier,
    compute_signature,
    parse_webhook,
    verify_signature,
)

__all__ = [
    "SIGNATURE_HEADERS",
    "AsyncDeduplicator",
    "Author",
    "Body",
    "Conversation",
    "ConversationAuthor",
    "ConversationUser",
    "Deduplicator",
    "Delivery",
    "Headers",
    "InMemoryDeduplicator",
    "InvalidSignatureError",
    "MessageAttachment",
    "Organization",
    "SharedLabel",
    "SignatureFailure",
    "SignatureMatch",
    "Team",
    "WebhookError",
    "WebhookEvent",
    "WebhookMessage",
    "WebhookPayloadError",
    "WebhookVerifier",
    "ahandle_once",
    "compute_signature",
    "handle_once",
    "parse_webhook",
    "verify_signature",
]

# The classes defined for this module keep it as their home in tracebacks and reprs.
SignatureMatch.__module__ = WebhookVerifier.__module__ = __name__
