"""Reading Missive's answers: results, read models, or our errors for failed requests.

Success bodies become results and read models; error answers and transport failures
become our errors.

An `Answer` says what a success body means (one read model, several, or the ids of
something created) and reads it; a body of another shape raises `ShapeError`, which the
core turns into `APIResponseValidationError` with `response_shape_error`. `status_error`
picks the error for an error status from one table, and `transport_error` the error for
a request that got no answer.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final, Generic, Protocol, TypeVar, cast

import attrs
import httpx

import missive_channels._errors as errors

from ._constants import TOKEN_ENV_VAR
from ._converter import loads, structure_payload

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._errors import StatusArgs


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# The one table that picks the error class for a status; 5xx is a range, handled below.
_STATUS_ERRORS: Final[Mapping[int, tuple[type[errors.APIStatusError], str]]] = {
    400: (
        errors.BadRequestError,
        "Missive rejected the request's parameters; check them against the error",
    ),
    401: (
        errors.AuthenticationError,
        (
            "the API token is missing, wrong or revoked; create one in Missive under "
            f"Preferences → API and pass it as token= or {TOKEN_ENV_VAR}"
        ),
    ),
    403: (
        errors.PermissionDeniedError,
        "the token's user may not do this; check their role, plan and access to the resource",
    ),
    404: (errors.NotFoundError, "check the id, and that the token's user can see the resource"),
    422: (errors.UnprocessableEntityError, "Missive could not act on the request; see the error"),
    429: (
        errors.RateLimitError,
        "Missive's rate limit was hit; wait retry_after seconds before sending again",
    ),
}
_SERVER_HINT: Final = "Missive failed to handle the request; try again later"
_OTHER_HINT: Final = "Missive did not accept the request"
_REDIRECT_HINT: Final = (
    "the client never follows a redirect, so the request was not processed; "
    "check base_url (Missive's API does not redirect, a proxy or an old address may)"
)
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


def envelope(content: bytes, key: str) -> object:
    """Return ``body[key]`` of a JSON success body.

    Raises:
        ShapeError: If the body is not a JSON object holding ``key``.
    """
    value = member(decode_json(content), key)
    if value is None:
        msg = f"expected a JSON object with the key {key!r}"
        raise ShapeError(msg)
    return value


def _shape_error(problem: str, path: str) -> ShapeError:
    return ShapeError(problem, path=path)


def structure_item(value: object, cls: type[T], *, path: str) -> T:
    """Structure one item of a success body with the converter.

    Args:
        value: The decoded item.
        cls: The read model to build, e.g. `StoredMessage`.
        path: The item's JSON path in the body, e.g. ``$.messages[0]``.

    Returns:
        The model.

    Raises:
        ShapeError: Naming the JSON path of the first value of the wrong shape.
    """
    return structure_payload(value, cls, path=path, error=_shape_error)


class Answer(Protocol[T_co]):
    """What a success answer means: reads its body into the operation's result."""

    def read(self, content: bytes) -> T_co:
        """Read the body of a success answer.

        Raises:
            ShapeError: If the body does not have the expected shape.
        """
        ...


@attrs.frozen
class ItemAnswer(Generic[T]):
    """The answer holds one read model under ``key``, alone or as a list's first item.

    Attributes:
        key: The envelope key, e.g. ``"messages"``.
        model: The read model to build, e.g. `StoredMessage`.
    """

    key: str
    model: type[T]

    def read(self, content: bytes) -> T:
        """Read the model; an empty list is refused.

        Raises:
            ShapeError: If the body holds no such model.
        """
        value = envelope(content, self.key)
        items = items_of(value)
        if items is None:
            return structure_item(value, self.model, path=f"$.{self.key}")
        if not items:
            msg = "expected one item, got an empty list"
            raise ShapeError(msg, path=f"$.{self.key}")
        return structure_item(items[0], self.model, path=f"$.{self.key}[0]")


@attrs.frozen
class ItemsAnswer(Generic[T]):
    """The answer holds a list of read models under ``key`` (a lone model counts as one).

    Attributes:
        key: The envelope key, e.g. ``"messages"``.
        model: The read model of each item.
    """

    key: str
    model: type[T]

    def read(self, content: bytes) -> list[T]:
        """Read the models, in the body's order.

        Raises:
            ShapeError: If an item is not such a model.
        """
        value = envelope(content, self.key)
        items = items_of(value)
        if items is None:
            return [structure_item(value, self.model, path=f"$.{self.key}")]
        return [
            structure_item(item, self.model, path=f"$.{self.key}[{index}]")
            for index, item in enumerate(items)
        ]


class _CreatedResult(Protocol[T_co]):
    """A result of a creation: built from what the answer said, ``None`` for the unsaid."""

    def __call__(self, *, id: str | None, conversation_id: str | None) -> T_co:
        """Build the result."""
        ...


@attrs.frozen
class CreatedAnswer(Generic[T]):
    """The answer to a creation: the new resource's id and conversation id, if it says them.

    Missive documents ``{key: {"id": ..., "conversation": ...}}``, may answer with an
    empty body, and has sent lists and conversation objects too; whatever comes, reading
    never fails, as the resource was created whatever the body says, and failing would
    invite the caller to send it again.

    Attributes:
        key: The envelope key, e.g. ``"messages"``.
        result: The result to build, e.g. `CreatedMessage`.
    """

    key: str
    result: _CreatedResult[T]

    def read(self, content: bytes) -> T:
        """Read the ids; never fails."""
        created_id, conversation_id = _created_ids(content, self.key)
        return self.result(id=created_id, conversation_id=conversation_id)


def _first(value: object) -> object:
    items = items_of(value)
    if items is None:
        return value
    return items[0] if items else None


def _str_at(value: object, key: str) -> str | None:
    found = member(value, key)
    return found if isinstance(found, str) else None


def _created_ids(content: bytes, key: str) -> tuple[str | None, str | None]:
    """Read ``(id, conversation id)`` from a creation answer, however much of it there is."""
    try:
        body = decode_json(content)
    except ShapeError:
        return None, None
    created = _first(member(body, key))
    conversation = member(created, "conversation")
    conversation_id = conversation if isinstance(conversation, str) else _str_at(conversation, "id")
    if conversation_id is None:
        conversation_id = _str_at(_first(member(body, "conversations")), "id")
    return _str_at(created, "id"), conversation_id


_REDACTED: Final = "[redacted]"


def response_shape_error(
    exc: ShapeError, response: httpx.Response, *, method: str, url: str
) -> errors.APIResponseValidationError:
    """Return the error for a success answer whose body did not have the expected shape.

    Args:
        exc: Where and how the body differs; the caller keeps it as ``__cause__``.
        response: The answer.
        method: The request's HTTP method.
        url: The request URL.

    Returns:
        The `APIResponseValidationError` to raise.
    """
    status = response.status_code
    msg = (
        f"{_action(method, url)} answered {status} with a body of an unexpected shape: "
        f"{exc}; Missive's API may have changed: update missive-channels"
    )
    return errors.APIResponseValidationError(msg, method=method, url=url, status_code=status)


def _error_body(response: httpx.Response, secret: str) -> object:
    # A proxy may echo the request's Authorization header: the token never gets quoted.
    # It is ASCII (checked at construction), so it has one byte form.
    content = response.content.replace(secret.encode(), _REDACTED.encode())
    try:
        return decode_json(content)
    except ShapeError:
        return content.decode("utf-8", errors="replace")


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
    secret: str,
) -> errors.APIStatusError:
    """Return the error for an answer with an error status.

    Args:
        response: The answer (its body already read).
        method: The request's HTTP method.
        url: The request URL.
        creates: Whether the request creates something (non-idempotent POST).
        retry_after: The parsed ``Retry-After``, if any.
        secret: The client's token, redacted from the body should the server echo it.

    Returns:
        The status-specific `APIStatusError`.
    """
    status = response.status_code
    cls, hint = _STATUS_ERRORS.get(status, (errors.APIStatusError, _OTHER_HINT))
    if status >= 500:  # noqa: PLR2004 - the 5xx range
        cls, hint = errors.ServerError, _SERVER_HINT
    elif 300 <= status < 400:  # noqa: PLR2004 - the 3xx range
        hint = _REDIRECT_HINT
    # A 5xx may come after Missive created the message (e.g. a failing proxy on the way back).
    possibly_delivered = creates and status >= 500  # noqa: PLR2004
    body = _error_body(response, secret)
    detail = _detail(body)
    message = f"{_action(method, url)} answered {status} {response.reason_phrase}"
    if detail:
        if len(detail) > _DETAIL_CHARS:
            detail = detail[:_DETAIL_CHARS] + "…"
        message += f": {detail}"
    message += f"; {hint}"
    if creates:
        message += f"; {_POSSIBLY_DELIVERED_HINT if possibly_delivered else _UNDELIVERED_HINT}"
    answer: StatusArgs = {
        "method": method,
        "url": url,
        "status_code": status,
        "body": body,
        "response": response,
        "possibly_delivered": possibly_delivered,
    }
    if cls is errors.RateLimitError:
        if retry_after is not None:
            message += f" (Missive asked to wait {retry_after:g} s)"
        return errors.RateLimitError(
            message,
            retry_after=retry_after,
            limit=_int_header(response.headers, "X-RateLimit-Limit"),
            remaining=_int_header(response.headers, "X-RateLimit-Remaining"),
            reset=_int_header(response.headers, "X-RateLimit-Reset"),
            **answer,
        )
    return cls(message, **answer)


def transport_error(
    exc: httpx.RequestError, *, method: str, url: str, creates: bool
) -> errors.APIError:
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
    cls = (
        errors.APITimeoutError
        if isinstance(exc, httpx.TimeoutException)
        else errors.APIConnectionError
    )
    error = cls(
        message,
        method=method,
        url=url,
        request=exc.request,
        possibly_delivered=possibly_delivered,
    )
    error.__cause__ = exc
    return error
