"""The error tree: every failure the SDK reports is one of these.

```
MissiveError
├── ValidationError (also ValueError)         bad input, caught before any I/O
│   ├── FieldTypeError (also TypeError)       a field got a value of the wrong type
│   └── RequestTooLargeError                  the encoded request exceeds Missive's cap
├── JournalError                              the send journal cannot be used
└── FakeMissiveError                          missive_channels.testing was misused
    ├── SendRefusedError                      the channel's settings forbid what the fake user sent
    └── WebhookDeliveryError                  the fake could not reach the channel's webhook URL
```

Every error carries a message that says what was wrong and what to do about it.
Secrets (tokens, signature secrets) never appear in an error message.
"""

from __future__ import annotations

__all__ = [
    "FakeMissiveError",
    "FieldTypeError",
    "JournalError",
    "MissiveError",
    "RequestTooLargeError",
    "SendRefusedError",
    "ValidationError",
    "WebhookDeliveryError",
]


class MissiveError(Exception):
    """Root of every error raised by missive-channels."""


class ValidationError(MissiveError, ValueError):
    """A value given to the SDK is invalid; nothing was sent.

    Attributes:
        field: The name of the offending field, or ``None`` when the problem is
            not tied to one field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        """Create the error.

        Args:
            message: What was wrong and what to do about it.
            field: The offending field's name, if any.
        """
        super().__init__(message)
        self.field = field


class FieldTypeError(ValidationError, TypeError):
    """A field received a value of the wrong type (also a ``TypeError``)."""


class RequestTooLargeError(ValidationError):
    """The encoded request body exceeds Missive's request size cap.

    Attributes:
        size: The encoded size in bytes.
        limit: The cap in bytes.
    """

    def __init__(self, *, size: int, limit: int, advice: str | None = None) -> None:
        """Create the error.

        Args:
            size: The encoded size in bytes.
            limit: The cap in bytes.
            advice: What to do about it, if the default advice does not fit.
        """
        advice = advice or (
            "spread the attachments over several messages "
            "(missive_channels.split_attachments does it) or send large files as links"
        )
        message = f"the encoded request is {size:,} bytes, over Missive's cap of {limit:,} bytes"
        super().__init__(f"{message}; {advice}", field="attachments")
        self.size = size
        self.limit = limit


class JournalError(MissiveError):
    """The send journal cannot be opened or written: not a journal, corrupt, or unwritable.

    Nothing is sent when the journal cannot record it, so no message is sent
    twice on a later run.
    """


# Errors of the testing kit (missive_channels.testing); re-exported from there only.


class FakeMissiveError(MissiveError):
    """`FakeMissive` was used in a way it cannot honour, e.g. an unknown conversation id."""


class SendRefusedError(FakeMissiveError):
    """The channel's settings forbid what the fake Missive user tried to send.

    Real Missive would not offer the action in its interface: replies or new
    messages disallowed, an alias the channel does not have, too many
    recipients, or an Email channel (which never sends webhooks).
    """


class WebhookDeliveryError(FakeMissiveError):
    """The fake could not deliver a webhook: the receiver was unreachable or too slow.

    Attributes:
        url: The webhook URL the delivery was for.
    """

    def __init__(self, message: str, *, url: str) -> None:
        """Create the error.

        Args:
            message: What went wrong.
            url: The webhook URL the delivery was for.
        """
        super().__init__(message)
        self.url = url
