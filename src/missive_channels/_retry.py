"""Pure retry policy: which failures are retried, and how long to wait before each retry."""

from __future__ import annotations

import math
from email.utils import parsedate_to_datetime
from typing import Final

import attrs

from ._errors import APIConnectionError, APIError, APIStatusError
from ._validators import fraction, non_negative_int, non_negative_seconds

__all__ = [
    "RetryPolicy",
    "backoff_delay",
    "parse_retry_after",
    "retry_delay",
]

# 408 Request Timeout, 429 Too Many Requests, then every 5xx.
_RETRYABLE_STATUSES: Final = frozenset({408, 429})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a client retries failed requests.

    Reads (``GET``) are retried after connection errors, timeouts, 408, 429 and
    5xx answers. Requests that create something (``POST /messages``,
    ``POST /posts``) are retried only when Missive certainly did not process
    them: the connection failed before the request was sent, or a 429.

    Attributes:
        max_retries: Retries after the first attempt; ``0`` disables retrying.
        initial_delay: Backoff before the first retry, in seconds; doubles per retry.
        max_delay: Cap on one backoff, in seconds.
        jitter: Fraction of each backoff removed at random, so that clients
            failing together do not retry together.
        max_retry_after: The longest ``Retry-After`` the client waits out by
            itself, in seconds; a longer ask raises `RateLimitError` (or the
            status error at hand) carrying ``retry_after``, for the caller to schedule.
    """

    max_retries: int = attrs.field(default=3, validator=non_negative_int)
    initial_delay: float = attrs.field(default=0.5, validator=non_negative_seconds)
    max_delay: float = attrs.field(default=8.0, validator=non_negative_seconds)
    jitter: float = attrs.field(default=0.25, validator=fraction)
    max_retry_after: float = attrs.field(default=60.0, validator=non_negative_seconds)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Read a ``Retry-After`` header: delay seconds or an HTTP date.

    Args:
        value: The header value, or ``None`` when absent.
        now: The current wall-clock time, Unix seconds (for the HTTP-date form).

    Returns:
        The seconds to wait (``0.0`` for a date in the past), or ``None`` when the
        header is absent or unreadable.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; email.utils reads "-0000" as naive
        return None
    return max(0.0, when.timestamp() - now)


def backoff_delay(policy: RetryPolicy, retry: int, random: float) -> float:
    """Return the exponential backoff before a retry, with jitter.

    Args:
        policy: The retry policy.
        retry: Which retry this is: 1 for the first.
        random: A number in ``[0, 1)``; injected so tests are deterministic.

    Returns:
        ``min(max_delay, initial_delay * 2 ** (retry - 1))``, reduced by up to
        ``jitter`` of itself.
    """
    # min() before the power would overflow for absurd retry counts.
    exponent = min(retry - 1, 64)
    base = min(policy.max_delay, policy.initial_delay * 2.0**exponent)
    return base * (1.0 - policy.jitter * random)


def _certainly_unprocessed(error: APIError) -> bool:
    if isinstance(error, APIStatusError):
        return error.status_code == 429  # noqa: PLR2004 - the one status Missive rejects unprocessed
    return isinstance(error, APIConnectionError) and not error.possibly_delivered


def _retryable(error: APIError) -> bool:
    if isinstance(error, APIStatusError):
        return error.status_code in _RETRYABLE_STATUSES or error.status_code >= 500  # noqa: PLR2004
    return isinstance(error, APIConnectionError)


def retry_delay(
    policy: RetryPolicy,
    error: APIError,
    *,
    retry: int,
    idempotent: bool,
    retry_after: float | None,
    random: float,
) -> float | None:
    """Decide whether to retry after a failure, and after how long.

    Args:
        policy: The retry policy.
        error: The failure of the latest attempt.
        retry: The number the next retry would have: 1 after the first attempt.
        idempotent: Whether repeating the request is harmless (reads are).
        retry_after: Seconds the server asked to wait, if it did.
        random: A number in ``[0, 1)`` for the jitter.

    Returns:
        Seconds to wait before retrying, or ``None`` to raise ``error`` instead.
    """
    if retry > policy.max_retries or not _retryable(error):
        return None
    if not (idempotent or _certainly_unprocessed(error)):
        return None
    if retry_after is not None:
        return retry_after if retry_after <= policy.max_retry_after else None
    return backoff_delay(policy, retry, random)
