"""The whole-request deadline: real sockets against servers that drip their answers."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import select
import signal
import socket
import threading
from typing import TYPE_CHECKING, Any, cast

import httpx
import pytest
import redis
import redis.asyncio
import redis.asyncio.retry
from redis.backoff import NoBackoff
from redis.retry import Retry

from conftest import TOKEN, resolve
from missive_channels import (
    APITimeoutError,
    AsyncMissiveClient,
    CreatedMessage,
    MissiveClient,
    Participant,
    RateLimit,
    SharedStateError,
    TextMessage,
    ValidationError,
)
from missive_channels._budget import deadline
from missive_channels._deadline import (
    DeadlineTransport,
    _AsyncStream,
    _Stream,
    proxied,
)
from missive_channels.ratelimit import Lease, RateWindow, SlidingWindowLimiter
from missive_channels.redis import AsyncRedisRateLimiter, RedisRateLimiter
from redis_support import redis_server

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.anyio

MESSAGE = TextMessage(
    account="0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90",
    from_field=Participant(id="cust-4471"),
    body="Hello!",
)
BODY = b'{"messages": {"id": "m1"}}' + b" " * 300
PAD = b"a" * 300
INTERVAL = 0.05
"""Seconds between two dripped bytes: far below every timeout used here, so no single read
ever times out; only a deadline on the whole request can end the call early."""


def head(status: int = 200, body: bytes = BODY) -> bytes:
    """A status line and headers, with a long header to drip."""
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Pad: ".encode()
        + PAD
        + b"\r\n\r\n"
    )


class Dripper:
    """A local HTTP server that sends its answer one byte every `INTERVAL` seconds.

    Each connection gets one answer: ``head`` dripped too (``drip_head``) or sent
    at once, then ``body`` dripped. It records, per connection, the bytes it
    managed to send and whether the client hung up before the end, and how many
    requests were in flight at once at most.
    """

    def __init__(self, *, status: int = 200, drip_head: bool) -> None:
        """Start serving on a free loopback port."""
        self._head = head(status)
        self._drip_head = drip_head
        self.total = len(self._head) + len(BODY)
        self.sent: list[int] = []
        self.hung_up = 0
        self.most_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):  # the listener closed
            while True:
                conn, _ = self._listener.accept()
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with self._lock:
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        sent, hung_up = 0, False
        try:
            with conn:
                _read_request(conn)
                sent, hung_up = self._drip(conn)
        finally:
            with self._lock:
                self._in_flight -= 1
                self.sent.append(sent)
                self.hung_up += hung_up
                self._done.notify_all()

    def _drip(self, conn: socket.socket) -> tuple[int, bool]:
        sent = 0
        if not self._drip_head:
            conn.sendall(self._head)
            sent = len(self._head)
        for byte in (self._head if self._drip_head else b"") + BODY:
            readable, _, _ = select.select([conn], [], [], INTERVAL)
            try:
                if readable and not conn.recv(1):
                    return sent, True
                conn.sendall(bytes([byte]))
            except OSError:
                return sent, True
            sent += 1
        return sent, False

    def wait_for(self, connections: int) -> None:
        """Wait until that many connections are over (the client hung up or got all)."""
        with self._done:
            assert self._done.wait_for(lambda: len(self.sent) >= connections, timeout=60)

    def close(self) -> None:
        """Stop accepting."""
        self._listener.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    headers, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in headers.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)


@pytest.fixture
def dripper() -> Iterator[Callable[..., Dripper]]:
    """Return a factory of dripping servers, each closed after the test."""
    made: list[Dripper] = []

    def make(**kwargs: Any) -> Dripper:
        server = Dripper(**kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


def quick(make_client: Any, server: Dripper, **kwargs: Any) -> Any:
    """A client of the tested kind on ``server``, with a 0.5 s timeout and no retries."""
    kwargs.setdefault("timeout", 0.5)
    kwargs.setdefault("rate_limit", None)
    return make_client(base_url=server.url, max_retries=0, **kwargs)


# --- the deadline through both clients ---------------------------------------------------------


@pytest.mark.parametrize("drip_head", [True, False], ids=["headers", "body"])
async def test_a_dripping_answer_ends_at_the_timeout(
    make_client: Any, dripper: Callable[..., Dripper], *, drip_head: bool
) -> None:
    """A server dripping a byte at a time cannot hold a read past the timeout, in either phase."""
    server = dripper(drip_head=drip_head)
    client = quick(make_client, server)
    with pytest.raises(APITimeoutError) as caught:
        await resolve(client.messages.get("m1"))
    assert not caught.value.possibly_delivered
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    server.wait_for(1)
    assert server.hung_up == 1
    assert server.sent[0] < server.total


async def test_a_create_cut_before_its_status_may_have_been_delivered(
    make_client: Any, dripper: Callable[..., Dripper]
) -> None:
    """A create whose answer had not begun when time ran out is possibly delivered."""
    server = dripper(status=201, drip_head=True)
    client = quick(make_client, server)
    with pytest.raises(APITimeoutError) as caught:
        await resolve(client.messages.create(MESSAGE))
    assert caught.value.possibly_delivered
    server.wait_for(1)
    assert server.hung_up == 1


async def test_a_create_cut_after_its_201_is_reported_created(
    make_client: Any, dripper: Callable[..., Dripper], caplog: pytest.LogCaptureFixture
) -> None:
    """A 201 whose body is still dripping when time runs out is a creation, ids unknown."""
    server = dripper(status=201, drip_head=False)
    client = quick(make_client, server)
    created = await resolve(client.messages.create(MESSAGE))
    assert created == CreatedMessage(id=None, conversation_id=None)
    assert "ReadTimeout" in caplog.text
    server.wait_for(1)
    assert server.hung_up == 1


async def test_a_per_call_timeout_is_a_deadline_too(
    make_client: Any, dripper: Callable[..., Dripper]
) -> None:
    """A timeout given to one call bounds that whole call, over the client's longer one."""
    server = dripper(drip_head=True)
    client = quick(make_client, server, timeout=60.0)
    with pytest.raises(APITimeoutError):
        await resolve(client.messages.get("m1", timeout=0.5))
    server.wait_for(1)
    assert server.hung_up == 1


async def test_each_phase_keeps_its_own_limit_within_the_deadline(
    make_client: Any, dripper: Callable[..., Dripper]
) -> None:
    """A phase without a limit of its own is bounded by the deadline (the longest phase)."""
    server = dripper(drip_head=True)
    client = quick(make_client, server, timeout=httpx.Timeout(0.5, read=None))
    with pytest.raises(APITimeoutError):
        await resolve(client.messages.get("m1"))
    server.wait_for(1)
    assert server.hung_up == 1


async def test_connections_are_reused_under_the_deadline(make_client: Any) -> None:
    """Answers that come in time go through, and the kept-alive connection serves the next one."""
    seen: list[int] = []
    answer = head() + BODY

    def serve(conn: socket.socket) -> None:
        with conn:
            for _ in range(2):
                _read_request(conn)
                conn.sendall(answer)
        seen.append(1)

    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        accept = threading.Thread(target=lambda: serve(listener.accept()[0]), daemon=True)
        accept.start()
        client = make_client(base_url=url, timeout=5.0, rate_limit=None)
        for _ in range(2):
            message = await resolve(client.messages.get("m1"))
            assert message.id == "m1"
        accept.join(10)
    assert seen == [1]  # both requests on the one connection


# --- the transport on its own -----------------------------------------------------------------


def test_a_request_whose_time_is_up_never_connects() -> None:
    """Once the deadline has passed, the next network step fails as that phase's timeout."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.2)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        with (
            httpx.Client(transport=DeadlineTransport()) as client,
            deadline(-1.0),
            pytest.raises(httpx.ConnectTimeout, match="the whole request"),
        ):
            client.get(url)
        with pytest.raises(TimeoutError):
            listener.accept()


class _Recording:
    """A network stream that records the timeouts it was given."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,  # noqa: ARG002 - the signature httpcore calls
        server_hostname: str | None,  # noqa: ARG002
        timeout: float | None,
    ) -> _Recording:
        self.timeouts.append(timeout)
        return self


class _AsyncRecording(_Recording):
    """The async network stream's twin of `_Recording`."""

    async def start_tls(  # type: ignore[override]
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None,
        timeout: float | None,
    ) -> _Recording:
        return super().start_tls(ssl_context, server_hostname, timeout)


async def test_the_tls_handshake_is_bounded_by_the_deadline_too() -> None:
    """Starting TLS gets the time left, and the stream it returns keeps the deadline."""
    inner = _Recording()
    stream: Any = _Stream(inner)  # type: ignore[arg-type]
    async_inner = _AsyncRecording()
    async_stream: Any = _AsyncStream(async_inner)  # type: ignore[arg-type]
    with deadline(30.0):
        assert isinstance(stream.start_tls(None, "h", None), _Stream)
        assert isinstance(await async_stream.start_tls(None, "h", 60.0), _AsyncStream)
    assert inner.timeouts[0] is not None
    assert 0 < inner.timeouts[0] <= 30.0
    assert async_inner.timeouts[0] is not None
    assert 0 < async_inner.timeouts[0] <= 30.0


async def test_without_a_deadline_the_phases_keep_their_own_timeouts() -> None:
    """Outside a deadline block, a network step gets exactly the timeout httpx gave it."""
    inner = _Recording()
    _Stream(inner).start_tls(None, "h", 7.0)  # type: ignore[arg-type]
    assert inner.timeouts == [7.0]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"no": "localhost"}, False),
        ({"https": "http://proxy:3128"}, True),
        ({"http": "http://proxy:3128"}, True),
        ({"all": "socks5://proxy:1080"}, True),
        ({"https": ""}, False),
    ],
)
def test_proxy_settings_are_recognised(environ: dict[str, str], *, expected: bool) -> None:
    """A proxy for http, https or all schemes counts; NO_PROXY alone does not."""
    assert proxied(environ) is expected


async def test_environment_proxies_are_still_honoured(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTP_PROXY set, the client's requests go through that proxy, as httpx's do."""
    seen: list[bytes] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            seen.append(data.split(b"\r\n", 1)[0])
            conn.sendall(head() + BODY)

    with socket.create_server(("127.0.0.1", 0)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        accept = threading.Thread(target=lambda: serve(proxy.accept()[0]), daemon=True)
        accept.start()
        client = make_client(base_url="http://missive.invalid/v1", timeout=5.0, rate_limit=None)
        message = await resolve(client.messages.get("m1"))
        accept.join(10)
    assert message.id == "m1"
    assert seen == [b"GET http://missive.invalid/v1/messages/m1 HTTP/1.1"]


# --- leases outlive their requests -------------------------------------------------------------


class ExpiringLimiter(SlidingWindowLimiter):
    """An in-process limiter whose leases say they lapse, as shared ones do."""

    def __init__(self, lease_seconds: float) -> None:
        """One slot, no windows, leases of ``lease_seconds``."""
        super().__init__(RateLimit(max_concurrent=1, windows=()))
        self._lapse = lease_seconds

    @property
    def lease_seconds(self) -> float:
        """How long a lease holds its slot."""
        return self._lapse


@pytest.mark.parametrize(
    "timeout", [2.5, 3.0, httpx.Timeout(1.0, read=2.5), httpx.Timeout(None)], ids=str
)
def test_a_timeout_that_could_outlive_the_lease_is_refused(timeout: Any) -> None:
    """A request that may take longer than its lease (less 1 s) would let one too many in."""
    with pytest.raises(ValidationError, match="outlive its slot") as caught:
        MissiveClient(token=TOKEN, timeout=timeout, rate_limit=ExpiringLimiter(3.0))
    assert caught.value.field == "timeout"


async def test_options_that_could_outlive_the_lease_are_refused(make_client: Any) -> None:
    """with_options and per-call timeouts are held to the lease as the client's own is."""
    client = make_client(timeout=2.0, rate_limit=ExpiringLimiter(3.0))
    with pytest.raises(ValidationError, match="lasts 3 s"):
        client.with_options(timeout=2.5)
    with pytest.raises(ValidationError, match="up to 10 s"):
        await resolve(client.messages.get("m1", timeout=10.0))
    assert client.with_options(timeout=1.0) is not client


def test_the_default_timeout_fits_the_default_redis_lease(redis_url: str) -> None:
    """The clients' 60 s default sits well inside the Redis limiter's 120 s default lease."""
    limiter = RedisRateLimiter.from_url(redis_url, token=TOKEN)
    assert limiter.lease_seconds == 120.0
    MissiveClient(token=TOKEN, rate_limit=limiter).close()
    with pytest.raises(ValidationError, match="lease"):
        MissiveClient(token=TOKEN, rate_limit=limiter, timeout=119.5)
    limiter.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_shared_lease_outlives_every_dripping_request(
    dripper: Callable[..., Dripper], redis_url: str, kind: str
) -> None:
    """With one slot in Redis and servers that never finish, one request is in flight at a time."""
    server = dripper(drip_head=True)
    cls: Any = RedisRateLimiter if kind == "sync" else AsyncRedisRateLimiter
    rate = RateLimit(max_concurrent=1, windows=())
    limiters = [
        cls.from_url(redis_url, token=TOKEN, rate_limit=rate, lease_seconds=1.5) for _ in range(2)
    ]
    client_cls: Any = MissiveClient if kind == "sync" else AsyncMissiveClient
    clients = [
        client_cls(token=TOKEN, base_url=server.url, timeout=0.5, max_retries=0, rate_limit=limiter)
        for limiter in limiters
    ]
    timeouts: list[APITimeoutError] = []

    def get(client: MissiveClient) -> None:
        try:
            client.messages.get("m1")
        except APITimeoutError as error:
            timeouts.append(error)

    async def aget(client: AsyncMissiveClient) -> None:
        try:
            await client.messages.get("m1")
        except APITimeoutError as error:
            timeouts.append(error)

    if kind == "sync":
        threads = [
            threading.Thread(target=get, args=(client,)) for client in clients for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    else:
        await asyncio.gather(*(aget(client) for client in clients for _ in range(2)))
    server.wait_for(4)
    assert len(timeouts) == 4
    assert server.hung_up == 4
    assert server.most_in_flight == 1
    for client, limiter in zip(clients, limiters, strict=True):
        await resolve(client.close() if kind == "sync" else client.aclose())
        await resolve(limiter.close() if kind == "sync" else limiter.aclose())


# --- a Redis that stops answering ---------------------------------------------------------------


@pytest.mark.parametrize("cls", [RedisRateLimiter, AsyncRedisRateLimiter])
def test_a_redis_client_without_socket_timeout_is_refused(cls: Any) -> None:
    """A Redis client that would wait for ever on a frozen server cannot back a limiter."""
    client = (redis.Redis if cls is RedisRateLimiter else redis.asyncio.Redis)(socket_timeout=None)
    with pytest.raises(ValidationError, match="socket_timeout") as caught:
        cls(client, token=TOKEN)
    assert caught.value.field == "client"


@contextlib.contextmanager
def frozen_redis() -> Iterator[int]:
    """A server that accepts connections and never answers: a Redis that stopped."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        held: list[socket.socket] = []

        def accept() -> None:
            with contextlib.suppress(OSError):
                while True:
                    held.append(listener.accept()[0])

        acceptor = threading.Thread(target=accept, daemon=True)
        acceptor.start()
        yield listener.getsockname()[1]
        listener.shutdown(socket.SHUT_RDWR)  # wakes accept(): no connection comes after
        acceptor.join()
        for conn in held:
            conn.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_frozen_redis_fails_the_request_instead_of_hanging(kind: str) -> None:
    """A limiter on a Redis that stops answering fails the call with SharedStateError."""
    with frozen_redis() as port:
        if kind == "sync":
            store: Any = redis.Redis(port=port, socket_timeout=0.2, retry=Retry(NoBackoff(), 0))
            client: Any = MissiveClient(
                token=TOKEN, rate_limit=RedisRateLimiter(store, token=TOKEN)
            )
        else:
            store = redis.asyncio.Redis(
                port=port, socket_timeout=0.2, retry=redis.asyncio.retry.Retry(NoBackoff(), 0)
            )
            client = AsyncMissiveClient(
                token=TOKEN, rate_limit=AsyncRedisRateLimiter(store, token=TOKEN)
            )
        with pytest.raises(SharedStateError, match="Timeout"):
            await resolve(client.messages.get("m1"))
        await resolve(client.close() if kind == "sync" else client.aclose())
        await resolve(store.close() if kind == "sync" else store.aclose())


def limited_client(
    kind: str, store: Any, *, timeout: float, rate_limit: RateLimit | None = None
) -> tuple[Any, Any]:
    """A client of ``kind`` on a Redis limiter over ``store``, and that limiter."""
    limits = {} if rate_limit is None else {"rate_limit": rate_limit}
    if kind == "sync":
        limiter: Any = RedisRateLimiter(store, token=TOKEN, **limits)
        return MissiveClient(token=TOKEN, rate_limit=limiter, timeout=timeout), limiter
    limiter = AsyncRedisRateLimiter(store, token=TOKEN, **limits)
    return AsyncMissiveClient(token=TOKEN, rate_limit=limiter, timeout=timeout), limiter


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_frozen_redis_holds_a_request_no_longer_than_its_timeout(kind: str) -> None:
    """The request's timeout bounds its wait on Redis, whatever the Redis client's own settings.

    The Redis client would wait 60 s on each of its tries; the call fails once the
    request's 1 s timeout is over, saying so.
    """
    with frozen_redis() as port:
        store: Any = (redis.Redis if kind == "sync" else redis.asyncio.Redis)(
            port=port, socket_timeout=60
        )
        client, limiter = limited_client(kind, store, timeout=1.0)
        with pytest.raises(
            SharedStateError, match="before the request's timeout ran out"
        ) as caught:
            await resolve(client.messages.get("m1"))
        assert isinstance(caught.value.__cause__, redis.TimeoutError)
    # The server is gone: the call left behind fails, and closing the limiter waits for it.
    await resolve(limiter.close() if kind == "sync" else limiter.aclose())
    await resolve(client.close() if kind == "sync" else client.aclose())
    await resolve(store.close() if kind == "sync" else store.aclose())


@pytest.mark.parametrize("busy", [False, True], ids=["free", "busy"])
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_slot_redis_grants_after_the_timeout_is_given_back(kind: str, busy: bool) -> None:
    """A redis-server that stops, then resumes: a slot it took for the late call goes back.

    With ``busy``, another worker holds the only slot, so the late call gets none.
    """
    keys = f"missive-channels:{{{hashlib.sha256(TOKEN.encode()).hexdigest()[:32]}}}"
    with redis_server() as url:
        store: Any = (redis.Redis if kind == "sync" else redis.asyncio.Redis).from_url(
            url, socket_timeout=30
        )
        admin = redis.Redis.from_url(url)
        pid = int(cast("dict[str, Any]", admin.info("server"))["process_id"])
        rate = RateLimit(max_concurrent=1 if busy else 5, windows=(RateWindow(1000, 60.0),))
        client, limiter = limited_client(kind, store, timeout=1.0, rate_limit=rate)
        if busy:
            other = RedisRateLimiter.from_url(url, token=TOKEN, rate_limit=rate)
            assert isinstance(other.lease(), Lease)
            other.close()
        await resolve(store.ping())  # connect before the server stops
        os.kill(pid, signal.SIGSTOP)
        try:
            with pytest.raises(SharedStateError, match="before the request's timeout ran out"):
                await resolve(client.messages.get("m1"))
        finally:
            os.kill(pid, signal.SIGCONT)
        # The server now runs the script it was sent; a slot it took goes back.
        await resolve(limiter.close() if kind == "sync" else limiter.aclose())
        assert admin.zcard(f"{keys}:starts") == 1  # one start reserved, late or not
        assert admin.zcard(f"{keys}:leases") == (1 if busy else 0)  # only the other's is held
        await resolve(client.close() if kind == "sync" else client.aclose())
        await resolve(store.close() if kind == "sync" else store.aclose())
        admin.close()
