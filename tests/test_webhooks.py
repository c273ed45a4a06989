"""Signature checks, header lookup and the verifier: what `missive_channels.webhooks` accepts."""

from __future__ import annotations

import hmac
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import missive_channels
from missive_channels import (
    FieldTypeError,
    InvalidSignatureError,
    ValidationError,
    WebhookError,
    WebhookEvent,
    WebhookPayloadError,
    WebhookVerifier,
    webhooks,
)
from missive_channels.webhooks import (
    SIGNATURE_HEADERS,
    SignatureMatch,
    compute_signature,
    parse_webhook,
    verify_signature,
)

FIXTURES = Path(__file__).parent / "fixtures"
BODY = (FIXTURES / "webhook_text.json").read_bytes()
SECRET = "whsec-test-3f9a"
OLD_SECRET = "old-secret-71c2"

# Known answers computed independently of this code, with OpenSSL, over the exact
# bytes of tests/fixtures/webhook_text.json (editing that file changes them):
#   openssl dgst -sha256 -hmac "whsec-test-3f9a" tests/fixtures/webhook_text.json
#   openssl dgst -sha256 -hmac "old-secret-71c2" tests/fixtures/webhook_text.json
HEX = "b578d25b7a21fba5047b6df9a773b183e283ba4206ffba1c1cbcb715d7a9ec12"
OLD_HEX = "a26250c3ce01a5b329af1b8e56c45de0d2759250b45cd8145533ab2fd1f2b89c"
# printf '' > empty && openssl dgst -sha256 -hmac "whsec-test-3f9a" empty
EMPTY_BODY_HEX = "c7342786c9852ff45dce91654fb5be5419939f6d9fd7e066f2b50bac5dbc8019"
# printf 'h\xc3\xa9llo' > u && openssl dgst -sha256 -hmac "clé" u   (UTF-8 secret and body)
UTF8_HEX = "91d9ef50d798155011df8385e8f772707a6ce937d8114ac1456f05231f2b6bad"

VERIFIER = WebhookVerifier(SECRET)


def test_compute_signature_matches_openssl() -> None:
    """The computed header value is 'sha256=' and OpenSSL's lowercase hex."""
    assert compute_signature(BODY, SECRET) == f"sha256={HEX}"
    assert compute_signature(b"", SECRET) == f"sha256={EMPTY_BODY_HEX}"
    assert compute_signature("h\N{LATIN SMALL LETTER E WITH ACUTE}llo".encode(), "cl\xe9") == (
        f"sha256={UTF8_HEX}"
    )


@pytest.mark.parametrize("body", [BODY, bytearray(BODY), memoryview(BODY)])
@pytest.mark.parametrize(
    "signature",
    [f"sha256={HEX}", HEX, HEX.upper(), f"sha256={HEX.upper()}", f"SHA256={HEX}", f" {HEX}\n"],
)
def test_verify_signature_accepts_every_spelling(body: Any, signature: str) -> None:
    """Prefix or not, any hex case, surrounding whitespace, any bytes-like body."""
    assert verify_signature(body, signature, SECRET) == 0
    assert verify_signature(body, signature.encode(), SECRET) == 0


def test_rotation_reports_which_secret_matched() -> None:
    """With several secrets, any may match, and the index of the one that did is returned."""
    assert verify_signature(BODY, f"sha256={HEX}", [SECRET, OLD_SECRET]) == 0
    assert verify_signature(BODY, f"sha256={OLD_HEX}", [SECRET, OLD_SECRET]) == 1
    assert verify_signature(BODY, OLD_HEX, (OLD_SECRET,)) == 0
    with pytest.raises(InvalidSignatureError) as info:
        verify_signature(BODY, OLD_HEX, [SECRET])
    assert info.value.reason == "mismatch"


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        (b"", "missing_signature"),
        ("sha256=", "malformed_signature"),
        ("sha1=" + HEX[:40], "malformed_signature"),
        (HEX[:-1], "malformed_signature"),
        (HEX + "0", "malformed_signature"),
        ("sha256=" + "g" * 64, "malformed_signature"),
        ("sha256=" + "\N{ARABIC-INDIC DIGIT ONE}" * 64, "malformed_signature"),
        # 64 characters with whitespace inside: fewer than 32 bytes of digest.
        ("sha256=" + HEX[:30] + " " + HEX[31:], "malformed_signature"),
        ("sha256=" + HEX[:31] + "\t" + HEX[32:], "malformed_signature"),
        ("sha256=" + HEX[:30] + "  " + HEX[30:62], "malformed_signature"),
        (b"sha256=\xff" + HEX[1:].encode(), "malformed_signature"),
        ("sha256=" + OLD_HEX, "mismatch"),
        ("0" * 64, "mismatch"),
    ],
)
def test_bad_signatures_are_refused_with_a_reason(signature: Any, reason: str) -> None:
    """Each way a signature can be wrong has its own machine-readable reason."""
    with pytest.raises(InvalidSignatureError) as info:
        verify_signature(BODY, signature, SECRET)
    assert info.value.reason == reason
    assert isinstance(info.value, WebhookError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("secret", ["", None, [], [SECRET, ""], ()])
def test_empty_secrets_are_refused(secret: Any) -> None:
    """No secret, or an empty one among several, cannot verify anything."""
    with pytest.raises(InvalidSignatureError, match="Signature secret") as info:
        verify_signature(BODY, HEX, secret)
    assert info.value.reason == "empty_secret"
    single = isinstance(secret, str) or secret is None
    kwargs = {"secret": secret} if single else {"secrets": secret}
    with pytest.raises(InvalidSignatureError) as info:
        WebhookVerifier(**kwargs)
    assert info.value.reason == "empty_secret"


@pytest.mark.parametrize("secret", [b"bytes-secret", 42, [SECRET, b"x"], {SECRET}])
def test_secrets_of_the_wrong_type_are_refused(secret: Any) -> None:
    """A secret must be text; bytes, numbers and sets are a FieldTypeError."""
    with pytest.raises(FieldTypeError):
        verify_signature(BODY, HEX, secret)


def test_compute_signature_refuses_bad_secrets() -> None:
    """Signing needs exactly one non-empty text secret."""
    with pytest.raises(FieldTypeError):
        compute_signature(BODY, [SECRET])  # type: ignore[arg-type]
    with pytest.raises(InvalidSignatureError) as info:
        compute_signature(BODY, "")
    assert info.value.reason == "empty_secret"


@pytest.mark.parametrize(
    ("body", "kind"),
    [(BODY.decode(), "text (str)"), ({"message": {}}, "dict"), (None, "NoneType")],
)
def test_bodies_that_are_not_bytes_are_refused(body: Any, kind: str) -> None:
    """Text or parsed JSON cannot be verified; the message says to pass the raw body."""
    for call in (
        lambda: verify_signature(body, HEX, SECRET),
        lambda: VERIFIER.verify(body, {"X-Hook-Signature": HEX}),
        lambda: compute_signature(body, SECRET),
    ):
        with pytest.raises(InvalidSignatureError) as info:
            call()
        assert info.value.reason == "body_not_bytes"
        assert kind in str(info.value)
        assert "raw request body" in str(info.value)
        assert "request.get_data()" in str(info.value)


@pytest.mark.parametrize("value", [12, 1.5, {"sha256": HEX}, object()])
def test_a_signature_value_that_is_not_text_is_malformed(value: object) -> None:
    """A header value of another type is a refused signature (a 401), never a crash (a 500)."""
    with pytest.raises(InvalidSignatureError) as info:
        verify_signature(BODY, value, SECRET)  # type: ignore[arg-type]
    assert info.value.reason == "malformed_signature"
    with pytest.raises(InvalidSignatureError) as info:
        VERIFIER.verify(BODY, {"X-Hook-Signature": value})
    assert info.value.reason == "malformed_signature"


@pytest.mark.parametrize(
    "values",
    [
        [f"sha256={HEX}"],
        ("sha256=" + "0" * 64, f"sha256={HEX}"),
        ["not a signature", HEX],
        [f"sha256={HEX}", "sha256=" + "0" * 64],
    ],
)
def test_a_multi_value_header_verifies_if_any_value_matches(values: list[str]) -> None:
    """Lambda and API Gateway multi-value headers (lists) pass when one value is right."""
    match = VERIFIER.verify(BODY, {"X-Hook-Signature": values})
    assert match == SignatureMatch(secret_index=0, header="X-Hook-Signature")
    assert VERIFIER.unwrap(BODY, {"x-hook-signature": values}).message.id


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (["sha256=" + "0" * 64], "mismatch"),
        (["sha256=" + "0" * 64, "sha256=" + "1" * 64], "mismatch"),
        (["junk", "sha256=" + "0" * 64], "mismatch"),
        (["sha256=" + "0" * 64, 7], "malformed_signature"),
        ([HEX.upper()[:10]], "malformed_signature"),
    ],
)
def test_a_multi_value_header_with_no_right_value_is_refused(
    values: list[object], reason: str
) -> None:
    """A list of only wrong values is refused like a single wrong value (the last one's reason)."""
    with pytest.raises(InvalidSignatureError) as info:
        VERIFIER.verify(BODY, {"X-Hook-Signature": values})
    assert info.value.reason == reason


@pytest.mark.parametrize("secret", [" ", "\t\n", f"{SECRET}\n", f" {SECRET}", f"{SECRET} "])
def test_a_blank_or_padded_secret_fails_at_construction(secret: str) -> None:
    """A configuration mistake crashes at startup instead of failing every delivery as a 401."""
    with pytest.raises(ValidationError, match="whitespace around it") as info:
        WebhookVerifier(secret)
    assert info.value.field == "secret"
    assert secret.strip() not in str(info.value) or not secret.strip()
    with pytest.raises(ValidationError):
        WebhookVerifier(secrets=[SECRET, secret])
    with pytest.raises(ValidationError):
        verify_signature(BODY, HEX, secret)


def test_every_verification_path_compares_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """verify_signature, verify and unwrap all compare digests with hmac.compare_digest."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    expected = bytes.fromhex(HEX)
    assert verify_signature(BODY, HEX, SECRET) == 0
    assert calls == [(expected, expected)]
    assert VERIFIER.verify(BODY, {"X-Hook-Signature": HEX}).secret_index == 0
    assert VERIFIER.unwrap(BODY, {"X-Hook-Signature": HEX}).message.id
    assert len(calls) == 3
    with pytest.raises(InvalidSignatureError):
        WebhookVerifier(secrets=[OLD_SECRET, OLD_SECRET]).verify(BODY, {"X-Hook-Signature": HEX})
    assert len(calls) == 5  # one comparison per secret, even when none matches


class _CaseInsensitive(dict[str, str]):
    """A stand-in for a framework's case-insensitive header mapping."""

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.items() if k.lower() == key.lower()), default)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Hook-Signature": f"sha256={HEX}"},
        {"x-hook-signature": f"sha256={HEX}"},
        {"X-HOOK-SIGNATURE": HEX.upper()},
        {"X-Missive-Signature": f"sha256={HEX}"},
        {"x-missive-signature": HEX},
        _CaseInsensitive({"x-HOOK-signature": HEX}),
        [("Content-Type", "application/json"), ("x-hook-signature", HEX)],
        [(b"content-type", b"application/json"), (b"x-missive-signature", HEX.encode())],
        (pair for pair in [("X-Hook-Signature", HEX)]),
    ],
)
def test_verifier_finds_the_signature_in_any_header_shape(headers: Any) -> None:
    """Mappings and pairs, str or bytes, any name case, either header name."""
    match = VERIFIER.verify(BODY, headers)
    assert match.secret_index == 0
    assert match.header in SIGNATURE_HEADERS


def test_verifier_prefers_x_hook_signature() -> None:
    """When both headers are sent, X-Hook-Signature is the one checked."""
    both = {"x-missive-signature": "0" * 64, "x-hook-signature": HEX}
    assert VERIFIER.verify(BODY, both) == SignatureMatch(secret_index=0, header="X-Hook-Signature")
    pairs = [("X-Missive-Signature", HEX), ("X-Hook-Signature", "0" * 64)]
    with pytest.raises(InvalidSignatureError) as info:
        VERIFIER.verify(BODY, pairs)
    assert info.value.reason == "mismatch"


def test_verifier_falls_back_to_x_missive_signature() -> None:
    """An empty X-Hook-Signature does not hide a present X-Missive-Signature."""
    headers = {"X-Hook-Signature": "", "X-Missive-Signature": HEX}
    match = VERIFIER.verify(BODY, headers)
    assert match == SignatureMatch(secret_index=0, header="X-Missive-Signature")


def test_non_ascii_signature_is_malformed_not_a_crash() -> None:
    """A header value with non-ASCII text (which compare_digest refuses) is malformed."""
    signature = "sha256=" + "\u00e9" * 64
    with pytest.raises(InvalidSignatureError) as by_function:
        verify_signature(BODY, signature, SECRET)
    with pytest.raises(InvalidSignatureError) as by_verifier:
        VERIFIER.verify(BODY, {"X-Hook-Signature": signature})
    assert by_function.value.reason == by_verifier.value.reason == "malformed_signature"


def test_verifier_reports_the_rotated_secret() -> None:
    """During a rotation the verifier says which secret a request was signed with."""
    verifier = WebhookVerifier(secrets=[SECRET, OLD_SECRET])
    assert verifier.verify(BODY, {"X-Hook-Signature": OLD_HEX}).secret_index == 1
    assert verifier.verify(BODY, {"X-Hook-Signature": HEX}).secret_index == 0


@pytest.mark.parametrize("headers", [{}, [], {"Content-Type": "application/json"}])
def test_missing_header_is_missing_signature(headers: Any) -> None:
    """No signature header at all is refused as missing_signature."""
    with pytest.raises(InvalidSignatureError) as info:
        VERIFIER.verify(BODY, headers)
    assert info.value.reason == "missing_signature"
    assert "WSGI" not in str(info.value)


def test_missing_header_in_a_wsgi_environ_explains_the_environ_key() -> None:
    """Passing a WSGI environ gets a hint to read HTTP_X_HOOK_SIGNATURE."""
    environ = {"REQUEST_METHOD": "POST", "wsgi.version": (1, 0), "HTTP_X_HOOK_SIGNATURE": HEX}
    with pytest.raises(InvalidSignatureError, match="HTTP_X_HOOK_SIGNATURE") as info:
        VERIFIER.verify(BODY, environ)
    assert info.value.reason == "missing_signature"


@pytest.mark.parametrize("headers", [None, 42, ["X-Hook-Signature"], [(1, HEX)]])
def test_unreadable_headers_are_a_field_type_error(headers: Any) -> None:
    """Something that is neither a mapping nor pairs is refused, naming its type."""
    with pytest.raises(FieldTypeError, match="cannot read headers from"):
        VERIFIER.verify(BODY, headers)


def test_verifier_checks_its_arguments() -> None:
    """A str as `secrets`, or both arguments at once, is refused at construction."""
    with pytest.raises(FieldTypeError, match="single secret as `secret`"):
        WebhookVerifier(secrets=SECRET)
    with pytest.raises(FieldTypeError, match="not both"):
        WebhookVerifier(SECRET, secrets=[OLD_SECRET])


def test_secrets_never_appear_in_reprs_or_errors() -> None:
    """Neither the verifier's repr nor any error message contains a secret."""
    verifier = WebhookVerifier(secrets=[SECRET, OLD_SECRET])
    assert repr(verifier) == "<WebhookVerifier with 2 secrets>"
    assert repr(VERIFIER) == "<WebhookVerifier with 1 secret>"
    assert (verifier.secret_count, VERIFIER.secret_count) == (2, 1)
    messages = []
    for headers in ({}, {"X-Hook-Signature": "nope"}, {"X-Hook-Signature": "0" * 64}):
        with pytest.raises(InvalidSignatureError) as info:
            verifier.verify(BODY, headers)
        messages.append(str(info.value) + repr(info.value))
    for text in messages:
        assert SECRET not in text
        assert OLD_SECRET not in text


def test_unwrap_verifies_then_parses() -> None:
    """A well-signed body comes back as an event; a bad signature is never parsed."""
    event = VERIFIER.unwrap(BODY, {"X-Hook-Signature": f"sha256={HEX}"})
    assert isinstance(event, WebhookEvent)
    assert event.message.id == "5b1f0c3e-2d7a-4e91-a0b4-9c8d7e6f5a41"
    with pytest.raises(InvalidSignatureError):
        VERIFIER.unwrap(b"not json", {"X-Hook-Signature": HEX})
    garbage = b"not json"
    with pytest.raises(WebhookPayloadError) as info:
        VERIFIER.unwrap(garbage, {"X-Hook-Signature": compute_signature(garbage, SECRET)})
    assert info.value.path == "$"


def test_importing_webhooks_does_not_import_httpx() -> None:
    """Webhook handlers load without the HTTP client (cold starts stay fast)."""
    code = "import missive_channels.webhooks, sys; assert 'httpx' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 - fixed command


def test_webhook_module_exports_match_the_root() -> None:
    """Every webhook name also importable from the root is the same object."""
    for name in webhooks.__all__:
        if name in missive_channels.__all__:
            assert getattr(missive_channels, name) is getattr(webhooks, name)
    assert parse_webhook is webhooks.parse_webhook


_QUICK = settings(max_examples=60, deadline=None)


@_QUICK
@given(st.data())
def test_any_single_byte_change_to_the_body_is_rejected(data: st.DataObject) -> None:
    """Changing one byte of the body anywhere makes the signature a mismatch."""
    index = data.draw(st.integers(0, len(BODY) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != BODY[index]))
    changed = BODY[:index] + bytes([new]) + BODY[index + 1 :]
    with pytest.raises(InvalidSignatureError) as info:
        verify_signature(changed, HEX, SECRET)
    assert info.value.reason == "mismatch"


@_QUICK
@given(st.data())
def test_any_single_character_change_to_the_signature_is_rejected(data: st.DataObject) -> None:
    """Changing one character of the header value never passes."""
    signature = f"sha256={HEX}"
    index = data.draw(st.integers(0, len(signature) - 1))
    new = data.draw(st.characters(codec="latin-1").filter(lambda c: c != signature[index]))
    changed = signature[:index] + new + signature[index + 1 :]
    # A case change or added surrounding whitespace spells the same signature.
    assume(changed.strip().lower() != signature)
    with pytest.raises(InvalidSignatureError) as info:
        verify_signature(BODY, changed, SECRET)
    assert info.value.reason in {"mismatch", "malformed_signature"}


def test_unwrap_rule_verifies_then_parses_a_rule_webhook() -> None:
    """A signed rule body gives a RuleEvent; a bad signature or a channel body is refused."""
    rule_body = (FIXTURES / "rule_label_change.json").read_bytes()
    signed = {"X-Hook-Signature": compute_signature(rule_body, SECRET)}
    event = VERIFIER.unwrap_rule(rule_body, signed)
    assert event.rule.type == "label_change"
    assert event.latest_message is not None
    assert event.latest_message.email_message_id == "<abc@mail.example.com>"
    with pytest.raises(InvalidSignatureError):
        VERIFIER.unwrap_rule(rule_body, {"X-Hook-Signature": f"sha256={HEX}"})
    with pytest.raises(WebhookPayloadError, match="custom channel's webhook"):
        VERIFIER.unwrap_rule(BODY, {"X-Hook-Signature": f"sha256={HEX}"})
    with pytest.raises(WebhookPayloadError, match="rule webhook"):
        VERIFIER.unwrap(rule_body, signed)
