"""Scripted faults: their validation, matching, and what a client sees over a real socket."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from fake_support import api
from missive_channels import FieldTypeError, ValidationError
from missive_channels.testing import FakeMissive, Fault, FaultQueue

if TYPE_CHECKING:
    from collections.abc import Iterator

MESSAGE = {"messages": {"account": "acc", "from_field": {"name": "Marta"}, "body": "hi"}}


@pytest.fixture
def fake() -> Iterator[FakeMissive]:
    """A running fake without rate limits, with one Text channel ``acc``."""
    with FakeMissive(rate_limit=None) as fake:
        fake.add_channel(account="acc")
        yield fake


@pytest.fixture
def client(fake: FakeMissive) -> Iterator[httpx.Client]:
    """An httpx client authenticated against the fake."""
    with api(fake) as client:
        yield client


def send(client: httpx.Client) -> httpx.Response:
    """POST the sample message."""
    return client.post("/messages", json=MESSAGE)


# -- building faults ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "match"),
    [
        ({"kind": "explode"}, ValidationError, "Fault.kind is 'explode'"),
        (
            {"kind": "delay", "times": 0},
            ValidationError,
            "Fault.times must be an int >= 1 or None, got 0",
        ),
        (
            {"kind": "delay", "times": "2"},
            FieldTypeError,
            "Fault.times must be an int >= 1 or None, got str",
        ),
        (
            {"kind": "delay", "times": True},
            FieldTypeError,
            "Fault.times must be an int >= 1 or None, got bool",
        ),
        ({"kind": "delay", "skip": -1}, ValidationError, "Fault.skip must be an int >= 0, got -1"),
        (
            {"kind": "delay", "skip": 1.5},
            FieldTypeError,
            "Fault.skip must be an int >= 0, got float",
        ),
        (
            {"kind": "delay", "seconds": -1},
            ValidationError,
            "Fault.seconds must be a finite number >= 0, got -1",
        ),
        (
            {"kind": "delay", "seconds": "1"},
            FieldTypeError,
            "Fault.seconds must be a finite number >= 0, got str",
        ),
        ({"kind": "status", "status": 200}, ValidationError, "HTTP error status"),
        ({"kind": "status", "status": "500"}, FieldTypeError, "Fault.status must be int"),
        (
            {"kind": "rate_limited", "retry_after": -5},
            ValidationError,
            "Fault.retry_after must be an int >= 0, got -5",
        ),
    ],
)
def test_invalid_faults_are_refused(
    fields: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Fault arguments are validated with our typed errors."""
    with pytest.raises(error, match=match):
        Fault(**fields)


def test_constructors_fill_in_the_kind_and_options() -> None:
    """Each class method builds the fault it names."""
    assert Fault.drop_before(method="POST").kind == "drop_before"
    assert Fault.drop_after(path="/v1/posts").path == "/v1/posts"
    assert Fault.server_error(503, recorded=True).status == 503
    assert Fault.delay(1.5, times=None).times is None
    assert Fault.rate_limited(30, skip=2).retry_after == 30


@pytest.mark.parametrize(
    ("fault", "processes"),
    [
        (Fault.drop_before(), False),
        (Fault.drop_after(), True),
        (Fault.server_error(), False),
        (Fault.server_error(recorded=True), True),
        (Fault.delay(1), True),
        (Fault.rate_limited(), False),
    ],
)
def test_which_faults_let_the_request_through(fault: Fault, *, processes: bool) -> None:
    """Only drop_after, delay and recorded errors process the request."""
    assert fault.processes is processes


def test_matching_on_method_and_path_glob() -> None:
    """A fault hits requests whose method and path match; ``None`` matches anything."""
    fault = Fault.drop_before(method="get", path="/v1/conversations/*")
    assert fault.matches("GET", "/v1/conversations/c-1/messages")
    assert not fault.matches("POST", "/v1/conversations/c-1")
    assert not fault.matches("GET", "/v1/messages")
    assert Fault.drop_before().matches("DELETE", "/anything")


# -- the queue ----------------------------------------------------------------------------


def test_the_first_matching_fault_hits_and_is_used_up() -> None:
    """Faults apply in push order and disappear once their ``times`` are used."""
    queue = FaultQueue()
    first, second = Fault.drop_before(times=2), Fault.delay(1)
    queue.push(first, second)
    assert queue.pending == (first, second)
    assert [queue.take("GET", "/") for _ in range(4)] == [first, first, second, None]
    assert queue.pending == ()


def test_skipping_faults_let_requests_through_to_later_ones() -> None:
    """A fault still skipping passes the request on to the next matching fault."""
    queue = FaultQueue()
    later = Fault.delay(1)
    skipping = Fault.drop_after(skip=1)
    queue.push(skipping, later)
    assert queue.take("POST", "/v1/messages") == later
    assert queue.take("POST", "/v1/messages") == skipping


def test_unlimited_faults_last_until_cleared() -> None:
    """``times=None`` hits every matching request until ``clear()``."""
    queue = FaultQueue()
    storm = Fault.server_error(times=None, path="/v1/messages")
    queue.push(storm)
    assert all(queue.take("POST", "/v1/messages") == storm for _ in range(50))
    assert queue.take("POST", "/v1/posts") is None
    queue.clear()
    assert queue.take("POST", "/v1/messages") is None


def test_the_queue_is_thread_safe() -> None:
    """Concurrent requests use up exactly ``times`` hits."""
    queue = FaultQueue()
    queue.push(Fault.drop_before(times=500))
    hits: list[Fault | None] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(200):
            taken = queue.take("POST", "/")
            with lock:
                hits.append(taken)

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert sum(hit is not None for hit in hits) == 500


def test_push_refuses_anything_but_faults() -> None:
    """Pushing something else is a typed error and queues nothing."""
    queue = FaultQueue()
    with pytest.raises(FieldTypeError, match="takes Fault objects, got str"):
        queue.push(Fault.delay(1), "drop")  # type: ignore[arg-type]
    assert queue.pending == ()


# -- over the wire ------------------------------------------------------------------------


def test_drop_before_cuts_the_connection_and_records_nothing(
    fake: FakeMissive, client: httpx.Client
) -> None:
    """The client sees a dropped connection; the message never reached the API."""
    fake.faults.push(Fault.drop_before(path="/v1/messages"))
    with pytest.raises(httpx.TransportError):
        send(client)
    assert fake.messages == []
    (logged,) = fake.requests
    assert (logged.status, logged.fault) == (None, "drop_before")
    assert send(client).status_code == 201


def test_drop_after_records_the_message_but_cuts_the_answer(
    fake: FakeMissive, client: httpx.Client
) -> None:
    """The message is accepted, yet the client cannot know: a duplicate waiting to happen."""
    fake.faults.push(Fault.drop_after())
    with pytest.raises(httpx.TransportError):
        send(client)
    assert len(fake.messages) == 1
    assert fake.requests[0].fault == "drop_after"


def test_an_unrecorded_server_error(fake: FakeMissive, client: httpx.Client) -> None:
    """A plain injected 5xx answers JSON and records nothing."""
    fake.faults.push(Fault.server_error(503))
    response = send(client)
    assert response.status_code == 503
    assert response.json() == {"error": "injected server error"}
    assert fake.messages == []


def test_a_recorded_server_error(fake: FakeMissive, client: httpx.Client) -> None:
    """``recorded=True`` accepts the message and still answers the error."""
    fake.faults.push(Fault.server_error(502, recorded=True))
    assert send(client).status_code == 502
    assert len(fake.messages) == 1
    assert fake.requests[0].status == 502


def test_a_delay_holds_the_answer_back(fake: FakeMissive, client: httpx.Client) -> None:
    """A delayed request is answered normally, no sooner than the delay."""
    fake.faults.push(Fault.delay(0.2))
    started = time.monotonic()
    assert send(client).status_code == 201
    assert time.monotonic() - started >= 0.2


def test_a_delay_past_the_client_timeout(fake: FakeMissive) -> None:
    """A client timing out on a delayed answer leaves the message recorded."""
    fake.faults.push(Fault.delay(60))
    with api(fake, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        send(client)
    assert len(fake.messages) == 1
    fake.stop()  # cuts the 60-second wait short instead of hanging the test


def test_a_burst_of_429s(fake: FakeMissive, client: httpx.Client) -> None:
    """``rate_limited`` answers 429 with Retry-After for ``times`` requests, recording nothing."""
    fake.faults.push(Fault.rate_limited(retry_after=7, times=2))
    for _ in range(2):
        response = send(client)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response.headers["X-RateLimit-Remaining"] == "0"
    assert fake.messages == []
    assert send(client).status_code == 201


def test_faults_only_hit_matching_requests(fake: FakeMissive, client: httpx.Client) -> None:
    """A GET-only fault leaves POSTs alone and hits the GET."""
    fake.faults.push(Fault.server_error(500, method="GET", path="/v1/conversations/*"))
    assert send(client).status_code == 201
    assert client.get("/conversations/c-1").status_code == 500
    assert client.get("/conversations/c-1").status_code == 404


def test_reset_drops_pending_faults(fake: FakeMissive, client: httpx.Client) -> None:
    """`reset()` clears the fault queue too."""
    fake.faults.push(Fault.drop_before(times=None))
    fake.reset()
    assert fake.faults.pending == ()
    assert send(client).status_code == 201
