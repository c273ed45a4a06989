"""One input in, one check: the properties both fuzzers test (Hypothesis here, atheris in fuzz/).

Each target takes raw input, runs it through a public entry point and fails (raises
anything but the documented outcome) only on a bug: inputs from the network must only ever
produce a result or one of our own errors, never a stray ``KeyError`` or ``RecursionError``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

import httpx

from missive_channels import (
    APIError,
    Attachment,
    InvalidSignatureError,
    MissiveError,
    Notification,
    Participant,
    Post,
    RateLimit,
    RequestTooLargeError,
    TextMessage,
    ValidationError,
    WebhookPayloadError,
)
from missive_channels._cli.jsonl import message_from_json
from missive_channels._converter import encode_request
from missive_channels._core import ClientCore, Pause, Send, Sleep
from missive_channels._operations import (
    create_message,
    create_post,
    get_conversation,
    get_message,
    get_messages,
)
from missive_channels._pagination import conversation_messages
from missive_channels.ratelimit import SlidingWindowLimiter
from missive_channels.webhooks import WebhookVerifier, parse_webhook, verify_signature

if TYPE_CHECKING:
    from collections.abc import Callable

    from missive_channels._operations import Operation

BASE: Final = "https://public.missiveapp.com/v1"
NOW: Final = 1_718_031_200.0
SECRET: Final = "fuzz-secret"
_MESSAGE: Final = TextMessage(account="acc", from_field=Participant(id="x"), body="hi")
_POST: Final = Post(notification=Notification(title="t", body="b"), text="x")


def _first_page() -> Operation[object]:
    page = conversation_messages("c1", limit=10).next_page()
    assert page is not None
    return page


#: Every operation the clients run, made afresh per input (a pager keeps state).
OPERATIONS: Final[dict[str, Callable[[], Operation[object]]]] = {
    "create_message": lambda: create_message(_MESSAGE),
    "create_post": lambda: create_post(_POST),
    "get_message": lambda: get_message("m1"),
    "get_messages": lambda: get_messages(["m1", "m2"])[0],
    "get_conversation": lambda: get_conversation("c1"),
    "conversation_messages": _first_page,
}


def _renders(error: Exception) -> None:
    """Our errors always explain themselves in text."""
    assert str(error)


def _core(*, limiter: bool) -> ClientCore:
    core = ClientCore(
        token="missive_pat-fuzz",
        base_url=BASE,
        timeout=None,
        max_retries=1,
        rate_limit=SlidingWindowLimiter(RateLimit(), clock=lambda: 0.0) if limiter else None,
        own_client=True,
    )
    core.random = lambda: 0.5
    core.wall_clock = lambda: NOW
    return core


def interpret(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, only: str | None = None
) -> None:
    """Feed one HTTP answer to each operation (or ``only`` one): a result, a retry or an APIError.

    A retry's wait must be a finite number of seconds within the policy's caps, and every
    error must render as text.
    """
    for index, (name, make) in enumerate(OPERATIONS.items()):
        if only is not None and name != only:
            continue
        core = _core(limiter=index % 2 == 0)
        flow = core.flow(make())
        command = next(flow)
        assert isinstance(command, Send)
        request = httpx.Request(command.method, command.url)
        answer: httpx.Response | None = httpx.Response(
            status, headers=headers, content=body, request=request
        )
        cap = max(core.retry.max_retry_after, core.retry.max_delay)
        while True:
            try:
                step = flow.send(answer)
            except StopIteration:
                break
            except APIError as error:
                _renders(error)
                break
            # A 429 may first hold back the shared limiter (Pause), then wait itself (Sleep).
            assert isinstance(step, (Pause, Sleep))
            assert math.isfinite(step.seconds)
            assert 0.0 <= step.seconds <= cap
            if isinstance(step, Sleep):
                break
            answer = None


def webhook(body: bytes) -> None:
    """Parse a webhook body: an event whose ids are text, or a WebhookPayloadError."""
    try:
        event = parse_webhook(body)
    except WebhookPayloadError as error:
        _renders(error)
        return
    assert isinstance(event.message.id, str)
    assert isinstance(event.conversation.id, str)
    assert repr(event)


def signature(body: bytes, headers: object) -> None:
    """Verify and parse a request: an event, or one of our errors (never another exception)."""
    verifier = WebhookVerifier(SECRET)
    try:
        verifier.unwrap(body, headers)  # type: ignore[arg-type]  # fuzzed headers of any shape
    except MissiveError as error:  # InvalidSignatureError, WebhookPayloadError, FieldTypeError
        _renders(error)
        return
    # Accepted: the right HMAC, computed here without the SDK, must be among the headers.
    right = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert right in repr(headers).lower(), "a request without the right signature passed"


def signature_value(body: bytes, value: str | bytes) -> None:
    """Check one signature header value: it matches (index 0) or fails with our error."""
    try:
        matched: int | None = verify_signature(body, value, SECRET)
    except InvalidSignatureError as error:
        matched = None
        reason = error.reason
    else:
        reason = None
    assert matched == 0 or reason in {"missing_signature", "malformed_signature", "mismatch"}


def jsonl_line(line: bytes) -> None:
    """Read one ``send --jsonl`` line: a message that encodes, or a ValidationError.

    Bytes that are not UTF-8 never reach the parser (the command reports them itself).
    """
    try:
        text = line.decode()
    except UnicodeDecodeError:
        return
    try:
        message = message_from_json(text, default_type="text", account="acc-1")
    except ValidationError as error:
        _renders(error)
        return
    assert encode_request(message)  # what constructs, sends: no UnicodeEncodeError later


def attachment_file(data: bytes) -> None:
    """Read a file as an attachment: its exact bytes, or RequestTooLargeError past the cap."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.bin"
        path.write_bytes(data)
        try:
            attachment = Attachment.from_path(path)
        except RequestTooLargeError as error:
            _renders(error)
            assert len(data) > 7_500_000
            return
        assert attachment.data == data
        assert attachment.filename == "file.bin"
