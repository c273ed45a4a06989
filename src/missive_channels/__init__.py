"""Typed SDK for Missive custom channels: build and send messages, verify and parse webhooks."""

from importlib.metadata import version as _version

from ._bodies import encoded_size, split_attachments
from ._converter import MAX_REQUEST_BYTES, encode_request, to_request_body
from ._errors import (
    FieldTypeError,
    JournalError,
    MissiveError,
    RequestTooLargeError,
    ValidationError,
)
from ._journal import Journal, JournalEntry, JournalState
from ._models import (
    Attachment,
    EmailAddress,
    EmailMessage,
    HtmlMessage,
    Message,
    Participant,
    TextMessage,
)

__version__: str = _version("missive-channels")

__all__ = [
    "MAX_REQUEST_BYTES",
    "Attachment",
    "EmailAddress",
    "EmailMessage",
    "FieldTypeError",
    "HtmlMessage",
    "Journal",
    "JournalEntry",
    "JournalError",
    "JournalState",
    "Message",
    "MissiveError",
    "Participant",
    "RequestTooLargeError",
    "TextMessage",
    "ValidationError",
    "__version__",
    "encode_request",
    "encoded_size",
    "split_attachments",
    "to_request_body",
]
