"""Typed SDK for Missive custom channels: build and send messages, verify and parse webhooks."""

import importlib as _importlib
import typing as _typing

from ._converter import MAX_REQUEST_BYTES, encode_request, to_request_body
from ._dedup import (
    AsyncDeduplicator,
    Deduplicator,
    Delivery,
    InMemoryDeduplicator,
    ahandle_once,
    handle_once,
)
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ExternalIdConflictError,
    FieldTypeError,
    InvalidSignatureError,
    JournalError,
    MissiveError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    SharedStateError,
    SignatureFailure,
    UnprocessableEntityError,
    ValidationError,
    WebhookError,
    WebhookPayloadError,
)
from ._events import (
    Author,
    Conversation,
    ConversationAuthor,
    ConversationUser,
    Correspondent,
    MessageAttachment,
    Organization,
    SharedLabel,
    StoredMessage,
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
    Notification,
    Participant,
    Post,
    TextMessage,
)
from .webhooks import (
    SignatureMatch,
    WebhookVerifier,
    compute_signature,
    parse_webhook,
    verify_signature,
)

if _typing.TYPE_CHECKING:
    from ._async_client import AsyncMissiveClient
    from ._bodies import encoded_size, split_attachments
    from ._bulk import SendCounts, SendOutcome, SendStatus
    from ._client import MissiveClient
    from ._journal import Journal, JournalEntry, JournalState
    from ._operations import CreatedMessage, CreatedPost
    from ._ratelimit import (
        AsyncLimiter,
        AsyncLimiterAdapter,
        Lease,
        LeasingLimiter,
        Limiter,
        RateLimit,
        RateWindow,
        SlidingWindowLimiter,
    )

    __version__: str

__all__ = [
    "MAX_REQUEST_BYTES",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncDeduplicator",
    "AsyncLimiter",
    "AsyncLimiterAdapter",
    "AsyncMissiveClient",
    "Attachment",
    "AuthenticationError",
    "Author",
    "BadRequestError",
    "ClientClosedError",
    "Conversation",
    "ConversationAuthor",
    "ConversationUser",
    "Correspondent",
    "CreatedMessage",
    "CreatedPost",
    "Deduplicator",
    "Delivery",
    "EmailAddress",
    "EmailMessage",
    "ExternalIdConflictError",
    "FieldTypeError",
    "HtmlMessage",
    "InMemoryDeduplicator",
    "InvalidSignatureError",
    "Journal",
    "JournalEntry",
    "JournalError",
    "JournalState",
    "Lease",
    "LeasingLimiter",
    "Limiter",
    "Message",
    "MessageAttachment",
    "MissiveClient",
    "MissiveError",
    "NotFoundError",
    "Notification",
    "Organization",
    "Participant",
    "PermissionDeniedError",
    "Post",
    "RateLimit",
    "RateLimitError",
    "RateWindow",
    "RequestTooLargeError",
    "SendCounts",
    "SendOutcome",
    "SendStatus",
    "ServerError",
    "SharedLabel",
    "SharedStateError",
    "SignatureFailure",
    "SignatureMatch",
    "SlidingWindowLimiter",
    "StoredMessage",
    "Team",
    "TextMessage",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookError",
    "WebhookEvent",
    "WebhookMessage",
    "WebhookPayloadError",
    "WebhookVerifier",
    "__version__",
    "ahandle_once",
    "compute_signature",
    "encode_request",
    "encoded_size",
    "handle_once",
    "parse_webhook",
    "split_attachments",
    "to_request_body",
    "verify_signature",
]

# The clients and their result types import httpx, the journal sqlite3, and the
# version importlib.metadata; load them and the other sending-side names on first
# use so that `import missive_channels.webhooks` stays light.
_LAZY: dict[str, str] = {
    "AsyncLimiter": "._ratelimit",
    "AsyncLimiterAdapter": "._ratelimit",
    "AsyncMissiveClient": "._async_client",
    "CreatedMessage": "._operations",
    "CreatedPost": "._operations",
    "Journal": "._journal",
    "JournalEntry": "._journal",
    "JournalState": "._journal",
    "Lease": "._ratelimit",
    "LeasingLimiter": "._ratelimit",
    "Limiter": "._ratelimit",
    "MissiveClient": "._client",
    "RateLimit": "._ratelimit",
    "RateWindow": "._ratelimit",
    "SendCounts": "._bulk",
    "SendOutcome": "._bulk",
    "SendStatus": "._bulk",
    "SlidingWindowLimiter": "._ratelimit",
    "encoded_size": "._bodies",
    "split_attachments": "._bodies",
}


def __getattr__(name: str) -> object:
    """Import a sending-side name, or read the version, on first access."""
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 - heavy, needed rarely

        globals()[name] = version("missive-channels")
        return globals()[name]
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value: object = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the module's names, the lazily imported ones included."""
    return sorted({*globals(), *_LAZY, "__version__"})
