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
    compute_signature,
)
from test_cli import raw_request


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


def test_a_post_without_a_body_is_told_the_body_is_empty() -> None:
    """A POST with no body, signed or not, with or without a length, gets 400 saying so."""
    reports: list[Received] = []
    empty_signature = {"X-Hook-Signature": compute_signature(b"", "s")}
    with WebhookReceiver(WebhookVerifier("s"), reports.append) as receiver:
        port = receiver.address[1]
        answers = [
            raw_request(port, b"POST /a HTTP/1.1\r\nHost: x\r\n\r\n"),
            raw_request(port, b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
        ]
        with httpx.Client(trust_env=False) as client:
            signed = client.post(receiver.url("/c"), headers=empty_signature)
    reason = "the body is empty: Missive POSTs each webhook as a JSON object"
    assert [answer.split(b"\r\n", 1)[0] for answer in answers] == [b"HTTP/1.1 400 Bad Request"] * 2
    assert all(answer.endswith(f"\r\n\r\n{reason}\n".encode()) for answer in answers)
    assert (signed.status_code, signed.text) == (400, f"{reason}\n")
    assert [(r.path, r.status, r.reason) for r in reports] == [
        ("/a", 400, reason),
        ("/b", 400, reason),
        ("/c", 400, reason),
    ]


def test_stop_without_start_releases_the_port() -> None:
    """A receiver that never served can still be stopped."""
    receiver = WebhookReceiver(WebhookVerifier("s"), lambda _: None)
    host, port = receiver.address
    receiver.stop()
    assert host == "127.0.0.1"
    with socket.socket() as again:
        again.bind((host, port))  # would fail with EADDRINUSE if the port were still held
