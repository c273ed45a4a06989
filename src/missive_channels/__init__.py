"""Typed SDK for Missive custom channels: build and send messages, verify and parse webhooks."""

from importlib.metadata import version as _version

from ._converter import MAX_REQUEST_BYTES, encode_request, to_request_body
from ._dedup import (
    AsyncDeduplicator,
    Deduplicator,
    Delivery,
    InMemoryDeduplicator,
    handle_once,
    handle_once_async,
)
from ._errors import (
    FieldTypeError,
    InvalidSignatureError,
    MissiveError,
    RequestTooLargeError,
    SignatureFailure,
    ValidationError,
    WebhookError,
    WebhookPayloadError,
)
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
from ._models import (
    Attachment,
    EmailAddress,
    EmailMessage,
    HtmlMessage,
    Message,
    Participant,
    TextMessage,
)
from .webhooks import (
    SignatureMatch,
    WebhookVerifier,
    compute_signature,
    parse_webhook,
    verify_signature,
)

__version__: str = _version("missive-channels")

__all__ = [
    "MAX_REQUEST_BYTES",
    "AsyncDeduplicator",
    "Attachment",
    "Author",
    "Conversation",
    "ConversationAuthor",
    "ConversationUser",
    "Deduplicator",
    "Delivery",
    "EmailAddress",
    "EmailMessage",
    "FieldTypeError",
    "HtmlMessage",
    "InMemoryDeduplicator",
    "InvalidSignatureError",
    "Message",
    "MessageAttachment",
    "MissiveError",
    "Organization",
    "Participant",
    "RequestTooLargeError",
    "SharedLabel",
    "SignatureFailure",
    "SignatureMatch",
    "Team",
    "TextMessage",
    "ValidationError",
    "WebhookError",
    "WebhookEvent",
    "WebhookMessage",
    "WebhookPayloadError",
    "WebhookVerifier",
    "__version__",
    "compute_signature",
    "encode_request",
    "handle_once",
    "handle_once_async",
    "parse_webhook",
    "to_request_body",
    "verify_signature",
]
