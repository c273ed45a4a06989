"""The wire format: what `to_request_body` and `encode_request` write, and reading it back."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given

from missive_channels import (
    Attachment,
    EmailAddress,
    EmailMessage,
    FieldTypeError,
    HtmlMessage,
    Notification,
    Participant,
    Post,
    RequestTooLargeError,
    TextMessage,
    ValidationError,
    WebhookPayloadError,
    to_request_body,
)
from missive_channels._converter import (
    encode_post,
    loads,
    structure_message,
    structure_payload,
    structure_post,
)
from missive_channels.bulk import MAX_REQUEST_BYTES, encode_request
from strategies import messages

FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT = "0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90"


def golden(name: str) -> dict[str, Any]:
    """Load a hand-written expected request body."""
    result: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return result


@pytest.mark.parametrize("cls", [TextMessage, HtmlMessage])
def test_full_chat_message_matches_golden_body(cls: type[TextMessage]) -> None:
    """A Text or HTML message with every field set encodes to the golden body."""
    message = cls(
        account=ACCOUNT,
        from_field=Participant(id="cust-4471", username="@marta.k", name="Marta K."),
        to_fields=[
            Participant(id="acme-support", username="@acme", name="Acme Support"),
            Participant(name="Night shift"),
        ],
        body="Hello! Is my order #5521 shipped yet? \N{PACKAGE}",
        delivered_at=datetime(2024, 6, 10, 16, 53, 20, tzinfo=timezone(timedelta(hours=2))),
        external_id="acme-msg-000981",
        references=["acme-thread-5521", "order-5521"],
        conversation="7c3e9a10-4f2b-4d6e-b8a1-2e3f4a5b6c7d",
        attachments=[Attachment(filename="hello.txt", data=b"hello")],
        team="team-1",
        force_team=True,
        organization="org-1",
        add_users=["user-1", "user-2"],
        add_assignees=["user-1"],
        remove_assignees=["user-3"],
        add_shared_labels=["label-1"],
        remove_shared_labels=["label-2"],
        add_to_inbox=False,
        add_to_team_inbox=True,
        close=True,
        conversation_subject="Order #5521",
        conversation_color="#1f8a70",
    )
    assert to_request_body(message) == golden("text_message_full.json")


def test_full_email_message_matches_golden_body() -> None:
    """An Email message with every field set encodes to the golden body."""
    message = EmailMessage(
        account=ACCOUNT,
        from_field=EmailAddress(address="marta@example.com", name="Marta K."),
        to_fields=[EmailAddress(address="support@acme.example", name="Acme Support")],
        cc_fields=[EmailAddress(address="boss@example.com")],
        bcc_fields=[EmailAddress(address="audit@example.com", name="Audit")],
        subject="Order #5521",
        body="<p>Is my order shipped yet?</p>",
        delivered_at=0,
        external_id="mail-1",
        references=["<abc@example.com>"],
        conversation="c-1",
        attachments=[
            Attachment(filename="invoice.pdf", data=b"%PDF-1.4"),
            Attachment(filename="empty.bin", data=b""),
        ],
        team="team-1",
        force_team=True,
        organization="org-1",
        add_users=["user-1"],
        add_assignees=["user-1"],
        remove_assignees=["user-2"],
        add_shared_labels=["label-1"],
        remove_shared_labels=["label-2"],
        add_to_inbox=True,
        add_to_team_inbox=False,
        close=True,
        conversation_subject="Billing",
        conversation_color="danger",
    )
    assert to_request_body(message) == golden("email_message_full.json")


@pytest.mark.parametrize("cls", [TextMessage, HtmlMessage])
def test_minimal_chat_message_sends_only_what_was_set(cls: type[TextMessage]) -> None:
    """A minimal Text or HTML message carries only account and from_field."""
    message = cls(account="acc", from_field=Participant(username="@m"))
    assert to_request_body(message) == {
        "messages": {"account": "acc", "from_field": {"username": "@m"}}
    }


def test_minimal_email_message_sends_only_what_was_set() -> None:
    """A minimal Email message carries only account and from_field."""
    message = EmailMessage(account="acc", from_field=EmailAddress(address="a@b.c"))
    assert to_request_body(message) == {
        "messages": {"account": "acc", "from_field": {"address": "a@b.c"}}
    }


def test_delivered_at_is_floored_to_whole_seconds() -> None:
    """Sub-second parts are dropped, rounding towards the past (also before 1970)."""
    after = datetime(2024, 6, 10, 14, 53, 20, 999_999, tzinfo=timezone.utc)
    before = datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=timezone.utc)
    assert to_request_body(_text(delivered_at=after))["messages"]["delivered_at"] == 1718031200
    assert to_request_body(_text(delivered_at=before))["messages"]["delivered_at"] == -1


def test_encode_request_is_compact_utf8_json() -> None:
    """The request bytes are compact JSON with non-ASCII text kept as UTF-8."""
    body = encode_request(_text(body="caf\N{LATIN SMALL LETTER E WITH ACUTE}"))
    assert (
        body
        == (
            '{"messages":{"account":"acc","from_field":{"name":"M"},'
            '"body":"caf\N{LATIN SMALL LETTER E WITH ACUTE}"}}'
        ).encode()
    )


def test_bodies_are_json_dumps_compact_text() -> None:
    """Request bytes are exactly json.dumps' compact text of the body, non-ASCII kept."""
    message = _text(body='caf\u00e9 \u2028"\\', references=["r-1"], delivered_at=7)
    expected = json.dumps(to_request_body(message), ensure_ascii=False, separators=(",", ":"))
    assert encode_request(message) == expected.encode("utf-8")


def test_loads_refuses_trailing_data_after_the_object() -> None:
    """A document followed by anything but whitespace is not JSON."""
    assert loads(b' {"a": [1]} \n') == {"a": [1]}
    with pytest.raises(ValueError, match="Extra data"):
        loads(b"{} trailing")


def test_encode_request_refuses_bodies_over_the_cap() -> None:
    """A request over the cap is refused with its size and the cap in the message."""
    message = _text(attachments=[Attachment(filename="big.bin", data=bytes(7_500_000))])
    with pytest.raises(RequestTooLargeError) as info:
        encode_request(message)
    assert info.value.limit == MAX_REQUEST_BYTES
    assert info.value.size == len(json.dumps(to_request_body(message), separators=(",", ":")))
    assert "10,000,000" in str(info.value)
    assert f"{info.value.size:,}" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_encode_request_accepts_a_body_exactly_at_the_cap() -> None:
    """The cap is inclusive and configurable."""
    body = encode_request(_text())
    assert encode_request(_text(), limit=len(body)) == body
    with pytest.raises(RequestTooLargeError):
        encode_request(_text(), limit=len(body) - 1)


@pytest.mark.parametrize("not_a_message", [{"messages": {}}, None, Participant(name="x")])
def test_non_messages_are_refused(not_a_message: Any) -> None:
    """Anything but one of the three message types is a FieldTypeError."""
    with pytest.raises(FieldTypeError, match="TextMessage, HtmlMessage or EmailMessage"):
        to_request_body(not_a_message)


@given(messages)
def test_request_body_is_json_without_none(message: TextMessage) -> None:
    """Every valid message encodes to JSON with no null anywhere and decodes back the same."""
    body = to_request_body(message)
    decoded = json.loads(encode_request(message, limit=2**40))
    assert decoded == json.loads(json.dumps(body))
    assert "null" not in json.dumps(_values_only(body))
    fields = decoded["messages"]
    for attachment, original in zip(
        fields.get("attachments", []), message.attachments, strict=True
    ):
        assert base64.b64decode(attachment["base64_data"]) == original.data


def _values_only(value: Any) -> Any:
    """Return the JSON tree with every string replaced, so only structural nulls remain."""
    if isinstance(value, dict):
        return {"k": [_values_only(v) for v in value.values()]}
    if isinstance(value, list):
        return [_values_only(v) for v in value]
    return 0 if isinstance(value, str) else value


def _text(**fields: Any) -> TextMessage:
    return TextMessage(**{"account": "acc", "from_field": Participant(name="M"), **fields})


@attrs.frozen(kw_only=True)
class _Checked:
    """A read model with a validator and a non-empty default, as API models may have."""

    name: str = attrs.field(validator=attrs.validators.min_len(2))
    limit: int | None = 10
    tags: tuple[str, ...] = ()


def test_reader_runs_validators_and_keeps_defaults_of_richer_models() -> None:
    """Models with validators are built through __init__; absent keys keep their defaults."""
    assert structure_payload({"name": "ab", "tags": ["x"]}, _Checked) == _Checked(
        name="ab", limit=10, tags=("x",)
    )
    assert structure_payload({"name": "ab", "limit": None}, _Checked).limit is None
    with pytest.raises(WebhookPayloadError) as info:
        structure_payload({"name": "a"}, _Checked, path="$.thing")
    # A validator judges the whole object, so the path is the object's.
    assert info.value.path == "$.thing"
    assert "Length of 'name' must be >= 2" in info.value.problem


@attrs.frozen(kw_only=True)
class _Varied:
    """A read model with field types the generated readers hand to their hooks."""

    size: int
    counts: tuple[int, ...] = ()
    stamp: datetime | None = None


def test_reader_hands_other_field_types_to_their_hooks() -> None:
    """Required integers, lists of numbers and fractional seconds read like anywhere else."""
    found = structure_payload({"size": 3, "counts": [1, 2], "stamp": 1.5}, _Varied)
    assert found == _Varied(
        size=3, counts=(1, 2), stamp=datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=timezone.utc)
    )
    with pytest.raises(WebhookPayloadError) as info:
        structure_payload({"size": 3, "counts": [1, "2"]}, _Varied)
    assert info.value.path == "$.counts[1]"


# Reading outgoing models back from their wire object.


@given(messages)
def test_a_message_reads_back_from_its_wire_object(message: TextMessage) -> None:
    """Any message read back from the JSON of its request body writes the same body again."""
    wire = json.loads(encode_request(message, limit=2**40))["messages"]
    found = structure_message(wire, type(message))
    assert type(found) is type(message)
    assert to_request_body(found) == to_request_body(message)


def test_a_full_message_reads_back_equal() -> None:
    """Participants, Unix seconds and base64 attachments become the same model again."""
    message = _text(
        to_fields=[Participant(id="c1", name="C")],
        delivered_at=datetime(2024, 6, 10, 14, 53, 20, tzinfo=timezone.utc),
        references=["r-1"],
        attachments=[Attachment(filename="a.txt", data=b"\x00hello")],
        force_team=True,
        team="t",
    )
    wire = json.loads(encode_request(message))["messages"]
    assert structure_message(wire, TextMessage) == message


def test_a_post_reads_back_from_its_wire_object() -> None:
    """A post read back from the JSON `encode_post` writes equals the post."""
    post = Post(
        notification=Notification(title="Delivered", body="To +1 555"),
        markdown="**ok**",
        references=["order-1"],
        close=True,
        reopen=False,
    )
    wire = json.loads(encode_post(post))["posts"]
    assert structure_post(wire) == post
    with pytest.raises(ValidationError) as info:
        structure_post({**wire, "notification": {"title": "x", "body": "y", "icon": "z"}})
    assert str(info.value) == (
        "$.notification: unexpected key 'icon': Notification has no such field; "
        "remove it or check the spelling"
    )
    assert info.value.field == "notification"


@pytest.mark.parametrize(
    ("wire", "message", "field"),
    [
        (
            {"account": "a", "from_field": {"id": "x"}, "sender": "?"},
            (
                "unexpected key 'sender': TextMessage has no such field; "
                "remove it or check the spelling"
            ),
            None,
        ),
        (
            {"account": "a", "from_field": {"id": "x"}, "sender": "?", "to": []},
            (
                "unexpected keys 'sender', 'to': TextMessage has no such fields; "
                "remove them or check the spelling"
            ),
            None,
        ),
        (
            {},
            "$.account: required key is missing; $.from_field: required key is missing",
            "account",
        ),
        (
            {"account": "a", "from_field": {"id": 7}},
            "$.from_field.id: expected a string, got a number",
            "from_field",
        ),
        (
            {"account": "a", "from_field": {"id": "x"}, "to_fields": [{"id": "y"}, {}]},
            "$.to_fields[1]: Participant needs at least one of id, username or name",
            "to_fields",
        ),
        (
            {"account": "a", "from_field": {"id": "x"}, "references": ["a b"]},
            (
                "TextMessage.references[0] is 'a b': Missive silently ignores references "
                "that are empty or contain whitespace; use a key without spaces"
            ),
            None,
        ),
        (
            {"account": "a", "from_field": {"id": "x"}, "delivered_at": True},
            "$.delivered_at: expected Unix seconds (a number), got a boolean",
            "delivered_at",
        ),
        (
            {"account": "a", "from_field": {"id": "x"}, "attachments": [{"filename": "f"}]},
            "$.attachments[0].base64_data: required key is missing",
            "attachments",
        ),
        (
            {
                "account": "a",
                "from_field": {"id": "x"},
                "attachments": [{"filename": "f", "base64_data": "not base64!"}],
            },
            (
                "$.attachments[0].base64_data: expected base64 text "
                "(A-Z, a-z, 0-9, + and /, padded with =)"
            ),
            "attachments",
        ),
        (
            {
                "account": "a",
                "from_field": {"id": "x"},
                "attachments": [{"filename": "f", "base64_data": 12}],
            },
            "$.attachments[0].base64_data: expected base64 text, got a number",
            "attachments",
        ),
        (
            {
                "account": "a",
                "from_field": {"id": "x"},
                "attachments": [{"filename": "", "base64_data": ""}],
            },
            "$.attachments[0]: Attachment.filename must not be empty",
            "attachments",
        ),
        (["a"], "expected an object, got an array", None),
    ],
)
def test_a_wrong_wire_object_names_every_problem(
    wire: object, message: str, field: str | None
) -> None:
    """Unknown keys, missing keys, wrong types and the model's own checks each name their path."""
    with pytest.raises(ValidationError) as info:
        structure_message(wire, TextMessage)
    assert str(info.value) == message
    assert info.value.field == field


def test_wire_errors_are_relative_to_the_given_path() -> None:
    """A message read from inside a larger document names paths from where it sits."""
    with pytest.raises(
        ValidationError, match=r"^\$\.batch\[3\]\.account: required key is missing$"
    ):
        structure_message({"from_field": {"address": "a@b.c"}}, EmailMessage, path="$.batch[3]")


def test_the_cause_is_the_failure_never_a_cattrs_error() -> None:
    """The error's cause is what failed, so tracebacks show it without cattrs' groups."""
    with pytest.raises(ValidationError) as info:
        structure_message({"account": "a", "from_field": {"id": 7}}, TextMessage)
    assert type(info.value.__cause__).__name__ == "_ShapeError"
    with pytest.raises(ValidationError) as info:
        structure_message({"account": "a", "from_field": {"id": "x"}, "x": 1}, TextMessage)
    assert info.value.__cause__ is None
