"""Typed SDK for Missive custom channels: build and send messages, verify and parse webhooks."""

import importlib as _importlib
import typing as _typing
from importlib.metadata import version as _version

from ._bodies import encoded_size, split_attachments
from ._converter import MAX_REQUEST_BYTES, encode_request, to_request_body
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
    JournalError,
    MissiveError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    UnprocessableEntityError,
    ValidationError,
)
from ._journal import Journal, JournalEntry, JournalState
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
from ._ratelimit import Limiter, RateLimit, RateWindow, SlidingWindowLimiter

if _typing.TYPE_CHECKING:
    from ._async_client import AsyncMissiveClient
    from ._bulk import SendCounts, SendOutcome, SendStatus
    from ._client import MissiveClient
    from ._operations import CreatedMessage, CreatedPost

__version__: str = _version("missive-channels")

__all__ = [
    "MAX_REQUEST_BYTES",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncMissiveClient",
    "Attachment",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "CreatedMessage",
    "CreatedPost",
    "EmailAddress",
    "EmailMessage",
    "ExternalIdConflictError",
    "FieldTypeError",
    "HtmlMessage",
    "Journal",
    "JournalEntry",
    "JournalError",
    "JournalState",
    "Limiter",
    "Message",
    "MissiveClient",
    "MissiveError",
    "NotFoundError",
    "Notification",
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
    "SlidingWindowLimiter",
    "TextMessage",
    "UnprocessableEntityError",
    "ValidationError",
    "__version__",
    "encode_request",
    "encoded_size",
    "split_attachments",
    "to_request_body",
]

# The clients and their result types import httpx; load them on first use so that
# `import missive_channels.webhooks` stays light.
_LAZY: dict[str, str] = {
    "AsyncMissiveClient": "._async_client",
    "CreatedMessage": "._operations",
    "CreatedPost": "._operations",
    "MissiveClient": "._client",
    "SendCounts": "._bulk",
    "SendOutcome": "._bulk",
    "SendStatus": "._bulk",
}


def __getattr__(name: str) -> object:
    """Import a client-side name on first access."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value: object = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the module's names, the lazily imported ones included."""
    return sorted({*globals(), *_LAZY})
