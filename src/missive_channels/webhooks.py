"""Receive a custom channel's or a rule's webhook: check its signature, parse it, drop redeliveries.

Missive signs the raw request body with HMAC-SHA256 under the channel's "Signature
secret" and sends ``sha256=<hex>`` in ``X-Hook-Signature`` (one page of Missive's
docs says ``X-Missive-Signature``; both are looked up). This module needs only the
standard library, attrs and cattrs: importing it never imports an HTTP client, so
webhook handlers start fast.

The verifier, the event and the errors are also in the package root. Typical use,
whatever the web framework:

```python
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
```
"""

__all__ = [
    "SIGNATURE_HEADERS",
    "AsyncDeduplicator",
    "Author",
    "Body",
    "Comment",
    "ConversationAuthor",
    "ConversationUser",
    "Deduplicator",
    "Delivery",
    "Headers",
    "InMemoryDeduplicator",
    "MessageAttachment",
    "Organization",
    "Rule",
    "RuleEvent",
    "SharedLabel",
    "SignatureFailure",
    "SignatureMatch",
    "Team",
    "WebhookEvent",
    "WebhookMessage",
    "WebhookParticipant",
    "WebhookVerifier",
    "ahandle_once",
    "compute_signature",
    "handle_once",
    "parse_rule_webhook",
    "parse_webhook",
    "verify_signature",
]

from ._dedup import (
    AsyncDeduplicator,
    Deduplicator,
    Delivery,
    InMemoryDeduplicator,
    ahandle_once,
    handle_once,
)
from ._errors import SignatureFailure
from ._events import (
    Author,
    Comment,
    ConversationAuthor,
    ConversationUser,
    MessageAttachment,
    Organization,
    Rule,
    RuleEvent,
    SharedLabel,
    Team,
    WebhookEvent,
    WebhookMessage,
    WebhookParticipant,
)
from ._exports import publish as _publish
from ._webhooks import (
    SIGNATURE_HEADERS,
    Body,
    Headers,
    SignatureMatch,
    WebhookVerifier,
    compute_signature,
    parse_rule_webhook,
    parse_webhook,
    verify_signature,
)

_publish(__name__, globals(), __all__)
