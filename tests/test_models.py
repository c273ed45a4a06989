"""Behaviour of the message, participant and attachment models."""

from __future__ import annotations

import json
import os
import string
import threading
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missive_channels import (
    Attachment,
    EmailAddress,
    EmailMessage,
    FieldTypeError,
    HtmlMessage,
    MissiveError,
    MissiveWarning,
    Notification,
    Participant,
    Post,
    PostAttachment,
    RequestTooLargeError,
    TextMessage,
    ValidationError,
)
from missive_channels._converter import to_request_body
from strategies import junk, message_fields, posts, wire_messages

if TYPE_CHECKING:
    from missive_channels import Message

SENDER = Participant(name="Marta")
MAIL = EmailAddress(address="marta@example.com")


def text(**fields: Any) -> TextMessage:
    """Build a Text message with the required fields filled in."""
    return TextMessage(**{"account": "acc-1", "from_field": SENDER, **fields})


def test_collections_are_stored_as_tuples() -> None:
    """Any iterable given for a collection field is stored as a tuple."""
    message = text(to_fields=iter([SENDER]), references=(r for r in ["a", "b"]))
    assert message.to_fields == (SENDER,)
    assert message.references == ("a", "b")


def test_messages_are_immutable_and_hashable() -> None:
    """Models are frozen and usable as dict keys or set members."""
    message = text(references=["a"])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        message.body = "changed"  # type: ignore[misc]
    assert {message, text(references=["a"])} == {message}


def test_integer_delivered_at_becomes_an_aware_datetime() -> None:
    """Unix seconds are accepted and stored as an aware UTC datetime."""
    assert text(delivered_at=1718031200).delivered_at == datetime(
        2024, 6, 10, 14, 53, 20, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"account": ""}, "account", ValidationError),
        ({"account": "   "}, "account", ValidationError),
        ({"account": None}, "account", FieldTypeError),
        ({"add_users": ["u"]}, "add_users", ValidationError),
        ({"add_assignees": ["u"]}, "add_assignees", ValidationError),
        ({"remove_assignees": ["u"]}, "remove_assignees", ValidationError),
        ({"add_to_team_inbox": True}, "add_to_team_inbox", ValidationError),
        ({"force_team": True}, "force_team", ValidationError),
        ({"conversation_color": "green"}, "conversation_color", ValidationError),
        ({"conversation_color": "#12"}, "conversation_color", ValidationError),
        ({"conversation_color": "#1234567"}, "conversation_color", ValidationError),
        ({"conversation_color": "#ggg"}, "conversation_color", ValidationError),
        ({"references": ["thread 1"]}, "references", ValidationError),
        ({"references": ["ok", "tab\there"]}, "references", ValidationError),
        ({"references": [""]}, "references", ValidationError),
        ({"references": "thread-1"}, "references", FieldTypeError),
        ({"references": [1]}, "references", FieldTypeError),
        ({"references": 5}, "references", FieldTypeError),
        ({"from_field": MAIL}, "from_field", FieldTypeError),
        ({"to_fields": [MAIL]}, "to_fields", FieldTypeError),
        ({"body": b"bytes"}, "body", FieldTypeError),
        ({"close": 1}, "close", FieldTypeError),
        ({"add_to_inbox": "yes"}, "add_to_inbox", FieldTypeError),
        ({"delivered_at": datetime(2024, 1, 1)}, "delivered_at", ValidationError),  # noqa: DTZ001
        ({"delivered_at": 10**20}, "delivered_at", ValidationError),
        ({"delivered_at": 1.5}, "delivered_at", FieldTypeError),
        ({"delivered_at": True}, "delivered_at", FieldTypeError),
        ({"attachments": [b"raw"]}, "attachments", FieldTypeError),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(
    fields: dict[str, Any], field: str, error: type[ValidationError]
) -> None:
    """Each kind of invalid input raises our error naming the field."""
    with pytest.raises(error) as info:
        text(**fields)
    assert info.value.field == field
    assert field in str(info.value)
    assert isinstance(info.value, (MissiveError, ValueError))


def test_type_errors_are_also_type_errors() -> None:
    """FieldTypeError is caught by handlers of TypeError as well as ValueError."""
    with pytest.raises(TypeError):
        text(close="yes")
    with pytest.raises(ValueError, match="close"):
        text(close="yes")


def test_organization_or_team_prerequisites_pass_when_given() -> None:
    """Actions that need organization or team are accepted once those are set."""
    message = text(
        organization="org",
        team="team",
        add_users=["u"],
        add_assignees=["u"],
        remove_assignees=["v"],
        add_to_team_inbox=True,
        force_team=True,
    )
    assert message.add_users == ("u",)


def post(**fields: Any) -> Post:
    """Build a Post with the required fields filled in."""
    notice = Notification(title="Delivered", body="to Marta")
    return Post(**{"notification": notice, "text": "Delivered", **fields})


# The conversation actions a message and a post share, each given without what it needs.
SHARED_ACTION_MISTAKES = [
    ({"add_users": ["u"]}, "add_users", ValidationError, "needs `organization`"),
    ({"add_assignees": ["u"]}, "add_assignees", ValidationError, "needs `organization`"),
    ({"add_to_team_inbox": True}, "add_to_team_inbox", ValidationError, "needs `team`"),
    ({"force_team": True}, "force_team", ValidationError, "needs `team`"),
    ({"conversation_color": "green"}, "conversation_color", ValidationError, "hex colour"),
    ({"references": ["thread 1"]}, "references", ValidationError, "whitespace"),
    ({"add_shared_labels": "label-1"}, "add_shared_labels", FieldTypeError, "iterable of str"),
    ({"close": 1}, "close", FieldTypeError, "must be bool, got int"),
    ({"add_to_inbox": "yes"}, "add_to_inbox", FieldTypeError, "must be bool or None, got str"),
    ({"team": 7}, "team", FieldTypeError, "must be str or None, got int"),
]


@pytest.mark.parametrize(("fields", "field", "error", "says"), SHARED_ACTION_MISTAKES)
@pytest.mark.parametrize(("build", "name"), [(text, "TextMessage"), (post, "Post")])
def test_messages_and_posts_refuse_the_same_conversation_actions(
    build: Any,
    name: str,
    *,
    fields: dict[str, Any],
    field: str,
    error: type[ValidationError],
    says: str,
) -> None:
    """A post checks the conversation actions exactly as a message does, naming the field."""
    with pytest.raises(error, match=says) as info:
        build(**fields)
    assert info.value.field == field
    assert str(info.value).startswith(f"{name}.{field}")


def test_a_post_adding_users_needs_an_organization() -> None:
    """Post(add_users=...) without organization is refused, as it is for every message."""
    with pytest.raises(ValidationError, match=r"Post\.add_users needs `organization`"):
        post(add_users=["u"])
    assert post(add_users=["u"], organization="org").add_users == ("u",)


def test_a_post_needs_text_or_markdown() -> None:
    """A post with only a notification is refused: Missive shows nothing in the conversation."""
    with pytest.raises(ValidationError, match="`text`, `markdown` or `attachments`") as info:
        post(text=None)
    assert info.value.field == "text"
    assert post(text=None, markdown="**Delivered**").markdown == "**Delivered**"


@pytest.mark.parametrize("color", ["good", "warning", "danger", "#fff", "#1F8A70"])
def test_valid_conversation_colors_are_accepted(color: str) -> None:
    """Hex colours of 3 or 6 digits and the three colour words are valid."""
    assert text(conversation_color=color).conversation_color == color


def test_participant_needs_one_field() -> None:
    """A participant with no id, username or name is refused."""
    with pytest.raises(ValidationError, match="at least one"):
        Participant()
    with pytest.raises(ValidationError):
        Participant(name="")
    assert Participant(username="@m").username == "@m"


def test_participant_fields_must_be_strings() -> None:
    """A non-string participant field is a FieldTypeError naming it."""
    with pytest.raises(FieldTypeError, match=r"Participant\.id") as info:
        Participant(id=4471)  # type: ignore[arg-type]
    assert info.value.field == "id"


@pytest.mark.parametrize(
    "address", ["", "marta", "marta@", "@example.com", "a@b@c", "marta @example.com", "a@b\n"]
)
def test_email_address_must_be_one_address(address: str) -> None:
    """Anything but a single address with no whitespace is refused."""
    with pytest.raises(ValidationError, match="address"):
        EmailAddress(address=address)


def test_email_only_fields_exist_only_on_email_messages() -> None:
    """Text and HTML messages have no subject, cc_fields or bcc_fields."""
    for cls in (TextMessage, HtmlMessage):
        names = {field.name for field in attrs.fields(cls)}
        assert names.isdisjoint({"subject", "cc_fields", "bcc_fields"})
        with pytest.raises(TypeError):
            cls(account="a", from_field=SENDER, subject="s")  # type: ignore[call-arg]


def test_email_message_refuses_text_participants() -> None:
    """An Email message takes EmailAddress participants only."""
    with pytest.raises(FieldTypeError, match=r"EmailMessage\.cc_fields\[1\]"):
        EmailMessage(account="a", from_field=MAIL, cc_fields=[MAIL, SENDER])  # type: ignore[list-item]
    with pytest.raises(FieldTypeError, match="from_field"):
        EmailMessage(account="a", from_field=SENDER)  # type: ignore[arg-type]


def test_attachment_copies_bytes_like_data() -> None:
    """Data given as bytearray or memoryview is stored as bytes."""
    assert Attachment(filename="a", data=bytearray(b"xy")).data == b"xy"
    assert Attachment(filename="a", data=memoryview(b"xy")).data == b"xy"


def test_attachment_repr_hides_the_data() -> None:
    """The repr shows the size of the data, not the data."""
    assert repr(Attachment(filename="a.bin", data=b"secret")) == (
        "Attachment(filename='a.bin', data=<6 bytes>)"
    )


@pytest.mark.parametrize(("filename", "error"), [("", ValidationError), (None, FieldTypeError)])
def test_attachment_needs_a_filename(filename: Any, error: type[ValidationError]) -> None:
    """An attachment without a filename is refused."""
    with pytest.raises(error, match="filename"):
        Attachment(filename=filename, data=b"x")


def test_attachment_data_must_be_bytes() -> None:
    """Text data is refused; the caller must encode it."""
    with pytest.raises(FieldTypeError, match="data"):
        Attachment(filename="a", data="text")  # type: ignore[arg-type]


def test_attachment_from_path_reads_the_file(tmp_path: Path) -> None:
    """from_path reads the file's bytes and takes its name unless told otherwise."""
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert Attachment.from_path(path) == Attachment(filename="report.csv", data=b"a,b\n1,2\n")
    assert Attachment.from_path(str(path), filename="r.csv").filename == "r.csv"


def test_attachment_from_missing_path_is_a_validation_error(tmp_path: Path) -> None:
    """A file that cannot be read gives our error, with the OSError as cause."""
    with pytest.raises(ValidationError, match=r"cannot read attachment file .*nope\.txt") as info:
        Attachment.from_path(tmp_path / "nope.txt")
    assert isinstance(info.value.__cause__, FileNotFoundError)


def _from_path_in_a_thread(path: Path) -> BaseException | None:
    """Call from_path; a call stuck opening a pipe is released so that the suite goes on."""
    outcome: list[BaseException | None] = []

    def call() -> None:
        try:
            Attachment.from_path(path)
        except BaseException as exc:  # noqa: BLE001 - handed to the test to assert on
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(30)  # a guard against hanging the suite, not a timing assertion
    if thread.is_alive():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # gives the stuck reader EOF
        thread.join()
        return AssertionError("from_path opened the pipe and waited for a writer")
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes")
def test_attachment_from_a_pipe_is_refused_without_opening_it(tmp_path: Path) -> None:
    """A FIFO would block forever on opening; it is refused at once as not a regular file."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    error = _from_path_in_a_thread(pipe)
    assert isinstance(error, ValidationError)
    assert str(error).startswith(f"attachment file {str(pipe)!r} is not a regular file")
    assert error.field == "attachments"


@pytest.mark.parametrize("special", ["directory", "/dev/zero"])
def test_attachment_from_a_directory_or_device_is_refused(tmp_path: Path, special: str) -> None:
    """A directory or a device (endless /dev/zero) is not a regular file: refused unread."""
    path = tmp_path if special == "directory" else Path(special)
    if not path.exists():
        pytest.skip(f"{special} does not exist here")
    with pytest.raises(ValidationError, match="is not a regular file") as info:
        Attachment.from_path(path)
    assert not isinstance(info.value, RequestTooLargeError)


def test_attachment_from_path_at_the_size_cap(tmp_path: Path) -> None:
    """7,500,000 bytes (exactly 10,000,000 in base64) are read; one byte more is refused."""
    path = tmp_path / "exact.bin"
    with path.open("wb") as file:
        file.truncate(7_500_000)
    assert len(Attachment.from_path(path).data) == 7_500_000
    with path.open("ab") as file:
        file.write(b"x")
    with pytest.raises(RequestTooLargeError) as info:
        Attachment.from_path(path)
    assert (info.value.size, info.value.limit) == (10_000_004, 10_000_000)
    assert "(7,500,001 bytes) alone encodes to that much" in str(info.value)
    assert isinstance(info.value, MissiveError)


def test_a_huge_attachment_file_is_refused_without_being_read(tmp_path: Path) -> None:
    """A file far over the cap (a sparse terabyte) fails at once, from its size alone."""
    path = tmp_path / "huge.bin"
    with path.open("wb") as file:
        file.truncate(2**40)
    with pytest.raises(RequestTooLargeError, match=r"\(1,099,511,627,776 bytes\)"):
        Attachment.from_path(path)


def test_a_file_that_grew_after_it_was_measured_is_still_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading stops one byte past the cap even if the file was smaller when measured."""
    path = tmp_path / "growing.bin"
    with path.open("wb") as file:
        file.truncate(9_000_000)
    real_stat = Path.stat

    def measured_small(self: Path, **kwargs: Any) -> os.stat_result:
        found = real_stat(self, **kwargs)
        return os.stat_result((found.st_mode, 0, 0, 1, 0, 0, 10, 0, 0, 0))

    monkeypatch.setattr(Path, "stat", measured_small)
    with pytest.raises(RequestTooLargeError, match=r"\(7,500,001 bytes\)"):
        Attachment.from_path(path)


def _stored(name: str, value: object) -> object:
    """What a message field holds for a valid ``value``: lists as tuples, int seconds as UTC."""
    if isinstance(value, (list, dict)):
        return tuple(cast("list[object]", value))
    if name == "delivered_at" and type(value) is int:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    return value


@given(message_fields)
def test_generated_valid_messages_construct(pair: tuple[type[Message], dict[str, Any]]) -> None:
    """Valid values for every field construct, and each field holds the value given."""
    cls, fields = pair
    message = cls(**fields)
    assert {name: getattr(message, name) for name in fields} == {
        name: _stored(name, value) for name, value in fields.items()
    }


# What each message field takes, for an expectation written apart from the validators.
_KINDS: dict[str, str] = {
    "account": "text",
    **dict.fromkeys(
        (
            "body",
            "external_id",
            "conversation",
            "team",
            "organization",
            "conversation_subject",
            "subject",
        ),
        "optional text",
    ),
    "conversation_color": "colour",
    "delivered_at": "time",
    "references": "references",
    **dict.fromkeys(
        (
            "add_users",
            "add_assignees",
            "remove_assignees",
            "add_shared_labels",
            "remove_shared_labels",
        ),
        "strings",
    ),
    **dict.fromkeys(["force_team", "close"], "flag"),
    **dict.fromkeys(["add_to_inbox", "add_to_team_inbox"], "optional flag"),
    "from_field": "one model",
    **dict.fromkeys(["to_fields", "cc_fields", "bcc_fields", "attachments"], "models"),
}
_FIRST_SECOND, _LAST_SECOND = -62_135_596_800, 253_402_300_799  # 0001-01-01, 9999-12-31 UTC


def _items(value: object) -> tuple[object, ...] | None:
    """The items of a collection given for a collection field; None for anything else."""
    return tuple(cast("list[object]", value)) if isinstance(value, (list, dict)) else None


def _is_colour(value: str) -> bool:
    digits = value[1:]
    return value in {"good", "warning", "danger"} or (
        value[:1] == "#" and len(digits) in {3, 6} and all(c in string.hexdigits for c in digits)
    )


def _verdict(kind: str, value: object) -> type[ValidationError] | None:  # noqa: C901, PLR0911
    """The error a field of ``kind`` should raise for ``value``, or None if it takes it."""
    if kind == "one model":
        return FieldTypeError  # no junk value is a Participant or an EmailAddress
    if kind == "models":
        return None if _items(value) == () else FieldTypeError
    if kind in {"strings", "references"}:
        items = _items(value)
        if items is None or not all(isinstance(item, str) for item in items):
            return FieldTypeError
        spaced = any(not item or any(c.isspace() for c in item) for item in map(str, items))
        return ValidationError if kind == "references" and spaced else None
    if kind.endswith("flag"):
        fine = isinstance(value, bool) or (value is None and kind == "optional flag")
        return None if fine else FieldTypeError
    if kind == "time":
        if isinstance(value, bool) or not isinstance(value, (type(None), int, datetime)):
            return FieldTypeError
        if isinstance(value, int):
            return None if _FIRST_SECOND <= value <= _LAST_SECOND else ValidationError
        return None if value is None or value.tzinfo is not None else ValidationError
    if value is None and kind != "text":
        return None
    if not isinstance(value, str):
        return FieldTypeError
    if (kind == "text" and not value.strip()) or (kind == "colour" and not _is_colour(value)):
        return ValidationError
    return None


#: For each kind of field, values on the edge of what it takes, drawn as often as junk.
_EDGES: dict[str, list[object]] = {
    "text": ["", " \t", "acc-2"],
    "optional text": ["", " ", "x"],
    "colour": ["#12", "#1234", "#12345", "#1234567", "#ggg", "#fff", "#A1b2C3", "good", "Good"],
    "time": [
        _FIRST_SECOND,
        _FIRST_SECOND - 1,
        _LAST_SECOND,
        _LAST_SECOND + 1,
        1.5,
        datetime(2024, 6, 10, 14, 55),  # noqa: DTZ001 - naive on purpose
        datetime(2024, 6, 10, 14, 55, tzinfo=timezone.utc),
    ],
    "references": [["a b"], [""], ["key"], "key", {}],
    "strings": [[], ["u-1"], "u-1", [1]],
    "flag": [True, 0, None],
    "optional flag": [None, 1, False],
    "one model": [None, "Marta"],
    "models": [[], {}, "x", [None]],
}


@pytest.mark.parametrize("kind", sorted(_EDGES))
@given(pair=message_fields, data=st.data())
def test_construction_takes_or_refuses_each_value_as_its_field_says(
    kind: str, pair: tuple[type[Message], dict[str, Any]], data: st.DataObject
) -> None:
    """Arbitrary values for a field of ``kind`` and up to two others: the predicted outcome."""
    cls, fields = pair
    names = [field.name for field in attrs.fields(cls)]
    assert set(names) <= _KINDS.keys()
    focus = data.draw(st.sampled_from([name for name in names if _KINDS[name] == kind]))
    replaced = {focus} | data.draw(st.sets(st.sampled_from(names), max_size=2))
    for name in replaced:
        edge = data.draw(st.booleans(), label=f"{name} on an edge")
        values = st.sampled_from(_EDGES[_KINDS[name]]) if edge else junk
        fields[name] = data.draw(values, label=name)
    # The first replaced field (in declaration order) that refuses its value names the error...
    refusals = [(name, _verdict(_KINDS[name], fields[name])) for name in names if name in replaced]
    expected = next(((error, name) for name, error in refusals if error is not None), None)
    warned = False
    if expected is None:
        stored = {name: _stored(name, value) for name, value in fields.items()}
        # ...and only then the cross-field rules apply, in the order they are documented.
        warned = bool(stored["add_shared_labels"]) and stored["organization"] is None
        needs = [("organization", ("add_users", "add_assignees", "remove_assignees"))]
        needs.append(("team", ("add_to_team_inbox", "force_team")))
        expected = next(
            (
                (ValidationError, name)
                for needed, dependants in needs
                for name in dependants
                if stored[name] and stored[needed] is None
            ),
            None,
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if expected is None:
            message = cls(**fields)
            assert {name: getattr(message, name) for name in fields} == stored
        else:
            with pytest.raises(ValidationError) as raised:
                cls(**fields)
            assert (type(raised.value), raised.value.field) == expected
    assert [warning.category for warning in caught] == [MissiveWarning] * warned


_EDGE_CASES = [
    (cls, name, value)
    for cls in (TextMessage, EmailMessage)
    for name in (field.name for field in attrs.fields(cls))
    for value in _EDGES[_KINDS[name]]
]


@pytest.mark.parametrize(("cls", "name", "value"), _EDGE_CASES)
def test_each_edge_value_is_taken_or_refused_as_its_field_says(
    cls: type[Message], name: str, value: object
) -> None:
    """Each edge value, in each field of its kind: stored, or refused with the predicted error."""
    sender = MAIL if cls is EmailMessage else SENDER
    fields = {
        "account": "acc-1",
        "from_field": sender,
        "organization": "o",
        "team": "t",
        name: value,
    }
    expected = _verdict(_KINDS[name], value)
    if expected is None:
        assert getattr(cls(**fields), name) == _stored(name, value)
    else:
        with pytest.raises(ValidationError) as raised:
            cls(**fields)
        assert (type(raised.value), raised.value.field) == (expected, name)


@pytest.mark.parametrize("cls", [TextMessage, HtmlMessage, EmailMessage])
@pytest.mark.parametrize("missing", ["account", "from_field"])
def test_leaving_out_a_required_field_is_pythons_type_error(cls: type[Any], missing: str) -> None:
    """A missing required argument is Python's own TypeError naming it, not a value problem."""
    fields: dict[str, Any] = {
        "account": "acc-1",
        "from_field": SENDER if cls is not EmailMessage else MAIL,
    }
    del fields[missing]
    with pytest.raises(TypeError, match=f"required keyword-only argument: '{missing}'"):
        cls(**fields)


LONE = "ok \ud83d"  # half of an emoji: no UTF-8 form
_SHARED = (
    "conversation", "team", "organization", "conversation_subject", "conversation_color",
    "references",
    "add_users", "add_assignees", "add_shared_labels", "remove_shared_labels",
)  # fmt: skip
_TUPLES = {"references", "add_users", "add_assignees", "add_shared_labels",
           "remove_shared_labels", "remove_assignees"}  # fmt: skip
_NEED_ORGANIZATION = {"add_users", "add_assignees", "remove_assignees"}
_MESSAGE_OWN = ("account", "body", "external_id", "remove_assignees")
_REQUIRED: dict[type, dict[str, Any]] = {
    TextMessage: {"account": "acc-1", "from_field": SENDER},
    HtmlMessage: {"account": "acc-1", "from_field": SENDER},
    EmailMessage: {"account": "acc-1", "from_field": MAIL},
    Post: {"notification": Notification(title="t", body="b")},
    Participant: {},
    EmailAddress: {"address": "marta@example.com"},
    Notification: {"title": "t", "body": "b"},
    Attachment: {"filename": "f", "data": b""},
    PostAttachment: {"title": "t"},
}
_TEXT_FIELDS: list[tuple[type, str]] = [
    *((kind, name) for kind in (TextMessage, HtmlMessage, EmailMessage, Post) for name in _SHARED),
    *((kind, name) for kind in (TextMessage, HtmlMessage, EmailMessage) for name in _MESSAGE_OWN),
    (EmailMessage, "subject"),
    *((Post, name) for name in ("text", "markdown", "username", "username_icon")),
    (Post, "conversation_icon"),
    (Participant, "id"), (Participant, "username"), (Participant, "name"),
    (EmailAddress, "address"), (EmailAddress, "name"),
    (Notification, "title"), (Notification, "body"),
    (Attachment, "filename"),
    *((PostAttachment, name) for name in ("author_name", "author_link", "author_icon", "color",
                                          "title", "text")),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "name"), _TEXT_FIELDS)
def test_every_text_field_refuses_a_lone_surrogate(kind: type, name: str) -> None:
    """A lone surrogate is a ValidationError at construction naming the field, never at sending."""
    value: Any = ("k-1", LONE) if name in _TUPLES else LONE
    if name == "address":
        value = "m\udce9@example.com"
    fields = {**_REQUIRED[kind], name: value}
    if name in _NEED_ORGANIZATION:
        fields["organization"] = "org"
    with pytest.raises(ValidationError, match="lone surrogate") as info:
        kind(**fields)
    assert info.value.field == name
    where = f"{kind.__name__}.{name}" + ("[1]" if name in _TUPLES else "")
    assert str(info.value).startswith(f"{where} contains the lone surrogate")


def test_the_lone_surrogate_table_names_every_text_field() -> None:
    """Every str field of every outgoing model is in the table above, so none is left out."""
    for kind in _REQUIRED:
        declared = {field.name for field in attrs.fields(kind) if "str" in str(field.type)}
        assert declared == {name for of, name in _TEXT_FIELDS if of is kind}, kind


# Outgoing models travel as the request's inner object ------------------------


@settings(max_examples=50, deadline=None)
@given(wire_messages)
def test_a_message_to_dict_is_the_request_object_and_reads_back(message: Message) -> None:
    """`m.to_dict()` is what the request carries, and `from_dict` of its JSON gives `m` back."""
    assert message.to_dict() == to_request_body(message)["messages"]
    assert type(message).from_dict(json.loads(json.dumps(message.to_dict()))) == message


@settings(max_examples=50, deadline=None)
@given(posts)
def test_a_post_round_trips_through_json(post: Post) -> None:
    """A post reads back equal from the JSON of its `to_dict`."""
    assert Post.from_dict(json.loads(json.dumps(post.to_dict()))) == post


def test_outgoing_from_dict_refuses_an_unknown_key_by_name() -> None:
    """A misspelt key fails with a ValidationError naming it."""
    wire = {"account": "a", "from_field": {"id": "x"}, "bodyy": "hi"}
    with pytest.raises(ValidationError, match="unexpected key 'bodyy': TextMessage has no such"):
        TextMessage.from_dict(wire)


def test_attachments_read_from_base64_data_and_filename() -> None:
    """An attachment in a message's object is `base64_data` plus `filename`."""
    message = HtmlMessage.from_dict(
        {
            "account": "a",
            "from_field": {"id": "x"},
            "attachments": [{"filename": "a.txt", "base64_data": "aGk="}],
        }
    )
    assert message.attachments == (Attachment(filename="a.txt", data=b"hi"),)
    assert Attachment.from_dict({"filename": "a.txt", "base64_data": "aGk="}).data == b"hi"
    with pytest.raises(ValidationError, match=r"^\$\.base64_data: expected base64 text"):
        Attachment.from_dict({"filename": "a.txt", "base64_data": "*"})


# Post attachments and the labels warning -------------------------------------

CARD = PostAttachment(
    author_name="Philippe",
    author_link="mailto:philippe@example.com",
    author_icon="https://example.com/icon.png",
    color="#2266ED",
    title="Order shipped",
    text="Tracking 1Z999",
    timestamp=1_563_400_000,
)


def test_a_post_with_only_attachments_is_valid_and_encodes_the_cards() -> None:
    """Missive's own "Create a post" example has attachments and no text: it can be built."""
    post = Post(notification=Notification(title="Shipped", body="Order 5521"), attachments=[CARD])
    assert post.attachments == (CARD,)
    assert post.to_dict()["attachments"] == [
        {
            "author_name": "Philippe",
            "author_link": "mailto:philippe@example.com",
            "author_icon": "https://example.com/icon.png",
            "color": "#2266ED",
            "title": "Order shipped",
            "text": "Tracking 1Z999",
            "timestamp": 1_563_400_000,
        }
    ]
    assert Post.from_dict(post.to_dict()) == post


def test_a_post_attachment_needs_something_to_show_and_a_valid_colour() -> None:
    """An empty card, a bad colour or a naive timestamp is refused at construction."""
    with pytest.raises(ValidationError, match="PostAttachment needs"):
        PostAttachment(color="#fff")
    with pytest.raises(ValidationError, match="hex colour"):
        PostAttachment(text="x", color="blue")
    with pytest.raises(ValidationError):
        PostAttachment(text="x", timestamp=datetime(2024, 1, 1))  # noqa: DTZ001 - the point
    with pytest.raises(ValidationError, match="unexpected key 'footer'"):
        PostAttachment.from_dict({"text": "x", "footer": "y"})


def test_adding_labels_without_organization_warns_but_builds() -> None:
    """Labels without organization give a MissiveWarning at the caller's line, not an error."""
    with pytest.warns(MissiveWarning, match="add_shared_labels without `organization`") as caught:
        message = TextMessage(account="a", from_field=SENDER, add_shared_labels=["l"])
    assert caught[0].filename == __file__
    assert message.add_shared_labels == ("l",)
    with pytest.warns(MissiveWarning) as posted:
        Post(notification=Notification(title="t", body="b"), text="x", add_shared_labels=["l"])
    assert posted[0].filename == __file__
    assert issubclass(MissiveWarning, UserWarning)
    TextMessage(account="a", from_field=SENDER, add_shared_labels=["l"], organization="o")
