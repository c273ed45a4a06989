"""Missive's limits and webhook deduplication kept in Redis, shared by every process using it.

Each operation is one atomic step on the server (a Lua script), so any number of
processes on any number of machines can share the keys. Time is the Redis server's
own (``TIME`` inside the scripts): the clients' clocks, however skewed, never enter
the arithmetic.

Keys, for a prefix ``p`` and a token whose SHA-256 starts with ``h``:

- ``p:{h}:starts``: a sorted set of reserved start times (score) for the windows;
- ``p:{h}:leases``: a sorted set of held concurrency slots, scored by expiry;
- ``p:{h}:pause``: until when Missive asked everyone to hold back (a 429);
- ``p:<message id>`` for deduplication: ``in_progress:<owner token>`` or ``done``.

Every key expires on its own once it no longer matters. The token itself never
appears in a key; the braces make one token's keys share a hash slot.

Each pair is written once: a base without I/O (`_RateLimiterBase`, `_DeduplicatorBase`)
holds the settings and keys and describes every operation as a `_Step` (script, keys,
arguments, how to read the reply); the I/O shells `_SyncStore` and `_AsyncStore` run the
steps so that a caller waits on Redis no longer than its request's deadline (`_budget`),
a cancelled caller does not hang either, and neither leaves a slot or a claim behind.
The public classes only pair a base with a shell.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import logging
import math
import os
import random
import secrets
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypedDict, TypeVar, cast

import attrs
import redis
import redis.asyncio

from ._budget import time_left
from ._constants import TOKEN_ENV_VAR
from ._dedup import Delivery
from ._errors import FieldTypeError, SharedStateError, ValidationError
from ._ratelimit import DEFAULT_RATE_LIMIT, AsyncLimiter, Lease, RateLimit
from ._validators import positive_seconds

if TYPE_CHECKING:
    from collections.abc import Awaitable, Generator

    from redis.commands.core import AsyncScript, Script
    from typing_extensions import Self, Unpack

__all__ = [
    "AsyncRedisDeduplicator",
    "AsyncRedisRateLimiter",
    "RedisDeduplicator",
    "RedisRateLimiter",
]

logger: Final = logging.getLogger("missive_channels")

_DAY: Final = 24 * 60 * 60.0
_TIMEOUT: Final = 5.0
"""Seconds `from_url` clients wait to connect or for an answer, so an unreachable server fails."""

# The scripts read the time from the server, unless the caller passes one (tests do,
# to reach window boundaries and lease expiries exactly).
_NOW: Final = """
local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) + tonumber(time[2]) / 1000000
end
"""

# KEYS: starts, leases, pause.
# ARGV: now, id, slots (0: take none), lease seconds, margin, horizon (seconds a start
# matters for), starts to keep, then requests and seconds of each window.
# Returns the seconds until the reserved start, or nil when every slot is held.
_LEASE: Final = (
    _NOW
    + """
local slots = tonumber(ARGV[3])
if slots > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%.17g', now))
  if redis.call('ZCARD', KEYS[2]) >= slots then
    return false
  end
end
local start = now
local paused = tonumber(redis.call('GET', KEYS[3]))
if paused and paused > start then
  start = paused
end
local margin = tonumber(ARGV[5])
for i = 8, #ARGV, 2 do
  local nth = redis.call('ZREVRANGE', KEYS[1], tonumber(ARGV[i]) - 1, tonumber(ARGV[i]) - 1,
    'WITHSCORES')
  if #nth > 0 then
    local free = tonumber(nth[2]) + tonumber(ARGV[i + 1]) + margin
    if free > start then
      start = free
    end
  end
end
local horizon = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%.17g', now - horizon))
redis.call('ZADD', KEYS[1], string.format('%.17g', start), ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[7]) - 1)
local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #last > 0 then
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(last[2]) - now + horizon) * 1000) + 1)
end
if slots > 0 then
  redis.call('ZADD', KEYS[2], string.format('%.17g', start + tonumber(ARGV[4])), ARGV[2])
  local latest = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  redis.call('PEXPIRE', KEYS[2], math.ceil((tonumber(latest[2]) - now) * 1000) + 1)
end
return string.format('%.17g', start - now)
"""
)

# KEYS: pause. ARGV: now, seconds (> 0). Pauses only ever get longer.
_PAUSE: Final = (
    _NOW
    + """
local seconds = tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[1]))
if not paused or now + seconds > paused then
  redis.call('SET', KEYS[1], string.format('%.17g', now + seconds), 'PX',
    math.ceil(seconds * 1000))
end
return 0
"""
)

# KEYS: the delivery's key. ARGV: claim timeout in ms, the owner's token.
_CLAIM: Final = """
if redis.call('SET', KEYS[1], 'in_progress:' .. ARGV[2], 'NX', 'PX', ARGV[1]) then
  return 'new'
end
if redis.call('GET', KEYS[1]) == 'done' then
  return 'duplicate'
end
return 'in_progress'
"""

# KEYS: the delivery's key. ARGV: the owner's token. Only the owner's own claim goes:
# after its claim lapsed, another worker may hold the message or have handled it.
_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == 'in_progress:' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: leases. ARGV: the slot. Gives back a concurrency slot.
_GIVE_BACK: Final = "return redis.call('ZREM', KEYS[1], ARGV[1])"

# KEYS: the delivery's key. ARGV: ttl in ms, the owner's token. Records a handled
# delivery unless another worker holds or handled it; 1 if the owner's claim was live.
_COMPLETE: Final = """
local held = redis.call('GET', KEYS[1])
local own = held == 'in_progress:' .. ARGV[2]
if own or not held then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[1])
end
return own and 1 or 0
"""

_DELIVERIES: Final = {
    outcome: delivery
    for delivery in Delivery
    for outcome in (delivery.value, delivery.value.encode())
}

C = TypeVar("C", bound="redis.Redis | redis.asyncio.Redis")
R = TypeVar("R")
T = TypeVar("T")


def _too_late() -> redis.TimeoutError:
    return redis.TimeoutError("no answer before the request's timeout ran out")


class _Threads:
    """Runs ``redis.Redis`` calls so that a caller waits no longer than its request's deadline.

    Under a deadline (`_budget.deadline`), each call runs in a thread of its own
    and the caller waits for it until the deadline at most. If the deadline comes
    first, the caller gets a timeout at once, the call completes in the
    background (its client's ``socket_timeout`` bounds it), and an ``undo`` step
    then gives back what it took (a slot) for the caller that is no longer there.
    Without a deadline, the call runs in the caller's thread.
    """

    def __init__(self) -> None:
        self._pending: set[threading.Thread] = set()

    def run(self, call: Callable[[], object], undo: Callable[[object], None] | None) -> object:
        left = time_left()
        if left is None:
            return call()
        done: concurrent.futures.Future[object] = concurrent.futures.Future()
        worker = threading.Thread(
            target=self._work, args=(call, done), name="missive-channels-redis", daemon=True
        )
        self._pending.add(worker)
        worker.start()
        try:
            return done.result(timeout=max(left, 0.0))
        except concurrent.futures.TimeoutError:
            done.add_done_callback(functools.partial(_undo_late, undo=undo))
            raise _too_late() from None

    def _work(self, call: Callable[[], object], done: concurrent.futures.Future[object]) -> None:
        try:
            done.set_result(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            done.set_exception(exc)
        finally:
            self._pending.discard(threading.current_thread())

    def settle(self) -> None:
        """Wait until the calls of callers that stopped waiting, and their undo steps, are done."""
        for worker in list(self._pending):
            worker.join()


def _undo_late(
    done: concurrent.futures.Future[object], *, undo: Callable[[object], None] | None
) -> None:
    if done.exception() is None and undo is not None:
        undo(done.result())


class _Completions:
    """Awaits asyncio Redis calls that neither a cancellation nor a deadline can cut or hide.

    redis-py's asyncio client can swallow a task's cancellation in the middle of a
    command (the task then runs on as if never cancelled), or leave the command
    half done. So each call runs in a task of its own, and the caller waits for it
    until its request's deadline (`_budget.deadline`) at most: a cancelled caller
    gets its ``CancelledError`` at once, a late one a timeout, the command
    completes, and an ``undo`` step then gives back what it took (a slot, a claim)
    for the caller that is no longer there.
    """

    def __init__(self) -> None:
        self._pending: set[asyncio.Future[Any]] = set()

    async def run(
        self, call: Awaitable[object], undo: Callable[[object], Awaitable[None]] | None
    ) -> object:
        task = self._track(asyncio.ensure_future(call))
        left = time_left()
        try:
            # Unlike `asyncio.wait_for`, `asyncio.wait` never cancels the task, nor swallows
            # the caller's own cancellation when the task completes at the same moment.
            done, _ = await asyncio.wait((task,), timeout=None if left is None else max(left, 0.0))
            if not done:
                raise _too_late()
        except (asyncio.CancelledError, redis.TimeoutError):
            task.add_done_callback(functools.partial(self._abandoned, undo=undo))
            raise
        return task.result()

    def _track(self, task: asyncio.Future[T]) -> asyncio.Future[T]:
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return task

    def _abandoned(
        self, task: asyncio.Future[object], *, undo: Callable[[object], Awaitable[None]] | None
    ) -> None:
        # Retrieving the exception keeps asyncio from logging it as never retrieved.
        if task.cancelled() or task.exception() is not None or undo is None:
            return
        self._track(asyncio.ensure_future(undo(task.result())))

    async def settle(self) -> None:
        """Wait until the calls of cancelled callers, and their undo steps, are done."""
        while self._pending:
            await asyncio.wait(set(self._pending))


# redis-py leaves the options of `from_url` untyped; these say what it returns.
_SYNC_FROM_URL: Final = cast(
    "Callable[..., redis.Redis]",
    redis.Redis.from_url,  # pyright: ignore[reportUnknownMemberType]
)
_ASYNC_FROM_URL: Final = cast(
    "Callable[..., redis.asyncio.Redis]",
    redis.asyncio.Redis.from_url,  # pyright: ignore[reportUnknownMemberType]
)


def _from_url(factory: Callable[..., C], url: object) -> C:
    if not isinstance(url, str):
        msg = f"url must be a str, got {type(url).__name__}"
        raise FieldTypeError(msg, field="url")
    try:
        return factory(url, socket_connect_timeout=_TIMEOUT, socket_timeout=_TIMEOUT)
    except ValueError as exc:
        # The URL may hold a password: name the problem, not the URL.
        msg = f"url is not a Redis URL: {exc}; use e.g. 'redis://localhost:6379/0'"
        raise ValidationError(msg, field="url") from exc


def _where(client: redis.Redis | redis.asyncio.Redis) -> str:
    options = client.connection_pool.connection_kwargs
    return str(options.get("path") or f"{options.get('host')}:{options.get('port')}")


@contextmanager
def _translated(action: str, where: str) -> Generator[None, None, None]:
    """Turn the Redis client's exceptions into `SharedStateError`, keeping them as the cause."""
    try:
        yield
    except redis.RedisError as exc:
        msg = (
            f"could not {action} in Redis at {where}: {exc}; "
            "check that the server is running, reachable and accepts the credentials"
        )
        raise SharedStateError(msg) from exc


def _milliseconds(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _namespace(token: str | None, prefix: object) -> str:
    found: object = os.environ.get(TOKEN_ENV_VAR) if token is None else token
    if not isinstance(found, str) or not found.strip():
        msg = (
            f"no Missive API token to key the shared limits on: pass token=... or set the "
            f"{TOKEN_ENV_VAR} environment variable"
        )
        raise ValidationError(msg, field="token")
    if not isinstance(prefix, str) or not prefix:
        msg = f"prefix must be a non-empty str, got {prefix!r}"
        raise ValidationError(msg, field="prefix")
    digest = hashlib.sha256(found.encode()).hexdigest()[:32]
    return f"{prefix}:{{{digest}}}"


def _ignored(reply: object) -> None:
    """Read a reply that carries nothing to return."""


def _seconds(reply: object) -> float:
    return float(cast("str", reply))


@attrs.frozen
class _Step(Generic[R]):
    """One atomic operation on the server, described without doing it.

    Attributes:
        action: What it does, for the error if it fails ("could not <action> in Redis ...").
        script: The Lua script to run.
        keys: Its ``KEYS``.
        args: Its ``ARGV``.
        read: Turns the script's reply into the operation's result.
    """

    action: str
    script: str
    keys: Sequence[str]
    args: Sequence[str | int | float]
    read: Callable[[object], R]


def _then(step: _Step[R], undo: Callable[[R], T]) -> Callable[[object], T]:
    """Turn an undo step on the operation's result into one on the script's raw reply."""

    def undo_reply(reply: object) -> T:
        return undo(step.read(reply))

    return undo_reply


class _Store(Generic[C]):
    """What every Redis store holds: its client, the server's address, and who closes the client.

    The sans-IO parts (`_RateLimiterBase`, `_DeduplicatorBase`) turn each operation into a
    `_Step`; the I/O shells (`_SyncStore`, `_AsyncStore`) run the steps on their kind of client.
    """

    _KIND: ClassVar[type[redis.Redis | redis.asyncio.Redis]]

    def __init__(self, client: C) -> None:
        kind = self._KIND
        if not isinstance(cast("object", client), kind):
            name = type(self).__name__
            twin = name.removeprefix("Async") if name.startswith("Async") else f"Async{name}"
            msg = (
                f"client must be a {kind.__module__}.{kind.__name__}, got "
                f"{type(client).__name__}; for the other kind of client use {twin}"
            )
            raise FieldTypeError(msg, field="client")
        self._client: C = client
        self._where = _where(client)
        self._owns_client = False

    @classmethod
    def _connect(cls, url: object) -> C:
        raise NotImplementedError


class _SyncStore(_Store[redis.Redis]):
    """The I/O shell on a ``redis.Redis`` client: each step ends by the request's deadline."""

    _KIND = redis.Redis

    def __init__(self, client: redis.Redis) -> None:
        super().__init__(client)
        self._scripts: dict[str, Script] = {}
        self._calls = _Threads()

    @classmethod
    def _connect(cls, url: object) -> redis.Redis:
        return _from_url(_SYNC_FROM_URL, url)

    def _script(self, source: str) -> Script:
        if (script := self._scripts.get(source)) is None:
            script = self._scripts[source] = self._client.register_script(source)
        return script

    def _run(self, step: _Step[R], undo: Callable[[R], None] | None = None) -> R:
        """Run ``step``; if the caller's deadline passes first, ``undo`` gets what it achieved."""
        call = functools.partial(self._script(step.script), keys=step.keys, args=step.args)
        with _translated(step.action, self._where):
            reply: object = self._calls.run(call, None if undo is None else _then(step, undo))
        return step.read(reply)

    def _try(self, step: _Step[None], advice: str) -> None:
        try:
            self._run(step)
        except SharedStateError as error:
            logger.warning("%s; %s", error, advice)

    def close(self) -> None:
        """Finish calls whose callers stopped waiting; close the client if `from_url` made it."""
        self._calls.settle()
        if self._owns_client:
            self._client.close()


class _AsyncStore(_Store[redis.asyncio.Redis]):
    """The I/O shell on a ``redis.asyncio.Redis`` client: each step is awaited, safe to cancel."""

    _KIND = redis.asyncio.Redis

    def __init__(self, client: redis.asyncio.Redis) -> None:
        super().__init__(client)
        self._scripts: dict[str, AsyncScript] = {}
        self._calls = _Completions()

    @classmethod
    def _connect(cls, url: object) -> redis.asyncio.Redis:
        return _from_url(_ASYNC_FROM_URL, url)

    def _script(self, source: str) -> AsyncScript:
        if (script := self._scripts.get(source)) is None:
            script = self._scripts[source] = self._client.register_script(source)
        return script

    async def _run(self, step: _Step[R], undo: Callable[[R], Awaitable[None]] | None = None) -> R:
        """Run ``step``; if the caller is cancelled meanwhile, ``undo`` gets what it achieved."""
        call = self._script(step.script)(keys=step.keys, args=step.args)
        with _translated(step.action, self._where):
            reply: object = await self._calls.run(call, None if undo is None else _then(step, undo))
        return step.read(reply)

    async def _try(self, step: _Step[None], advice: str) -> None:
        try:
            await self._run(step)
        except SharedStateError as error:
            logger.warning("%s; %s", error, advice)

    async def aclose(self) -> None:
        """Finish the calls of cancelled requests; close the Redis client if `from_url` made it."""
        await self._calls.settle()
        if self._owns_client:
            await self._client.aclose()


class _LimiterSettings(TypedDict, total=False):
    # The keyword arguments of `_RateLimiterBase`, passed on by `from_url`.
    token: str | None
    rate_limit: RateLimit
    lease_seconds: float
    retry_interval: float
    prefix: str


class _RateLimiterBase(_Store[C]):
    """The Redis limiter without I/O: its settings, keys, and each operation as a `_Step`."""

    def __init__(
        self,
        client: C,
        *,
        token: str | None = None,
        rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
        lease_seconds: float = 120.0,
        retry_interval: float = 0.02,
        prefix: str = "missive-channels",
    ) -> None:
        """Create the limiter on a Redis client.

        Args:
            client: The Redis client to keep the state with: a ``redis.Redis`` for
                `RedisRateLimiter`, a ``redis.asyncio.Redis`` for `AsyncRedisRateLimiter`.
            token: The Missive API token whose limits these are (only its hash is
                stored); defaults to the ``MISSIVE_API_TOKEN`` environment variable.
            rate_limit: The limits to keep to; Missive's by default. Every process
                sharing the token must use the same.
            lease_seconds: How long after its reserved start a slot stays held if
                its request never gives it back. The clients refuse a timeout that
                is not at least 1 s shorter, since the timeout bounds the whole
                request (the default, 60 s, fits the default lease).
            retry_interval: About how many seconds a request waits before asking
                again when every slot is held.
            prefix: The first part of every key.

        Raises:
            FieldTypeError: If ``client`` is the other kind of Redis client.
            ValidationError: If a setting is invalid, no token is found, or
                ``client`` has no ``socket_timeout`` (it would wait for ever on a
                server that stops answering, and every request with it).
        """
        super().__init__(client)
        if client.connection_pool.connection_kwargs.get("socket_timeout") is None:
            msg = (
                "client has no socket_timeout, so a Redis server that stops answering "
                "would hold every request for ever; create it with one, e.g. "
                "redis.Redis(..., socket_timeout=5, socket_connect_timeout=5), or use from_url"
            )
            raise ValidationError(msg, field="client")
        if not isinstance(cast("object", rate_limit), RateLimit):
            msg = f"rate_limit must be a RateLimit, got {type(rate_limit).__name__}"
            raise FieldTypeError(msg, field="rate_limit")
        self._rate_limit = rate_limit
        self._lease_seconds = positive_seconds("lease_seconds", lease_seconds)
        self._retry_interval = positive_seconds("retry_interval", retry_interval)
        namespace = _namespace(token, prefix)
        self._keys = (f"{namespace}:starts", f"{namespace}:leases", f"{namespace}:pause")
        windows = rate_limit.windows
        self._windows = [value for window in windows for value in (window.requests, window.seconds)]
        self._horizon = max((window.seconds for window in windows), default=0.0) + rate_limit.margin
        self._keep = max((window.requests for window in windows), default=0)
        self._release_advice = (
            f"the slot frees itself when its lease ends, {self._lease_seconds:.0f} s "
            "after its start"
        )
        # Seam for tests: the time the scripts use instead of the server's.
        self._now: Callable[[], float] | None = None

    @classmethod
    def from_url(cls, url: str, **settings: Unpack[_LimiterSettings]) -> Self:
        """Create the limiter with its own Redis client (5 s timeouts), closed with the limiter.

        Args:
            url: The server's URL, e.g. ``redis://localhost:6379/0``.
            **settings: The constructor's keyword arguments (``token``,
                ``rate_limit``, ``lease_seconds``, ``retry_interval``, ``prefix``).

        Raises:
            ValidationError: If the URL or a setting is invalid.
        """
        store = cls(cls._connect(url), **settings)
        store._owns_client = True
        return store

    @property
    def max_concurrent(self) -> int | None:
        """Requests in flight at once, across every process sharing the keys (``None``: none)."""
        return self._rate_limit.max_concurrent

    @property
    def lease_seconds(self) -> float:
        """How long after its reserved start a slot stays held if it is never given back."""
        return self._lease_seconds

    def _time(self) -> str:
        return "" if self._now is None else repr(self._now())

    def _reserve_args(self, slots: int) -> list[str | int | float]:
        return [
            self._time(),
            secrets.token_hex(8),  # the slot's id, when one is taken
            slots,
            self._lease_seconds,
            self._rate_limit.margin,
            self._horizon,
            self._keep,
            *self._windows,
        ]

    def _lease_step(self) -> _Step[Lease | float]:
        slots = self._rate_limit.max_concurrent or 0
        args = self._reserve_args(slots)
        read = functools.partial(self._lease_result, slot=cast("str", args[1]) if slots else None)
        return _Step("take a rate-limit slot", _LEASE, list(self._keys), args, read)

    def _lease_result(self, reply: object, slot: str | None) -> Lease | float:
        if reply is None:
            # Every slot is held: ask again soon, at a jittered pace so waiters spread out.
            return self._retry_interval * (0.5 + random.random())  # noqa: S311 - jitter, not a secret
        return Lease(_seconds(reply), slot)

    def _acquire_step(self) -> _Step[float]:
        return _Step("reserve a start", _LEASE, list(self._keys), self._reserve_args(0), _seconds)

    def _release_step(self, lease: Lease) -> _Step[None] | None:
        if lease.slot is None:
            return None
        keys = [self._keys[1]]
        return _Step("release a rate-limit slot", _GIVE_BACK, keys, [lease.slot], _ignored)

    def _pause_step(self, seconds: float) -> _Step[None] | None:
        if not seconds > 0:
            return None
        args: list[str | float] = [self._time(), seconds]
        return _Step("pause the shared limits", _PAUSE, [self._keys[2]], args, _ignored)

    def __repr__(self) -> str:
        """Show the server and the limits, never the token."""
        return f"{type(self).__name__}({self._where!r}, {self._rate_limit!r})"


class RedisRateLimiter(_RateLimiterBase[redis.Redis], _SyncStore):
    """Missive's limits for one API token, shared in Redis by every process using the token.

    Give it to `MissiveClient` as ``rate_limit``: together, all clients on all
    machines that share the Redis server and the token stay within
    ``max_concurrent`` requests in flight and within every window. A request's
    concurrency slot is a lease: a worker that dies while holding one loses it
    ``lease_seconds`` after the request's reserved start, so a crash never
    wedges the fleet. For `AsyncMissiveClient` use `AsyncRedisRateLimiter`: this
    one's calls would block the event loop.
    """

    def lease(self) -> Lease | float:
        """Take a slot and reserve the earliest start that keeps every window.

        Returns:
            A `Lease`, or the seconds to wait before asking again when every slot is held.

        Raises:
            SharedStateError: If Redis cannot be used, or did not answer before the
                request's timeout ran out (a slot taken after that is given back).
        """

        def give_back(offer: Lease | float) -> None:
            if isinstance(offer, Lease):
                self.release(offer)

        return self._run(self._lease_step(), give_back)

    def acquire(self) -> float:
        """Reserve the earliest start that keeps every window, without a slot.

        Returns:
            Seconds to wait before sending (``0.0``: send now).

        Raises:
            SharedStateError: If Redis cannot be used.
        """
        return self._run(self._acquire_step())

    def release(self, lease: Lease) -> None:
        """Give back the lease's slot; a failure is logged, never raised.

        Args:
            lease: A lease from `lease`.
        """
        if (step := self._release_step(lease)) is not None:
            self._try(step, self._release_advice)

    def pause(self, seconds: float) -> None:
        """Hold back every start not yet reserved, in every process, by ``seconds`` from now.

        Args:
            seconds: How long Missive asked to wait.

        Raises:
            SharedStateError: If Redis cannot be used.
        """
        if (step := self._pause_step(seconds)) is not None:
            self._run(step)


class AsyncRedisRateLimiter(_RateLimiterBase[redis.asyncio.Redis], _AsyncStore, AsyncLimiter):
    """`RedisRateLimiter` for `AsyncMissiveClient`, on a ``redis.asyncio.Redis`` client.

    Cancelling a request while it waits on Redis cancels it at once; a slot its
    command took anyway is given back (`aclose` waits for that).
    """

    async def lease(self) -> Lease | float:
        """See `RedisRateLimiter.lease`."""

        async def give_back(offer: Lease | float) -> None:
            if isinstance(offer, Lease):
                await self.release(offer)

        return await self._run(self._lease_step(), give_back)

    async def release(self, lease: Lease) -> None:
        """See `RedisRateLimiter.release`."""
        if (step := self._release_step(lease)) is not None:
            await self._try(step, self._release_advice)

    async def pause(self, seconds: float) -> None:
        """See `RedisRateLimiter.pause`."""
        if (step := self._pause_step(seconds)) is not None:
            await self._run(step)


class _DeduplicatorSettings(TypedDict, total=False):
    # The keyword arguments of `_DeduplicatorBase`, passed on by `from_url`.
    ttl: float
    claim_timeout: float
    prefix: str


class _DeduplicatorBase(_Store[C]):
    """The Redis deduplicator without I/O: its settings, keys, and each operation as a `_Step`."""

    def __init__(
        self,
        client: C,
        *,
        ttl: float = _DAY,
        claim_timeout: float = 60.0,
        prefix: str = "missive-channels:webhook",
    ) -> None:
        """Create the deduplicator on a Redis client.

        Args:
            client: The Redis client: a ``redis.Redis`` for `RedisDeduplicator`, a
                ``redis.asyncio.Redis`` for `AsyncRedisDeduplicator`.
            ttl: Seconds a handled message id is remembered; cover Missive's retries.
            claim_timeout: Seconds a claim lasts without `complete` or `release`;
                keep it above your handler's longest run.
            prefix: The first part of every key.

        Raises:
            FieldTypeError: If ``client`` is the other kind of Redis client.
            ValidationError: If a setting is invalid.
        """
        super().__init__(client)
        self._ttl = _milliseconds(positive_seconds("ttl", ttl))
        self._claim_timeout = _milliseconds(positive_seconds("claim_timeout", claim_timeout))
        if not isinstance(cast("object", prefix), str) or not prefix:
            msg = f"prefix must be a non-empty str, got {prefix!r}"
            raise ValidationError(msg, field="prefix")
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, **settings: Unpack[_DeduplicatorSettings]) -> Self:
        """Create the deduplicator with its own Redis client (5 s timeouts), closed with it.

        Args:
            url: The server's URL, e.g. ``redis://localhost:6379/0``.
            **settings: The constructor's keyword arguments (``ttl``,
                ``claim_timeout``, ``prefix``).

        Raises:
            ValidationError: If the URL or a setting is invalid.
        """
        store = cls(cls._connect(url), **settings)
        store._owns_client = True
        return store

    def _key(self, key: str) -> list[str]:
        return [f"{self._prefix}:{key}"]

    def _claim_step(self, key: str, owner: str) -> _Step[Delivery]:
        args = (self._claim_timeout, owner)
        return _Step("claim a webhook delivery", _CLAIM, self._key(key), args, _delivery)

    def _complete_step(self, key: str, owner: str) -> _Step[bool]:
        args = (self._ttl, owner)
        return _Step("record a handled webhook delivery", _COMPLETE, self._key(key), args, bool)

    def _release_step(self, key: str, owner: str) -> _Step[None]:
        return _Step("release a webhook delivery", _RELEASE, self._key(key), [owner], _ignored)

    def __repr__(self) -> str:
        """Show the server and the durations."""
        return (
            f"{type(self).__name__}({self._where!r}, ttl={self._ttl / 1000:g}, "
            f"claim_timeout={self._claim_timeout / 1000:g})"
        )


def _delivery(reply: object) -> Delivery:
    return _DELIVERIES[cast("str", reply)]


class RedisDeduplicator(_DeduplicatorBase[redis.Redis], _SyncStore):
    """A `Deduplicator` in Redis, shared by every process receiving the webhooks.

    A claim is ``SET key in_progress:<owner> NX PX <claim_timeout>``; `complete`
    stores ``done`` for ``ttl`` and `release` deletes the key, each only while the
    key holds the caller's own claim (or, for `complete`, nothing at all), checked
    and changed in one script on the server. It answers like
    `InMemoryDeduplicator`: `Delivery.NEW`, `Delivery.DUPLICATE` or
    `Delivery.IN_PROGRESS`. Each operation raises `SharedStateError` if Redis
    cannot be used.
    """

    def claim(self, key: str, owner: str) -> Delivery:
        """Claim ``key`` for ``owner`` if nobody handled or holds it; see `Deduplicator.claim`."""
        return self._run(self._claim_step(key, owner))

    def complete(self, key: str, owner: str) -> bool:
        """Record ``key`` as handled for ``ttl`` seconds; see `Deduplicator.complete`."""
        return self._run(self._complete_step(key, owner))

    def release(self, key: str, owner: str) -> None:
        """Drop ``owner``'s claim on ``key``; see `Deduplicator.release`."""
        self._run(self._release_step(key, owner))


class AsyncRedisDeduplicator(_DeduplicatorBase[redis.asyncio.Redis], _AsyncStore):
    """An `AsyncDeduplicator` in Redis, on a ``redis.asyncio.Redis`` client.

    Use it with `ahandle_once`; it answers like `RedisDeduplicator`. A claim won
    for a handler cancelled meanwhile is released, so Missive's retry is handled.
    """

    async def claim(self, key: str, owner: str) -> Delivery:
        """See `RedisDeduplicator.claim`."""

        async def give_back(delivery: Delivery) -> None:
            if delivery is Delivery.NEW:
                try:
                    await self.release(key, owner)
                except SharedStateError as error:
                    logger.warning("%s; the claim lapses after its claim timeout", error)

        return await self._run(self._claim_step(key, owner), give_back)

    async def complete(self, key: str, owner: str) -> bool:
        """See `RedisDeduplicator.complete`."""
        return await self._run(self._complete_step(key, owner))

    async def release(self, key: str, owner: str) -> None:
        """See `RedisDeduplicator.release`."""
        await self._run(self._release_step(key, owner))
