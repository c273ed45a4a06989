"""Request bodies: exact sizing, chunked encoding, and splitting oversize attachments."""

from __future__ import annotations

import base64
import sys
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from ._constants import MAX_REQUEST_BYTES
from ._converter import encode_request
from ._errors import RequestTooLargeError
from ._models import Attachment, EmailMessage, HtmlMessage, Message, TextMessage

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["StreamedBody", "encoded_size", "split_attachments", "stream_request"]

_M = TypeVar("_M", TextMessage, HtmlMessage, EmailMessage)


# The compact encoder writes each attachment as {"base64_data":"...","filename":...}; inside a
# JSON string every quote is escaped, so this byte sequence can only be that structure.
_DATA_SLOT: Final = b'{"base64_data":"'
# Raw bytes per base64 chunk; a multiple of 3 so that the chunks' texts join without padding.
_CHUNK: Final = 3 * 2**16


def _base64_length(size: int) -> int:
    return 4 * ((size + 2) // 3)


def _without_data(message: Message) -> Message:
    stripped = tuple(Attachment(filename=a.filename, data=b"") for a in message.attachments)
    return attrs.evolve(message, attachments=stripped)


def encoded_size(message: Message) -> int:
    """Return the exact size in bytes of the message's encoded request, without encoding its files.

    Args:
        message: The message to measure.

    Returns:
        ``len(encode_request(message))``, computed without building the base64 text.
    """
    skeleton = len(encode_request(_without_data(message), limit=sys.maxsize))
    return skeleton + sum(_base64_length(len(a.data)) for a in message.attachments)


@attrs.frozen
class StreamedBody:
    """A message's request body, produced in chunks so attachments are never copied whole.

    Iterating yields the exact bytes of `encode_request` in pieces of at most a
    few hundred kilobytes; each iteration starts afresh, so a body can be sent again.

    Attributes:
        length: The total size in bytes (the ``Content-Length``).
    """

    _heads: tuple[bytes, ...]
    _files: tuple[bytes, ...]
    length: int

    def __iter__(self) -> Iterator[bytes]:
        """Yield the body's bytes in order."""
        for head, data in zip(self._heads, self._files, strict=False):
            yield head
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                yield base64.b64encode(view[start : start + _CHUNK])
        yield self._heads[-1]


def stream_request(message: Message, *, limit: int = MAX_REQUEST_BYTES) -> StreamedBody:
    """Return the message's request body as a re-iterable stream of chunks.

    Args:
        message: The message to encode.
        limit: The request size cap in bytes.

    Returns:
        The body, yielding exactly the bytes of ``encode_request(message)``.

    Raises:
        RequestTooLargeError: If the body is larger than ``limit``.
    """
    skeleton = encode_request(_without_data(message), limit=sys.maxsize)
    pieces = skeleton.split(_DATA_SLOT)
    heads = (*(piece + _DATA_SLOT for piece in pieces[:-1]), pieces[-1])
    files = tuple(attachment.data for attachment in message.attachments)
    length = len(skeleton) + sum(_base64_length(len(data)) for data in files)
    if length > limit:
        raise RequestTooLargeError(size=length, limit=limit)
    return StreamedBody(heads, files, length)


def split_attachments(message: _M, *, limit: int = MAX_REQUEST_BYTES) -> tuple[_M, ...]:
    """Split a message whose attachments make it too large into requests under the cap.

    The first part is the message itself with as many attachments as fit, in
    order. Each further part repeats the message's routing and conversation
    fields (account, participants, ``references``, ``conversation``, actions)
    without the body, so every part lands in the same conversation; its
    ``external_id``, if any, gets the suffix ``#2``, ``#3``... so each request
    stays unique. A message that already fits is returned alone.

    Args:
        message: The message to split.
        limit: The request size cap in bytes.

    Returns:
        One or more messages, each encoding to at most ``limit`` bytes.

    Raises:
        RequestTooLargeError: If one attachment alone, or the message without
            attachments, exceeds ``limit``.
    """
    if encoded_size(message) <= limit:
        return (message,)
    parts: list[_M] = []
    current: _M = _fitting(attrs.evolve(message, attachments=()), limit, "shorten the body")
    for attachment in message.attachments:
        candidate = attrs.evolve(current, attachments=(*current.attachments, attachment))
        if current.attachments and encoded_size(candidate) > limit:
            parts.append(current)
            number = len(parts) + 1
            candidate = attrs.evolve(
                message,
                body=None,
                attachments=(attachment,),
                external_id=None
                if message.external_id is None
                else f"{message.external_id}#{number}",
            )
        advice = f"the attachment {attachment.filename!r} is too large alone; send it as a link"
        current = _fitting(candidate, limit, advice)
    parts.append(current)
    return tuple(parts)


def _fitting(part: _M, limit: int, advice: str) -> _M:
    size = encoded_size(part)
    if size > limit:
        raise RequestTooLargeError(size=size, limit=limit, advice=advice)
    return part
