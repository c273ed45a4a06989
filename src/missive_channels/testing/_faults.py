"""Scripted network and server faults the fake injects into matching requests."""

from __future__ import annotations

import fnmatch
import threading
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, TypedDict, cast, get_args

import attrs

from missive_channels._errors import FieldTypeError, ValidationError
from missive_channels._validators import (
    non_negative_int,
    non_negative_seconds,
    optional_positive_int,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Fault", "FaultKind", "FaultQueue"]

FaultKind: TypeAlias = Literal["drop_before", "drop_after", "status", "delay", "rate_limited"]
"""What a `Fault` does to the request it hits."""


class _Match(TypedDict, total=False):
    # The matching arguments every constructor takes; each defaults as in `Fault`.
    method: str | None
    path: str | None
    times: int | None
    skip: int


_PROCESSED_FIRST: Final = frozenset({"drop_after", "delay"})


_KINDS: Final = frozenset(get_args(FaultKind))


def _check_kind(_instance: Fault, _: attrs.Attribute[Any], value: object) -> None:
    if value not in _KINDS:
        msg = f"Fault.kind is {value!r}; build faults with Fault.drop_before(), Fault.delay(), ..."
        raise ValidationError(msg, field="kind")


def _check_status(_instance: Fault, _: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        msg = f"Fault.status must be int, got {type(value).__name__}"
        raise FieldTypeError(msg, field="status")
    if not 400 <= value <= 599:  # noqa: PLR2004 - the range of HTTP error statuses
        msg = f"Fault.status is {value}; use an HTTP error status (400-599)"
        raise ValidationError(msg, field="status")


@attrs.frozen(kw_only=True)
class Fault:
    """One scripted fault: what to do, and which requests it hits.

    Build faults with the class methods (`drop_before`, `drop_after`,
    `server_error`, `delay`, `rate_limited`) and queue them with
    ``fake.faults.push(...)``. Every class method also takes the keyword
    arguments saying which requests the fault hits (``**match``): ``method``,
    ``path``, ``times`` and ``skip``, as in the attributes below.

    Attributes:
        kind: What the fault does.
        method: The HTTP method it hits (``None``: any).
        path: A glob on the request path it hits, e.g. ``"/v1/messages"`` or
            ``"/v1/conversations/*"`` (``None``: any).
        times: How many matching requests it hits (``None``: every one until
            ``fake.faults.clear()``).
        skip: How many matching requests pass untouched before it starts hitting.
        status: The status answered by ``status`` faults.
        recorded: For ``status`` faults: whether the request was processed (the
            message is recorded) before the error status went out.
        seconds: For ``delay`` faults: real seconds the response is held back.
        retry_after: For ``rate_limited`` faults: the ``Retry-After`` value in seconds.
    """

    kind: FaultKind = attrs.field(validator=_check_kind)
    method: str | None = None
    path: str | None = None
    times: int | None = attrs.field(default=1, validator=optional_positive_int)
    skip: int = attrs.field(default=0, validator=non_negative_int)
    status: int = attrs.field(default=500, validator=_check_status)
    recorded: bool = False
    seconds: float = attrs.field(default=0.0, validator=non_negative_seconds)
    retry_after: int = attrs.field(default=60, validator=non_negative_int)

    @property
    def processes(self) -> bool:
        """Whether a request hit by this fault is still processed (and recorded)."""
        return self.kind in _PROCESSED_FIRST or (self.kind == "status" and self.recorded)

    def matches(self, method: str, path: str) -> bool:
        """Tell whether a request falls under this fault's method and path.

        Args:
            method: The request's HTTP method.
            path: The request's path, without the query string.

        Returns:
            ``True`` if the fault applies to the request.
        """
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)

    @classmethod
    def drop_before(
        cls,
        **match: Unpack[_Match],
    ) -> Fault:
        """Close the connection without processing the request or answering.

        The request never reaches the fake's API: nothing is recorded. The client
        sees the server disconnect without a response.

        Returns:
            The fault.
        """
        return cls(kind="drop_before", **match)

    @classmethod
    def drop_after(
        cls,
        **match: Unpack[_Match],
    ) -> Fault:
        """Process the request (recording it), then close the connection without answering.

        The situation a retrying client must not turn into a duplicate.

        Returns:
            The fault.
        """
        return cls(kind="drop_after", **match)

    @classmethod
    def server_error(
        cls,
        status: int = 500,
        *,
        recorded: bool = False,
        **match: Unpack[_Match],
    ) -> Fault:
        """Answer an error status instead of the real response.

        Args:
            status: The status to answer (400-599), e.g. 500, 502 or 503.
            recorded: ``False``: the request is not processed. ``True``: it is
                processed and recorded first, and only the answer is an error.

        Returns:
            The fault.
        """
        return cls(kind="status", status=status, recorded=recorded, **match)

    @classmethod
    def delay(
        cls,
        seconds: float,
        **match: Unpack[_Match],
    ) -> Fault:
        """Process the request, then hold the response back, e.g. past a client's timeout.

        The request counts as in flight while held. Stopping the fake cuts the
        wait short.

        Args:
            seconds: Real seconds to wait before answering.

        Returns:
            The fault.
        """
        return cls(kind="delay", seconds=seconds, **match)

    @classmethod
    def rate_limited(
        cls,
        retry_after: int = 60,
        **match: Unpack[_Match],
    ) -> Fault:
        """Answer 429 with ``Retry-After`` without processing, whatever the real limits say.

        With ``times``, it makes a burst of 429 answers.

        Args:
            retry_after: The ``Retry-After`` value, in seconds.

        Returns:
            The fault.
        """
        return cls(kind="rate_limited", retry_after=retry_after, **match)


@attrs.define
class _Armed:
    fault: Fault
    skip: int
    left: int | None


class FaultQueue:
    """The fake's thread-safe queue of pending faults, in the order they were pushed.

    Each request is checked against the pending faults in order; the first one
    that matches (and has no requests left to skip) hits it and uses up one of
    its ``times``. A request passes over a fault that is still skipping, and
    that fault counts the request as skipped.
    """

    def __init__(self) -> None:
        """Create an empty queue."""
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []

    def push(self, *faults: Fault) -> None:
        """Queue faults after the ones already pending.

        Args:
            *faults: The faults, in order.

        Raises:
            FieldTypeError: If an argument is not a `Fault`.
        """
        for fault in faults:
            if not isinstance(cast("object", fault), Fault):
                msg = f"FaultQueue.push takes Fault objects, got {type(fault).__name__}"
                raise FieldTypeError(msg, field="faults")
        with self._lock:
            self._armed.extend(_Armed(f, f.skip, f.times) for f in faults)

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._armed.clear()

    @property
    def pending(self) -> tuple[Fault, ...]:
        """The faults that can still hit a request, in order."""
        with self._lock:
            return tuple(armed.fault for armed in self._armed)

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault that hits this request, if any, using it up.

        Args:
            method: The request's HTTP method.
            path: The request's path, without the query string.

        Returns:
            The fault to apply, or ``None`` for a normal request.
        """
        with self._lock:
            for armed in self._armed:
                if not armed.fault.matches(method, path):
                    continue
                if armed.skip:
                    armed.skip -= 1
                    continue
                if armed.left is not None:
                    armed.left -= 1
                    if not armed.left:
                        self._armed.remove(armed)
                return armed.fault
            return None
