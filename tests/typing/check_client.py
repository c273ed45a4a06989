"""Type-checked, never run: each client method's type (sync: T, async: an awaitable of T)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import datetime

import httpx
from typing_extensions import assert_type

from missive_channels import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AsyncMissiveClient,
    Conversation,
    Correspondent,
    CreatedMessage,
    CreatedPost,
    MissiveClient,
    Notification,
    Participant,
    Post,
    RateLimit,
    RateLimitError,
    RequestOptions,
    StoredMessage,
    TextMessage,
)
from missive_channels.ratelimit import Limiter, RateWindow, SlidingWindowLimiter
from missive_channels.webhooks import Author, ConversationUser, MessageAttachment

message = TextMessage(account="a", from_field=Participant(id="x"))
post = Post(notification=Notification(title="t", body="b"), text="x")

client = MissiveClient(
    token="t",
    base_url="https://public.missiveapp.com/v1",
    timeout=httpx.Timeout(5.0),
    max_retries=2,
    rate_limit=RateLimit(max_concurrent=2, windows=[RateWindow(60, 60.0)]),
    http_client=httpx.Client(),
)
assert_type(client.messages.create(message), CreatedMessage)
assert_type(client.messages.get("m"), StoredMessage)
assert_type(client.messages.get_many(["m", "n"]), tuple[StoredMessage, ...])
assert_type(client.conversations.get("c"), Conversation)
assert_type(client.conversations.messages("c", limit=5), Iterator[StoredMessage])
assert_type(client.posts.create(post), CreatedPost)

# Reads return the read models webhooks use: one Conversation, Author, MessageAttachment.
stored = client.messages.get("m")
assert_type(stored.id, str)
assert_type(stored.type, str | None)
assert_type(stored.from_field, Correspondent | None)
assert_type(stored.to_fields, tuple[Correspondent, ...])
assert_type(stored.reply_to_fields, tuple[Correspondent, ...])
assert_type(stored.in_reply_to, tuple[str, ...])
assert_type(stored.attachments, tuple[MessageAttachment, ...])
assert_type(stored.author, Author | None)
assert_type(stored.conversation, Conversation | None)
assert_type(stored.delivered_at, datetime | None)
assert_type(client.conversations.get("c").users, tuple[ConversationUser, ...])
assert_type(client.close(), None)
with MissiveClient(rate_limit=None) as entered:
    assert_type(entered, MissiveClient)

aclient = AsyncMissiveClient(timeout=3.0, rate_limit=SlidingWindowLimiter())


async def use_async() -> None:
    """Each coroutine method is an awaitable of its result; the listing is an async iterator."""
    created: Awaitable[CreatedMessage] = aclient.messages.create(message)
    assert_type(await created, CreatedMessage)
    fetched: Awaitable[StoredMessage] = aclient.messages.get("m")
    assert_type(await fetched, StoredMessage)
    many: Awaitable[tuple[StoredMessage, ...]] = aclient.messages.get_many(("m",))
    assert_type(await many, tuple[StoredMessage, ...])
    conversation: Awaitable[Conversation] = aclient.conversations.get("c")
    assert_type(await conversation, Conversation)
    assert_type(aclient.conversations.messages("c"), AsyncIterator[StoredMessage])
    async for item in aclient.conversations.messages("c", limit=3):
        assert_type(item, StoredMessage)
    posted: Awaitable[CreatedPost] = aclient.posts.create(post)
    assert_type(await posted, CreatedPost)
    closing: Awaitable[None] = aclient.aclose()
    await closing
    async with AsyncMissiveClient() as entered_async:
        assert_type(entered_async, AsyncMissiveClient)


limiter: Limiter = SlidingWindowLimiter(RateLimit(), clock=lambda: 0.0)
assert_type(limiter.acquire(), float)
assert_type(limiter.max_concurrent, int | None)

try:
    client.messages.create(message)
except RateLimitError as error:
    assert_type(error.retry_after, float | None)
except APIError as error:
    assert_type(error.possibly_delivered, bool)

MissiveClient(http_client=httpx.AsyncClient())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
AsyncMissiveClient(http_client=httpx.Client())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
client.messages.create(post)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

# Client options: views of the same kind, per-call options, what errors carry.
assert_type(client.with_options(timeout=5.0, max_retries=0), MissiveClient)
assert_type(aclient.with_options(timeout=2.0), AsyncMissiveClient)
trace = {"X-Trace-Id": "t-1"}
assert_type(client.messages.create(message, timeout=3.0, extra_headers=trace), CreatedMessage)
assert_type(client.messages.get("m", timeout=httpx.Timeout(3.0)), StoredMessage)
assert_type(client.messages.get_many(["m"], extra_headers=trace), tuple[StoredMessage, ...])
assert_type(client.conversations.get("c", timeout=1.0), Conversation)
assert_type(client.conversations.messages("c", extra_headers=trace), Iterator[StoredMessage])
assert_type(client.posts.create(post, timeout=1.0, extra_headers=trace), CreatedPost)
options: RequestOptions = {"timeout": 2.0, "extra_headers": trace}
assert_type(client.messages.get("m", **options), StoredMessage)
client.messages.get("m", timout=1.0)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
client.messages.get("m", timeout="1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
status_error: APIStatusError = APIStatusError(
    "x", method="GET", url="u", status_code=500, body=None, response=httpx.Response(500)
)
assert_type(status_error.response, httpx.Response)
assert_type(status_error.request_id, str | None)
connection_error = APIConnectionError(
    "x", method="GET", url="u", request=httpx.Request("GET", "https://example.com")
)
assert_type(connection_error.request, httpx.Request)
