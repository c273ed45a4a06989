"""FakeMissive served in-process through httpx transports: no socket, same behaviour."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import httpx
import pytest

from missive_channels import (
    APIConnectionError,
    AsyncMissiveClient,
    MissiveClient,
    Participant,
    RateLimitError,
    TextMessage,
)
from missive_channels.testing import FakeMissive, Fault

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Nothing listens here: a request that left the process would fail.
UNREACHABLE = "http://unreachable.invalid/v1"


@pytest.fixture
def fake() -> FakeMissive:
    """A fake that is never started, without rate limits."""
    return FakeMissive(rate_limit=None, max_request_bytes=2_000)


@pytest.fixture
def http(fake: FakeMissive) -> Iterator[httpx.Client]:
    """A raw httpx client on the fake's transport, with its token."""
    headers = {"Authorization": f"Bearer {fake.token}"}
    with httpx.Client(transport=fake.transport, base_url=UNREACHABLE, headers=headers) as client:
        yield client


def message(account: str, body: str = "Hi") -> TextMessage:
    """A Text message on ``account``."""
    return TextMessage(account=account, from_field=Participant(id="cust-1"), body=body)


def payload(account: str) -> dict[str, object]:
    """A valid ``POST /v1/messages`` body."""
    return {"messages": {"account": account, "from_field": {"id": "cust-1"}, "body": "Hi"}}


def test_a_client_on_the_transport_creates_a_message_the_fake_records(fake: FakeMissive) -> None:
    """With an unreachable base_url, the message still lands in the fake, which never listened."""
    account = fake.add_channel()
    with MissiveClient(
        token=fake.token,
        base_url=UNREACHABLE,
        http_client=httpx.Client(transport=fake.transport),
    ) as client:
        created = client.messages.create(message(account))
        stored = client.messages.get(created.id or "")
    assert [m.id for m in fake.messages] == [created.id]
    assert stored.body == "Hi"
    assert repr(fake) == "<FakeMissive stopped>"


def test_the_transport_checks_the_token(fake: FakeMissive) -> None:
    """A request without the fake's token is answered 401, as over the socket."""
    with httpx.Client(transport=fake.transport, base_url=UNREACHABLE) as client:
        response = client.post("/messages", json=payload(fake.add_channel()))
    assert response.status_code == 401
    assert response.json() == {"error": "missing or invalid API token"}
    assert fake.requests[0].status == 401


def test_server_errors_and_429s_are_responses(fake: FakeMissive, http: httpx.Client) -> None:
    """Injected 5xx and 429 faults come back as answers with their headers."""
    account = fake.add_channel()
    fake.faults.push(Fault.server_error(503), Fault.rate_limited(retry_after=7))
    assert http.post("/messages", json=payload(account)).status_code == 503
    limited = http.post("/messages", json=payload(account))
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert http.post("/messages", json=payload(account)).status_code == 201
    assert len(fake.messages) == 1


def test_a_dropped_connection_raises_what_a_socket_would(
    fake: FakeMissive, http: httpx.Client
) -> None:
    """drop_after records the message, then raises httpx's error for a vanished server."""
    account = fake.add_channel()
    fake.faults.push(Fault.drop_after())
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        http.post("/messages", json=payload(account))
    assert len(fake.messages) == 1
    assert fake.requests[0].fault == "drop_after"


def test_the_client_reports_a_dropped_connection_as_possibly_delivered(fake: FakeMissive) -> None:
    """The SDK's client turns the transport's drop into its own typed error."""
    account = fake.add_channel()
    fake.faults.push(Fault.drop_before(times=None))
    with (
        MissiveClient(
            token=fake.token,
            base_url=UNREACHABLE,
            http_client=httpx.Client(transport=fake.transport),
            max_retries=0,
        ) as client,
        pytest.raises(APIConnectionError),
    ):
        client.messages.create(message(account))
    assert fake.messages == []


def test_an_oversize_body_is_refused(fake: FakeMissive, http: httpx.Client) -> None:
    """A body over the fake's cap gets 413 and is not recorded."""
    account = fake.add_channel()
    response = http.post("/messages", content=b"x" * 2_001, headers={"Content-Type": "text/plain"})
    assert response.status_code == 413
    assert response.json() == {"error": "the body is 2,001 bytes, over the cap of 2,000 bytes"}
    assert http.post("/messages", json=payload(account)).status_code == 201


def test_a_chunked_body_is_refused(fake: FakeMissive, http: httpx.Client) -> None:
    """A body without Content-Length gets 411, as the fake's server answers it."""
    response = http.post("/messages", content=iter([b"{}"]))
    assert response.status_code == 411
    assert "chunked bodies are not accepted" in response.json()["error"]
    assert fake.messages == []


def test_head_answers_carry_no_body(http: httpx.Client) -> None:
    """A HEAD answer keeps its Content-Length but has no body, like one read from a socket."""
    response = http.head("/conversations/nope")
    assert response.status_code >= 400
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_a_delay_fault_answers_normally(fake: FakeMissive, http: httpx.Client) -> None:
    """A delayed request is answered and recorded like any other."""
    account = fake.add_channel()
    fake.faults.push(Fault.delay(0.01))
    assert http.post("/messages", json=payload(account)).status_code == 201
    assert fake.requests[0].fault == "delay"


def test_the_rate_limit_applies_in_process() -> None:
    """The fake's limits answer 429 through the transport, and the client reports them."""
    fake = FakeMissive()
    account = fake.add_channel()
    fake.faults.push(Fault.rate_limited(retry_after=5, times=None))
    with (
        MissiveClient(
            token=fake.token,
            base_url=UNREACHABLE,
            http_client=httpx.Client(transport=fake.transport),
            max_retries=0,
        ) as client,
        pytest.raises(RateLimitError),
    ):
        client.messages.create(message(account))
    assert [r.status for r in fake.requests] == [429]


@pytest.mark.anyio
async def test_the_async_transport_serves_an_async_client(fake: FakeMissive) -> None:
    """The async client creates messages through the async transport, concurrently."""
    account = fake.add_channel()
    async with (
        AsyncMissiveClient(
            token=fake.token,
            base_url=UNREACHABLE,
            http_client=httpx.AsyncClient(transport=fake.async_transport),
        ) as client,
        anyio.create_task_group() as group,
    ):
        for index in range(3):
            group.start_soon(client.messages.create, message(account, str(index)))
    assert sorted(str(m.payload["body"]) for m in fake.messages) == ["0", "1", "2"]


@pytest.mark.anyio
async def test_an_async_delay_lets_other_requests_through(fake: FakeMissive) -> None:
    """While one request is held back, another is served: both count as in flight."""
    account = fake.add_channel()
    fake.faults.push(Fault.delay(0.05))
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with httpx.AsyncClient(
        transport=fake.async_transport, base_url=UNREACHABLE, headers=headers
    ) as client:
        statuses: list[int] = []

        async def post() -> None:
            statuses.append((await client.post("/messages", json=payload(account))).status_code)

        async with anyio.create_task_group() as group:
            group.start_soon(post)
            group.start_soon(post)
        fake.faults.push(Fault.drop_before())
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/messages", json=payload(account))
    assert statuses == [201, 201]
    assert fake.peak_in_flight == 2
    assert [r.fault for r in fake.requests] == ["delay", None, "drop_before"]
