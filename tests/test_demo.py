"""The end-to-end demo: its transcript states what FakeMissive and the receiver really saw."""

from __future__ import annotations

import base64
import io
import re
from typing import TYPE_CHECKING

import pytest

from missive_channels import _cli
from missive_channels._cli.demo import AGENT, MARTA, RECEIPT, SUPPORT, DemoRun, run_demo

if TYPE_CHECKING:
    from missive_channels.testing import RecordedMessage


@pytest.fixture(scope="module")
def demo() -> tuple[DemoRun, str]:
    """Run the demo once for every test here; return what it did and its transcript."""
    out = io.StringIO()
    run = run_demo(out)
    return run, out.getvalue()


def accepted(run: DemoRun) -> tuple[RecordedMessage, ...]:
    """Return the five messages the fake accepted: text, second, html, email, follow-up.

    The HTML and Email messages are sent concurrently, so they may arrive in either order.
    """
    fake = run.fake
    accounts = {settings.type: account for account, settings in fake.channels.items()}
    first, second, *both, follow_up = fake.messages
    assert [first.account, second.account, follow_up.account] == [accounts["text"]] * 3
    (html,) = [m for m in both if m.account == accounts["html"]]
    (email,) = [m for m in both if m.account == accounts["email"]]
    return first, second, html, email, follow_up


def test_the_transcript_names_every_message_fakemissive_accepted(demo: tuple[DemoRun, str]) -> None:
    """Five messages were accepted and the transcript shows each id and thread."""
    run, transcript = demo
    text, second, html, email, follow_up = accepted(run)
    answers = re.findall(r"answered   message (\w+), (new|same) conversation (\w+)", transcript)
    assert answers == [
        (text.id[:8], "new", text.conversation[:8]),
        (second.id[:8], "same", text.conversation[:8]),
        (html.id[:8], "new", html.conversation[:8]),
        (email.id[:8], "new", email.conversation[:8]),
        (follow_up.id[:8], "same", text.conversation[:8]),
    ]
    assert second.conversation == follow_up.conversation == run.chat_conversation
    assert second.payload["references"] == ["chat-cust-4471"]  # threaded by reference
    assert follow_up.payload["conversation"] == run.chat_conversation  # then by id
    assert len({text.conversation, html.conversation, email.conversation}) == 3


def test_what_was_sent_arrived_intact(demo: tuple[DemoRun, str]) -> None:
    """The attachment, the HTML body and the email fields are on the wire as the transcript says."""
    run, transcript = demo
    text, _, html, email, _ = accepted(run)
    (attachment,) = text.payload["attachments"]
    assert attachment["filename"] == "receipt-5521.txt"
    assert base64.b64decode(attachment["base64_data"]) == RECEIPT
    assert f"receipt-5521.txt ({len(RECEIPT)} bytes)" in transcript
    assert "stored     receipt-5521.txt: intact, base64 in the JSON" in transcript
    assert text.payload["from_field"] == {
        "id": "cust-4471",
        "username": "@marta.k",
        "name": "Marta K.",
    }
    assert html.payload["body"].startswith("<p>Order <b>#5521</b> has been packed")
    assert email.payload["subject"] == "Pickup booked for order #5521"
    assert email.payload["cc_fields"] == [{"address": "warehouse@acme.example"}]
    assert 'cc warehouse@acme.example, subject "Pickup booked for order #5521"' in transcript


def test_the_reply_webhook_was_delivered_verified_and_parsed(demo: tuple[DemoRun, str]) -> None:
    """FakeMissive's signed delivery is what the receiver verified, parsed and printed."""
    run, transcript = demo
    (delivery,) = run.fake.deliveries
    accepted, forged = run.received
    assert delivery.status == 200
    assert accepted.body == delivery.body
    assert accepted.status == 200
    assert accepted.match is not None
    assert accepted.match.header == "X-Hook-Signature"
    event = accepted.event
    assert event is not None
    assert event.message.id == delivery.payload["message"]["id"]
    assert event.message.from_field == SUPPORT
    assert event.message.to_fields == (MARTA,)
    assert event.message.author is not None
    assert event.message.author.name == AGENT.name
    assert event.conversation.id == run.chat_conversation
    assert event.conversation.messages_count == 4
    assert f"message       {event.message.id} (custom_text)" in transcript
    assert "from          Acme Support (id acme-support, @acme)" in transcript
    assert "to            Marta K. (id cust-4471, @marta.k)" in transcript
    assert "author        Jonas Weber <jonas@acme.example>" in transcript
    assert "signature     X-Hook-Signature verified" in transcript
    assert f"webhook    POST /missive/webhook ({len(delivery.body)} bytes, signed)" in transcript
    assert forged.status == 401
    assert forged.body == delivery.body
    assert forged.reason.startswith("invalid signature (mismatch)")
    assert "receiver   answered 401: invalid signature (mismatch)" in transcript


def test_the_receipt_was_posted_into_the_conversation(demo: tuple[DemoRun, str]) -> None:
    """One post, in the chat conversation, and the transcript shows its id."""
    run, transcript = demo
    (post,) = run.fake.posts
    assert post.conversation == run.chat_conversation
    assert post.payload["notification"] == {
        "title": "Delivered",
        "body": "Reply delivered to Marta K.",
    }
    assert post.payload["markdown"] == "**Delivered** to Marta K. on the chat widget."
    assert f"answered   post {post.id[:8]} in {run.chat_conversation[:8]}" in transcript


def test_the_conversation_read_back_is_the_fakes(demo: tuple[DemoRun, str]) -> None:
    """The read-back lists the chat's four messages newest first, from one GET."""
    run, transcript = demo
    reads = [r for r in run.fake.requests if r.method == "GET"]
    assert [r.path for r in reads] == [f"/v1/conversations/{run.chat_conversation}/messages"]
    listed = re.findall(r"^    \d\d:\d\d:\d\d   (.+?)\s{2,}(.+)$", transcript, re.MULTILINE)
    assert listed == [
        ("Acme Support", "Thanks Marta! It left our warehouse today: tracking AC-5521-XY."),
        ("Marta K.", "Could you send me the tracking number?"),
        ("Marta K.", "It is a birthday present, so I am a bit anxious."),
        ("Marta K.", "Hello! Is my order #5521 shipped yet?"),
    ]
    assert "4 messages in 1 GET request; the receipt is a post" in transcript


def test_the_summary_counts_what_really_travelled(demo: tuple[DemoRun, str]) -> None:
    """The closing lines count FakeMissive's requests and the receiver's, all answered well."""
    run, transcript = demo
    fake = run.fake
    assert [r.status for r in fake.requests] == [201] * 6 + [200]
    assert (
        f"{len(fake.requests)} API requests to FakeMissive and 2 webhook POSTs to the receiver"
        in transcript
    )
    assert "FakeMissive recorded 5 messages, 1 post and 1 webhook delivery" in transcript
    assert "the receiver accepted 1 and refused 1." in transcript
    assert f"Done in {run.seconds:.1f} s" in transcript


def test_no_secret_is_printed(demo: tuple[DemoRun, str]) -> None:
    """Neither the API token nor the channels' signature secret appears in the transcript."""
    run, transcript = demo
    secrets = {s.signature_secret for s in run.fake.channels.values()} - {None}
    assert len(secrets) == 1
    assert run.fake.token not in transcript
    for secret in secrets:
        assert secret is not None
        assert secret not in transcript


def test_the_demo_command_runs_it(capsys: pytest.CaptureFixture[str]) -> None:
    """``missive-channels demo`` prints the transcript and exits 0."""
    assert _cli.main(["demo"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("missive-channels demo: the whole custom-channel loop, offline.")
    assert "[7] The chat conversation read back" in out
    assert err == ""
