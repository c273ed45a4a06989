"""The package's one HTTP/1.1 server: framing, refusals, keep-alive and shutdown."""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

import httpx
import pytest

from missive_channels._http_server import HttpServer, Refusal, Request, Response

if TYPE_CHECKING:
    from collections.abc import Iterator


class Echo:
    """A handler that records each request and answers with its body."""

    def __init__(self) -> None:
        """Start with no requests seen."""
        self.seen: list[Request] = []

    def __call__(self, request: Request) -> Response | None:
        """Record the request; answer 200 with its body, or drop it when it asks to be."""
        self.seen.append(request)
        if request.target == "/drop":
            return None
        return Response(status=200, headers=[("X-Seen", str(len(self.seen)))], body=request.body)


@pytest.fixture
def echo() -> Echo:
    """A fresh recording handler."""
    return Echo()


@pytest.fixture
def server(echo: Echo) -> Iterator[HttpServer]:
    """A keep-alive server with a 10-byte body cap, serving in a background thread."""
    server = HttpServer(echo, max_body=10).start()
    yield server
    server.stop()


def raw(server: HttpServer, request: bytes, *, half_close: bool = False) -> bytes:
    """Send raw bytes and return everything answered until the server closes."""
    with socket.create_connection(server.address, timeout=10) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_requests_reach_the_handler_and_share_one_connection(
    server: HttpServer, echo: Echo
) -> None:
    """Method, target, lower-cased headers and body arrive; keep-alive reuses the connection."""
    host, port = server.address
    assert host == "127.0.0.1"
    peers = set()
    with httpx.Client(base_url=f"http://{host}:{port}", trust_env=False) as client:
        for body in (b"one", b"two"):
            response = client.post("/p?q=1", content=body, headers={"X-Name": "V"})
            assert (response.status_code, response.content) == (200, body)
            assert response.headers["Content-Length"] == str(len(body))
            peers.add(response.extensions["network_stream"].get_extra_info("client_addr"))
    assert len(peers) == 1
    first = echo.seen[0]
    assert (first.method, first.target, first.body, first.refusal) == (
        "POST",
        "/p?q=1",
        b"one",
        None,
    )
    assert first.headers["x-name"] == "V"
    assert "V" not in repr(first)


def test_head_is_answered_without_a_body(server: HttpServer) -> None:
    """A HEAD answer carries the headers only."""
    response = httpx.head(f"http://127.0.0.1:{server.address[1]}/", trust_env=False)
    assert response.status_code == 200
    assert response.content == b""


def test_a_chunked_body_is_refused_with_411_and_the_connection_closed(
    server: HttpServer, echo: Echo
) -> None:
    """Only Content-Length bodies are read; the handler is told why."""
    answer = raw(
        server, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: close" in answer
    assert echo.seen[0].refusal == Refusal(
        411, "no valid Content-Length (chunked bodies are not accepted)"
    )
    assert echo.seen[0].body == b""


def test_an_oversize_body_is_read_and_dropped_keeping_the_connection(
    server: HttpServer, echo: Echo
) -> None:
    """Over the cap, the body is consumed unseen and the next request on the line is served."""
    pipelined = (
        b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890"
        b"POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    )
    answer = raw(server, pipelined)
    assert answer.count(b"HTTP/1.1 200 OK") == 2
    big, small = echo.seen
    assert big.refusal == Refusal(413, "the body is 11 bytes, over the cap of 10 bytes")
    assert big.body == b""
    assert (small.target, small.body, small.refusal) == ("/small", b"ok", None)


def test_a_body_of_exactly_the_cap_is_served(server: HttpServer, echo: Echo) -> None:
    """A body of exactly ``max_body`` bytes (10) is read and handed over; 11 is refused."""
    request = b"POST /ten HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
    answer = raw(server, request + b"0123456789")
    assert answer.startswith(b"HTTP/1.1 200 OK")
    (ten,) = echo.seen
    assert (ten.target, ten.body, ten.refusal) == ("/ten", b"0123456789", None)


def test_without_keep_alive_an_oversize_body_is_not_read() -> None:
    """A server closing after each answer refuses at once, so a huge claim cannot hold it."""
    echo = Echo()
    server = HttpServer(echo, max_body=10, keep_alive=False).start()
    try:
        answer = raw(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: close" in answer
    assert echo.seen[0].refusal == Refusal(
        413, "the body is 99,999,999 bytes, over the cap of 10 bytes"
    )


def test_a_body_that_ends_early_is_refused_with_400(server: HttpServer, echo: Echo) -> None:
    """A client that stops sending mid-body gets an answer and a closed connection."""
    answer = raw(
        server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\nabc", half_close=True
    )
    assert b"Connection: close" in answer
    assert echo.seen[0].refusal == Refusal(400, "the request body ended early: expected 8 bytes")


def test_an_unparsable_head_gets_400_without_reaching_the_handler(
    server: HttpServer, echo: Echo
) -> None:
    """The server answers what it cannot read itself, and closes."""
    answer = raw(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Connection: close" in answer
    assert answer.endswith(b"\r\n\r\nmalformed request: bad Content-Length\n")
    assert echo.seen == []


def test_a_handler_returning_none_drops_the_connection(server: HttpServer) -> None:
    """No answer at all: the client sees the connection go."""
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"http://127.0.0.1:{server.address[1]}/drop", trust_env=False)


def test_stop_cuts_idle_connections_joins_threads_and_is_idempotent(echo: Echo) -> None:
    """An open keep-alive connection does not hold stop; a second stop does nothing."""
    before = threading.active_count()
    server = HttpServer(echo, max_body=10).start()
    with httpx.Client(trust_env=False) as client:
        assert client.get(f"http://127.0.0.1:{server.address[1]}/").status_code == 200
        server.stop()
        server.stop()
    assert threading.active_count() == before


def test_a_server_that_never_served_releases_its_port(echo: Echo) -> None:
    """The port is bound at construction and freed by stop."""
    server = HttpServer(echo, max_body=10)
    host, port = server.address
    server.stop()
    with socket.socket() as again:
        again.bind((host, port))


def test_a_taken_or_impossible_port_fails_at_construction(server: HttpServer, echo: Echo) -> None:
    """Binding errors surface as the socket module raises them."""
    with pytest.raises(OSError, match="in use"):
        HttpServer(echo, port=server.address[1], max_body=10)
    with pytest.raises(OverflowError):
        HttpServer(echo, port=70_000, max_body=10)


def test_accept_with_nothing_pending_returns(server: HttpServer) -> None:
    """A client that gave up between select and accept leaves the accept loop serving."""
    server._accept()
    assert httpx.get(f"http://127.0.0.1:{server.address[1]}/", trust_env=False).status_code == 200


def test_after_closing_its_side_the_server_reads_what_still_comes(echo: Echo) -> None:
    """A client still sending after the answer gets a clean close, not a reset."""
    server = HttpServer(echo, max_body=10, keep_alive=False).start()
    try:
        with socket.create_connection(server.address, timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
            answer = sock.recv(65536)
            sock.sendall(b"x" * 5000)  # the body the server never asked for
            sock.shutdown(socket.SHUT_WR)
            rest = sock.recv(65536)
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert rest == b""


def test_a_content_length_that_is_not_ascii_digits_is_a_400(server: HttpServer, echo: Echo) -> None:
    """``Content-Length: ²`` (a digit to str.isdigit, not to int) is answered 400, not dropped."""
    request = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ²\r\nConnection: close\r\n\r\n"
    answer = raw(server, request.encode())
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert echo.seen == []
