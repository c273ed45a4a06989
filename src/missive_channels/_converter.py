"""The one cattrs converter: every mapping between models and Missive's JSON lives here."""

from __future__ import annotations

import base64
import json
import math
import types
from collections.abc import Callable
from datetime import datetime, timezone
from typing import (
    Any,
    Final,
    TypeAlias,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from ._errors import FieldTypeError, RequestTooLargeError, WebhookPayloadError
from ._events import Correspondent, WebhookEvent
from ._models import (
    Attachment,
    EmailMessage,
    HtmlMessage,
    Message,
    Participant,
    Post,
    TextMessage,
)

__all__ = [
    "MAX_REQUEST_BYTES",
    "converter",
    "encode_post",
    "encode_request",
    "structure_payload",
    "structure_webhook_event",
    "to_request_body",
]

_T = TypeVar("_T")

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


# Reading: Missive's JSON (webhooks, API responses) -> read-side models.
#
# Two converters share the scalar and collection hooks. `_reader` structures
# attrs classes with functions generated below (plain attribute sets, type checks
# inlined): several times faster than cattrs' own, and it only has to say "this
# failed". Only then does `_explainer` (cattrs with detailed validation) structure
# the same input again, to find the JSON path of the first problem.

_SHAPE_FAILURES: Final = (KeyError, TypeError, ValueError)
"""What structuring raises on a bad value; anything else is a bug and propagates."""

_NONE_TYPE: Final = type(None)

_JSON_KINDS: Final[dict[type, str]] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    _NONE_TYPE: "null",
}


class _ShapeError(ValueError):
    """A JSON value does not have the shape its field needs."""

    def __init__(self, *, expected: str, got: object) -> None:
        kind = _JSON_KINDS.get(type(got), type(got).__name__)
        super().__init__(f"expected {expected}, got {kind}")


class _MismatchError(ValueError):
    """Raised by the fast readers: something failed; the explainer will say what."""


def _read_str(value: object, _: object) -> str:
    if type(value) is str:
        return value
    raise _ShapeError(expected="a string", got=value)


def _read_int(value: object, _: object) -> int:
    if type(value) is int:
        return value
    raise _ShapeError(expected="an integer", got=value)


def _read_bool(value: object, _: object) -> bool:
    if type(value) is bool:
        return value
    raise _ShapeError(expected="true or false", got=value)


def _read_datetime(value: object, _: object) -> datetime:
    if type(value) is int or type(value) is float:
        try:
            return datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            msg = f"{value!r} is out of range for Unix seconds"
            raise ValueError(msg) from None
    raise _ShapeError(expected="Unix seconds (a number)", got=value)


def _optional_of(type_: Any) -> Any:  # noqa: ANN401 - any type expression
    """Return ``X`` for ``X | None``, else ``None``."""
    if get_origin(type_) not in (Union, types.UnionType):
        return None
    others = [arg for arg in get_args(type_) if arg is not _NONE_TYPE]
    return others[0] if len(others) == 1 else None


def _item_of(type_: Any) -> Any:  # noqa: ANN401 - any type expression
    """Return ``X`` for ``tuple[X, ...]``, else ``None``."""
    args = get_args(type_)
    if get_origin(type_) is tuple and args[1:] == (Ellipsis,):
        return args[0]
    return None


Hook: TypeAlias = Callable[[Any, Any], Any]


def _optional_hook(type_: Any, conv: cattrs.Converter) -> Hook:  # noqa: ANN401
    inner_type = _optional_of(type_)
    inner = conv.get_structure_hook(inner_type)

    def read(value: object, _: object) -> object:
        return None if value is None else inner(value, inner_type)

    return read


def _tuple_hook(type_: Any, conv: cattrs.Converter) -> Hook:  # noqa: ANN401
    item_type = _item_of(type_)
    item = conv.get_structure_hook(item_type)
    # Participants and correspondents naming nobody come back as None and are left out.
    drop_none = item_type is Participant or item_type is Correspondent

    def items_of(value: object) -> list[object]:
        if type(value) is list:
            return cast("list[object]", value)
        if value is None:  # null where the docs show a list reads as empty
            return []
        raise _ShapeError(expected="an array", got=value)

    def read(value: object, _: object) -> tuple[Any, ...]:
        items = [item(raw, item_type) for raw in items_of(value)]
        return tuple([x for x in items if x is not None] if drop_none else items)

    def explain(value: object, _: object) -> tuple[Any, ...]:
        for index, raw in enumerate(items_of(value)):
            try:
                item(raw, item_type)
            except (*_SHAPE_FAILURES, cattrs.BaseValidationError) as exc:  # noqa: PERF203 - failure path only
                note = IterableValidationNote(f"Structuring item @ index {index}", index, item_type)
                # typeshed declares __notes__ only from Python 3.11 on.
                setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), note])  # noqa: B010
                msg = f"While structuring {type_!r}"
                raise IterableValidationError(msg, [exc], type_) from None
        return read(value, _)

    return explain if conv.detailed_validation else read


def _participant_reader(conv: cattrs.Converter) -> Hook:
    set_id, set_username, set_name = (
        getattr(Participant, name).__set__ for name in ("id", "username", "name")
    )

    def read(value: object, _: object) -> Participant | None:
        if type(value) is not dict:
            raise _ShapeError(expected="an object", got=value)
        get = cast("dict[str, object]", value).get
        id_, username, name = get("id"), get("username"), get("name")
        for key in (id_, username, name):
            if key is not None and type(key) is not str:
                raise _MismatchError  # the explainer says which key and why
        # Missive may send an alias with every key null; Participant refuses that
        # (there is nothing to address), so it reads as "no participant".
        if not (id_ or username or name):
            return None
        # The checks above are exactly Participant's validators, so its __init__
        # (the costliest step here) has nothing left to check.
        participant = object.__new__(Participant)
        set_id(participant, id_)
        set_username(participant, username)
        set_name(participant, name)
        return participant

    generated = make_dict_structure_fn(Participant, conv)

    def explain(value: object, _: object) -> Participant | None:
        if type(value) is not dict:
            raise _ShapeError(expected="an object", got=value)
        get = cast("dict[str, object]", value).get
        keys = (get("id"), get("username"), get("name"))
        if not any(keys) and all(key is None or type(key) is str for key in keys):
            return None
        return generated(cast("dict[str, object]", value), Participant)

    return explain if conv.detailed_validation else read


# Inline checks for the generated readers; each mirrors one scalar hook above.
_INLINE_CHECKS: Final[dict[Any, str]] = {
    str: "if v.__class__ is not str: raise Bad",
    str | None: "if v is not None and v.__class__ is not str: raise Bad",
    int | None: "if v is not None and v.__class__ is not int: raise Bad",
    bool | None: "if v is not None and v.__class__ is not bool: raise Bad",
}


def _attrs_reader(cls: type[Any], conv: cattrs.Converter) -> Hook:
    """Generate the fast reader of an attrs class: type checks inline, hooks for the rest."""
    hints = get_type_hints(cls)
    plain = not hasattr(cls, "__attrs_post_init__") and all(
        field.validator is None and field.converter is None for field in attrs.fields(cls)
    )
    namespace: dict[str, Any] = {"Bad": _MismatchError, "cls": cls, "new": object.__new__}
    lines = ["def read(o, _):", "    if o.__class__ is not dict: raise Bad", "    g = o.get"]
    lines.append("    i = new(cls)" if plain else "    kw = {}")
    for n, field in enumerate(attrs.fields(cls)):
        type_ = hints[field.name]
        if field.default is attrs.NOTHING:
            lines.append(f"    v = o[{field.name!r}]")
        elif field.default is None or field.default == ():
            lines.append(f"    v = g({field.name!r})")
        else:
            namespace[f"d{n}"] = field.default
            lines.append(f"    v = g({field.name!r}, d{n})")
        if type_ in _INLINE_CHECKS:
            lines.append(f"    {_INLINE_CHECKS[type_]}")
        elif _item_of(type_) is not None:
            namespace[f"h{n}"] = conv.get_structure_hook(type_)
            namespace[f"t{n}"] = type_
            # Empty lists are the common case: skip the hook call for them.
            lines.append(f"    v = h{n}(v, t{n}) if v.__class__ is not list or v else ()")
        else:
            namespace[f"h{n}"] = conv.get_structure_hook(type_)
            namespace[f"t{n}"] = type_
            guard = "if v is not None: " if _optional_of(type_) is not None else ""
            lines.append(f"    {guard}v = h{n}(v, t{n})")
        if plain:
            # Plain classes have no validators to run: set the slots directly.
            namespace[f"s{n}"] = getattr(cls, field.name).__set__
            lines.append(f"    s{n}(i, v)")
        else:
            lines.append(f"    kw[{field.name!r}] = v")
    lines.append("    return i" if plain else "    return cls(**kw)")
    exec("\n".join(lines), namespace)  # noqa: S102 - code built above from field names only
    read: Hook = namespace["read"]
    return read


def _detailed_attrs_reader(cls: type[_T], conv: cattrs.Converter) -> Hook:
    generated = make_dict_structure_fn(cls, conv)

    def read(value: object, _: object) -> _T:
        if type(value) is not dict:
            raise _ShapeError(expected="an object", got=value)
        return generated(cast("dict[str, object]", value), cls)

    return read


def _correspondent_reader(conv: cattrs.Converter) -> Hook:
    reader = _detailed_attrs_reader if conv.detailed_validation else _attrs_reader
    build = reader(Correspondent, conv)

    def read(value: object, _: object) -> Correspondent | None:
        found: Correspondent = build(value, Correspondent)
        # Like a participant, a correspondent naming nobody reads as "no correspondent".
        named = found.id or found.username or found.name or found.address
        return found if named else None

    return read


def _reading_converter(*, detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed)
    conv.register_structure_hook(str, _read_str)
    conv.register_structure_hook(int, _read_int)
    conv.register_structure_hook(bool, _read_bool)
    conv.register_structure_hook(datetime, _read_datetime)
    conv.register_structure_hook_factory(
        attrs.has, _detailed_attrs_reader if detailed else _attrs_reader
    )
    conv.register_structure_hook_factory(lambda t: _optional_of(t) is not None, _optional_hook)
    conv.register_structure_hook_factory(lambda t: _item_of(t) is not None, _tuple_hook)
    conv.register_structure_hook(Participant, _participant_reader(conv))
    conv.register_structure_hook(Correspondent, _correspondent_reader(conv))
    return conv


_reader: Final = _reading_converter(detailed=False)
_explainer: Final = _reading_converter(detailed=True)


def _locate(exc: BaseException, path: str) -> tuple[str, BaseException]:
    """Follow cattrs' detailed errors down to the first failing value and its JSON path."""
    while isinstance(exc, (ClassValidationError, IterableValidationError)):
        with_notes, without_notes = exc.group_exceptions()
        if not with_notes:
            # Raised by the class itself (a validator judging the whole object).
            exc = without_notes[0]
            continue
        exc, note = with_notes[0]
        if isinstance(note, AttributeValidationNote):
            path = f"{path}.{note.name}"
        else:
            path = f"{path}[{note.index!r}]"
    return path, exc


def _explain(data: object, cls: type[Any], path: str) -> tuple[str, str] | None:
    """Return the path and description of the first problem, or None if there is none."""
    try:
        _explainer.structure(data, cls)
    except (*_SHAPE_FAILURES, cattrs.BaseValidationError) as exc:
        where, leaf = _locate(exc, path)
        if isinstance(leaf, KeyError):
            return where, "required key is missing"
        return where, str(leaf)
    return None


PayloadErrorFactory: TypeAlias = Callable[[str, str], Exception]
"""Builds the error to raise from a problem description and its JSON path."""


def _webhook_payload_error(problem: str, path: str) -> Exception:
    return WebhookPayloadError(problem, path=path)


def structure_payload(
    data: object,
    cls: type[_T],
    *,
    path: str = "$",
    error: PayloadErrorFactory = _webhook_payload_error,
) -> _T:
    """Structure decoded JSON into a read-side model, tolerating what Missive may send.

    Unknown keys are ignored; missing or null optional values become ``None`` or
    ``()``; Unix seconds become aware UTC datetimes. Only a wrong type or a missing
    required key fails.

    Args:
        data: The decoded JSON value.
        cls: The model to build, e.g. `Conversation` or `StoredMessage`.
        path: The JSON path of ``data`` in the whole document, for error messages.
        error: Builds the exception to raise from ``(problem, path)``; defaults to
            `WebhookPayloadError`.

    Returns:
        The model.

    Raises:
        Exception: Whatever ``error`` builds, naming the path of the first problem.
    """
    try:
        return _reader.structure(data, cls)
    except _SHAPE_FAILURES as exc:
        # Both converters apply the same rules, so the explainer fails wherever the
        # reader did; the generic fallback is a guard, not an expected outcome.
        where, problem = _explain(data, cls, path) or (path, str(exc))
        raise error(problem, where) from exc


_read_event: Final = _reader.get_structure_hook(WebhookEvent)


def structure_webhook_event(data: object) -> WebhookEvent:
    """Structure a decoded webhook body into a `WebhookEvent`.

    Args:
        data: The decoded JSON body.

    Returns:
        The event.

    Raises:
        WebhookPayloadError: If the body is not shaped like a webhook delivery.
    """
    try:
        event: WebhookEvent = _read_event(data, WebhookEvent)
    except _SHAPE_FAILURES:
        return structure_payload(data, WebhookEvent)
    return event
