"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from attrs import evolve as attrs_evolve
from hypothesis import strategies as st

from missive_channels import (
    Attachment,
    EmailAddress,
    EmailMessage,
    HtmlMessage,
    Notification,
    Participant,
    Post,
    PostAttachment,
    TextMessage,
)

#: Anything a careless caller might pass for any field.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=8),
    st.lists(st.text(max_size=5), max_size=3),
    st.datetimes(),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)

keys = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Zs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=20,
).filter(lambda s: not any(c.isspace() for c in s))

participants = st.one_of(
    st.builds(Participant, id=keys, username=st.none() | keys, name=st.none() | st.text()),
    st.builds(Participant, username=keys),
    st.builds(Participant, name=keys),
)

email_addresses = st.builds(
    EmailAddress,
    address=st.builds(
        lambda a, b: f"{a}@{b}",
        keys.filter(lambda s: "@" not in s),
        keys.filter(lambda s: "@" not in s),
    ),
    name=st.none() | st.text(max_size=20),
)

attachments = st.builds(Attachment, filename=keys, data=st.binary(max_size=64))

aware_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2),  # noqa: DTZ001 - bounds for an aware strategy
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from(
        [timezone.utc, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
    ),
)


def common_fields() -> dict[str, Any]:
    """Strategies for the fields every message type takes (all valid together)."""
    return {
        "account": keys,
        "body": st.none() | st.text(),
        "delivered_at": st.none() | aware_datetimes | st.integers(0, 2**32),
        "external_id": st.none() | keys,
        "references": st.lists(keys, max_size=3),
        "conversation": st.none() | keys,
        "attachments": st.lists(attachments, max_size=2),
        "team": st.just("team-1"),
        "force_team": st.booleans(),
        "organization": st.just("org-1"),
        "add_users": st.lists(keys, max_size=2),
        "add_assignees": st.lists(keys, max_size=2),
        "remove_assignees": st.lists(keys, max_size=2),
        "add_shared_labels": st.lists(keys, max_size=2),
        "remove_shared_labels": st.lists(keys, max_size=2),
        "add_to_inbox": st.none() | st.booleans(),
        "add_to_team_inbox": st.none() | st.booleans(),
        "close": st.booleans(),
        "conversation_subject": st.none() | st.text(),
        "conversation_color": st.none()
        | st.sampled_from(["good", "warning", "danger", "#fff", "#A1b2C3"]),
    }


def _message_fields(cls: type, **own: Any) -> st.SearchStrategy[tuple[type, dict[str, Any]]]:
    """A message class with valid keyword arguments for it, all fields given."""
    return st.tuples(st.just(cls), st.fixed_dictionaries({**common_fields(), **own}))


def _built(pair: tuple[type, dict[str, Any]]) -> Any:
    cls, fields = pair
    return cls(**fields)


#: A message class and valid keyword arguments for every one of its fields.
message_fields = (
    _message_fields(
        TextMessage, from_field=participants, to_fields=st.lists(participants, max_size=3)
    )
    | _message_fields(
        HtmlMessage, from_field=participants, to_fields=st.lists(participants, max_size=3)
    )
    | _message_fields(
        EmailMessage,
        from_field=email_addresses,
        to_fields=st.lists(email_addresses, max_size=3),
        cc_fields=st.lists(email_addresses, max_size=2),
        bcc_fields=st.lists(email_addresses, max_size=2),
        subject=st.none() | st.text(),
    )
)
messages = message_fields.map(_built)


# Webhook payloads -------------------------------------------------------------

#: Any JSON document, as `json.loads` would return it.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

_optional_text = st.none() | st.text(max_size=12)
_timestamps = st.none() | st.integers(0, 2**32)
_json_participants = st.fixed_dictionaries(
    {},
    optional={"id": _optional_text, "username": _optional_text, "name": _optional_text},
)
_users = st.fixed_dictionaries(
    {"id": st.text(max_size=8)},
    optional={
        flag: st.none() | st.booleans()
        for flag in ("unassigned", "closed", "archived", "trashed", "assigned", "flagged")
    },
)

_attachments = st.none() | st.lists(
    st.fixed_dictionaries(
        {}, optional={"filename": _optional_text, "size": st.none() | st.integers()}
    ),
    max_size=2,
)
_conversations = st.fixed_dictionaries(
    {"id": st.text(max_size=12)},
    optional={
        "subject": _optional_text,
        "messages_count": st.none() | st.integers(0, 100),
        "users": st.none() | st.lists(_users, max_size=2),
        "organization": st.none()
        | st.fixed_dictionaries({"id": st.text(max_size=4), "name": _optional_text}),
        "last_activity_at": _timestamps,
        "unknown_key": json_values,
    },
)

#: Valid webhook bodies (decoded): required ids, any subset of the optional keys,
#: nulls where Missive may send them, and unknown keys.
webhook_payloads = st.fixed_dictionaries(
    {
        "message": st.fixed_dictionaries(
            {"id": st.text(max_size=12)},
            optional={
                "type": _optional_text,
                "body": _optional_text,
                "preview": _optional_text,
                "from_field": st.none() | _json_participants,
                "to_fields": st.none() | st.lists(_json_participants, max_size=3),
                "references": st.none() | st.lists(st.text(max_size=8), max_size=2),
                "attachments": _attachments,
                "delivered_at": _timestamps,
                "created_at": _timestamps,
                "updated_at": _timestamps,
                "unknown_key": json_values,
            },
        ),
        "conversation": _conversations,
    },
    optional={"unknown_top_level": json_values},
)


# API read answers -------------------------------------------------------------

#: Senders and recipients of either shape: Text/HTML keys, email keys, or a mix.
_json_correspondents = st.fixed_dictionaries(
    {}, optional=dict.fromkeys(("id", "username", "name", "address"), _optional_text)
)
_correspondent_lists = st.none() | st.lists(_json_correspondents, max_size=3)

#: Valid ``GET /messages/:id`` bodies (decoded): the ``messages`` envelope around a
#: message with any subset of its optional keys, nulls and unknown keys included.
stored_message_bodies = st.fixed_dictionaries(
    {
        "messages": st.fixed_dictionaries(
            {"id": st.text(max_size=12)},
            optional={
                "type": _optional_text,
                "subject": _optional_text,
                "body": _optional_text,
                "email_message_id": _optional_text,
                "from_field": st.none() | _json_correspondents,
                "to_fields": _correspondent_lists,
                "cc_fields": _correspondent_lists,
                "reply_to_fields": _correspondent_lists,
                "in_reply_to": st.none() | st.lists(st.text(max_size=8), max_size=2),
                "attachments": _attachments,
                "conversation": st.none() | _conversations,
                "delivered_at": _timestamps,
                "unknown_key": json_values,
            },
        )
    }
)


# Read models, built directly --------------------------------------------------

_whole_seconds = st.integers(0, 2**32).map(lambda s: datetime.fromtimestamp(s, timezone.utc))


def read_models(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Any instance of a read model or result, ``extra`` included, as Missive could send it.

    Datetimes are whole seconds (Missive sends Unix seconds); participants and
    correspondents always name somebody (one naming nobody is left out on reading).
    """
    import attrs  # noqa: PLC0415 - only this builder needs it

    from missive_channels import Correspondent  # noqa: PLC0415
    from missive_channels.webhooks import WebhookParticipant  # noqa: PLC0415

    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in attrs.fields(attrs.resolve_types(cls)):
        fields[field.name] = _field_strategy(field.type)
    names = set(fields)
    if "extra" in names:
        fields["extra"] = st.dictionaries(
            st.text(max_size=8).filter(lambda k: k not in names), json_values, max_size=2
        )
    if cls in (Correspondent, WebhookParticipant):
        fields["id"] = keys
    return st.builds(cls, **fields)


def _field_strategy(hint: Any) -> st.SearchStrategy[Any]:
    import typing  # noqa: PLC0415

    from missive_channels import Correspondent, Participant  # noqa: PLC0415
    from missive_channels.webhooks import WebhookParticipant  # noqa: PLC0415

    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    optional = type(None) in typing.get_args(hint)
    if typing.get_origin(hint) is tuple:
        return st.lists(_field_strategy(args[0]), max_size=2).map(tuple)
    target = args[0] if optional else hint
    if target is Participant:
        inner: st.SearchStrategy[Any] = participants
    elif target in (Correspondent, WebhookParticipant):
        inner = read_models(target)
    elif target is str:
        inner = st.text(max_size=8)
    elif target is bool:
        inner = st.booleans()
    elif target is int:
        inner = st.integers(-(2**53), 2**53)
    elif target is datetime:
        inner = _whole_seconds
    elif typing.get_origin(target) is not None:  # the `extra` mapping, built by the caller
        inner = st.just({})
    else:
        inner = st.deferred(lambda: read_models(target))
    return st.none() | inner if optional else inner


#: Outgoing messages whose delivery time is whole seconds, as the wire carries it.
wire_messages = messages.map(
    lambda m: attrs_evolve(
        m, delivered_at=None if m.delivered_at is None else m.delivered_at.replace(microsecond=0)
    )
)

post_attachments = st.builds(
    PostAttachment,
    title=keys,
    author_name=st.none() | st.text(max_size=8),
    color=st.none() | st.sampled_from(["good", "#fff"]),
    timestamp=st.none() | st.integers(0, 2**32),
)

posts = st.builds(
    Post,
    attachments=st.lists(post_attachments, max_size=2),
    notification=st.builds(Notification, title=keys, body=keys),
    text=keys,
    markdown=st.none() | st.text(max_size=8),
    username=st.none() | st.text(max_size=8),
    reopen=st.none() | st.booleans(),
    **{
        name: strategy
        for name, strategy in common_fields().items()
        if name
        not in {"account", "body", "delivered_at", "external_id", "attachments", "remove_assignees"}
    },
)
