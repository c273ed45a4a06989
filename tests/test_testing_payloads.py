"""Webhook factories for users' own tests: payloads and signed requests."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from fake_support import Receiver
from missive_channels import Participant, ValidationError
from missive_channels.testing import (
    ChannelSettings,
    FakeMissive,
    MissiveUser,
    signed_webhook_request,
    webhook_payload,
)
from missive_channels.webhooks import SIGNATURE_HEADERS


def test_default_payload_is_a_complete_text_event() -> None:
    """``webhook_payload()`` alone gives a plausible custom_text event."""
    payload = webhook_payload()
    message, conversation = payload["message"], payload["conversation"]
    assert message["type"] == "custom_text"
    assert message["from_field"] == {"id": None, "name": "Support", "username": None}
    assert message["to_fields"] == [{"id": "customer-1", "name": "Customer", "username": None}]
    assert message["author"]["name"] == "Fake Agent"
    assert message["delivered_at"] == message["created_at"]
    assert isinstance(message["delivered_at"], int)
    assert conversation["messages_count"] == 1
    assert conversation["users"][0]["id"] == message["author"]["id"]
    assert message["id"] != conversation["id"]


def test_payload_fields_can_be_pinned() -> None:
    """Every field a test may care about can be set."""
    author = MissiveUser(id="u-1", name="Jonas", email="j@example.com")
    payload = webhook_payload(
        type="html",
        text="<p>Hi <b>Marta</b></p>",
        from_field=Participant(id="alias-1"),
        to_fields=[Participant(username="@marta")],
        author=author,
        message_id="m-1",
        conversation_id="c-1",
        delivered_at=1_718_034_500,
        references=["r-1"],
        external_id="e-1",
    )
    message = payload["message"]
    assert message["type"] == "custom_html"
    assert message["preview"] == "Hi Marta"
    assert (message["id"], payload["conversation"]["id"]) == ("m-1", "c-1")
    assert message["delivered_at"] == 1_718_034_500
    assert (message["references"], message["external_id"]) == (["r-1"], "e-1")
    assert message["to_fields"] == [{"id": None, "name": None, "username": "@marta"}]
    assert message["author"]["email"] == "j@example.com"


def test_email_payloads_do_not_exist() -> None:
    """Email channels never send webhooks, so there is no such payload."""
    with pytest.raises(ValidationError, match="Email channels never send them"):
        webhook_payload(type="email")  # type: ignore[arg-type]


def test_signed_request_verifies_independently() -> None:
    """The body bytes and headers verify with plain hmac."""
    body, headers = signed_webhook_request("s3", type="html", text="<p>hi</p>")
    assert headers["Content-Type"] == "application/json"
    digest = hmac.new(b"s3", body, hashlib.sha256).hexdigest()
    assert headers["X-Hook-Signature"] == f"sha256={digest}"
    assert SIGNATURE_HEADERS[0] == "X-Hook-Signature"
    assert json.loads(body)["message"]["body"] == "<p>hi</p>"


def test_signed_request_with_own_payload_and_header() -> None:
    """A whole payload is signed as it is, under another header name."""
    payload = webhook_payload(message_id="m-9")
    body, headers = signed_webhook_request("s3", payload=payload, header="X-Missive-Signature")
    assert json.loads(body) == payload
    assert set(headers) == {"Content-Type", "X-Missive-Signature"}


def test_signed_request_takes_the_payload_s_fields() -> None:
    """The common fields are keywords of the signed request too, passed to the payload."""
    author = MissiveUser(id="u-1", name="Jonas", email="j@example.com")
    body, _ = signed_webhook_request(
        "s3",
        text="Shipped",
        from_field=Participant(id="alias-1"),
        to_fields=[Participant(id="cust-1")],
        author=author,
        message_id="m-1",
        conversation_id="c-1",
        delivered_at=1_718_034_500,
        references=["r-1"],
        external_id="e-1",
    )
    expected = webhook_payload(
        text="Shipped",
        from_field=Participant(id="alias-1"),
        to_fields=[Participant(id="cust-1")],
        author=author,
        message_id="m-1",
        conversation_id="c-1",
        delivered_at=1_718_034_500,
        references=["r-1"],
        external_id="e-1",
    )
    assert json.loads(body) == expected


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"text": "Hi"}, "text="),
        ({"type": "html"}, "type="),
        ({"conversation_id": "c-1", "references": []}, "conversation_id=, references="),
    ],
)
def test_a_payload_with_payload_fields_is_refused(fields: dict[str, Any], named: str) -> None:
    """Fields given beside a whole payload would be ignored, so the request is refused."""
    with pytest.raises(ValidationError, match=f"payload= comes with {named}; give either"):
        signed_webhook_request("s3", payload=webhook_payload(), **fields)


def test_factories_and_fake_deliveries_share_one_shape() -> None:
    """A factory payload has exactly the keys of a webhook the fake really sends."""
    with Receiver() as receiver, FakeMissive() as fake:
        account = fake.add_channel(ChannelSettings(webhook_url=receiver.url))
        delivered = fake.compose(account, "Hi", to=[Participant(id="c")]).payload
    built = webhook_payload()
    assert set(built) == set(delivered)
    assert set(built["message"]) == set(delivered["message"])
    assert set(built["conversation"]) == set(delivered["conversation"])
