"""Parsing webhook bodies into events: every field, tolerance, and errors that name a JSON path."""

from __future__ import annotations

import copy
import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from missive_channels import (
    Conversation,
    Correspondent,
    CreatedMessage,
    CreatedPost,
    Participant,
    StoredMessage,
    TextMessage,
    ValidationError,
    WebhookEvent,
    WebhookMessage,
    WebhookPayloadError,
)
from missive_channels._converter import structure_payload, structure_webhook_event
from missive_channels.webhooks import (
    Author,
    Comment,
    ConversationAuthor,
    ConversationUser,
    MessageAttachment,
    Organization,
    Rule,
    RuleEvent,
    SharedLabel,
    Team,
    WebhookParticipant,
    parse_rule_webhook,
    parse_webhook,
)
from strategies import json_values, read_models, webhook_payloads

FIXTURES = Path(__file__).parent / "fixtures"
TEXT = (FIXTURES / "webhook_text.json").read_bytes()
HTML = (FIXTURES / "webhook_html.json").read_bytes()
UTC = timezone.utc
JONAS = "9e2a6c4d-1b3f-4a58-8c7d-0f1e2d3c4b5a"


def _payload(raw: bytes = TEXT) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw)
    return data


def test_documented_text_payload_parses_field_by_field() -> None:
    """The spec's example delivery yields exactly these values, every field checked."""
    event = parse_webhook(TEXT)
    assert event == WebhookEvent(
        message=WebhookMessage(
            id="5b1f0c3e-2d7a-4e91-a0b4-9c8d7e6f5a41",
            type="custom_text",
            subject=None,
            body="Thanks Marta, it left our warehouse today.",
            preview="Thanks Marta, it left our warehouse today.",
            from_field=WebhookParticipant(id=None, username="Acme Support", name="Acme Support"),
            to_fields=(WebhookParticipant(id="cust-4471", username="@marta.k", name="Marta K."),),
            references=(),
            external_id=None,
            attachments=(),
            author=Author(
                id=JONAS,
                name="Jonas Weber",
                email="jonas@acme.example",
                avatar_url="https://cdn.example/avatars/jonas.png",
            ),
            delivered_at=datetime(2024, 6, 10, 15, 48, 20, tzinfo=UTC),
            created_at=datetime(2024, 6, 10, 15, 48, 8, tzinfo=UTC),
            updated_at=datetime(2024, 6, 10, 15, 48, 20, tzinfo=UTC),
        ),
        conversation=Conversation(
            id="7c3e9a10-4f2b-4d6e-b8a1-2e3f4a5b6c7d",
            subject=None,
            latest_message_subject="Message from Jonas Weber",
            color=None,
            organization=None,
            team=None,
            assignees=(),
            users=(
                ConversationUser(
                    id=JONAS,
                    name="Jonas Weber",
                    email="jonas@acme.example",
                    unassigned=False,
                    closed=False,
                    archived=False,
                    trashed=False,
                    junked=False,
                    assigned=False,
                    flagged=False,
                    snoozed=False,
                ),
            ),
            authors=(
                ConversationAuthor(name="Acme Support", address=None),
                ConversationAuthor(name="Marta K.", address=None),
            ),
            shared_labels=(),
            attachments_count=0,
            messages_count=3,
            drafts_count=0,
            send_later_messages_count=0,
            tasks_count=0,
            completed_tasks_count=0,
            web_url="https://mail.missiveapp.com/#inbox/conversations/7c3e9a10-4f2b-4d6e-b8a1-2e3f4a5b6c7d",
            app_url="missive://mail.missiveapp.com/#inbox/conversations/7c3e9a10-4f2b-4d6e-b8a1-2e3f4a5b6c7d",
            assignee_names="",
            assignee_emails="",
            shared_label_names="",
            created_at=None,
            last_activity_at=None,
        ),
    )
    # Timestamps are aware UTC instants equal to the wire's Unix seconds.
    assert event.message.delivered_at is not None
    assert event.message.delivered_at.timestamp() == 1718034500
    assert event.message.delivered_at.utcoffset() is not None


def test_html_payload_with_every_optional_part_parses_field_by_field() -> None:
    """Attachments, labels, team, organization and an all-null recipient all come through."""
    event = parse_webhook(HTML)
    message, conversation = event.message, event.conversation
    assert message.type == "custom_html"
    assert message.subject == "Re: order #5521"
    assert message.body == "<p>Your parcel is <b>on its way</b>.</p>"
    assert message.references == ("acme-thread-5521",)
    assert message.external_id == "acme-msg-001002"
    assert message.from_field == WebhookParticipant(
        id="acme-support", username="@acme", name="Acme Support"
    )
    # The all-null recipient carries nothing to address and is left out.
    assert message.to_fields == (
        WebhookParticipant(id="cust-4471", username="@marta.k", name="Marta K."),
    )
    assert message.attachments == (
        MessageAttachment(
            id="att-1",
            filename="label.png",
            extension="png",
            url="https://files.example/att-1",
            media_type="image",
            sub_type="png",
            size=20480,
            width=640,
            height=480,
        ),
    )
    assert message.created_at == datetime(2024, 6, 10, 16, 59, 50, tzinfo=UTC)
    assert message.updated_at == datetime(2024, 6, 10, 17, 0, 1, tzinfo=UTC)
    assert conversation.subject == "Order #5521"
    assert conversation.color == "#1f8a70"
    assert conversation.organization == Organization(id="org-1", name="Acme")
    assert conversation.team == Team(id="team-1", name="Support", organization="org-1")
    assert conversation.assignees == (
        ConversationUser(id=JONAS, name="Jonas Weber", email="jonas@acme.example", assigned=True),
    )
    assert conversation.shared_labels == (
        SharedLabel(
            id="label-1",
            name="VIP",
            name_with_parent_names="Customers/VIP",
            color="#ff0000",
            parent="label-0",
            organization="org-1",
        ),
    )
    assert conversation.assignee_names == "Jonas Weber"
    assert conversation.shared_label_names == "VIP"
    assert conversation.created_at == datetime(2024, 6, 10, 14, 33, 20, tzinfo=UTC)
    assert conversation.last_activity_at == datetime(2024, 6, 10, 17, 0, 1, tzinfo=UTC)
    assert conversation.attachments_count == 1


def test_minimal_payload_fills_defaults() -> None:
    """Only the two ids are required; everything else becomes None or empty."""
    event = parse_webhook(b'{"message": {"id": "m"}, "conversation": {"id": "c"}}')
    assert event == WebhookEvent(message=WebhookMessage(id="m"), conversation=Conversation(id="c"))
    assert event.message.to_fields == ()
    assert event.conversation.users == ()


def test_nulls_and_unknown_keys_are_tolerated() -> None:
    """Null where a list or object is documented reads as empty; unknown keys are ignored."""
    data = _payload()
    for key in ("to_fields", "references", "attachments", "author", "from_field", "delivered_at"):
        data["message"][key] = None
    for key in ("users", "authors", "assignees", "shared_labels", "messages_count"):
        data["conversation"][key] = None
    data["message"]["brand_new"] = {"nested": [1, 2]}
    data["conversation"]["users"] = [{"id": "u", "state": "new-flag", "closed": None}]
    data["conversation"]["users"] = None
    data["extra"] = True
    event = parse_webhook(json.dumps(data).encode())
    assert event.message.to_fields == ()
    assert event.message.author is None
    assert event.message.from_field is None
    assert event.message.delivered_at is None
    assert event.conversation.users == ()
    assert event.conversation.messages_count is None


def test_all_null_from_field_reads_as_no_participant() -> None:
    """A sender alias with id, username and name all null or empty becomes None."""
    for alias in ({"id": None, "username": None, "name": None}, {}, {"id": "", "name": ""}):
        data = _payload()
        data["message"]["from_field"] = alias
        assert parse_webhook(json.dumps(data).encode()).message.from_field is None


def test_an_unknown_message_type_is_kept_as_text() -> None:
    """A type Missive adds later is kept verbatim, never an error."""
    data = _payload()
    data["message"]["type"] = "custom_carrier_pigeon"
    assert parse_webhook(json.dumps(data).encode()).message.type == "custom_carrier_pigeon"


@pytest.mark.parametrize(
    ("change", "path", "problem"),
    [
        (lambda d: d["message"].pop("id"), "$.message.id", "required key is missing"),
        (lambda d: d["conversation"].pop("id"), "$.conversation.id", "required key is missing"),
        (lambda d: d.pop("message"), "$.message", "required key is missing"),
        (
            lambda d: d["message"]["to_fields"][0].update(id=7),
            "$.message.to_fields[0].id",
            "expected a string, got a number",
        ),
        (
            lambda d: d["message"].update(to_fields={"id": "x"}),
            "$.message.to_fields",
            "expected an array, got an object",
        ),
        (
            lambda d: d["message"].update(from_field="Acme"),
            "$.message.from_field",
            "expected an object, got a string",
        ),
        (
            lambda d: d["message"]["from_field"].update(id=False),
            "$.message.from_field.id",
            "expected a string, got a boolean",
        ),
        (
            lambda d: d["message"].update(references=["ok", None]),
            "$.message.references[1]",
            "expected a string, got null",
        ),
        (
            lambda d: d["message"].update(body=7),
            "$.message.body",
            "expected a string, got a number",
        ),
        (
            lambda d: d["conversation"].update(organization=["org"]),
            "$.conversation.organization",
            "expected an object, got an array",
        ),
        (
            lambda d: d["message"].update(id=None),
            "$.message.id",
            "expected a string, got null",
        ),
    ],
)
def test_broken_payloads_name_the_json_path(change: Any, path: str, problem: str) -> None:
    """Wrong types and missing ids fail with the path of the offending value."""
    data = _payload()
    change(data)
    with pytest.raises(WebhookPayloadError) as info:
        parse_webhook(json.dumps(data).encode())
    assert info.value.path == path
    assert problem in info.value.problem
    assert str(info.value).startswith(f"invalid webhook payload at {path}: ")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"{} trailing", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
        (b"[]", "expected an object, got an array"),
        (b"null", "expected an object, got null"),
        (b'"message"', "expected an object, got a string"),
    ],
)
def test_bodies_that_are_not_json_objects_fail_at_the_root(body: bytes, problem: str) -> None:
    """Not JSON, or JSON that is not an object, fails at path $."""
    with pytest.raises(WebhookPayloadError) as info:
        parse_webhook(body)
    assert info.value.path == "$"
    assert problem in str(info.value)


@pytest.mark.parametrize("body", [TEXT.decode(), _payload(), None])
def test_parse_webhook_refuses_bodies_that_are_not_bytes(body: Any) -> None:
    """Text or a parsed dict is refused with a hint to pass the raw body."""
    with pytest.raises(WebhookPayloadError, match="raw request body"):
        parse_webhook(body)


@pytest.mark.parametrize("body", [bytearray(TEXT), memoryview(TEXT)])
def test_parse_webhook_accepts_any_bytes_like_body(body: Any) -> None:
    """A bytearray or memoryview body parses like bytes."""
    assert parse_webhook(body) == parse_webhook(TEXT)


def test_events_are_frozen() -> None:
    """Parsed events cannot be modified."""
    event = parse_webhook(TEXT)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.message.id = "other"  # type: ignore[misc]


def test_a_conversation_structures_alone_with_paths_from_where_it_sits() -> None:
    """The webhook's conversation structures on its own, as API reads do, paths made relative."""
    data = _payload()["conversation"]
    assert structure_payload(data, Conversation) == parse_webhook(TEXT).conversation
    data["id"] = 5
    with pytest.raises(WebhookPayloadError) as info:
        structure_payload(data, Conversation, path="$.conversations[0]")
    assert info.value.path == "$.conversations[0].id"


def test_structure_payload_raises_the_error_the_caller_builds() -> None:
    """Callers reading API responses can turn shape problems into their own error."""

    class ResponseShapeError(Exception):
        pass

    with pytest.raises(ResponseShapeError, match=r"^\$\.id: required key is missing$"):
        structure_payload(
            {}, Conversation, error=lambda problem, path: ResponseShapeError(f"{path}: {problem}")
        )


_QUICK = settings(max_examples=80, deadline=None)


def _parse_or_error(body: bytes) -> WebhookEvent | WebhookPayloadError:
    """Parse, returning the payload error instead of raising it (any other error escapes)."""
    try:
        return parse_webhook(body)
    except WebhookPayloadError as exc:
        return exc


@_QUICK
@given(st.binary(max_size=64))
def test_arbitrary_bytes_parse_or_fail_with_a_payload_error(body: bytes) -> None:
    """Random bytes never raise anything but WebhookPayloadError."""
    outcome = _parse_or_error(body)
    assert isinstance(outcome, WebhookEvent) or outcome.path.startswith("$")


@_QUICK
@given(json_values | st.fixed_dictionaries({"message": json_values, "conversation": json_values}))
def test_arbitrary_json_parses_or_fails_with_a_payload_error(data: Any) -> None:
    """Random JSON never raises anything but WebhookPayloadError."""
    outcome = _parse_or_error(json.dumps(data).encode())
    assert isinstance(outcome, WebhookEvent) or outcome.path.startswith("$")


@_QUICK
@given(webhook_payloads)
def test_valid_payloads_always_parse(data: dict[str, Any]) -> None:
    """Any payload with both ids and well-typed optional fields parses; ids come through."""
    event = structure_webhook_event(copy.deepcopy(data))
    assert event.message.id == data["message"]["id"]
    assert event.conversation.id == data["conversation"]["id"]
    senders = [p for p in data["message"].get("to_fields") or [] if any(p.values())]
    assert len(event.message.to_fields) == len(senders)


@_QUICK
@given(webhook_payloads, st.data())
def test_a_wrongly_typed_value_is_reported_at_its_path(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    """Replacing a scalar with a value of another JSON type fails exactly at its path."""
    message = data["message"]
    key = draw.draw(st.sampled_from(["id", "body"]))
    message[key] = draw.draw(st.sampled_from([[1], {"a": 1}, True]))
    with pytest.raises(WebhookPayloadError) as info:
        structure_webhook_event(data)
    assert info.value.path == f"$.message.{key}"


@_QUICK
@given(webhook_payloads, st.data())
def test_an_optional_field_of_an_unexpected_type_reads_as_none_and_is_kept(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    """An off-type optional scalar never loses the event: it reads as None, kept in extra."""
    key = draw.draw(st.sampled_from(["type", "preview", "subject", "delivered_at"]))
    value = draw.draw(st.sampled_from([[1], {"a": 1}, True, "yesterday", 10**30]))
    data["message"][key] = value
    assume(not (key != "delivered_at" and isinstance(value, str)))
    event = structure_webhook_event(data)
    assert getattr(event.message, key) is None
    assert event.message.extra[key] == value
    assert WebhookEvent.from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_off_type_optional_fields_log_one_warning_per_document(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Counts, colours, flags and timestamps of the wrong type are named in one warning."""
    data = _payload(HTML)
    data["conversation"]["messages_count"] = "5"
    data["conversation"]["color"] = 7
    data["conversation"]["users"][0]["closed"] = "no"
    data["message"]["delivered_at"] = "yesterday"
    data["message"]["author"]["id"] = 42
    with caplog.at_level(logging.WARNING, logger="missive_channels"):
        event = parse_webhook(json.dumps(data).encode())
    assert event.conversation.messages_count is None
    assert event.conversation.extra == {"messages_count": "5", "color": 7}
    assert event.conversation.users[0].closed is None
    assert event.message.delivered_at is None
    assert event.message.author is not None
    assert event.message.author.extra == {"id": 42}
    expected = (
        "WebhookEvent at $: values of an unexpected type read as None or empty, kept in extra: "
        "Author.id, WebhookMessage.delivered_at, ConversationUser.closed, "
        "Conversation.color, Conversation.messages_count"
    )
    assert [record.getMessage() for record in caplog.records] == [expected]


def test_a_strict_field_still_fails_next_to_an_off_type_optional_one() -> None:
    """Setting an off-type optional field aside never hides a wrong id or body."""
    data = _payload()
    data["message"]["preview"] = 5
    data["message"]["body"] = ["not", "text"]
    with pytest.raises(WebhookPayloadError) as info:
        parse_webhook(json.dumps(data).encode())
    assert info.value.path == "$.message.body"


# Nothing Missive sends is lost: extra, to_dict, from_dict -----------------------


def test_unknown_keys_are_kept_in_extra_at_every_level() -> None:
    """Each read model keeps the keys it does not name, as sent, and only those."""
    data = _payload(HTML)
    data["account_author"] = {"id": "u-1"}
    data["message"]["draft"] = False
    data["message"]["author"]["phone_number"] = "+15551230000"
    data["message"]["attachments"][0]["base64_data"] = "aGk="
    data["conversation"]["users"][0]["unknown_flag"] = True
    data["conversation"]["shared_labels"][0]["visibility"] = "organization"
    data["conversation"]["team"]["inbox"] = None
    event = parse_webhook(json.dumps(data).encode())
    assert event.extra == {"account_author": {"id": "u-1"}}
    assert event.message.extra == {"draft": False, "some_future_field": {"x": 1}}
    assert event.message.author is not None
    assert event.message.author.extra == {"phone_number": "+15551230000"}
    assert event.message.attachments[0].extra == {"base64_data": "aGk="}
    assert event.conversation.users[0].extra == {"unknown_flag": True}
    assert event.conversation.shared_labels[0].extra == {"visibility": "organization"}
    assert event.conversation.team is not None
    assert event.conversation.team.extra == {"inbox": None}
    assert event.conversation.extra == {}


def test_extra_is_a_read_only_copy() -> None:
    """`extra` cannot be changed, and changing the mapping given never changes the model."""
    given_extra = {"k": 1}
    author = Author(id="a", extra=given_extra)
    given_extra["k"] = 2
    assert author.extra == {"k": 1}
    with pytest.raises(TypeError):
        author.extra["k"] = 3  # type: ignore[index]
    assert Author(id="a").extra == {}
    assert repr(Author(extra={"k": 1})).endswith("extra={'k': 1})")
    assert hash(Author(id="a", extra={"k": 1})) == hash(Author(id="a"))


def test_a_key_named_extra_is_kept_inside_extra() -> None:
    """A key Missive might call `extra` is one more unknown key, never the model's field."""
    event = parse_webhook(b'{"message": {"id": "m", "extra": 5}, "conversation": {"id": "c"}}')
    assert event.message.extra == {"extra": 5}
    assert event.message.to_dict() == {"id": "m", "extra": 5}


def test_to_dict_is_missives_shape_with_extra_merged_back() -> None:
    """`to_dict` gives Missive's keys, Unix seconds and the unknown keys, ready for json.dumps."""
    data = _payload(HTML)
    event = parse_webhook(json.dumps(data).encode())
    written = event.to_dict()
    assert written["message"]["some_future_field"] == {"x": 1}
    assert written["message"]["delivered_at"] == data["message"]["delivered_at"]
    assert written["conversation"]["shared_labels"][0]["parent"] == "label-0"
    assert json.loads(json.dumps(written)) == written
    assert WebhookEvent.from_dict(json.loads(json.dumps(written))) == event


def test_fractions_of_a_second_are_kept_on_the_way_back() -> None:
    """A timestamp Missive sent with a fraction is written back as that number."""
    event = parse_webhook(
        b'{"message": {"id": "m", "created_at": 1.5, "updated_at": 2}, "conversation": {"id": "c"}}'
    )
    assert event.message.to_dict() == {"id": "m", "created_at": 1.5, "updated_at": 2}


def test_from_dict_failures_are_validation_errors_naming_the_path() -> None:
    """A read model refuses a wrong type with a ValidationError at its JSON path."""
    with pytest.raises(ValidationError, match=r"^\$\.message\.id: expected a string") as info:
        WebhookEvent.from_dict({"message": {"id": 1}, "conversation": {"id": "c"}})
    assert info.value.field == "message"
    with pytest.raises(ValidationError, match=r"^expected an object, got an array$") as root:
        Conversation.from_dict([])
    assert root.value.field is None


def test_results_travel_too() -> None:
    """CreatedMessage and CreatedPost write and read Missive's keys."""
    created = CreatedMessage(id="m", conversation_id="c")
    assert created.to_dict() == {"id": "m", "conversation_id": "c"}
    assert CreatedMessage.from_dict(created.to_dict()) == created
    assert CreatedPost.from_dict({}) == CreatedPost()


READ_MODELS = [
    MessageAttachment,
    Author,
    WebhookParticipant,
    WebhookMessage,
    Organization,
    Team,
    SharedLabel,
    ConversationUser,
    ConversationAuthor,
    Conversation,
    WebhookEvent,
    Correspondent,
    StoredMessage,
    CreatedMessage,
    CreatedPost,
    Rule,
    Comment,
    RuleEvent,
]


@pytest.mark.parametrize("cls", READ_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_read_model_round_trips_through_json(cls: type[Any], data: st.DataObject) -> None:
    """`Cls.from_dict(json.loads(json.dumps(x.to_dict()))) == x` for any instance."""
    model = data.draw(read_models(cls))
    assert cls.from_dict(json.loads(json.dumps(model.to_dict()))) == model


@settings(max_examples=50, deadline=None)
@given(webhook_payloads)
def test_any_valid_payload_round_trips(data: dict[str, Any]) -> None:
    """Whatever a valid payload holds, the event it parses to round-trips through to_dict."""
    event = parse_webhook(json.dumps(data).encode())
    assert WebhookEvent.from_dict(json.loads(json.dumps(event.to_dict()))) == event


# Missive's rule webhooks, and every real-world shape ---------------------------

RULE_FIXTURES = sorted(FIXTURES.glob("rule_*.json"))
CHANNEL_FIXTURES = [FIXTURES / "webhook_text.json", FIXTURES / "webhook_html.json"]


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=lambda path: path.stem)
def test_every_rule_payload_parses_keeps_its_extras_and_round_trips(path: Path) -> None:
    """Each real-world rule shape parses, keeps unknown keys, and travels through JSON."""
    event = parse_rule_webhook(path.read_bytes())
    data = json.loads(path.read_bytes())
    assert event.rule.type == data["rule"]["type"]
    assert event.conversation.id == data["conversation"]["id"]
    assert event.conversation.authors[0].extra == {"phone_number": "+15550100"}
    label = event.conversation.shared_labels[0]
    assert label.organization == "0f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f"
    assert label.extra["visibility"] == "organization"
    for message in (event.message, event.latest_message):
        if message is not None:
            assert message.extra["draft"] is False
            assert "account_author" in message.extra
            assert message.from_field is not None
    assert RuleEvent.from_dict(json.loads(json.dumps(event.to_dict()))) == event


@pytest.mark.parametrize("path", CHANNEL_FIXTURES, ids=lambda path: path.stem)
def test_every_channel_payload_round_trips(path: Path) -> None:
    """Each custom-channel shape parses and travels through JSON unchanged."""
    event = parse_webhook(path.read_bytes())
    assert WebhookEvent.from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_a_comment_rule_carries_the_comment_and_the_latest_message() -> None:
    """A new_comment rule reads the comment, its author and mentions, and the latest message."""
    event = parse_rule_webhook((FIXTURES / "rule_new_comment.json").read_bytes())
    assert event.rule == Rule(
        id="5f4e3d2c-1b0a-4987-a6b5-c4d3e2f1a0b9",
        description="Comments to Slack",
        type="new_comment",
    )
    assert event.message is None
    assert event.comment is not None
    assert event.comment.body == "@Jonas can you call them?"
    assert event.comment.created_at == datetime(2024, 6, 10, 15, 50, tzinfo=UTC)
    assert event.comment.author is not None
    assert event.comment.author.name == "Ana Ruiz"
    assert event.comment.extra["mentions"] == [{"id": JONAS, "index": 0, "length": 6}]
    assert event.latest_message is not None
    assert event.latest_message.body == "Your order has shipped"


def test_an_unknown_rule_type_still_parses() -> None:
    """A rule type Missive adds later is kept verbatim."""
    event = parse_rule_webhook(
        b'{"rule": {"id": "r", "type": "brand_new"}, "conversation": {"id": "c"}}'
    )
    assert event == RuleEvent(
        rule=Rule(id="r", type="brand_new"), conversation=Conversation(id="c")
    )
    assert Comment(id="x").extra == {}


def test_each_parser_names_the_other_kind_of_body() -> None:
    """Each parser refuses the other kind of body and says which kind it looks like."""
    rule = (FIXTURES / "rule_outgoing_sms.json").read_bytes()
    with pytest.raises(WebhookPayloadError, match=r"looks like a rule webhook.*parse_rule_webhook"):
        parse_webhook(rule)
    with pytest.raises(
        WebhookPayloadError, match=r"looks like a custom channel's webhook.*parse_webhook"
    ):
        parse_rule_webhook(TEXT)
    with pytest.raises(WebhookPayloadError, match="required key is missing") as missing:
        parse_rule_webhook(b'{"conversation": {"id": "c"}}')
    assert missing.value.path == "$.rule"
    with pytest.raises(WebhookPayloadError, match="not valid JSON"):
        parse_rule_webhook(b"{")


def test_out_of_range_seconds_read_as_none_or_fail_an_outgoing_model() -> None:
    """Unix seconds out of range: kept in extra on a read model, refused on a message."""
    event = parse_webhook(
        b'{"message": {"id": "m", "delivered_at": 1e30}, "conversation": {"id": "c"}}'
    )
    assert event.message.delivered_at is None
    assert event.message.extra == {"delivered_at": 1e30}
    wire = {"account": "a", "from_field": {"id": "x"}, "delivered_at": 10**30}
    with pytest.raises(ValidationError, match="is out of range for Unix seconds"):
        TextMessage.from_dict(wire)


# Shapes from public integrations (tests/fixtures/corpus/README.md names each source) --

CORPUS = sorted((FIXTURES / "corpus").glob("*.json"))


def _sent(value: Any) -> Any:
    """Drop what carries nothing (nulls, empty arrays and objects), as to_dict leaves them out."""
    if isinstance(value, dict):
        kept = {key: _sent(item) for key, item in cast("dict[str, Any]", value).items()}
        return {key: item for key, item in kept.items() if item not in (None, [], {})}
    if isinstance(value, list):
        return [_sent(item) for item in cast("list[Any]", value)]
    return value


def _parse_corpus(path: Path) -> WebhookEvent | RuleEvent:
    raw = path.read_bytes()
    return parse_rule_webhook(raw) if path.name.startswith("rule_") else parse_webhook(raw)


def test_the_corpus_holds_both_kinds_of_webhook() -> None:
    """The corpus is not empty, and each of its files is one of the two kinds."""
    kinds = {path.name.partition("_")[0] for path in CORPUS}
    assert kinds == {"channel", "rule"}
    assert len(CORPUS) >= 8


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_every_public_integration_shape_parses_loses_nothing_and_round_trips(path: Path) -> None:
    """Each shape parses; to_dict gives back every key sent; the event travels through JSON."""
    event = _parse_corpus(path)
    sent = json.loads(path.read_bytes())
    assert event.conversation.id == sent["conversation"]["id"]
    # Every key Missive sent is either a field or kept in an extra, at every level.
    assert _sent(event.to_dict()) == _sent(sent)
    assert type(event).from_dict(json.loads(json.dumps(event.to_dict()))) == event


def _corpus(name: str) -> Any:
    return _parse_corpus(FIXTURES / "corpus" / f"{name}.json")


def test_a_bridge_reads_inlined_attachment_bytes_and_a_participant_shaped_author() -> None:
    """An attachment's base64_data and an author's username are kept in their extras."""
    event: WebhookEvent = _corpus("channel_slingshot-missive-bluebubbles-channel_imessage_reply")
    attachment = event.message.attachments[0]
    assert attachment.filename == "map.png"
    assert attachment.extra == {"base64_data": "iVBORw0KGgo="}
    assert event.message.author is not None
    assert event.message.author.extra == {"username": "sam"}
    assert event.message.to_fields[0].username == "+15550142"
    assert event.message.to_fields[0].extra == {}


def test_the_smallest_channel_body_parses_with_nothing_extra() -> None:
    """A message id and body and a conversation id are enough; nothing is extra."""
    event: WebhookEvent = _corpus("channel_lovehibachi-missive-ai-bridge_minimal")
    assert event.message.body == "Thanks, a table for four works"
    assert event.message.from_field is None
    assert (event.extra, event.message.extra, event.conversation.extra) == ({}, {}, {})


def test_a_rule_without_description_parses() -> None:
    """A rule that sends only its id and type reads with no description."""
    event: RuleEvent = _corpus("rule_metronom72-missive-hooks_no_description")
    assert event.rule == Rule(id="c3d4e5f6-0718-4293-a4b5-c6d7e8f90112", type="label_change")
    assert event.message is None
    assert event.latest_message is None


def test_attachments_sent_as_urls_read_as_none_kept_in_extra(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Attachments of an unexpected shape never lose the rule's message: kept in extra, logged."""
    with caplog.at_level(logging.WARNING, logger="missive_channels"):
        event: RuleEvent = _corpus("rule_supabase-rule-receiver_incoming_sms_message")
    assert event.message is not None
    assert event.message.attachments == ()
    assert event.message.extra["attachments"] == ["https://files.example/mms/18293a4b.jpg"]
    assert event.message.extra["account_author"] == {
        "id": "+15550123",
        "name": "+15550123",
        "username": "+15550123",
    }
    assert event.message.from_field == Correspondent(
        id="+15550123", username="+15550123", name="+15550123"
    )
    assert event.latest_message is not None
    assert event.latest_message.references == ()
    expected = (
        "RuleEvent at $: values of an unexpected type read as None or empty, kept in extra: "
        "StoredMessage.attachments"
    )
    assert [record.getMessage() for record in caplog.records] == [expected]


def test_a_list_of_read_models_of_the_wrong_shape_reads_as_empty() -> None:
    """Users, labels and attachments of the wrong shape read as empty; recipients stay strict."""
    data = _payload(HTML)
    data["conversation"]["users"] = "everyone"
    data["conversation"]["shared_labels"] = [1, 2]
    event = parse_webhook(json.dumps(data).encode())
    assert event.conversation.users == ()
    assert event.conversation.shared_labels == ()
    assert event.conversation.extra == {"users": "everyone", "shared_labels": [1, 2]}
    data["message"]["to_fields"] = ["cust-4471"]
    with pytest.raises(WebhookPayloadError) as info:
        parse_webhook(json.dumps(data).encode())
    assert info.value.path == "$.message.to_fields[0]"


def test_a_comment_task_and_team_mentions_are_kept() -> None:
    """A comment's task and mentions of users and teams stay in its extra, as sent."""
    event: RuleEvent = _corpus("rule_supabase-rule-receiver_new_comment_task")
    assert event.comment is not None
    assert event.comment.extra["task"]["assignees"][0]["name"] == "Lee Park"
    assert [sorted(mention) for mention in event.comment.extra["mentions"]] == [
        ["length", "offset", "user_id"],
        ["length", "offset", "team_id"],
    ]
    label = event.conversation.shared_labels[0]
    assert label.parent == "7e8f9011-2233-4d45-a6f7-08192a3b4c5d"
    assert label.extra == {"share_with_organization": False, "visibility": None}
    assert event.latest_message is not None
    assert event.latest_message.to_fields[0].id == "+15550166"


def test_a_comment_read_by_id_and_time_only() -> None:
    """A comment with no author or mentions reads its id, body and time."""
    event: RuleEvent = _corpus("rule_pipedream-missive-source_new_comment_instant")
    assert event.comment == Comment(
        id="e5566778-899a-4bb2-9d6e-7f8091a2b3c4",
        body="Deck attached",
        created_at=datetime(2024, 6, 24, 3, 33, 20, tzinfo=UTC),
    )


def test_an_email_rule_keeps_drafts_download_urls_and_an_object_organization() -> None:
    """An email rule's message keeps draft/trashed/web_url; a team's object organization is kept."""
    event: RuleEvent = _corpus("rule_teamworkmissiveconnector_incoming_email")
    message = event.message
    assert message is not None
    assert message.email_message_id == "<b3c4d5e6@architects.example>"
    assert message.cc_fields == (Correspondent(address="office@architects.example"),)
    assert message.extra == {
        "draft": False,
        "trashed": False,
        "web_url": event.conversation.web_url,
    }
    assert message.attachments[0].extra == {
        "download_url": "https://files.example/5ccddeef/plan.pdf?dl=1",
        "checksum": "9f86d081",
    }
    team = event.conversation.team
    assert team is not None
    assert team.organization is None
    assert team.extra == {
        "organization": {"id": "299aabbc-ccdd-4ff6-91a2-b3c4d5e6f708", "name": "Keller Bau"}
    }
    assert event.conversation.last_activity_at == datetime(2024, 6, 25, 7, 20, tzinfo=UTC)


def test_a_webhook_participant_keeps_extra_keys_and_goes_into_a_reply_without_them() -> None:
    """Recipients keep unknown keys; a message built from one sends only id, username, name."""
    data = _payload()
    data["message"]["to_fields"][0]["phone_number"] = "+15550100"
    event = parse_webhook(json.dumps(data).encode())
    customer = event.message.to_fields[0]
    assert isinstance(customer, Participant)
    assert customer.extra == {"phone_number": "+15550100"}
    assert event.to_dict()["message"]["to_fields"][0]["phone_number"] == "+15550100"
    message = TextMessage(account="a", from_field=customer, body="Hi")
    assert message.to_dict()["from_field"] == {
        "id": "cust-4471",
        "username": "@marta.k",
        "name": "Marta K.",
    }
    same = Participant(id="cust-4471", username="@marta.k", name="Marta K.")
    assert customer == same
    assert same == customer
    assert {same} == {customer}
    assert customer != Participant(id="cust-4471")
    assert customer != attrs.evolve(customer, extra={})
    assert customer == attrs.evolve(customer)
    assert customer != "cust-4471"
