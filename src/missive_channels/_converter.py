"""The one cattrs converter: every mapping between models and Missive's JSON lives here."""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime
from typing import Any, Final, cast

import cattrs

from ._errors import FieldTypeError, RequestTooLargeError
from ._models import Attachment, EmailMessage, HtmlMessage, Message, Post, TextMessage

__all__ = ["MAX_REQUEST_BYTES", "converter", "encode_post", "encode_request", "to_request_body"]

MAX_REQUEST_BYTES: Final = 10_000_000
"""Missive's cap on a whole request body (JSON with base64 attachments), in bytes.

Sources speak of "10 MB" without saying whether that is 10**7 or 2**20 * 10
bytes, so the smaller reading is used.
"""

# omit_if_default keeps unset fields (None, (), default-False booleans) off the wire.
converter: Final = cattrs.Converter(omit_if_default=True)


def _unstructure_attachment(attachment: Attachment) -> dict[str, str]:
    return {
        "base64_data": base64.b64encode(attachment.data).decode("ascii"),
        "filename": attachment.filename,
    }


def _unstructure_datetime(value: datetime) -> int:
    return math.floor(value.timestamp())


converter.register_unstructure_hook(Attachment, _unstructure_attachment)
converter.register_unstructure_hook(datetime, _unstructure_datetime)

_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

# Resolve each message class's unstructure function once instead of per call.
_UNSTRUCTURE: Final = {
    cls: converter.get_unstructure_hook(cls) for cls in (TextMessage, HtmlMessage, EmailMessage)
}


def to_request_body(message: Message) -> dict[str, Any]:
    """Return the JSON body of ``POST /v1/messages`` for a message.

    Unset fields are left out, ``delivered_at`` becomes Unix seconds and
    attachments are base64-encoded.

    Args:
        message: The message to encode.

    Returns:
        ``{"messages": {...}}``, exactly what goes on the wire.

    Raises:
        FieldTypeError: If ``message`` is not one of the three message types.
    """
    for cls, unstructure in _UNSTRUCTURE.items():
        if isinstance(message, cls):  # pyright: ignore[reportUnnecessaryIsInstance]
            return {"messages": unstructure(message)}
    msg = (
        "expected a TextMessage, HtmlMessage or EmailMessage, "
        f"got {type(message).__name__}; build the message with one of those classes"
    )
    raise FieldTypeError(msg)


def encode_request(message: Message, *, limit: int = MAX_REQUEST_BYTES) -> bytes:
    """Return the UTF-8 JSON request bytes for a message, refusing oversize requests.

    Args:
        message: The message to encode.
        limit: The request size cap in bytes.

    Returns:
        The request body bytes.

    Raises:
        FieldTypeError: If ``message`` is not one of the three message types.
        RequestTooLargeError: If the body is larger than ``limit``.
    """
    body = _ENCODER.encode(to_request_body(message)).encode("utf-8")
    if len(body) > limit:
        raise RequestTooLargeError(size=len(body), limit=limit)
    return body


_UNSTRUCTURE_POST: Final = converter.get_unstructure_hook(Post)


def encode_post(post: Post, *, limit: int = MAX_REQUEST_BYTES) -> bytes:
    """Return the UTF-8 JSON body of ``POST /v1/posts``, refusing oversize requests.

    Args:
        post: The post to encode.
        limit: The request size cap in bytes.

    Returns:
        ``{"posts": {...}}`` as bytes, unset fields left out.

    Raises:
        FieldTypeError: If ``post`` is not a `Post`.
        RequestTooLargeError: If the body is larger than ``limit``.
    """
    if not isinstance(cast("object", post), Post):
        msg = (
            f"expected a Post, got {type(post).__name__}; build the post with missive_channels.Post"
        )
        raise FieldTypeError(msg)
    body = _ENCODER.encode({"posts": _UNSTRUCTURE_POST(post)}).encode("utf-8")
    if len(body) > limit:
        raise RequestTooLargeError(size=len(body), limit=limit)
    return body
