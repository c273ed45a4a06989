"""`RequestOptions`: the options each request method of the clients takes for one call."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

    from ._core import ClientCore

__all__ = ["RequestOptions", "for_call"]


class RequestOptions(TypedDict, total=False):
    """The keyword options of one call, taken by every request method of both clients.

    ``messages.create``, ``create_many``, ``get`` and ``get_many``,
    ``conversations.get`` and ``conversations.messages``, and ``posts.create`` take
    them after their own arguments, e.g. ``client.messages.get(id, timeout=5.0)``.
    Options left out (or ``None``) keep the client's settings.

    Attributes:
        timeout: Seconds (or an ``httpx.Timeout``) each of this call's requests may
            take in all: a deadline for the whole request, as the client's own is.
        extra_headers: Headers to add to this call's requests, e.g. a trace id for
            a proxy; the client's own (token, user agent, ``Accept``,
            ``Content-Type``) win over them.
    """

    timeout: float | httpx.Timeout | None
    extra_headers: Mapping[str, str] | None


def for_call(core: ClientCore, options: RequestOptions) -> ClientCore:
    """Return the core for one call: ``core`` itself, or one derived for ``options``.

    Raises:
        TypeError: If ``options`` holds a keyword that is not an option, as Python
            raises for an unexpected keyword argument.
        ValidationError: If an option's value is invalid.
    """
    for name in options.keys() - RequestOptions.__optional_keys__:
        msg = (
            f"got an unexpected keyword argument {name!r}; the options of one call are "
            "timeout and extra_headers"
        )
        raise TypeError(msg)
    return core.with_call_options(options.get("timeout"), options.get("extra_headers"))
