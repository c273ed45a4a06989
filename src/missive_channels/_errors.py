"""The error tree: every failure the SDK reports is one of these.

```
MissiveError
├── ValidationError (also ValueError)         bad input, caught before any I/O
│   ├── FieldTypeError (also TypeError)       a field got a value of the wrong type
│   ├── RequestTooLargeError                  the encoded request exceeds Missive's cap
│   └── ExternalIdConflictError               a journaled external_id reused for another message
├── JournalError                              the send journal cannot be used
├── ClientClosedError (also RuntimeError)     the client was used after close()
├── SharedStateError                          the shared store (Redis) of a limiter or
│                                             deduplicator could not be used
├── WebhookError                              a webhook delivery cannot be accepted
│   ├── InvalidSignatureError (also ValueError)   signature missing, malformed or wrong
│   └── WebhookPayloadError (also ValueError)     the body is not a webhook delivery
├── APIError                                  a call to Missive's API failed
│   ├── APIConnectionError                    no HTTP answer (refused, reset, dropped)
│   │   └── APITimeoutError                   no HTTP answer in time
│   ├── APIResponseValidationError            a success answer did not have the expected shape
│   └── APIStatusError                        Missive answered with an error status
│       ├── BadRequestError                   400
│       ├── AuthenticationError               401
│       ├── PermissionDeniedError             403
│       ├── NotFoundError                     404
│       ├── UnprocessableEntityError          422
│       ├── RateLimitError                    429
│       └── ServerError                       5xx
└── FakeMissiveError                          missive_channels.testing was misused
    ├── SendRefusedError                      the channel's settings forbid what the fake user sent
    └── WebhookDeliveryError                  the fake could not reach the channel's webhook URL
```

Beside the tree, `MissiveWarning` (a ``UserWarning``) flags what Missive may
refuse or ignore but is not known to: it is a warning, never an error.

An `APIError` raised for a request that creates something (``POST /messages``,
``POST /posts``) says in ``possibly_delivered`` whether Missive may have
processed it anyway; such requests are never resent silently.

Every error carries a message that says what was wrong and what to do about it.
Secrets (tokens, signature secrets) never appear in an error message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias, TypedDict

if TYPE_CHECKING:
    import httpx

if TYPE_CHECKING:
    from typing_extensions import NotRequired, Unpack


class MissiveWarning(UserWarning):
    """Something Missive may refuse or ignore, though its docs do not say it will."""


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


class ExternalIdConflictError(ValidationError):
    """The journal holds this ``external_id`` for a message with a different body; nothing was sent.

    The journal keys messages by ``external_id``, so an id reused for another
    message would otherwise be skipped as already sent, or sent under a record
    that describes something else.

    Attributes:
        external_id: The reused ``external_id``.
        state: The journal state of the message recorded under it, e.g. ``"sent"``.
    """

    def __init__(self, message: str, *, external_id: str, state: str) -> None:
        """Create the error.

        Args:
            message: What was wrong and what to do about it.
            external_id: The reused ``external_id``.
            state: The journal state of the message already recorded under it.
        """
        super().__init__(message, field="external_id")
        self.external_id = external_id
        self.state = state


class JournalError(MissiveError):
    """The send journal cannot be opened or written: not a journal, corrupt, or unwritable.

    Nothing is sent when the journal cannot record it, so no message is sent
    twice on a later run.
    """


class ClientClosedError(MissiveError, RuntimeError):
    """A client was used after ``close()``/``aclose()`` (also a ``RuntimeError``)."""


class SharedStateError(MissiveError):
    """The store a limiter or deduplicator shares with other processes (Redis) failed.

    The server was unreachable, refused the credentials, timed out or answered
    with an error. Nothing was sent to Missive when a limiter raises it. The
    store's own exception is kept as ``__cause__``.
    """


class APIError(MissiveError):
    """A call to Missive's API failed.

    Attributes:
        method: The HTTP method of the failed request, e.g. ``"POST"``.
        url: The request URL (it never holds the token).
        possibly_delivered: ``True`` when the request creates something
            (``POST /messages``, ``POST /posts``) and Missive may have processed
            it even though it failed, e.g. after a timeout or a 5xx. Check in
            Missive before sending it again; the client never resends it by itself.
    """

    def __init__(
        self, message: str, *, method: str, url: str, possibly_delivered: bool = False
    ) -> None:
        """Create the error.

        Args:
            message: What went wrong and what to do about it.
            method: The request's HTTP method.
            url: The request URL.
            possibly_delivered: Whether Missive may have processed the request.
        """
        super().__init__(message)
        self.method = method
        self.url = url
        self.possibly_delivered = possibly_delivered


class CallArgs(TypedDict):
    # `APIError`'s keyword arguments, passed on by its subclasses.
    method: str
    url: str
    possibly_delivered: NotRequired[bool]


class APIConnectionError(APIError):
    """No HTTP answer came back: the connection was refused, reset or dropped.

    Attributes:
        request: The ``httpx.Request`` that got no answer (its headers hold the token:
            never log them whole).
    """

    def __init__(self, message: str, *, request: httpx.Request, **call: Unpack[CallArgs]) -> None:
        """Create the error.

        Args:
            message: What went wrong and what to do about it.
            request: The request that got no answer.
            **call: `APIError`'s keyword arguments: ``method``, ``url`` and
                ``possibly_delivered`` (whether Missive may have processed the request).
        """
        super().__init__(message, **call)
        self.request = request


class APITimeoutError(APIConnectionError):
    """No HTTP answer came back within the configured timeout."""


class APIResponseValidationError(APIError):
    """Missive answered, but the body did not have the expected shape or was far too large.

    Attributes:
        status_code: The HTTP status of the answer.
    """

    def __init__(self, message: str, *, status_code: int, **call: Unpack[CallArgs]) -> None:
        """Create the error.

        Args:
            message: Where the body differs from what was expected.
            status_code: The HTTP status of the answer.
            **call: `APIError`'s keyword arguments: ``method``, ``url`` and
                ``possibly_delivered`` (whether Missive may have processed the request:
                a create whose answer was too large to read).
        """
        super().__init__(message, **call)
        self.status_code = status_code


class APIStatusError(APIError):
    """Missive answered with an error status; subclasses name the common ones.

    Attributes:
        status_code: The HTTP status, e.g. ``404``.
        body: The error body: parsed JSON when it was JSON, else the text (``None`` if
            empty), with the client's token redacted should the server echo it.
        response: The ``httpx.Response`` as it came, with its headers and body.
        request_id: The ``X-Request-Id`` header of the answer, when Missive or a proxy
            sent one, else ``None``: quote it when asking for support.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object,
        response: httpx.Response,
        **call: Unpack[CallArgs],
    ) -> None:
        """Create the error.

        Args:
            message: What went wrong and what to do about it.
            status_code: The HTTP status.
            body: The parsed error body.
            response: The answer.
            **call: `APIError`'s keyword arguments: ``method``, ``url`` and
                ``possibly_delivered`` (whether Missive may have processed the request).
        """
        super().__init__(message, **call)
        self.status_code = status_code
        self.body = body
        self.response = response
        self.request_id: str | None = response.headers.get("X-Request-Id")


class StatusArgs(CallArgs):
    # `APIStatusError`'s keyword arguments: passed on by its subclasses, and built once for
    # whichever class answers a status (`_responses.status_error`).
    status_code: int
    body: object
    response: httpx.Response


class BadRequestError(APIStatusError):
    """400: Missive rejected the request's parameters."""


class AuthenticationError(APIStatusError):
    """401: the API token is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the token's user may not do this (plan, role or access)."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist or the token's user cannot see it."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but Missive could not act on it."""


class RateLimitError(APIStatusError):
    """429: Missive's rate limit was hit and waiting it out was not possible.

    Attributes:
        retry_after: Seconds Missive asked to wait (``Retry-After``), if given.
        limit: ``X-RateLimit-Limit``: the ceiling that applied, if given.
        remaining: ``X-RateLimit-Remaining``: requests left in the window, if given.
        reset: ``X-RateLimit-Reset``: when the window resets, Unix seconds, if given.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        limit: int | None = None,
        remaining: int | None = None,
        reset: int | None = None,
        **status: Unpack[StatusArgs],
    ) -> None:
        """Create the error.

        Args:
            message: What went wrong and what to do about it.
            retry_after: Seconds to wait, from ``Retry-After``.
            limit: The ``X-RateLimit-Limit`` value.
            remaining: The ``X-RateLimit-Remaining`` value.
            reset: The ``X-RateLimit-Reset`` value.
            **status: `APIStatusError`'s keyword arguments: ``method``, ``url``,
                ``status_code`` (429), ``body`` and ``possibly_delivered`` (always
                ``False`` in practice: a 429 was not processed).
        """
        super().__init__(message, **status)
        self.retry_after = retry_after
        self.limit = limit
        self.remaining = remaining
        self.reset = reset


class ServerError(APIStatusError):
    """5xx: Missive failed to handle the request."""


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
