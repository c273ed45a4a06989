"""Fuzzing with Hypothesis: whatever the network sends, only results or our own errors come out.

Example counts come from the Hypothesis profile (``dev`` by default, bounded; set
``HYPOTHESIS_PROFILE=fuzz`` for a long local run). The atheris harness in ``fuzz/``
drives the same targets (`fuzz_targets`) with coverage-guided byte mutation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import fuzz_targets
from missive_channels.webhooks import SIGNATURE_HEADERS, WebhookVerifier, compute_signature

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK = json.loads((FIXTURES / "webhook_text.json").read_text(encoding="utf-8"))

# --- strategies ------------------------------------------------------------------------------

#: Any character, lone surrogates included (JSON can carry them as \ud800 escapes).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),  # NaN and the infinities included: json.loads accepts NaN and Infinity
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 253402300800, 1e308, 5e-324]),
)

json_values = st.recursive(
    st.none() | st.booleans() | numbers | any_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(any_text | st.sampled_from(["id", "messages", "conversations"]), children)
    ),
    max_leaves=12,
)


def nested(depth: int, *, array: bool) -> bytes:
    """JSON nested ``depth`` levels deep."""
    if array:
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


#: JSON texts that stress the decoder rather than the shapes.
pathological_json = st.one_of(
    st.builds(nested, st.integers(0, 5000), array=st.booleans()),
    st.builds(lambda n: b"1" * n, st.integers(1, 6000)),  # beyond int's digit limit
    st.sampled_from(
        [b"NaN", b"-Infinity", b"1e999", b'"\\ud800"', b"\xef\xbb\xbf{}", b"{} trailing", b"\x00"]
    ),
    json_values.map(lambda value: json.dumps(value).encode("utf-16")),
    json_values.map(lambda value: json.dumps(value).encode("utf-32")),
)


def json_bytes(value: Any) -> bytes:
    """Encode any JSON value (NaN and surrogates escaped as Python's json module does)."""
    return json.dumps(value).encode()


envelopes = st.builds(
    dict,
    st.lists(
        st.tuples(st.sampled_from(["messages", "conversations", "posts", "error"]), json_values),
        max_size=2,
    ),
)

bodies = st.one_of(
    st.binary(max_size=256),
    json_values.map(json_bytes),
    envelopes.map(json_bytes),
    pathological_json,
)

header_values = st.one_of(
    st.binary(max_size=24),
    numbers.map(lambda n: str(n).encode()),
    st.sampled_from(
        [
            b"Wed, 21 Oct 2015 07:28:00 GMT",
            b"Fri, 31 Dec 9999 23:59:59 GMT",
            b"Mon, 01 Jan 0001 00:00:00 GMT",
            b"Sun, 06 Nov 1994 08:49:37 +9999",
            b"Sun, 06 Nov 1994 08:49:37 -0000",
            b"  120  ",
            b"1_000",
            b"-5",
        ]
    ),
)
response_headers = st.lists(
    st.tuples(
        st.sampled_from(
            [b"Retry-After", b"X-RateLimit-Limit", b"X-RateLimit-Remaining", b"X-RateLimit-Reset"]
        )
        | st.binary(min_size=1, max_size=8).filter(lambda name: b":" not in name),
        header_values,
    ),
    max_size=4,
)
statuses = st.sampled_from([200, 201, 204, 400, 401, 404, 408, 422, 429, 500, 503]) | st.integers(
    100, 599
)


def replace_at(document: Any, path: list[int], value: Any) -> Any:
    """Replace one node of a JSON document, chosen by ``path`` (indexes mod each size)."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    if isinstance(document, dict):
        keys = sorted(document)
        key = keys[path[0] % len(keys)]
        return {**document, key: replace_at(document[key], path[1:], value)}
    at = path[0] % len(document)
    return [*document[:at], replace_at(document[at], path[1:], value), *document[at + 1 :]]


#: A real webhook payload with one node replaced by anything, or deleted.
mutated_webhooks = st.builds(
    replace_at, st.just(WEBHOOK), st.lists(st.integers(0, 40), max_size=4), json_values
).map(json_bytes)

signature_texts = st.one_of(
    any_text,
    st.text("0123456789abcdefABCDEF", min_size=60, max_size=70).map(lambda h: f"sha256={h}"),
    st.builds(
        lambda prefix, space: f"{space}{prefix}{'0' * 64}{space}",
        st.sampled_from(["sha256=", "SHA256=", "sha1=", "", "sha256:", "\u017fha256="]),
        st.sampled_from(["", " ", "\t", "\u00a0", "\u2003"]),
    ),
)

header_containers = st.one_of(
    st.dictionaries(st.sampled_from([*SIGNATURE_HEADERS, "x-hook-signature"]) | any_text, any_text),
    st.lists(st.tuples(st.binary(max_size=20), st.binary(max_size=80)), max_size=3),
    st.lists(st.tuples(any_text, signature_texts), max_size=3),
    st.lists(st.one_of(st.none(), st.integers(), any_text, st.tuples(st.integers())), max_size=3),
    st.dictionaries(st.integers() | st.none(), st.integers() | st.none() | st.binary(), max_size=2),
    st.none(),
    st.integers(),
    any_text,
    st.binary(max_size=8),
)


# --- the client's response interpretation ----------------------------------------------------


@given(statuses, response_headers, bodies)
@example(200, [], nested(3000, array=True))
@example(400, [], nested(3000, array=False))
@example(201, [], b'{"messages": ' + nested(3000, array=True) + b"}")
@example(429, [(b"Retry-After", b"Fri, 31 Dec 9999 23:59:59 GMT")], b"")
def test_any_answer_gives_a_result_a_retry_or_an_api_error(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """Any status, headers and body: every operation returns, retries or raises an APIError."""
    fuzz_targets.interpret(status, headers, body)


# --- send --jsonl and attachments -----------------------------------------------------------


@given(st.one_of(st.binary(max_size=200), bodies, mutated_webhooks))
@example(b'{"from_field": {"id": "x"}, "body": "\\ud83d"}')
@example(b'{"from_field": {"id": "x"}, "body": "caf\xe9"}')
@example(nested(3000, array=False))
@example(b'{"from_field": {"id": "x"}, "attachments": [{"path": 1}]}')
def test_any_jsonl_line_is_a_message_or_a_validation_error(line: bytes) -> None:
    """Any line of ``send --jsonl`` is a sendable message or a ValidationError."""
    fuzz_targets.jsonl_line(line)


@given(st.binary(max_size=2000))
@example(b"")
def test_any_small_file_reads_back_as_an_attachment(data: bytes) -> None:
    """A regular file's bytes come back exactly."""
    fuzz_targets.attachment_file(data)


# --- webhooks --------------------------------------------------------------------------------


@given(st.one_of(bodies, mutated_webhooks))
@example(nested(3000, array=False))
@example(json_bytes(WEBHOOK).replace(b'"body"', b'"body": "\\ud800", "x"'))
def test_any_webhook_body_parses_or_fails_with_a_payload_error(body: bytes) -> None:
    """Random bytes, odd JSON or a mangled real payload: an event or a WebhookPayloadError."""
    fuzz_targets.webhook(body)


@given(mutated_webhooks, header_containers)
def test_any_headers_verify_or_fail_with_our_errors(body: bytes, headers: Any) -> None:
    """Headers of any shape and content: a verified event, or one of our errors."""
    fuzz_targets.signature(body, headers)


@given(st.binary(max_size=64), signature_texts | st.binary(max_size=80))
def test_any_signature_value_matches_or_is_refused(body: bytes, value: str | bytes) -> None:
    """Any header value is a match or an InvalidSignatureError with a known reason."""
    fuzz_targets.signature_value(body, value)


@given(
    mutated_webhooks,
    st.sampled_from(SIGNATURE_HEADERS).map(str.swapcase) | st.sampled_from(SIGNATURE_HEADERS),
    st.sampled_from(["sha256=", "SHA256=", ""]),
    st.booleans(),
    st.sampled_from(["dict", "str pairs", "byte pairs"]),
)
def test_a_correct_signature_passes_in_any_header_shape(
    body: bytes, name: str, prefix: str, upper: bool, shape: str
) -> None:
    """However the headers arrive, a correct signature verifies (then the body parses or not)."""
    digest = compute_signature(body, fuzz_targets.SECRET).removeprefix("sha256=")
    value = prefix + (digest.upper() if upper else digest)
    headers: Any = {
        "dict": {name: value},
        "str pairs": [("Content-Type", "application/json"), (name, value)],
        "byte pairs": [(name.encode(), value.encode())],
    }[shape]
    match = WebhookVerifier(fuzz_targets.SECRET).verify(body, headers)
    assert match.secret_index == 0
    assert match.header.lower() == name.lower()


@pytest.mark.parametrize("name", sorted(fuzz_targets.OPERATIONS))
def test_every_operation_is_fuzzed(name: str) -> None:
    """Each operation's flow asks to send one request first (the harness relies on it)."""
    flow = fuzz_targets._core(limiter=False).flow(fuzz_targets.OPERATIONS[name]())
    assert next(flow).method in {"GET", "POST"}
