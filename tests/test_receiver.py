"""The CLI's webhook receiver: how events read, and the answers to odd requests."""

from __future__ import annotations

import socket
from datetime import datetime, timezone

import httpx

from missive_channels import Conversation, Participant, WebhookVerifier
from missive_channels._receiver import (
    Received,
    WebhookReceiver,
    describe_event,
    describe_participant,
)
from missive_channels.webhooks import (
    MessageAttachment,
    SignatureMatch,
    WebhookEvent,
    WebhookMessage,
)


def test_participants_read_as_one_phrase() -> None:
    """The name leads; id and username follow in brackets; missing parts are left out."""
    assert describe_participant(None) == "(nobody)"
    assert describe_participant(Participant(name="Marta")) == "Marta"
    assert describe_participant(Participant(id="c-1", username="@m")) == "id c-1, @m"
    assert describe_participant(Participant(name="Marta", id="c-1")) == "Marta (id c-1)"


def test_a_sparse_event_still_reads() -> None:
    """Missing time, author and people say so; a multi-line body stays aligned."""
    event = WebhookEvent(
        message=WebhookMessage(id="m-1", body="line one\nline two"),
        conversation=Conversation(id="c-1"),
    )
    assert describe_event(event) == [
        "message       m-1 (type not given), delivered (not given)",
        "from          (nobody)",
        "to            (nobody)",
        "author        (not given)",
        "conversation  c-1 (None messages)",
        "body          line one",
        "              line two",
    ]


def test_a_full_event_lists_references_attachments_and_the_signature() -> None:
    """Optional rows appear when there is something to show."""
    event = WebhookEvent(
        message=WebhookMessage(
            id="m-1",
            type="custom_html",
            delivered_at=datetime(2024, 6, 10, 14, 55, tzinfo=timezone.utc),
            to_fields=(Participant(name="A"), Participant(id="b")),
            references=("r-1", "r-2"),
            attachments=(MessageAttachment(filename="a.pdf", size=12), MessageAttachment()),
        ),
        conversation=Conversation(id="c-1", messages_count=2, web_url="https://w/c-1"),
    )
    lines = describe_event(event, SignatureMatch(secret_index=1, header="X-Missive-Signature"))
    assert lines == [
        "message       m-1 (custom_html), delivered 2024-06-10 14:55:00 UTC",
        "from          (nobody)",
        "to            A; id b",
        "author        (not given)",
        "conversation  c-1 (2 messages)",
        "web url       https://w/c-1",
        "references    r-1, r-2",
        "attachments   a.pdf (12 bytes), (no name)",
        "signature     X-Missive-Signature verified",
        "body          ",
    ]


def test_a_head_request_is_refused_without_a_body() -> None:
    """HEAD gets 405 with ``Allow: POST`` and no body, and is reported like any refusal."""
    reports: list[Received] = []
    with (
        WebhookReceiver(WebhookVerifier("s"), reports.append) as receiver,
        httpx.Client(trust_env=False) as client,
    ):
        response = client.head(receiver.url("/x"))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.content == b""
    assert [(r.method, r.path, r.status) for r in reports] == [("HEAD", "/x", 405)]


def test_stop_without_start_releases_the_port() -> None:
    """A receiver that never served can still be stopped."""
    receiver = WebhookReceiver(WebhookVerifier("s"), lambda _: None)
    host, port = receiver.address
    receiver.stop()
    assert host == "127.0.0.1"
    with socket.socket() as again:
        again.bind((host, port))  # would fail with EADDRINUSE if the port were still held
