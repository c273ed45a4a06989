"""Sizing requests exactly and splitting oversize attachments across several messages."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from missive_channels import (
    Attachment,
    EmailAddress,
    EmailMessage,
    Notification,
    Participant,
    Post,
    RequestTooLargeError,
    TextMessage,
)
from missive_channels._bodies import stream_request
from missive_channels._converter import encode_post
from missive_channels.bulk import MAX_REQUEST_BYTES, encode_request, encoded_size, split_attachments
from strategies import messages

SENDER = Participant(name="Marta")


def text(**fields: Any) -> TextMessage:
    """Build a Text message with the required fields filled in."""
    return TextMessage(**{"account": "acc-1", "from_field": SENDER, **fields})


def files(*sizes: int) -> list[Attachment]:
    """Attachments of the given sizes, named by position."""
    return [Attachment(filename=f"file-{i}.bin", data=bytes(size)) for i, size in enumerate(sizes)]


@given(messages)
def test_encoded_size_is_the_length_of_the_request(message: TextMessage) -> None:
    """The computed size equals the encoded request's length for any message."""
    assert encoded_size(message) == len(encode_request(message, limit=2**40))


@given(messages)
def test_streamed_body_yields_the_encoded_request(message: TextMessage) -> None:
    """Joining the stream gives exactly encode_request's bytes, on every iteration."""
    body = stream_request(message, limit=2**40)
    expected = encode_request(message, limit=2**40)
    assert b"".join(body) == expected
    assert b"".join(body) == expected
    assert body.length == len(expected)


def test_streamed_body_chunks_large_files() -> None:
    """A large attachment is yielded in bounded chunks that join into valid base64."""
    data = bytes(range(256)) * 4_000
    body = stream_request(text(attachments=[Attachment(filename="big.bin", data=data)]))
    chunks = list(body)
    assert max(len(chunk) for chunk in chunks) < 300_000
    assert len(chunks) > 3
    assert b"".join(chunks) == encode_request(
        text(attachments=[Attachment(filename="big.bin", data=data)])
    )


def test_streamed_body_refuses_requests_over_the_cap() -> None:
    """The stream is refused up front, with the exact size, when it exceeds the cap."""
    message = text(attachments=files(8_000_000))
    with pytest.raises(RequestTooLargeError) as info:
        stream_request(message)
    assert info.value.size == encoded_size(message)


def test_a_message_that_fits_is_returned_alone() -> None:
    """Splitting a message under the cap returns that very message."""
    message = text(attachments=files(10))
    assert split_attachments(message) == (message,)


def test_parts_thread_together_and_keep_order() -> None:
    """Parts share references and routing, keep attachment order, and get unique external ids."""
    message = text(
        body="see attached",
        external_id="ticket-9",
        references=["thread-9"],
        conversation="conv-9",
        organization="org",
        add_assignees=["u"],
        attachments=files(3_000_000, 3_000_000, 3_000_000, 100),
    )
    parts = split_attachments(message)
    assert [[a.filename for a in p.attachments] for p in parts] == [
        ["file-0.bin", "file-1.bin"],
        ["file-2.bin", "file-3.bin"],
    ]
    assert [p.external_id for p in parts] == ["ticket-9", "ticket-9#2"]
    assert [p.body for p in parts] == ["see attached", None]
    for part in parts:
        assert part.references == ("thread-9",)
        assert part.conversation == "conv-9"
        assert part.add_assignees == ("u",)
        assert len(encode_request(part)) <= MAX_REQUEST_BYTES


def test_email_parts_keep_subject_and_addresses() -> None:
    """Email parts keep the subject and the participants."""
    message = EmailMessage(
        account="acc",
        from_field=EmailAddress(address="a@b.c"),
        cc_fields=[EmailAddress(address="c@d.e")],
        subject="Scans",
        attachments=files(400, 400),
    )
    parts = split_attachments(message, limit=encoded_size(message) - 1)
    assert len(parts) == 2
    assert all(p.subject == "Scans" and p.cc_fields == message.cc_fields for p in parts)
    assert all(p.external_id is None for p in parts)


def test_one_attachment_over_the_cap_is_refused_by_name() -> None:
    """An attachment too large on its own is refused, naming the file."""
    with pytest.raises(RequestTooLargeError, match=r"'file-1\.bin' is too large alone"):
        split_attachments(text(attachments=files(10, 8_000_000)))


def test_a_body_over_the_cap_is_refused() -> None:
    """A message too large without any attachment cannot be split."""
    with pytest.raises(RequestTooLargeError, match="shorten the body"):
        split_attachments(text(body="x" * 200, attachments=files(1)), limit=150)


@given(messages, st.integers(min_value=100, max_value=2_000))
def test_split_parts_fit_and_lose_nothing(message: TextMessage, limit: int) -> None:
    """Every part fits under the cap and together they carry every attachment once, in order."""
    try:
        parts = split_attachments(message, limit=limit)
    except RequestTooLargeError as error:
        refused = (error.size, error.limit)
    else:
        refused = None
    if refused is not None:
        # Refused only for a part really over the cap, never for one that fits exactly.
        assert refused[1] == limit
        assert refused[0] > limit
        return
    assert all(len(encode_request(p, limit=limit)) <= limit for p in parts)
    assert [a for p in parts for a in p.attachments] == list(message.attachments)
    external_ids = [p.external_id for p in parts]
    if message.external_id is not None:
        assert len(set(external_ids)) == len(parts)


# Golden bodies, written out by hand: the cap tests below never compute their expectation
# with the code under test.
_SMALL = TextMessage(
    account="a", from_field=Participant(id="p"), attachments=[Attachment(filename="f", data=b"abc")]
)
_SMALL_BODY = (
    b'{"messages":{"account":"a","from_field":{"id":"p"},'
    b'"attachments":[{"base64_data":"YWJj","filename":"f"}]}}'
)


def test_the_golden_body_is_what_the_encoder_writes() -> None:
    """The hand-written body is 106 bytes and is exactly the encoder's output."""
    assert len(_SMALL_BODY) == 106
    assert encode_request(_SMALL) == _SMALL_BODY


def test_streamed_body_at_exactly_the_cap_and_one_byte_over() -> None:
    """A 106-byte body streams under a 106-byte cap and is refused under a 105-byte one."""
    stream = stream_request(_SMALL, limit=106)
    assert b"".join(stream) == _SMALL_BODY
    with pytest.raises(RequestTooLargeError) as info:
        stream_request(_SMALL, limit=105)
    assert (info.value.size, info.value.limit) == (106, 105)


def test_encode_post_at_exactly_the_cap_and_one_byte_over() -> None:
    """A 62-byte post encodes under a 62-byte cap and is refused under a 61-byte one."""
    post = Post(notification=Notification(title="t", body="b"), text="x")
    golden = b'{"posts":{"notification":{"title":"t","body":"b"},"text":"x"}}'
    assert encode_post(post, limit=62) == golden
    with pytest.raises(RequestTooLargeError) as info:
        encode_post(post, limit=61)
    assert (info.value.size, info.value.limit) == (62, 61)


def test_split_parts_may_be_exactly_the_cap_and_not_one_byte_more() -> None:
    """Two 3-byte files split into two 106-byte parts under a 106-byte cap; 105 is too small."""
    both = attrs.evolve(_SMALL, attachments=[*_SMALL.attachments, *_SMALL.attachments])
    assert split_attachments(both, limit=106) == (_SMALL, _SMALL)
    assert split_attachments(both, limit=144) == (both,)  # 106 + 38 bytes for the second file
    assert len(split_attachments(both, limit=143)) == 2
    with pytest.raises(RequestTooLargeError, match="'f' is too large alone") as info:
        split_attachments(both, limit=105)
    assert (info.value.size, info.value.limit) == (106, 105)
