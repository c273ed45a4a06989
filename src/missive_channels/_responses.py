"""Response interpretation: an error answer or a transport failure becomes one of our errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final, cast

import httpx

from ._constants import TOKEN_ENV_VAR
from ._converter import loads
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ShapeError",
    "decode_json",
    "items_of",
    "member",
    "status_error",
    "transport_error",
]

# The one table that picks the error class for a status; 5xx is a range, handled below.
_STATUS_ERRORS: Final[Mapping[int, tuple[type[APIStatusError], str]]] = {
    400: (
        BadRequestError,
        "Missive rejected the request's parameters; check them against the error",
    ),
    401: (
        AuthenticationError,
        (
            "the API token is missing, wrong or revoked; create one in Missive under "
            f"Preferences → API and pass it as token= or {TOKEN_ENV_VAR}"
        ),
    ),
    403: (
        PermissionDeniedError,
        "the token's user may not do this; check their role, plan and access to the resource",
    ),
    404: (NotFoundError, "check the id, and that the token's user can see the resource"),
    422: (UnprocessableEntityError, "Missive could not act on the request; see the error"),
    429: (
        RateLimitError,
        "Missive's rate limit was hit; wait retry_after seconds before sending again",
    ),
}
_SERVER_HINT: Final = "Missive failed to handle the request; try again later"
_OTHER_HINT: Final = "Missive did not accept the request"
_DETAIL_CHARS: Final = 300
_UNDELIVERED_HINT: Final = "it was not processed, so it is safe to send again once fixed"
_POSSIBLY_DELIVERED_HINT: Final = (
    "Missive may have processed it; check in Missive before sending it again, "
    "or it may appear twice"
)

# Failures that happen before any byte of the request leaves: the server never saw it.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ShapeError(Exception):
    """A success body did not have the expected shape (internal; becomes an API error).

    Attributes:
        path: Where in the body, as a JSON path like ``$.messages[0].id``.
    """

    def __init__(self, message: str, *, path: str = "$") -> None:
        """Create the error.

        Args:
            message: What was expected.
            path: Where in the body.
        """
        super().__init__(f"{path}: {message}")
        self.path = path


def decode_json(content: bytes) -> object:
    """Parse a JSON body.

    Args:
        content: The raw body.

    Returns:
        The parsed value, or ``None`` for an empty body.

    Raises:
        ShapeError: If the body is not JSON.
    """
    try:
        value: object = loads(content)
    except (ValueError, RecursionError) as exc:
        if not content.strip():
            return None
        # ValueError: invalid JSON or UTF-8 (JSONDecodeError, UnicodeDecodeError are ones);
        # RecursionError: nesting deeper than the interpreter's stack, e.g. "[" * 5000.
        msg = (
            "the body is not JSON" if isinstance(exc, ValueError) else "the JSON is nested too deep"
        )
        raise ShapeError(msg) from exc
    return value


def member(value: object, key: str) -> object:
    """Return ``value[key]`` when ``value`` is a JSON object, else ``None``."""
    if isinstance(value, dict):
        return cast("dict[str, object]", value).get(key)
    return None


def items_of(value: object) -> list[object] | None:
    """Return ``value`` when it is a JSON array, else ``None``."""
    return cast("list[object]", value) if isinstance(value, list) else None


def _error_body(response: httpx.Response) -> object:
    try:
        return decode_json(response.content)
    except ShapeError:
        return response.content.decode("utf-8", errors="replace")


def _detail(body: object) -> str | None:
    for key in ("errors", "error", "message"):
        value = member(body, key)
        if isinstance(value, str) and value:
            return value
    if body is None or body == "":
        return None
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return None if value is None else int(value.strip())
    except ValueError:
        return None


def _action(method: str, url: str) -> str:
    return f"{method} {url}"


def status_error(
    response: httpx.Response,
    *,
    method: str,
    url: str,
    creates: bool,
    retry_after: float | None,
) -> APIStatusError:
    """Return the error for an answer with an error status.

    Args:
        response: The answer (its body already read).
        method: The request's HTTP method.
        url: The request URL.
        creates: Whether the request creates something (non-idempotent POST).
        retry_after: The parsed ``Retry-After``, if any.

    Returns:
        The status-specific `APIStatusError`.
    """
    status = response.status_code
    cls, hint = _STATUS_ERRORS.get(status, (APIStatusError, _OTHER_HINT))
    if status >= 500:  # noqa: PLR2004 - the 5xx range
        cls, hint = ServerError, _SERVER_HINT
    # A 5xx may come after Missive created the message (e.g. a failing proxy on the way back).
    possibly_delivered = creates and status >= 500  # noqa: PLR2004
    body = _error_body(response)
    detail = _detail(body)
    message = f"{_action(method, url)} answered {status} {response.reason_phrase}"
    if detail:
        if len(detail) > _DETAIL_CHARS:
            detail = detail[:_DETAIL_CHARS] + "…"
        message += f": {detail}"
    message += f"; {hint}"
    if creates:
        message += f"; {_POSSIBLY_DELIVERED_HINT if possibly_delivered else _UNDELIVERED_HINT}"
    if cls is RateLimitError:
        if retry_after is not None:
            message += f" (Missive asked to wait {retry_after:g} s)"
        return RateLimitError(
            message,
            method=method,
            url=url,
            status_code=status,
            body=body,
            retry_after=retry_after,
            limit=_int_header(response.headers, "X-RateLimit-Limit"),
            remaining=_int_header(response.headers, "X-RateLimit-Remaining"),
            reset=_int_header(response.headers, "X-RateLimit-Reset"),
        )
    return cls(
        message,
        method=method,
        url=url,
        status_code=status,
        body=body,
        possibly_delivered=possibly_delivered,
    )


def transport_error(exc: httpx.RequestError, *, method: str, url: str, creates: bool) -> APIError:
    """Return the error for a request that got no HTTP answer.

    Args:
        exc: What httpx raised; kept as the error's ``__cause__``.
        method: The request's HTTP method.
        url: The request URL.
        creates: Whether the request creates something (non-idempotent POST).

    Returns:
        `APITimeoutError` for timeouts, `APIConnectionError` otherwise.
    """
    possibly_delivered = creates and not isinstance(exc, _NOT_SENT)
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    reason = str(exc) or type(exc).__name__
    message = f"{_action(method, url)} {what} ({type(exc).__name__}: {reason})"
    if isinstance(exc, _NOT_SENT):
        message += "; the request was not sent: check the network and base_url"
    elif isinstance(exc, httpx.TimeoutException):
        message += "; raise the client's timeout if Missive is slow to answer"
    if creates:
        message += f"; {_POSSIBLY_DELIVERED_HINT if possibly_delivered else _UNDELIVERED_HINT}"
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    error = cls(message, method=method, url=url, possibly_delivered=possibly_delivered)
    error.__cause__ = exc
    return error
