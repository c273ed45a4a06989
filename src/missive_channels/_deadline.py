"""The whole-request deadline: HTTP transports whose every connect, write and read ends by it.

httpx's timeouts bound each phase, and each read within a phase, so a server that
drips a byte at a time can hold a request for ever. The clients' own HTTP clients
therefore send through `DeadlineTransport` (`AsyncDeadlineTransport`): httpx's own
transport, whose httpcore connection pool has a network backend that clamps the
timeout of every connect, TLS handshake, write and read to the time left before
the deadline of the request being sent (`_budget`: the client sets it around each
attempt). When the time is up, the next network operation raises the phase's
timeout at once.

The transport is httpx's own class, so that everything httpx does around the pool
(request and response conversion, exception mapping) stays httpx's and tools that
patch httpx's transports in tests (pytest-httpx) still see the clients' requests;
only its pool is replaced, built as httpx builds it (TLS verification from
``httpx.create_ssl_context``, the same connection limits). httpx names that pool
``_pool`` and has since 0.18. The sync code is the source; its async twin is
generated from it by ``scripts/unasync.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeVar, cast

import httpcore
import httpx

from ._budget import time_left

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterable

__all__ = ["AsyncDeadlineTransport", "DeadlineTransport", "proxied"]

# httpx's own defaults for the transports it builds itself.
_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5)

_PROXY_SCHEMES: Final = ("http", "https", "all")

_P = TypeVar("_P", httpcore.ConnectionPool, httpcore.AsyncConnectionPool)


def _left(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """Return ``timeout`` clamped to the time left before the deadline.

    Raises:
        httpcore.TimeoutException: ``expired``, if the deadline has passed.
    """
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        msg = "the request's timeout ran out (it bounds the whole request)"
        raise expired(msg)
    return left if timeout is None else min(timeout, left)


def _pool(make: Callable[..., _P], backend: object) -> _P:
    """Build a connection pool on ``backend`` as httpx builds its own: TLS verified, its limits."""
    return make(
        ssl_context=httpx.create_ssl_context(),
        max_connections=_LIMITS.max_connections,
        max_keepalive_connections=_LIMITS.max_keepalive_connections,
        keepalive_expiry=_LIMITS.keepalive_expiry,
        network_backend=backend,
    )


def proxied(environ: dict[str, str]) -> bool:
    """Whether the proxy environment variables (as `urllib.request.getproxies` reads them) set one.

    httpx honours them only on a client without a ``transport``; the clients then keep
    httpx's own transport, whose timeouts are per phase.
    """
    return any(environ.get(scheme) for scheme in _PROXY_SCHEMES)


# unasync: source deadline_transport
class _Stream(httpcore.NetworkStream):
    """A connection whose every write and read ends by the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        stream = self._stream.start_tls(ssl_context, server_hostname, left)
        return _Stream(stream)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own network backend, with every connection ending by the request's deadline."""

    def __init__(self) -> None:
        self._backend: httpcore.NetworkBackend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(
            self._backend.connect_tcp(host, port, left, local_address, socket_options),
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - the clients never use a Unix socket
        left = _left(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_unix_socket(path, left, socket_options)
        return _Stream(stream)

    # pragma: no cover - httpcore sleeps only between connection retries, never asked for
    def sleep(self, seconds: float) -> None:  # pragma: no cover
        self._backend.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, on a pool whose requests end by their deadline."""

    def __init__(self) -> None:
        """Create the transport as httpx creates its own: TLS verified, its connection limits."""
        super().__init__()
        self._pool = _pool(httpcore.ConnectionPool, _Backend())


# unasync: end deadline_transport


# unasync: generated deadline_transport
class _AsyncStream(httpcore.AsyncNetworkStream):
    """A connection whose every write and read ends by the request's deadline."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        stream = await self._stream.start_tls(ssl_context, server_hostname, left)
        return _AsyncStream(stream)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own network backend, with every connection ending by the request's deadline."""

    def __init__(self) -> None:
        self._backend: httpcore.AsyncNetworkBackend = cast(
            "httpcore.AsyncNetworkBackend", httpcore.AnyIOBackend()
        )

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(
            await self._backend.connect_tcp(host, port, left, local_address, socket_options),
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - the clients never use a Unix socket
        left = _left(timeout, httpcore.ConnectTimeout)
        stream = await self._backend.connect_unix_socket(path, left, socket_options)
        return _AsyncStream(stream)

    # pragma: no cover - httpcore sleeps only between connection retries, never asked for
    async def sleep(self, seconds: float) -> None:  # pragma: no cover
        await self._backend.sleep(seconds)


class AsyncDeadlineTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, on a pool whose requests end by their deadline."""

    def __init__(self) -> None:
        """Create the transport as httpx creates its own: TLS verified, its connection limits."""
        super().__init__()
        self._pool = _pool(httpcore.AsyncConnectionPool, _AsyncBackend())


# unasync: end deadline_transport
