"""Webhook checking and parsing: signatures, signature headers and bodies (no HTTP client)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final, TypeAlias, cast

import attrs

from ._converter import loads, structure_rule_event, structure_webhook_event
from ._errors import FieldTypeError, InvalidSignatureError, ValidationError, WebhookPayloadError

if TYPE_CHECKING:
    from ._events import RuleEvent, WebhookEvent

__all__ = [
    "SIGNATURE_HEADERS",
    "Body",
    "Headers",
    "SignatureMatch",
    "WebhookVerifier",
    "compute_signature",
    "parse_rule_webhook",
    "parse_webhook",
    "verify_signature",
]

SIGNATURE_HEADERS: Final = ("X-Hook-Signature", "X-Missive-Signature")
"""The headers that may carry the signature, in the order they are looked up."""

Body: TypeAlias = "bytes | bytearray | memoryview[int]"
"""A raw request body, exactly as received."""

Headers: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]] | Iterable[tuple[bytes, bytes]]
"""Request headers: any mapping (``dict``, Starlette's, Django's ``request.headers``,
aiohttp's) or any iterable of ``(name, value)`` pairs (Werkzeug's headers, ASGI's raw
byte pairs). Names are matched case-insensitively."""

_PREFIX: Final = "sha256="
_HEX_LENGTH: Final = 64
_LOWERED: Final = tuple(name.lower() for name in SIGNATURE_HEADERS)
_RAW_BODY_HINT: Final = (
    "pass the raw request body bytes exactly as received, before any decoding or JSON "
    "parsing (Flask: request.get_data(); Django: request.body; Starlette/FastAPI: "
    "await request.body(); aiohttp: await request.read()): the signature covers those bytes"
)


def _body_bytes(body: object, action: str) -> Body:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return cast("Body", body)
    kind = "text (str)" if isinstance(body, str) else type(body).__name__
    msg = f"cannot {action} a body given as {kind}; {_RAW_BODY_HINT}"
    raise InvalidSignatureError(msg, reason="body_not_bytes")


def _secret_keys(secret: object) -> tuple[bytes, ...]:
    secrets: object = (secret,) if isinstance(secret, str) else () if secret is None else secret
    if isinstance(secrets, (bytes, bytearray)) or not isinstance(secrets, Sequence):
        msg = (
            f"the signature secret must be a str or a sequence of str, got "
            f"{type(secrets).__name__}; pass the channel's Signature secret as text"
        )
        raise FieldTypeError(msg, field="secret")
    keys: list[bytes] = []
    for value in cast("Sequence[object]", secrets):
        if not isinstance(value, str):
            msg = f"each signature secret must be a str, got {type(value).__name__}"
            raise FieldTypeError(msg, field="secret")
        if value != value.strip():
            # A stray newline from a file or an environment variable would fail every
            # delivery as a mismatch: a configuration mistake that must crash at startup.
            msg = (
                "a signature secret is blank or has whitespace around it (a stray newline "
                "from a file or an environment variable?); Missive's secrets have none: "
                "strip it"
            )
            raise ValidationError(msg, field="secret")
        keys.append(value.encode("utf-8"))
    if keys and all(keys):
        return tuple(keys)
    msg = (
        "a signature secret is empty or missing; set it to the Signature secret shown "
        "in the custom channel's settings in Missive"
    )
    raise InvalidSignatureError(msg, reason="empty_secret")


def _digest(body: Body, key: bytes) -> bytes:
    return hmac.digest(key, body, hashlib.sha256)


def _given_digest(signature: object) -> bytes:
    if isinstance(signature, bytes):
        signature = signature.decode("latin-1")
    if signature is not None and not isinstance(signature, str):
        msg = (
            f"the signature header's value is a {type(signature).__name__}, not text; "
            "pass the header's value as received"
        )
        raise InvalidSignatureError(msg, reason="malformed_signature")
    if not signature:
        msg = (
            "the request has no signature; Missive sends it in X-Hook-Signature "
            "(or X-Missive-Signature): check the request comes from the channel's webhook"
        )
        raise InvalidSignatureError(msg, reason="missing_signature")
    value = signature.strip()
    if value[: len(_PREFIX)].lower() == _PREFIX:
        value = value[len(_PREFIX) :]
    # 64 characters make the 32 bytes of a SHA-256 digest only if all are hex digits:
    # fromhex refuses any other character but whitespace, which leaves fewer bytes.
    try:
        digest = bytes.fromhex(value) if len(value) == _HEX_LENGTH else b""
    except ValueError:
        digest = b""
    if len(digest) != _HEX_LENGTH // 2:
        msg = (
            "the signature is not 'sha256=' followed by 64 hex digits; "
            "check the header is passed unaltered"
        )
        raise InvalidSignatureError(msg, reason="malformed_signature")
    return digest


def _match(body: Body, given: bytes, keys: tuple[bytes, ...]) -> int:
    for index, key in enumerate(keys):
        if hmac.compare_digest(_digest(body, key), given):
            return index
    msg = (
        "the signature does not match the body; check the secret is the channel's "
        "Signature secret and that the body is the raw bytes, unmodified"
    )
    raise InvalidSignatureError(msg, reason="mismatch")


def compute_signature(body: Body, secret: str) -> str:
    """Return the signature Missive sends for a body: ``"sha256=<lowercase hex>"``.

    Useful to sign requests in tests of your webhook endpoint.

    Args:
        body: The raw body bytes.
        secret: The channel's Signature secret.

    Returns:
        The header value, e.g. ``"sha256=9f86d0..."``.

    Raises:
        InvalidSignatureError: If ``body`` is not bytes (``body_not_bytes``) or
            ``secret`` is empty (``empty_secret``).
    """
    return _PREFIX + _digest(_body_bytes(body, "sign"), _single_key(secret)).hex()


def _single_key(secret: object) -> bytes:
    if secret is not None and not isinstance(secret, str):
        msg = f"the secret must be a str, got {type(secret).__name__}"
        raise FieldTypeError(msg, field="secret")
    (key,) = _secret_keys(secret)
    return key


def verify_signature(body: Body, signature: str | bytes | None, secret: str | Sequence[str]) -> int:
    """Check a webhook signature against the raw body, in constant time.

    The signature may carry the ``sha256=`` prefix or not, in any hex case.

    Args:
        body: The raw request body, exactly as received.
        signature: The ``X-Hook-Signature`` (or ``X-Missive-Signature``) header value.
        secret: The channel's Signature secret, or several during a rotation: the
            signature passes if any of them matches.

    Returns:
        The index in ``secret`` of the secret that matched (``0`` for a single
        secret): once the old secret stops matching, it can go.

    Raises:
        InvalidSignatureError: If the check fails; ``reason`` says why.
        FieldTypeError: If ``secret`` is neither a str nor a sequence of str.
    """
    keys = _secret_keys(secret)
    return _match(_body_bytes(body, "verify"), _given_digest(signature), keys)


def _find_signature(headers: object) -> tuple[str, object] | None:
    """Return the first signature header (name, value), matching names case-insensitively."""
    get: object = getattr(headers, "get", None)
    if callable(get):
        # Fast path: case-insensitive mappings, and dicts keyed as documented.
        for name in SIGNATURE_HEADERS:
            value: object = get(name)
            if value:
                return name, value
    items: object = getattr(headers, "items", None)
    pairs: object = items() if callable(items) else headers
    found: dict[int, object] = {}
    try:
        for key, value in cast("Iterable[tuple[object, object]]", pairs):
            text = key.decode("latin-1") if isinstance(key, bytes) else key
            if not isinstance(text, str):
                raise TypeError(text)  # noqa: TRY301 - handled with the other shape errors below
            lowered = text.lower()
            if lowered in _LOWERED and value:
                found.setdefault(_LOWERED.index(lowered), value)
    except (TypeError, ValueError) as exc:
        msg = (
            f"cannot read headers from {type(headers).__name__}; pass the request's header "
            "mapping or a list of (name, value) pairs"
        )
        raise FieldTypeError(msg, field="headers") from exc
    if not found:
        return None
    first = min(found)
    return SIGNATURE_HEADERS[first], found[first]


def _missing_signature(headers: object) -> InvalidSignatureError:
    msg = (
        "the request has neither an X-Hook-Signature nor an X-Missive-Signature header; "
        "check the request comes from the channel's webhook"
    )
    if isinstance(headers, Mapping) and any(
        isinstance(key, str) and key.startswith(("HTTP_", "wsgi."))
        for key in cast("Mapping[object, object]", headers)
    ):
        msg += (
            " (this looks like a WSGI environ, where the header is HTTP_X_HOOK_SIGNATURE: "
            "pass {'X-Hook-Signature': environ.get('HTTP_X_HOOK_SIGNATURE', '')} instead)"
        )
    return InvalidSignatureError(msg, reason="missing_signature")


def _payload_bytes(body: object) -> bytes | bytearray:
    if isinstance(body, memoryview):
        return body.tobytes()
    if isinstance(body, (bytes, bytearray)):
        return body
    kind = "text (str)" if isinstance(body, str) else type(body).__name__
    msg = f"the body was given as {kind}; {_RAW_BODY_HINT}"
    raise WebhookPayloadError(msg)


def parse_webhook(body: Body) -> WebhookEvent:
    """Parse a webhook body into a `WebhookEvent`, without checking its signature.

    Parsing is tolerant: unknown keys are ignored and missing or null optional
    values become ``None`` or ``()``. Use it on bodies already verified, or in
    tests; `WebhookVerifier.unwrap` verifies and parses in one step.

    Args:
        body: The raw request body.

    Returns:
        The event.

    Raises:
        WebhookPayloadError: If the body is not JSON or not shaped like a webhook
            delivery (``path`` names the first problem); also for a body that is
            not bytes.
    """
    return structure_webhook_event(_decode(body))


def parse_rule_webhook(body: Body) -> RuleEvent:
    """Parse a Missive rule's webhook body into a `RuleEvent`, without checking its signature.

    Rules sign their webhooks as custom channels do; parsing is as tolerant, and
    the rule's ``type`` stays an open string. `WebhookVerifier.unwrap_rule`
    verifies and parses in one step.

    Args:
        body: The raw request body.

    Returns:
        The event.

    Raises:
        WebhookPayloadError: If the body is not JSON or not shaped like a rule
            webhook (a custom channel's body is named as such); also for a body
            that is not bytes.
    """
    return structure_rule_event(_decode(body))


def _decode(body: Body) -> object:
    raw = _payload_bytes(body)
    try:
        return loads(raw)
    except (ValueError, RecursionError) as exc:
        # ValueError covers invalid JSON and invalid UTF-8; RecursionError absurd nesting.
        msg = f"the body is not valid JSON ({exc})"
        raise WebhookPayloadError(msg) from exc


@attrs.frozen(kw_only=True)
class SignatureMatch:
    """Which secret and header a verified signature matched.

    Attributes:
        secret_index: The index of the matching secret in the verifier's secrets;
            during a rotation, once no request matches the old one it can go.
        header: The header the signature came from (``X-Hook-Signature`` or
            ``X-Missive-Signature``).
    """

    secret_index: int
    header: str


class WebhookVerifier:
    """Verifies and parses one custom channel's webhook requests.

    Give it the channel's Signature secret, or several during a rotation (put the
    new one first, keep the old one until `verify` stops reporting it). The
    secrets never appear in its repr.

    For example:

    ```python
    verifier = WebhookVerifier(os.environ["MISSIVE_WEBHOOK_SECRET"])
    event = verifier.unwrap(raw_body, request.headers)
    ```
    """

    __slots__ = ("_keys",)

    def __init__(self, secret: str | None = None, *, secrets: Sequence[str] | None = None) -> None:
        """Create a verifier from one secret or a sequence of secrets.

        Args:
            secret: The channel's Signature secret.
            secrets: Several secrets, any of which may match (for rotation).

        Raises:
            InvalidSignatureError: If no secret or an empty one is given
                (``empty_secret``), so a misconfigured app fails at startup.
            FieldTypeError: If a secret is not a str, if both arguments are given,
                or if a single str is passed as ``secrets`` (it would be read as
                one secret per character).
        """
        if isinstance(secrets, str):
            msg = "`secrets` takes a list of secrets; pass a single secret as `secret`"
            raise FieldTypeError(msg, field="secrets")
        if secret is not None and secrets is not None:
            msg = "give either `secret` or `secrets`, not both"
            raise FieldTypeError(msg, field="secrets")
        self._keys = _secret_keys(secret if secrets is None else secrets)

    def __repr__(self) -> str:
        """Show how many secrets there are, never the secrets."""
        count = len(self._keys)
        return f"<WebhookVerifier with {count} secret{'' if count == 1 else 's'}>"

    @property
    def secret_count(self) -> int:
        """How many secrets the verifier accepts."""
        return len(self._keys)

    def verify(self, body: Body, headers: Headers) -> SignatureMatch:
        """Check a request's signature.

        Args:
            body: The raw request body, exactly as received.
            headers: The request headers (any mapping or list of pairs).

        Returns:
            Which secret matched, and in which header the signature came.

        Raises:
            InvalidSignatureError: If the check fails; ``reason`` says why.
        """
        index, header = self._check(body, headers)
        return SignatureMatch(secret_index=index, header=header)

    def _check(self, body: Body, headers: Headers) -> tuple[int, str]:
        raw = _body_bytes(body, "verify")
        found = _find_signature(headers)
        if found is None:
            raise _missing_signature(headers)
        header, value = found
        if isinstance(value, (list, tuple)):
            # API Gateway and Lambda give multi-value headers as lists: any value may match.
            values = cast("list[object] | tuple[object, ...]", value)
            for each in values[:-1]:
                with contextlib.suppress(InvalidSignatureError):
                    return _match(raw, _given_digest(each), self._keys), header
            value = values[-1]
        return _match(raw, _given_digest(value), self._keys), header

    def unwrap(self, body: Body, headers: Headers) -> WebhookEvent:
        """Verify a request's signature, then parse its body.

        Args:
            body: The raw request body, exactly as received.
            headers: The request headers (any mapping or list of pairs).

        Returns:
            The channel's event: the message a Missive user sent, and its conversation.

        Raises:
            InvalidSignatureError: If the signature check fails (answer 401).
            WebhookPayloadError: If the signed body is not a webhook delivery (answer 400).
        """
        self._check(body, headers)
        return structure_webhook_event(_decode(body))

    def unwrap_rule(self, body: Body, headers: Headers) -> RuleEvent:
        """Verify a rule webhook's signature, then parse its body.

        Missive's rules sign with the secret set on the rule's webhook action; give
        the verifier that secret (or both, when one URL serves a channel and rules).

        Args:
            body: The raw request body, exactly as received.
            headers: The request headers (any mapping or list of pairs).

        Returns:
            The rule's event: the rule, its conversation and what triggered it.

        Raises:
            InvalidSignatureError: If the signature check fails (answer 401).
            WebhookPayloadError: If the signed body is not a rule webhook (answer 400).
        """
        self._check(body, headers)
        return structure_rule_event(_decode(body))
