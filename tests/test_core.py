"""The request flow without HTTP: answers fed in, `Send`/`Sleep`/`Pause` steps and outcomes out."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Final

import httpx
import pytest

from missive_channels import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    Attachment,
    BadRequestError,
    ClientClosedError,
    CreatedMessage,
    CreatedPost,
    FieldTypeError,
    Notification,
    Participant,
    Post,
    RateLimit,
    RateLimitError,
    ServerError,
    StoredMessage,
    TextMessage,
    ValidationError,
)
from missive_channels._converter import encode_request
from missive_channels._core import ClientCore, Send, Sleep, http_client
from missive_channels._operations import create_message, create_post, get_message, get_messages
from missive_channels._ratelimit import Lease
from missive_channels._responses import ShapeError
from missive_channels.ratelimit import SlidingWindowLimiter

if TYPE_CHECKING:
    from missive_channels._core import Command, Flow, Outcome

TOKEN: Final = "missive_pat-core-t0ken"
BASE: Final = "https://public.missiveapp.com/v1"
NOW: Final = 1_718_031_200.0
JSON_HEADERS: Final = {"Content-Type": "application/json"}
MESSAGE = TextMessage(account="acc-1", from_field=Participant(id="cust-1"), body="Hello!")
POST = Post(notification=Notification(title="t", body="b"), text="x")
CREATED: Final = b'{"messages": {"id": "m1", "conversation": "c1"}}'


def make_core(*, limiter: bool = False, own_client: bool = True, **kwargs: Any) -> ClientCore:
    """A core with no jitter and a fixed wall clock; a limiter only when asked."""
    kwargs.setdefault("max_retries", 3)
    kwargs.setdefault("base_url", BASE)
    core = ClientCore(
        token=TOKEN,
        timeout=kwargs.pop("timeout", None),
        rate_limit=SlidingWindowLimiter(RateLimit(), clock=lambda: 0.0) if limiter else None,
        own_client=own_client,
        **kwargs,
    )
    core.random = lambda: 0.0
    core.wall_clock = lambda: NOW
    return core


def answer(status: int, content: bytes = b"", **headers: str) -> httpx.Response:
    """An HTTP answer, as the client hands it back to the flow."""
    return httpx.Response(status, content=content, headers=headers)


def drive(flow: Flow[Any], *outcomes: Outcome) -> tuple[list[Command], object]:
    """Run ``flow``, answering each `Send` with the next of ``outcomes``.

    Returns:
        The commands the flow yielded, and its result or the `APIError` it raised.
    """
    commands: list[Command] = []
    pending = list(outcomes)
    outcome: Outcome = None
    try:
        while True:
            command = flow.send(outcome)
            commands.append(command)
            outcome = pending.pop(0) if isinstance(command, Send) else None
            if isinstance(outcome, httpx.RequestError) and isinstance(command, Send):
                # httpx sets the request on every failure of a send: do as it does.
                outcome.request = httpx.Request(command.method, command.url)
    except StopIteration as stop:
        result: object = stop.value
    except APIError as error:
        result = error
    assert not pending, "the flow ended before every answer was used"
    return commands, result


def kinds(commands: list[Command]) -> list[str | float]:
    """The steps in short: ``"send"``, ``"sleep <seconds>"`` or ``"pause <seconds>"``."""
    return [
        "send"
        if isinstance(command, Send)
        else f"{'sleep' if isinstance(command, Sleep) else 'pause'} {command.seconds:g}"
        for command in commands
    ]


# --- one attempt -----------------------------------------------------------------------------


def test_a_read_is_one_send_then_its_result() -> None:
    """A GET answered 200 is one Send of the exact request, and the read model comes back."""
    commands, result = drive(
        make_core().flow(get_message("m 1")), answer(200, b'{"messages": {"id": "m 1"}}')
    )
    assert commands == [
        Send(
            method="GET",
            url=f"{BASE}/messages/m%201",
            params=(),
            headers={},
            content=None,
            timeout=httpx.USE_CLIENT_DEFAULT,
            deadline=60.0,
        )
    ]
    assert result == StoredMessage(id="m 1")


def test_a_creation_sends_its_json_body_and_reads_the_ids() -> None:
    """A POST carries its body with the JSON content type and returns what Missive said."""
    operation = create_post(POST)
    commands, result = drive(
        make_core().flow(operation), answer(201, b'{"posts": {"id": "p1", "conversation": "c1"}}')
    )
    assert commands == [
        Send(
            method="POST",
            url=f"{BASE}/posts",
            params=(),
            headers=JSON_HEADERS,
            content=operation.content,
            timeout=httpx.USE_CLIENT_DEFAULT,
            deadline=60.0,
        )
    ]
    assert result == CreatedPost(id="p1", conversation_id="c1")


def test_a_borrowed_http_client_gets_the_headers_and_timeout_with_each_request() -> None:
    """Without an HTTP client of its own, every Send carries the token, identity and timeout."""
    core = make_core(own_client=False, timeout=5.0)
    command = core.send_command(create_message(MESSAGE))
    assert command.headers == {**core.headers, **JSON_HEADERS}
    assert command.headers["Authorization"] == f"Bearer {TOKEN}"
    assert command.timeout == httpx.Timeout(5.0)
    assert core.send_command(get_message("m1")).headers == core.headers


def test_a_misshapen_success_body_raises_without_a_retry() -> None:
    """A 200 whose body is not the expected shape raises at once, keeping the shape error."""
    commands, error = drive(make_core().flow(get_message("m1")), answer(200, b'{"messages": 5}'))
    assert kinds(commands) == ["send"]
    assert isinstance(error, APIResponseValidationError)
    assert str(error) == (
        f"GET {BASE}/messages/m1 answered 200 with a body of an unexpected shape: "
        "$.messages: expected an object, got a number; "
        "Missive's API may have changed: update missive-channels"
    )
    assert isinstance(error.__cause__, ShapeError)


def test_on_start_rides_on_every_attempt() -> None:
    """The observer given to the flow is on each Send, and `starting` calls it."""
    started: list[str] = []
    flow = make_core().flow(create_message(MESSAGE), on_start=lambda: started.append("go"))
    commands, result = drive(flow, httpx.ConnectError("refused"), answer(201, CREATED))
    sends = [command for command in commands if isinstance(command, Send)]
    assert len(sends) == 2
    for send in sends:
        send.starting()
    assert started == ["go", "go"]
    assert result == CreatedMessage(id="m1", conversation_id="c1")


def test_a_send_without_an_observer_starts_silently() -> None:
    """`starting` on a Send without an observer does nothing."""
    make_core().send_command(get_message("m1")).starting()


# --- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", [answer(503), answer(408), httpx.ReadTimeout("slow")])
def test_a_read_is_retried_with_a_doubling_backoff(failure: httpx.Response | Exception) -> None:
    """Transient failures of a GET are followed by a Sleep of 0.5 s, 1 s, ... and a new Send."""
    commands, result = drive(
        make_core().flow(get_message("m1")),
        failure,
        failure,
        answer(200, b'{"messages": [{"id": "m1"}]}'),
    )
    assert kinds(commands) == ["send", "sleep 0.5", "send", "sleep 1", "send"]
    assert commands[0] == commands[2] == commands[4]
    assert result == StoredMessage(id="m1")


def test_the_last_failure_is_raised_after_max_retries() -> None:
    """After max_retries retries the last failure is raised, with no further Sleep."""
    commands, error = drive(make_core(max_retries=2).flow(get_message("m1")), *[answer(500)] * 3)
    assert kinds(commands) == ["send", "sleep 0.5", "send", "sleep 1", "send"]
    assert isinstance(error, ServerError)
    assert error.status_code == 500


def test_jitter_takes_off_up_to_a_quarter() -> None:
    """The core's random number shortens each backoff by up to a quarter."""
    core = make_core()
    core.random = lambda: 1.0
    commands, _ = drive(
        core.flow(get_message("m1")), answer(502), answer(200, b'{"messages": {"id": "m1"}}')
    )
    assert kinds(commands) == ["send", "sleep 0.375", "send"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_raised_at_once(status: int) -> None:
    """A 4xx other than 408 and 429 is not retried."""
    commands, error = drive(make_core().flow(get_message("m1")), answer(status, b'{"error": "no"}'))
    assert kinds(commands) == ["send"]
    assert isinstance(error, APIStatusError)
    assert error.status_code == status


def test_a_creation_is_retried_when_never_sent() -> None:
    """A POST whose connection failed before sending is sent again."""
    commands, result = drive(
        make_core().flow(create_message(MESSAGE)),
        httpx.ConnectError("refused"),
        answer(201, CREATED),
    )
    assert kinds(commands) == ["send", "sleep 0.5", "send"]
    assert result == CreatedMessage(id="m1", conversation_id="c1")


@pytest.mark.parametrize(
    ("failure", "cls"),
    [
        (answer(500), ServerError),
        (answer(503, **{"Retry-After": "1"}), ServerError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("reset"), APIConnectionError),
    ],
)
def test_a_creation_that_may_have_arrived_is_never_resent(
    failure: httpx.Response | Exception, cls: type[APIError]
) -> None:
    """A POST that Missive may have processed raises at once, marked possibly delivered."""
    commands, error = drive(make_core().flow(create_message(MESSAGE)), failure)
    assert kinds(commands) == ["send"]
    assert type(error) is cls
    assert isinstance(error, APIError)
    assert error.possibly_delivered is True


def test_a_creation_answered_400_is_raised_as_not_delivered() -> None:
    """A POST refused with 400 raises at once; Missive did not create anything."""
    commands, error = drive(make_core().flow(create_post(POST)), answer(400, b'{"error": "bad"}'))
    assert kinds(commands) == ["send"]
    assert isinstance(error, BadRequestError)
    assert error.possibly_delivered is False


def test_a_creation_is_retried_after_a_429() -> None:
    """A 429 means Missive did not process the POST: it is sent again after the backoff."""
    commands, result = drive(
        make_core().flow(create_message(MESSAGE)), answer(429), answer(201, CREATED)
    )
    assert kinds(commands) == ["send", "sleep 0.5", "send"]
    assert result == CreatedMessage(id="m1", conversation_id="c1")


# --- Retry-After and the shared limiter ------------------------------------------------------


def test_a_429_with_retry_after_pauses_everyone_then_sleeps() -> None:
    """With a limiter, a 429's Retry-After holds back every sharer (Pause), then this request."""
    commands, _ = drive(
        make_core(limiter=True).flow(create_message(MESSAGE)),
        answer(429, **{"Retry-After": "2"}),
        answer(201, CREATED),
    )
    assert kinds(commands) == ["send", "pause 2", "sleep 2", "send"]


def test_without_a_limiter_a_429_only_sleeps() -> None:
    """Without a limiter there is nobody to pause: the request waits Retry-After itself."""
    commands, _ = drive(
        make_core().flow(create_message(MESSAGE)),
        answer(429, **{"Retry-After": "2"}),
        answer(201, CREATED),
    )
    assert kinds(commands) == ["send", "sleep 2", "send"]


def test_a_429_without_retry_after_does_not_pause() -> None:
    """A 429 that names no wait backs off like any failure, pausing nobody."""
    commands, _ = drive(
        make_core(limiter=True).flow(get_message("m1")),
        answer(429),
        answer(200, b'{"messages": {"id": "m1"}}'),
    )
    assert kinds(commands) == ["send", "sleep 0.5", "send"]


def test_retry_after_on_a_5xx_replaces_the_backoff_without_a_pause() -> None:
    """Retry-After on a 503 sets this request's wait; only a 429 pauses the limiter."""
    commands, _ = drive(
        make_core(limiter=True).flow(get_message("m1")),
        answer(503, **{"Retry-After": "3"}),
        answer(200, b'{"messages": {"id": "m1"}}'),
    )
    assert kinds(commands) == ["send", "sleep 3", "send"]


def test_retry_after_as_an_http_date_counts_from_the_wall_clock() -> None:
    """An HTTP-date Retry-After waits until that time by the core's wall clock."""
    when = format_datetime(datetime.fromtimestamp(NOW + 7, timezone.utc), usegmt=True)
    commands, _ = drive(
        make_core().flow(get_message("m1")),
        answer(429, **{"Retry-After": when}),
        answer(200, b'{"messages": {"id": "m1"}}'),
    )
    assert kinds(commands) == ["send", "sleep 7", "send"]


def test_a_retry_after_past_the_cap_pauses_to_the_cap_then_raises() -> None:
    """A wait longer than max_retry_after pauses sharers up to the cap and raises for the caller."""
    commands, error = drive(
        make_core(limiter=True).flow(create_message(MESSAGE)),
        answer(429, **{"Retry-After": "600"}),
    )
    assert kinds(commands) == ["send", "pause 60"]
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 600.0


# --- flows of several requests, and the client's checks ---------------------------------------


def test_flow_all_runs_each_request_in_turn_and_joins_the_results() -> None:
    """The batches of get_many are sent one after the other; their messages are joined in order."""
    operations = get_messages([f"m{n}" for n in range(26)])
    commands, result = drive(
        make_core().flow_all(operations),
        answer(200, b'{"messages": [{"id": "m0"}, {"id": "m1"}]}'),
        answer(500),
        answer(200, b'{"messages": [{"id": "m25"}]}'),
    )
    assert kinds(commands) == ["send", "send", "sleep 0.5", "send"]
    assert [command.url for command in commands if isinstance(command, Send)] == [
        BASE + operations[0].path,
        f"{BASE}/messages/m25",
        f"{BASE}/messages/m25",
    ]
    assert result == (StoredMessage(id="m0"), StoredMessage(id="m1"), StoredMessage(id="m25"))


def test_a_closed_client_refuses_to_send() -> None:
    """The check before sending names the request and says what to do."""
    core = make_core()
    command = core.send_command(get_message("m1"))
    core.check_open(command, closed=False)
    with pytest.raises(ClientClosedError) as caught:
        core.check_open(command, closed=True)
    assert str(caught.value) == (
        "cannot send GET /v1/messages/m1: the client is closed; "
        "create a new client, or send inside its `with` block"
    )


def test_the_start_delay_is_the_leases_wait_logged_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A request waits what its lease says; a real wait is logged at debug level."""
    core = make_core()
    command = core.send_command(get_message("m1"))
    with caplog.at_level(logging.DEBUG, logger="missive_channels"):
        assert core.start_delay(command, Lease(wait=0.0)) == 0.0
        assert core.start_delay(command, Lease(wait=0.25)) == 0.25
    assert caplog.messages == ["rate limit: GET /v1/messages/m1 waits 0.250 s"]


def test_every_attempt_and_retry_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Each answer or failure is logged at debug level, and each retry at info level."""
    with caplog.at_level(logging.DEBUG, logger="missive_channels"):
        drive(
            make_core().flow(get_message("m1")),
            httpx.ConnectError("refused"),
            answer(503),
            answer(200, b'{"messages": {"id": "m1"}}'),
        )
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        ("DEBUG", "GET /v1/messages/m1 -> ConnectError (attempt 1)"),
        (
            "INFO",
            (
                "retrying GET /v1/messages/m1 after attempt 1 failed (APIConnectionError); "
                "waiting 0.500 s"
            ),
        ),
        ("DEBUG", "GET /v1/messages/m1 -> 503 (attempt 2)"),
        (
            "INFO",
            "retrying GET /v1/messages/m1 after attempt 2 failed (status 503); waiting 1.000 s",
        ),
        ("DEBUG", "GET /v1/messages/m1 -> 200 (attempt 3)"),
    ]


def test_nothing_is_logged_below_info_when_all_goes_well(caplog: pytest.LogCaptureFixture) -> None:
    """A request that succeeds at once logs nothing at the default level."""
    with caplog.at_level(logging.INFO, logger="missive_channels"):
        drive(make_core().flow(get_message("m1")), answer(200, b'{"messages": {"id": "m1"}}'))
    assert caplog.records == []


def test_the_core_never_shows_the_token() -> None:
    """Neither the core nor a Send shows the token in its repr."""
    core = make_core()
    assert repr(core) == f"ClientCore(base_url={BASE!r})"
    assert TOKEN not in repr(core.send_command(create_message(MESSAGE)))


# --- building the request on the HTTP client -------------------------------------------------


def test_a_send_builds_its_request_on_the_http_client() -> None:
    """The request gets the HTTP client's own defaults plus the Send's headers and query."""
    command = Send(
        method="GET",
        url=f"{BASE}/conversations/c1/messages",
        params=(("limit", "2"),),
        headers={"X-Extra": "1"},
        content=None,
        timeout=httpx.USE_CLIENT_DEFAULT,
    )
    with httpx.Client(headers={"User-Agent": "ua"}) as http:
        request = command.build(http)
    assert str(request.url) == f"{BASE}/conversations/c1/messages?limit=2"
    assert (request.headers["User-Agent"], request.headers["X-Extra"]) == ("ua", "1")


async def _read_async(stream: Any) -> bytes:
    return b"".join([chunk async for chunk in stream])


@pytest.mark.anyio
async def test_a_streamed_body_is_sent_with_its_length_by_either_client() -> None:
    """A streamed message body carries Content-Length (never chunked) and the same bytes."""
    message = TextMessage(
        account="acc-1",
        from_field=Participant(id="cust-1"),
        body="file",
        attachments=[Attachment(filename="a.bin", data=bytes(range(256)) * 4)],
    )
    command = make_core().send_command(create_message(message))
    with httpx.Client() as http:
        sync_request = command.build(http)
    async with httpx.AsyncClient() as http:
        async_request = command.build(http)
    expected = encode_request(message)
    for request in (sync_request, async_request):
        assert request.headers["Content-Length"] == str(len(expected))
        assert "Transfer-Encoding" not in request.headers
    assert b"".join(sync_request.stream) == expected  # type: ignore[arg-type]
    assert await _read_async(async_request.stream) == expected


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"token": None},
            ValidationError,
            (
                "no Missive API token: pass token=... or set the MISSIVE_API_TOKEN environment "
                "variable (create a token in Missive under Preferences → API)"
            ),
        ),
        (
            {"token": "a b"},
            ValidationError,
            (
                "the Missive API token contains whitespace or characters that cannot go in an "
                "HTTP header; copy it again from Missive under Preferences → API"
            ),
        ),
        (
            {"base_url": "ftp://example.com"},
            ValidationError,
            (
                "base_url 'ftp://example.com' must be an http(s) URL without query or fragment, "
                "e.g. 'https://public.missiveapp.com/v1'"
            ),
        ),
        (
            {"base_url": "http://[::1"},
            ValidationError,
            "base_url 'http://[::1' is not a URL; use e.g. 'https://public.missiveapp.com/v1'",
        ),
        (
            {"rate_limit": 5},
            ValidationError,
            "rate_limit must be a RateLimit, a Limiter or None, got int",
        ),
    ],
)
def test_a_bad_configuration_is_refused_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    """Each invalid argument raises our error with a message naming the fix."""
    monkeypatch.delenv("MISSIVE_API_TOKEN", raising=False)
    arguments: dict[str, Any] = {
        "token": TOKEN,
        "base_url": BASE,
        "timeout": None,
        "max_retries": 3,
        "rate_limit": None,
        "own_client": True,
        **kwargs,
    }
    with pytest.raises(error) as caught:
        ClientCore(**arguments)
    assert str(caught.value) == message


def test_a_rate_limit_becomes_a_sliding_window_limiter() -> None:
    """A RateLimit is kept to by an in-process limiter; its concurrency bounds the client."""
    core = ClientCore(
        token=TOKEN,
        base_url=BASE + "/",
        timeout=2.5,
        max_retries=0,
        rate_limit=RateLimit(max_concurrent=3),
        own_client=True,
    )
    assert isinstance(core.limiter, SlidingWindowLimiter)
    assert core.max_concurrent == 3
    assert core.base_url == BASE
    assert core.client_timeout == httpx.Timeout(2.5)
    assert core.timeout is httpx.USE_CLIENT_DEFAULT
    assert make_core().max_concurrent is None


def test_the_http_client_must_be_of_the_clients_kind() -> None:
    """A sync client's core refuses an async HTTP client, naming the kind it needs."""
    with httpx.Client() as sync_http:
        assert http_client(sync_http, httpx.Client) is sync_http
    assert http_client(None, httpx.Client) is None
    with pytest.raises(FieldTypeError) as caught:
        http_client(httpx.AsyncClient(), httpx.Client)
    assert str(caught.value) == "http_client must be an httpx.Client, got AsyncClient"


def test_the_base_url_comes_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without base_url, MISSIVE_BASE_URL is used (empty counts as unset), and named if bad."""
    monkeypatch.setenv("MISSIVE_BASE_URL", "")
    assert make_core(base_url=None).base_url == BASE
    monkeypatch.setenv("MISSIVE_BASE_URL", "http://127.0.0.1:8080/v1/")
    assert make_core(base_url=None).base_url == "http://127.0.0.1:8080/v1"
    monkeypatch.setenv("MISSIVE_BASE_URL", "localhost")
    with pytest.raises(ValidationError) as caught:
        make_core(base_url=None)
    assert str(caught.value).startswith(
        "the MISSIVE_BASE_URL environment variable 'localhost' must be an http(s) URL"
    )
