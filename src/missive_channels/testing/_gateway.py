"""The fake's HTTP side: token, rate limits, faults and the request log around the API core."""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, urlsplit

import attrs

from missive_channels._http_server import Request, Response

from ._faults import Fault, FaultKind, FaultQueue
from ._payloads import encode
from ._state import ApiResponse

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from ._limiter import _FakeLimits
    from ._state import Store

__all__ = ["Gateway", "RecordedRequest"]

_JSON: Final = "application/json"


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request as the fake's server saw it, in arrival order.

    Attributes:
        method: The HTTP method.
        path: The path, without the query string.
        query: The query parameters (the last value wins for repeated names).
        headers: The request headers, names lower-cased (not shown in the repr:
            they carry the token).
        body: The request body bytes (empty if it was refused as too large).
        status: The status answered, or ``None`` if the connection was dropped.
        fault: The kind of fault injected into the request, if any.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    status: int | None
    fault: FaultKind | None


def _limit_headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(math.ceil(reset)),
    }


class Gateway:
    """Answers each HTTP request as Missive would: the handler `HttpServer` serves.

    A request counts as in flight from its arrival until just before its answer
    is written: the client that waited for the answer may send its next request
    at once, and that one must not find this one still counted.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Callable[[], float],
        token: str,
        limits: _FakeLimits | None,
        faults: FaultQueue,
        oversize_status: int,
        error_key: str,
        headers_always: bool,
    ) -> None:
        self.store = store
        self.clock = clock
        self.token = token
        self.limits = limits
        self.faults = faults
        self.oversize_status = oversize_status
        self.error_key = error_key
        self.headers_always = headers_always
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self._peak_in_flight = 0

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def peak_in_flight(self) -> int:
        """The most requests in flight at once since the start or `reset`."""
        with self._lock:
            return self._peak_in_flight

    def reset(self) -> None:
        """Forget the log, the peak and the rate-limit counts."""
        if self.limits is not None:
            self.limits.reset()
        with self._lock:
            self._requests.clear()
            self._peak_in_flight = self._in_flight

    def __call__(self, request: Request) -> Response | None:
        """Answer one request, or return ``None`` to drop the connection."""
        with self.serving(request) as (response, delay):
            if delay:
                self.stopping.wait(delay)
        return response

    @contextlib.contextmanager
    def serving(self, request: Request) -> Generator[tuple[Response | None, float], None, None]:
        """Process one request with `exchange`, counting it in flight until the block ends.

        Yields:
            What `exchange` returns; the caller waits out the delay inside the
            block, in its own way, so the request is still in flight meanwhile.
        """
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
        try:
            yield self.exchange(request)
        finally:
            with self._lock:
                self._in_flight -= 1

    def exchange(self, request: Request) -> tuple[Response | None, float]:
        """Process and log one request.

        Returns:
            The answer (``None`` to drop the connection) and the seconds to wait
            before giving it (a delay fault); the caller waits, in its own way.
        """
        split = urlsplit(request.target)
        path, query = split.path, dict(parse_qsl(split.query))
        fault = self.faults.take(request.method, path)

        def log(status: int | None) -> None:
            record = RecordedRequest(
                method=request.method,
                path=path,
                query=query,
                headers=request.headers,
                body=request.body,
                status=status,
                fault=None if fault is None else fault.kind,
            )
            with self._lock:
                self._requests.append(record)

        refusal = request.refusal
        if refusal is not None and refusal.status != 413:  # noqa: PLR2004 - broken framing
            log(refusal.status)
            return self._answer(ApiResponse(refusal.status, {"error": refusal.reason}), {}), 0.0
        if fault is not None and not fault.processes:
            return self._unprocessed(fault, log), 0.0
        response, extra = self._process(request, path, query)
        if fault is not None and fault.kind == "drop_after":
            log(None)
            return None, 0.0
        if fault is not None and fault.kind == "status":
            response, extra = ApiResponse(fault.status, {"error": "injected server error"}), {}
        log(response.status)
        delay = fault.seconds if fault is not None and fault.kind == "delay" else 0.0
        return self._answer(response, extra), delay

    def _unprocessed(self, fault: Fault, log: Callable[[int | None], None]) -> Response | None:
        if fault.kind == "drop_before":
            log(None)
            return None
        if fault.kind == "rate_limited":
            log(429)
            headers = _limit_headers(0, 0, self.clock() + fault.retry_after)
            headers["Retry-After"] = str(fault.retry_after)
            return self._answer(ApiResponse(429, {"error": "rate limit exceeded"}), headers)
        log(fault.status)
        return self._answer(ApiResponse(fault.status, {"error": "injected server error"}), {})

    def _process(
        self, request: Request, path: str, query: Mapping[str, str]
    ) -> tuple[ApiResponse, dict[str, str]]:
        if request.refusal is not None:
            return ApiResponse(self.oversize_status, {"error": request.refusal.reason}), {}
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return ApiResponse(401, {"error": "missing or invalid API token"}), {}
        extra: dict[str, str] = {}
        if self.limits is not None:
            with self._lock:
                in_flight = self._in_flight
            verdict = self.limits.admit(self.clock(), in_flight)
            if not verdict.admitted or self.headers_always:
                extra = _limit_headers(verdict.limit, verdict.remaining, verdict.reset)
            if not verdict.admitted:
                extra["Retry-After"] = str(verdict.retry_after)
                return ApiResponse(429, {"error": "rate limit exceeded"}), extra
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != _JSON:
                message = f"Content-Type must be application/json, got {content_type or 'none'}"
                return ApiResponse(400, {"error": message}), extra
        try:
            return self.store.handle(request.method, path, query, request.body), extra
        except Exception as exc:  # noqa: BLE001 - a fake bug must answer, not hang the client
            return ApiResponse(500, {"error": f"FakeMissive internal error: {exc!r}"}), extra

    def _answer(self, response: ApiResponse, headers: Mapping[str, str]) -> Response:
        body = response.body
        if body is not None and self.error_key != "error" and "error" in body:
            body = {self.error_key: body["error"]}
        if body is None:
            return Response(status=response.status, headers=list(headers.items()))
        return Response(
            status=response.status,
            headers=[("Content-Type", _JSON), *headers.items()],
            body=encode(body),
        )
