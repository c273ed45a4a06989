"""Typed SDK for Missive custom channels: build and send messages, verify and parse webhooks.

The root holds what a typical sender or receiver touches: the clients and their
resources, the message models, results and read models, the errors, `WebhookVerifier`
and `RateLimit`. Each other concern has a public module of its own:
`missive_channels.webhooks`, `.ratelimit`, `.bulk`, `.redis` (the ``redis`` extra) and
`.testing`.
"""

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncConversations",
    "AsyncMessages",
    "AsyncMissiveClient",
    "AsyncPosts",
    "Attachment",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "Conversation",
    "Conversations",
    "Correspondent",
    "CreatedMessage",
    "CreatedPost",
    "EmailAddress",
    "EmailMessage",
    "ExternalIdConflictError",
    "FieldTypeError",
    "HtmlMessage",
    "InvalidSignatureError",
    "JournalError",
    "Message",
    "Messages",
    "MissiveClient",
    "MissiveError",
    "MissiveWarning",
    "NotFoundError",
    "Notification",
    "Participant",
    "PermissionDeniedError",
    "Post",
    "PostAttachment",
    "Posts",
    "RateLimit",
    "RateLimitError",
    "RequestOptions",
    "RequestTooLargeError",
    "ServerError",
    "SharedStateError",
    "StoredMessage",
    "TextMessage",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookError",
    "WebhookEvent",
    "WebhookMessage",
    "WebhookPayloadError",
    "WebhookVerifier",
    "__version__",
    "to_request_body",
]

import importlib as _importlib
import typing as _typing

from ._call_options import RequestOptions
from ._converter import to_request_body
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
    MissiveWarning,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    SharedStateError,
    UnprocessableEntityError,
    ValidationError,
    WebhookError,
    WebhookPayloadError,
)
from ._events import Conversation, Correspondent, StoredMessage, WebhookEvent, WebhookMessage
from ._exports import ROOT as _ROOT
from ._exports import publish as _publish
from ._exports import show_in as _show_in
from ._logs import enable_logging_from_env as _enable_logging_from_env
from ._models import (
    Attachment,
    EmailAddress,
    EmailMessage,
    HtmlMessage,
    Message,
    Notification,
    Participant,
    Post,
    PostAttachment,
    TextMessage,
)
from ._webhooks import WebhookVerifier

if _typing.TYPE_CHECKING:
    from ._async_client import AsyncConversations, AsyncMessages, AsyncMissiveClient, AsyncPosts
    from ._client import Conversations, Messages, MissiveClient, Posts
    from ._operations import CreatedMessage, CreatedPost
    from ._ratelimit import RateLimit

    __version__: str

# The clients and their result types import httpx, and the version importlib.metadata;
# they load on first use, so that `import missive_channels.webhooks` stays light.
_LAZY: dict[str, str] = {
    "AsyncConversations": "._async_client",
    "AsyncMessages": "._async_client",
    "AsyncMissiveClient": "._async_client",
    "AsyncPosts": "._async_client",
    "Conversations": "._client",
    "CreatedMessage": "._operations",
    "CreatedPost": "._operations",
    "Messages": "._client",
    "MissiveClient": "._client",
    "Posts": "._client",
    "RateLimit": "._ratelimit",
}

_publish(_ROOT, globals(), [name for name in __all__ if name not in _LAZY and name[0] != "_"])
_enable_logging_from_env()


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
    _show_in(_ROOT, value)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the module's names, the lazily imported ones included."""
    return sorted({*globals(), *_LAZY, "__version__"})
