"""Reading answers without any HTTP: success bodies into results, errors from the one table."""

from __future__ import annotations

from typing import Any, Final

import httpx
import pytest

from missive_channels import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Conversation,
    CreatedMessage,
    CreatedPost,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StoredMessage,
    UnprocessableEntityError,
)
from missive_channels._responses import (
    CreatedAnswer,
    ItemAnswer,
    ItemsAnswer,
    ShapeError,
    decode_json,
    response_shape_error,
    status_error,
    transport_error,
)

URL: Final = "https://public.missiveapp.com/v1/messages"
UNDELIVERED: Final = "it was not processed, so it is safe to send again once fixed"
SECRET: Final = "missive_pat-never-echoed"
POSSIBLY_DELIVERED: Final = (
    "Missive may have processed it; check in Missive before sending it again, "
    "or it may appear twice"
)


def _error(
    status: int,
    *,
    creates: bool = False,
    retry_after: float | None = None,
    **response: Any,
) -> APIStatusError:
    """The error for an answer of ``status`` to a ``GET`` (or a creating ``POST``)."""
    method = "POST" if creates else "GET"
    return status_error(
        httpx.Response(status, **response),
        method=method,
        url=URL,
        creates=creates,
        retry_after=retry_after,
        secret=SECRET,
    )


# --- the error table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "hint"),
    [
        (
            400,
            BadRequestError,
            "Missive rejected the request's parameters; check them against the error",
        ),
        (
            401,
            AuthenticationError,
            (
                "the API token is missing, wrong or revoked; create one in Missive under "
                "Preferences → API and pass it as token= or MISSIVE_API_TOKEN"
            ),
        ),
        (
            403,
            PermissionDeniedError,
            "the token's user may not do this; check their role, plan and access to the resource",
        ),
        (404, NotFoundError, "check the id, and that the token's user can see the resource"),
        (422, UnprocessableEntityError, "Missive could not act on the request; see the error"),
        (
            429,
            RateLimitError,
            "Missive's rate limit was hit; wait retry_after seconds before sending again",
        ),
        (500, ServerError, "Missive failed to handle the request; try again later"),
        (503, ServerError, "Missive failed to handle the request; try again later"),
        (599, ServerError, "Missive failed to handle the request; try again later"),
        (409, APIStatusError, "Missive did not accept the request"),
        (418, APIStatusError, "Missive did not accept the request"),
    ],
)
def test_each_status_picks_its_error_class_and_hint(
    status: int, cls: type[APIStatusError], hint: str
) -> None:
    """The table gives every status its exact class and a message saying what to do."""
    error = _error(status, json={"error": "nope"})
    assert type(error) is cls
    reason = httpx.codes.get_reason_phrase(status)
    assert str(error) == f"GET {URL} answered {status} {reason}: nope; {hint}"
    assert (error.method, error.url, error.status_code) == ("GET", URL, status)
    assert error.body == {"error": "nope"}
    assert error.possibly_delivered is False


@pytest.mark.parametrize(
    ("status", "possibly_delivered", "ending"),
    [
        (400, False, UNDELIVERED),
        (404, False, UNDELIVERED),
        (429, False, UNDELIVERED),
        (500, True, POSSIBLY_DELIVERED),
        (502, True, POSSIBLY_DELIVERED),
    ],
)
def test_a_creating_request_says_whether_it_may_have_been_processed(
    status: int, possibly_delivered: bool, ending: str
) -> None:
    """Only a 5xx leaves a creation possibly delivered, and the message says which it is."""
    error = _error(status, creates=True)
    assert error.possibly_delivered is possibly_delivered
    assert str(error).startswith(f"POST {URL} answered {status} ")
    assert str(error).endswith(f"; {ending}")


@pytest.mark.parametrize(
    ("content", "body", "detail"),
    [
        (
            b'{"errors": "bad account", "error": "x"}',
            {"errors": "bad account", "error": "x"},
            "bad account",
        ),
        (b'{"error": "bad id", "message": "x"}', {"error": "bad id", "message": "x"}, "bad id"),
        (b'{"message": "gone"}', {"message": "gone"}, "gone"),
        (b'{"errors": "", "code": 7}', {"errors": "", "code": 7}, '{"errors": "", "code": 7}'),
        ('{"errors": ["a", "é"]}'.encode(), {"errors": ["a", "é"]}, '{"errors": ["a", "é"]}'),
        (b"[1, 2]", [1, 2], "[1, 2]"),
        (b"Bad Gateway", "Bad Gateway", "Bad Gateway"),
        (b"\xff oops", "\ufffd oops", "\ufffd oops"),
    ],
)
def test_error_bodies_of_any_shape_are_kept_and_quoted(
    content: bytes, body: object, detail: str
) -> None:
    """The body is kept parsed (or as text), and its most telling part goes in the message."""
    error = _error(400, content=content)
    assert error.body == body
    assert str(error).startswith(f"GET {URL} answered 400 Bad Request: {detail}; ")


@pytest.mark.parametrize("content", [b"", b"  \n", b'""'])
def test_an_empty_error_body_adds_no_detail(content: bytes) -> None:
    """An empty body leaves the message with the status and the hint only."""
    error = _error(404, content=content)
    assert error.body in (None, "")
    assert str(error) == (
        f"GET {URL} answered 404 Not Found; "
        "check the id, and that the token's user can see the resource"
    )


def test_long_error_details_are_cut_at_300_characters() -> None:
    """A long detail is cut with an ellipsis; the whole body stays on the error."""
    error = _error(422, json={"error": "x" * 1000})
    assert f": {'x' * 300}…; Missive could not act" in str(error)
    assert error.body == {"error": "x" * 1000}


def test_a_rate_limit_error_carries_the_wait_and_the_headers() -> None:
    """A 429 says how long Missive asked to wait and keeps its rate-limit headers."""
    headers = {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": " 0 ", "X-RateLimit-Reset": "17"}
    error = _error(429, creates=True, retry_after=1.5, headers=headers)
    assert isinstance(error, RateLimitError)
    assert (error.retry_after, error.limit, error.remaining, error.reset) == (1.5, 5, 0, 17)
    assert error.possibly_delivered is False
    assert str(error) == (
        f"POST {URL} answered 429 Too Many Requests; "
        "Missive's rate limit was hit; wait retry_after seconds before sending again; "
        f"{UNDELIVERED} (Missive asked to wait 1.5 s)"
    )


def test_a_rate_limit_error_without_readable_headers_leaves_them_none() -> None:
    """Missing or garbled rate-limit headers read as None, and no wait is promised."""
    error = _error(429, headers={"X-RateLimit-Limit": "five", "X-RateLimit-Reset": ""})
    assert isinstance(error, RateLimitError)
    assert (error.retry_after, error.limit, error.remaining, error.reset) == (
        None,
        None,
        None,
        None,
    )
    assert "asked to wait" not in str(error)


# --- transport failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "creates", "cls", "possibly_delivered", "message"),
    [
        (
            httpx.ConnectError("refused"),
            True,
            APIConnectionError,
            False,
            (
                "failed (ConnectError: refused); the request was not sent: check the network "
                f"and base_url; {UNDELIVERED}"
            ),
        ),
        (
            httpx.ConnectTimeout("slow dns"),
            False,
            APITimeoutError,
            False,
            (
                "timed out (ConnectTimeout: slow dns); the request was not sent: check the network "
                "and base_url"
            ),
        ),
        (
            httpx.PoolTimeout("busy"),
            True,
            APITimeoutError,
            False,
            (
                "timed out (PoolTimeout: busy); the request was not sent: check the network "
                f"and base_url; {UNDELIVERED}"
            ),
        ),
        (
            httpx.ReadTimeout("slow"),
            True,
            APITimeoutError,
            True,
            (
                "timed out (ReadTimeout: slow); raise the client's timeout if Missive is slow "
                f"to answer; {POSSIBLY_DELIVERED}"
            ),
        ),
        (
            httpx.ReadTimeout("slow"),
            False,
            APITimeoutError,
            False,
            (
                "timed out (ReadTimeout: slow); raise the client's timeout if Missive is slow "
                "to answer"
            ),
        ),
        (
            httpx.RemoteProtocolError(""),
            True,
            APIConnectionError,
            True,
            f"failed (RemoteProtocolError: RemoteProtocolError); {POSSIBLY_DELIVERED}",
        ),
    ],
)
def test_transport_failures_become_our_errors(
    exc: httpx.RequestError,
    creates: bool,
    cls: type[APIConnectionError],
    possibly_delivered: bool,
    message: str,
) -> None:
    """A request without an answer raises our error, saying whether it may have arrived."""
    exc.request = request = httpx.Request("POST", URL)
    error = transport_error(exc, method="POST", url=URL, creates=creates)
    assert type(error) is cls
    assert error.request is request
    assert str(error) == f"POST {URL} {message}"
    assert error.possibly_delivered is possibly_delivered
    assert error.__cause__ is exc


# --- success bodies --------------------------------------------------------------------------


def _shape(answer: Any, content: bytes) -> str:
    """The text of the ShapeError ``answer`` raises for ``content``."""
    with pytest.raises(ShapeError) as caught:
        answer.read(content)
    assert str(caught.value).startswith(caught.value.path + ": ")
    return str(caught.value)


@pytest.mark.parametrize(
    ("content", "value"), [(b"", None), (b" \r\n", None), (b'{"a": [1]}', {"a": [1]}), (b"3", 3)]
)
def test_bodies_decode_as_json_and_empty_ones_as_none(content: bytes, value: object) -> None:
    """Any JSON value decodes; an empty or blank body is None."""
    assert decode_json(content) == value


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"<html>", "$: the body is not JSON"),
        (b'{"a": 1} x', "$: the body is not JSON"),
        (b'"\xff"', "$: the body is not JSON"),
        (b"[" * 100_000, "$: the JSON is nested too deep"),
    ],
)
def test_bodies_that_are_not_json_raise_a_shape_error(content: bytes, problem: str) -> None:
    """Text that is not JSON, or JSON nested past the interpreter's stack, is a shape error."""
    with pytest.raises(ShapeError) as caught:
        decode_json(content)
    assert str(caught.value) == problem
    assert caught.value.path == "$"


def test_an_item_answer_reads_an_object_or_a_lists_first_item() -> None:
    """One read model comes alone or as the first item of a list."""
    answer = ItemAnswer("conversations", Conversation)
    assert answer.read(b'{"conversations": {"id": "c1"}}') == Conversation(id="c1")
    assert answer.read(b'{"conversations": [{"id": "c1"}, {"id": "c2"}]}') == Conversation(id="c1")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "$: expected a JSON object with the key 'messages'"),
        (b'{"messages": null}', "$: expected a JSON object with the key 'messages'"),
        (b'[{"id": "m1"}]', "$: expected a JSON object with the key 'messages'"),
        (b'{"messages": []}', "$.messages: expected one item, got an empty list"),
        (b'{"messages": {"id": 5}}', "$.messages.id: expected a string, got a number"),
        (b'{"messages": [{}]}', "$.messages[0].id: required key is missing"),
    ],
)
def test_an_item_answer_of_another_shape_names_the_spot(content: bytes, problem: str) -> None:
    """A body without the one model raises a shape error at the JSON path of the problem."""
    assert _shape(ItemAnswer("messages", StoredMessage), content) == problem


def test_an_items_answer_reads_every_item_in_order() -> None:
    """A list of read models keeps Missive's order; a lone model counts as one."""
    answer = ItemsAnswer("messages", StoredMessage)
    assert answer.read(b'{"messages": [{"id": "b"}, {"id": "a"}]}') == [
        StoredMessage(id="b"),
        StoredMessage(id="a"),
    ]
    assert answer.read(b'{"messages": {"id": "a"}}') == [StoredMessage(id="a")]
    assert answer.read(b'{"messages": []}') == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{}", "$: expected a JSON object with the key 'messages'"),
        (
            b'{"messages": [{"id": "a"}, {"id": 1}]}',
            "$.messages[1].id: expected a string, got a number",
        ),
        (b'{"messages": "m1"}', "$.messages: expected an object, got a string"),
    ],
)
def test_an_items_answer_of_another_shape_names_the_spot(content: bytes, problem: str) -> None:
    """A bad item fails at its index in the list."""
    assert _shape(ItemsAnswer("messages", StoredMessage), content) == problem


@pytest.mark.parametrize(
    ("content", "ids"),
    [
        (b'{"messages": {"id": "m1", "conversation": "c1"}}', ("m1", "c1")),
        (b'{"messages": [{"id": "m1", "conversation": {"id": "c1"}}]}', ("m1", "c1")),
        (b'{"messages": {"id": "m1"}, "conversations": [{"id": "c1"}]}', ("m1", "c1")),
        (b'{"messages": {"id": "m1", "conversation": 7}}', ("m1", None)),
        (b'{"messages": {"id": 1, "conversation": "c1"}}', (None, "c1")),
        (b'{"messages": []}', (None, None)),
        (b'{"messages": "m1"}', (None, None)),
        (b"[]", (None, None)),
        (b"", (None, None)),
        (b"<html>Created</html>", (None, None)),
    ],
)
def test_a_created_answer_reads_whatever_ids_the_body_holds(
    content: bytes, ids: tuple[str | None, str | None]
) -> None:
    """A creation's answer never fails: what it does not say is None."""
    created_id, conversation_id = ids
    got = CreatedAnswer("messages", CreatedMessage).read(content)
    assert got == CreatedMessage(id=created_id, conversation_id=conversation_id)


def test_a_created_answer_reads_under_its_own_key() -> None:
    """A post's answer is read under ``posts`` into a CreatedPost."""
    answer = CreatedAnswer("posts", CreatedPost)
    assert answer.read(b'{"posts": {"id": "p1", "conversation": "c1"}}') == CreatedPost(
        id="p1", conversation_id="c1"
    )
    assert answer.read(b'{"messages": {"id": "m1", "conversation": "c1"}}') == CreatedPost()


def test_a_shape_error_becomes_an_api_response_validation_error() -> None:
    """The error for a misshapen success answer names the request, the status and the spot."""
    shape = ShapeError("expected a string, got a number", path="$.messages.id")
    error = response_shape_error(shape, httpx.Response(200), method="GET", url=URL)
    assert type(error) is APIResponseValidationError
    assert (error.method, error.url, error.status_code) == ("GET", URL, 200)
    assert str(error) == (
        f"GET {URL} answered 200 with a body of an unexpected shape: $.messages.id: expected a "
        "string, got a number; Missive's API may have changed: update missive-channels"
    )
