"""The pure retry policy: Retry-After parsing, backoff, and the retry/no-retry matrix."""

from __future__ import annotations

import math

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from missive_channels import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ValidationError,
)
from missive_channels._retry import RetryPolicy, backoff_delay, parse_retry_after, retry_delay

NOW = 1_718_031_200.0
POLICY = RetryPolicy()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("3", 3.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-1", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        ("Mon, 10 Jun 2024 14:53:30 GMT", 10.0),
        ("Mon, 10 Jun 2024 14:53:00 GMT", 0.0),
        ("Mon, 10 Jun 2024 14:53:30 -0000", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    value: str | None, expected: float | None
) -> None:
    """Seconds and HTTP dates are read; past dates mean now; garbage or naive dates, unknown."""
    assert parse_retry_after(value, now=NOW) == expected


def test_backoff_doubles_up_to_the_cap_and_jitter_only_shortens() -> None:
    """The backoff is 0.5, 1, 2, 4, 8, 8... seconds, less up to a quarter of itself."""
    assert [backoff_delay(POLICY, n, 0.0) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 8, 8]
    assert backoff_delay(POLICY, 1, 0.999) == pytest.approx(0.5 * (1 - 0.25 * 0.999))
    assert backoff_delay(POLICY, 10_000, 0.0) == 8.0


@given(retry=st.integers(1, 10_000), random=st.floats(0, 1, exclude_max=True))
def test_backoff_stays_within_bounds(retry: int, random: float) -> None:
    """Whatever the retry number and random draw, the wait is finite and within the cap."""
    delay = backoff_delay(POLICY, retry, random)
    assert math.isfinite(delay)
    assert 0.75 * min(8.0, 0.5 * 2 ** min(retry - 1, 64)) <= delay <= 8.0


def status(code: int, *, creates: bool = False) -> APIStatusError:
    """A status error as the client builds it."""
    return APIStatusError(
        "x",
        method="POST",
        url="u",
        status_code=code,
        body=None,
        response=httpx.Response(code),
        possibly_delivered=creates,
    )


def transport(*, sent: bool, timeout: bool = False) -> APIError:
    """A transport error: possibly delivered when it happened after sending."""
    cls = APITimeoutError if timeout else APIConnectionError
    request = httpx.Request("POST", "https://example.com/v1/messages")
    return cls("x", method="POST", url="u", request=request, possibly_delivered=sent)


@pytest.mark.parametrize(
    ("error", "read", "write"),
    [
        (transport(sent=False), True, True),
        (transport(sent=False, timeout=True), True, True),
        (transport(sent=True), True, False),
        (transport(sent=True, timeout=True), True, False),
        (status(408), True, False),
        (status(429), True, True),
        (status(500, creates=True), True, False),
        (status(503, creates=True), True, False),
        (status(400), False, False),
        (status(401), False, False),
        (status(404), False, False),
        (status(422), False, False),
        (APIError("x", method="GET", url="u"), False, False),
    ],
)
def test_the_retry_matrix(error: APIError, read: bool, write: bool) -> None:
    """Reads retry every transient failure; writes only those Missive certainly did not process."""
    for idempotent, expected in ((True, read), (False, write)):
        delay = retry_delay(
            POLICY, error, retry=1, idempotent=idempotent, retry_after=None, random=0.0
        )
        assert (delay is not None) is expected


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    """A server-given wait replaces the backoff, unless it exceeds max_retry_after."""
    limited = status(429)
    kwargs = {"retry": 1, "idempotent": False, "random": 0.0}
    assert retry_delay(POLICY, limited, retry_after=60.0, **kwargs) == 60.0  # type: ignore[arg-type]
    assert retry_delay(POLICY, limited, retry_after=61.0, **kwargs) is None  # type: ignore[arg-type]


def test_retries_stop_at_max_retries() -> None:
    """The retry numbered max_retries + 1 is never made."""
    policy = RetryPolicy(max_retries=2)
    error = status(503)
    assert retry_delay(policy, error, retry=2, idempotent=True, retry_after=None, random=0) == 1.0
    assert retry_delay(policy, error, retry=3, idempotent=True, retry_after=None, random=0) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"max_retries": True},
        {"initial_delay": -0.1},
        {"max_delay": math.inf},
        {"max_retry_after": math.nan},
        {"jitter": 1.5},
    ],
)
def test_policy_values_are_validated(kwargs: dict[str, object]) -> None:
    """Nonsense policy values raise ValidationError naming the field."""
    with pytest.raises(ValidationError) as caught:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == next(iter(kwargs))
