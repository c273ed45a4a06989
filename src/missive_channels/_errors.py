"""The error tree: every failure the SDK reports is one of these.

```
MissiveError
├── ValidationError (also ValueError)         bad input, caught before any I/O
│   ├── FieldTypeError (also TypeError)       a field got a value of the wrong type
│   └── RequestTooLargeError                  the encoded request exceeds Missive's cap
└── WebhookError                              a webhook delivery cannot be accepted
    ├── InvalidSignatureError (also ValueError)   signature missing, malformed or wrong
    └── WebhookPayloadError (also ValueError)     the body is not a webhook delivery
```

Every error carries a message that says what was wrong and what to do about it.
Secrets (tokens, signature secrets) never appear in an error message.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = [
    "FieldTypeError",
    "InvalidSignatureError",
    "MissiveError",
    "RequestTooLargeError",
    "SignatureFailure",
    "ValidationError",
    "WebhookError",
    "WebhookPayloadError",
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

    def __init__(self, *, size: int, limit: int) -> None:
        """Create the error.

        Args:
            size: The encoded size in bytes.
            limit: The cap in bytes.
        """
        super().__init__(
            f"the encoded request is {size:,} bytes, over Missive's cap of {limit:,} bytes; "
            "send fewer or smaller attachments per message "
            "(missive_channels.split_attachments can split them)",
            field="attachments",
        )
        self.size = size
        self.limit = limit


SignatureFailure: TypeAlias = Literal[
    "missing_signature", "malformed_signature", "mismatch", "empty_secret", "body_not_bytes"
]
"""Why a webhook signature check failed (`InvalidSignatureError.reason`).

- ``missing_signature``: neither ``X-Hook-Signature`` nor ``X-Missive-Signature`` was sent.
- ``malformed_signature``: the header is not ``sha256=`` and 64 hex digits.
- ``mismatch``: the signature does not match the body under any configured secret.
- ``empty_secret``: no secret, or an empty one, was configured.
- ``body_not_bytes``: the body was given as text or parsed JSON, not the raw bytes.
"""


class WebhookError(MissiveError):
    """A webhook delivery cannot be accepted."""


class InvalidSignatureError(WebhookError, ValueError):
    """A webhook's signature is missing, malformed or wrong, or cannot be checked.

    Answer such a request with HTTP 401 and do not act on it.

    Attributes:
        reason: Why the check failed, one of `SignatureFailure`.
    """

    def __init__(self, message: str, *, reason: SignatureFailure) -> None:
        """Create the error.

        Args:
            message: What was wrong and what to do about it (never a secret).
            reason: The machine-readable reason.
        """
        super().__init__(message)
        self.reason: SignatureFailure = reason


class WebhookPayloadError(WebhookError, ValueError):
    """A webhook body is not a delivery this SDK can read: not JSON, or wrongly shaped.

    Answer such a request with HTTP 400.

    Attributes:
        path: The JSON path of the first problem, e.g. ``$.message.to_fields[0].id``
            (``$`` for the whole body).
        problem: What is wrong at ``path``.
    """

    def __init__(self, problem: str, *, path: str = "$") -> None:
        """Create the error.

        Args:
            problem: What is wrong at ``path``, e.g. ``"expected a string, got null"``.
            path: The JSON path of the offending value.
        """
        super().__init__(f"invalid webhook payload at {path}: {problem}")
        self.path = path
        self.problem = problem
