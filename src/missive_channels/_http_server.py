"""The package's one HTTP/1.1 server: h11 on a thread per connection, for the fake and `listen`.

A handler is a plain callable from a `Request` to a `Response` (or ``None`` to
drop the connection without an answer). The server owns the framing: it reads
``Content-Length`` bodies only, refuses chunked ones with 411, caps body size
(413), answers requests it cannot parse with 400, keeps connections alive, and
on `HttpServer.stop` cuts every open connection and joins every thread.
"""

from __future__ import annotations

import contextlib
import http
import selectors
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import attrs
import h11

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HttpServer", "Refusal", "Request", "Response"]

_READ_SIZE: Final = 1 << 16
_LINGER_SECONDS: Final = 1.0
_LINGER_BYTES: Final = 1 << 20
_REASONS: Final = {status.value: status.phrase for status in http.HTTPStatus}


@attrs.frozen
class Refusal:
    """Why the server will not take a request's body; the handler words the answer.

    Attributes:
        status: The status to answer: 400 (broken framing), 411 (not sized by
            ``Content-Length``) or 413 (over the cap).
        reason: One line saying what was wrong.
    """

    status: int
    reason: str


@attrs.frozen(kw_only=True)
class Request:
    """One request as read from the wire.

    Attributes:
        method: The HTTP method, e.g. ``"POST"``.
        target: The request target: the path and any query string.
        headers: The headers, names lower-cased (the last of repeated names wins).
        body: The body; empty when `refusal` is set.
        refusal: Why the body was not taken, if it was not.
    """

    method: str
    target: str
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(default=b"", repr=lambda body: f"<{len(body)} bytes>")
    refusal: Refusal | None = None


@attrs.frozen(kw_only=True)
class Response:
    """What a handler answers; the server adds ``Content-Length`` and framing headers.

    Attributes:
        status: The HTTP status.
        headers: Extra headers, in order.
        body: The body (never sent in answer to ``HEAD``).
    """

    status: int
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""


class HttpServer:
    """A threaded HTTP/1.1 server on h11 that hands each request to one handler.

    The port is bound at construction, so `address` is known before serving.
    """

    def __init__(
        self,
        handler: Callable[[Request], Response | None],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body: int,
        keep_alive: bool = True,
        read_timeout: float | None = None,
        name: str = "http-server",
    ) -> None:
        """Bind the port; nothing is served until `serve_forever` or `start`.

        Args:
            handler: Answers each request.
            host: The interface to listen on.
            port: The port; 0 picks a free one.
            max_body: The body cap in bytes; a larger body is refused with 413.
                With ``keep_alive`` it is read to its end and dropped, so the
                connection stays usable; without, it is not read at all.
            keep_alive: Serve several requests per connection; otherwise close
                each connection after its answer.
            read_timeout: Seconds a client may stay silent mid-connection
                (``None``: until `stop`).
            name: The name of the server's threads.

        Raises:
            OSError: If the address cannot be bound (e.g. the port is in use).
            OverflowError: If ``port`` is out of range.
        """
        self._handler = handler
        self._max_body = max_body
        self._keep_alive = keep_alive
        self._read_timeout = read_timeout
        self._name = name
        self._listener = _listen(host, port)
        self._wake_read, self._wake_write = socket.socketpair()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually bound."""
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    # -- lifecycle ----------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Accept connections in the calling thread until `stop` is called from another."""
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._listener:
                        self._accept()

    def start(self) -> HttpServer:
        """Serve in a background thread.

        Returns:
            The server itself.
        """
        self._thread = threading.Thread(target=self.serve_forever, name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, cut open connections, join every thread and release the port.

        Safe to call more than once, and on a server that never served.
        """
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            connections = dict(self._connections)
        for sock in connections:
            # A socket may already be closed by its own thread.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in connections.values():
            thread.join()
        for sock in (self._listener, self._wake_read, self._wake_write):
            sock.close()

    # -- connections --------------------------------------------------------------------

    def _accept(self) -> None:
        try:
            sock, _ = self._listener.accept()
        except OSError:  # the client gave up between select and accept
            return
        # Headers and body go out in one write, but a client's next request must not wait
        # on Nagle's algorithm and delayed ACKs (~40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self._read_timeout)
        thread = threading.Thread(target=self._serve, args=(sock,), name=self._name, daemon=True)
        with self._lock:
            self._connections[sock] = thread
        thread.start()

    def _serve(self, sock: socket.socket) -> None:
        connection = h11.Connection(h11.SERVER)
        try:
            with contextlib.suppress(OSError):
                while self._exchange(connection, sock):
                    connection.start_next_cycle()
            _linger(sock)
        finally:
            with self._lock:
                del self._connections[sock]
            sock.close()

    def _exchange(self, connection: h11.Connection, sock: socket.socket) -> bool:
        """Serve one request; return whether the connection may carry another."""
        try:
            event = _next_event(connection, sock)
        except h11.RemoteProtocolError as error:
            answer = Response(status=400, body=f"malformed request: {error}\n".encode())
            self._send(connection, sock, "GET", answer, close=True)
            return False
        if not isinstance(event, h11.Request):
            return False  # the client closed an idle connection
        request = self._read(connection, sock, event)
        response = self._handler(request)
        if response is None:
            sock.shutdown(socket.SHUT_RDWR)
            return False
        close = not self._keep_alive or connection.their_state is not h11.DONE
        self._send(connection, sock, request.method, response, close=close)
        return connection.our_state is h11.DONE

    def _read(self, connection: h11.Connection, sock: socket.socket, head: h11.Request) -> Request:
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in head.headers}
        method, target = head.method.decode("ascii"), head.target.decode("latin-1")
        refusal: Refusal | None = None
        if "transfer-encoding" in headers:
            refusal = Refusal(411, "no valid Content-Length (chunked bodies are not accepted)")
            return Request(method=method, target=target, headers=headers, refusal=refusal)
        size = int(headers.get("content-length", "0"))
        if size > self._max_body:
            refusal = Refusal(
                413, f"the body is {size:,} bytes, over the cap of {self._max_body:,} bytes"
            )
            if not self._keep_alive:
                return Request(method=method, target=target, headers=headers, refusal=refusal)
        try:
            # An oversize body is read to its end too (and dropped): that lets the client
            # see the answer rather than a reset, and keeps the connection usable.
            body = self._body(connection, sock, keep=refusal is None)
        except h11.RemoteProtocolError:
            refusal = Refusal(400, f"the request body ended early: expected {size:,} bytes")
            return Request(method=method, target=target, headers=headers, refusal=refusal)
        return Request(method=method, target=target, headers=headers, body=body, refusal=refusal)

    @staticmethod
    def _body(connection: h11.Connection, sock: socket.socket, *, keep: bool) -> bytes:
        parts: list[bytes] = []
        while True:
            event = _next_event(connection, sock)
            if isinstance(event, h11.Data):
                if keep:
                    parts.append(bytes(event.data))
            else:
                return b"".join(parts)

    @staticmethod
    def _send(
        connection: h11.Connection,
        sock: socket.socket,
        method: str,
        response: Response,
        *,
        close: bool,
    ) -> None:
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        if close:
            headers.append(("Connection", "close"))
        reason = _REASONS.get(response.status, "")
        head = h11.Response(status_code=response.status, headers=headers, reason=reason)
        data = connection.send(head) or b""
        if method != "HEAD":
            data += connection.send(h11.Data(data=response.body)) or b""
        data += connection.send(h11.EndOfMessage()) or b""
        sock.sendall(data)


def _listen(host: str, port: int) -> socket.socket:
    # Not socket.create_server: it leaks its socket when the port is out of range.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()
        # Never block in accept: a client may give up between select and accept.
        sock.settimeout(0.0)
    except BaseException:
        sock.close()
        raise
    return sock


def _next_event(connection: h11.Connection, sock: socket.socket) -> object:
    while True:
        event = connection.next_event()
        if event is not h11.NEED_DATA:
            return event
        connection.receive_data(sock.recv(_READ_SIZE))


def _linger(sock: socket.socket) -> None:
    """Close our side, then read what the client still sends, so it sees the answer, not a reset."""
    drained = 0
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(_LINGER_SECONDS)
        while drained < _LINGER_BYTES and (chunk := sock.recv(_READ_SIZE)):
            drained += len(chunk)
