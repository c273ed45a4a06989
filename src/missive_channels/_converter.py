"""The one cattrs converter: every mapping between models and Missive's JSON lives here."""

from __future__ import annotations

import binascii
import json
import math
import types
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Final, TypeAlias, TypeVar, Union, cast, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    CattrsError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._constants import MAX_REQUEST_BYTES
from ._errors import FieldTypeError, RequestTooLargeError, ValidationError, WebhookPayloadError
from ._events import Correspondent, RuleEvent, WebhookEvent, WebhookParticipant
from ._models import REQUEST_MODELS, Attachment, Message, Participant, Post, check_message

_T = TypeVar("_T")

_M = TypeVar("_M", bound=Message)


Hook: TypeAlias = Callable[[Any, Any], Any]

# Writing leaves unset fields (None, (), default-False booleans) off the wire; reading
# collects every problem with its place, so errors can name a JSON path.
converter: Final = cattrs.Converter(omit_if_default=True, detailed_validation=True)

# Writing: models -> Missive's JSON.


# base64 is imported where an attachment is read or written: a webhook handler never needs it.


def _unstructure_attachment(attachment: Attachment) -> dict[str, str]:
    import base64  # noqa: PLC0415 - see above

    return {
        "base64_data": base64.b64encode(attachment.data).decode("ascii"),
        "filename": attachment.filename,
    }


def _unstructure_datetime(value: datetime) -> int:
    return math.floor(value.timestamp())


def _exact_seconds(value: datetime) -> float:
    # A read model keeps what Missive sent: whole seconds as an int, fractions as a float.
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def _has_extra(cls: object) -> bool:
    return attrs.has(cast("type", cls)) and "extra" in attrs.fields_dict(cast("type", cls))


def _read_model_unstructure_hook(
    cls: type[Any], conv: cattrs.Converter
) -> Callable[[Any], dict[str, Any]]:
    """Write a read model back in Missive's shape, its ``extra`` keys merged in."""
    overrides: dict[str, Any] = {"extra": override(omit=True)}
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.type in (datetime, datetime | None):
            overrides[field.name] = override(unstruct_hook=_exact_seconds)
    generated = make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **overrides)

    def unstructure(value: Any, _: object = None) -> dict[str, Any]:  # noqa: ANN401 - any model
        data: dict[str, Any] = generated(value)
        extra: Mapping[str, object] = value.extra
        return {**extra, **data} if extra else data

    return unstructure


converter.register_unstructure_hook(Attachment, _unstructure_attachment)
converter.register_unstructure_hook(datetime, _unstructure_datetime)
converter.register_unstructure_hook_factory(_has_extra, _read_model_unstructure_hook)


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode_json(value: object) -> bytes:
    """Encode a JSON value as compact UTF-8 text, non-ASCII characters kept as they are."""
    return _ENCODER.encode(value).encode("utf-8")


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
    check_message(message)
    return {"messages": converter.unstructure(message)}


def _within(body: bytes, limit: int) -> bytes:
    if len(body) > limit:
        raise RequestTooLargeError(size=len(body), limit=limit)
    return body


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
    return _within(_encode_json(to_request_body(message)), limit)


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
    return _within(_encode_json({"posts": converter.unstructure(post)}), limit)


def loads(raw: bytes | bytearray) -> object:
    """Decode a JSON document: ``json.loads``, named here so every reader shares it.

    Raises:
        ValueError: If ``raw`` is not one JSON value (trailing data included) or
            not UTF-8, UTF-16 or UTF-32 text.
        RecursionError: If the value nests too deeply.
    """
    return json.loads(raw)


# Reading: Missive's JSON -> models. Read models (webhooks, API responses) accept
# unknown keys; the outgoing models (read back from the wire object a request
# carries) refuse them, so a misspelt key never goes unnoticed.

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


_SCALARS: Final[dict[type, str]] = {str: "a string", int: "an integer", bool: "true or false"}
"""JSON scalars read as they are, each of exactly its type: a str field refuses a number."""


def _scalar_hook(kind: type, *, optional: bool) -> Hook:
    expected = _SCALARS[kind]

    def structure(value: object, _: object) -> object:
        if type(value) is kind or (optional and value is None):
            return value
        raise _ShapeError(expected=expected, got=value)

    return structure


def _datetime_hook(*, optional: bool) -> Hook:
    def structure(value: object, _: object) -> datetime | None:
        if type(value) is int or type(value) is float:
            try:
                return datetime.fromtimestamp(value, timezone.utc)
            except (OverflowError, OSError, ValueError):
                msg = f"{value!r} is out of range for Unix seconds"
                raise ValueError(msg) from None
        if optional and value is None:
            return None
        raise _ShapeError(expected="Unix seconds (a number)", got=value)

    return structure


def _read_base64(value: object, _: object) -> bytes:
    if type(value) is not str:
        raise _ShapeError(expected="base64 text", got=value)
    import base64  # noqa: PLC0415 - see _unstructure_attachment

    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        msg = "expected base64 text (A-Z, a-z, 0-9, + and /, padded with =)"
        raise ValueError(msg) from None


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


def _optional_hook(type_: Any, conv: cattrs.Converter) -> Hook:  # noqa: ANN401
    inner_type = _optional_of(type_)
    # The most common optional fields read None themselves, saving a call per value.
    if inner_type in _SCALARS:
        return _scalar_hook(inner_type, optional=True)
    if inner_type is datetime:
        return _datetime_hook(optional=True)
    inner = conv.get_structure_hook(inner_type)

    def structure(value: object, _: object) -> object:
        return None if value is None else inner(value, inner_type)

    return structure


def _items_hook(
    type_: Any,  # noqa: ANN401 - any type expression
    item: Hook,
    item_type: Any,  # noqa: ANN401 - any type expression
    skip: Callable[[object], bool] | None = None,
) -> Hook:
    """Return a hook reading a JSON array into a tuple; ``null`` reads as empty.

    Items for which ``skip`` is true are left out; a failing item is reported
    with its index, as cattrs reports those of its own collections.
    """

    def structure(value: Any, _: object) -> tuple[Any, ...]:  # noqa: ANN401 - JSON of any shape
        if value is None:
            return ()
        items: list[object] = value
        if type(items) is not list:
            raise _ShapeError(expected="an array", got=items)
        if not items:
            return ()
        found: list[object] = []
        index = 0
        try:
            for index, raw in enumerate(items):  # noqa: B007 - read on failure
                if skip is None or not skip(raw):
                    found.append(item(raw, item_type))
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its index
            note = IterableValidationNote(f"Structuring item @ index {index}", index, item_type)
            # typeshed declares __notes__ only from Python 3.11 on.
            setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), note])  # noqa: B010
            msg = f"While structuring {type_!r}"
            raise IterableValidationError(msg, [exc], type_) from None
        return tuple(found)

    return structure


def _tuple_hook(type_: Any, conv: cattrs.Converter) -> Hook:  # noqa: ANN401
    item_type = _item_of(type_)
    return _items_hook(type_, conv.get_structure_hook(item_type), item_type)


def _object_hook(
    cls: type[_T],
    conv: cattrs.Converter,
    *,
    forbid: bool,
    **overrides: Any,  # noqa: ANN401 - cattrs' attribute overrides
) -> Hook:
    """Structure a JSON object into ``cls`` with cattrs' generated function; refuse non-objects."""
    generated = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=forbid, **overrides)

    def structure(value: object, _: object) -> _T:
        if type(value) is not dict:
            raise _ShapeError(expected="an object", got=value)
        return generated(cast("dict[str, object]", value), cls)

    return structure


# Missive may send a participant or correspondent with every key null: it names
# nobody, so a read model holds None in its place, or leaves it out of a list.
_NAMES: Final[dict[type, tuple[str, ...]]] = {
    Participant: ("id", "username", "name"),
    WebhookParticipant: ("id", "username", "name"),
    Correspondent: ("id", "username", "name", "address"),
}


_NOBODY: Final = (None, "")


def _nobody_check(names: tuple[str, ...]) -> Callable[[object], bool]:
    def names_nobody(value: Any) -> bool:  # noqa: ANN401 - JSON of any shape, checked at once
        found: dict[str, object] = value
        if type(found) is not dict:
            return False
        return all(map(_NOBODY.__contains__, map(found.get, names)))

    return names_nobody


def _somebody_overrides(cls: type[Any], conv: cattrs.Converter) -> dict[str, Any]:
    """Hooks for a read model's participant fields: whoever names nobody reads as None."""
    overrides: dict[str, Any] = {}
    # attrs resolves the annotations once, in the module that defines the class.
    for name, hint in ((f.name, f.type) for f in attrs.fields(attrs.resolve_types(cls))):
        item_type = _item_of(hint)
        target = _optional_of(hint) if item_type is None else item_type
        if target not in _NAMES:
            continue
        nobody = _nobody_check(_NAMES[target])
        # A read model accepts unknown keys here too, even in an outgoing model's shape.
        read = (
            _read_model_hook(target, conv)
            if _has_extra(target)
            else _object_hook(target, conv, forbid=False)
        )
        overrides[name] = override(struct_hook=_somebody_hook(hint, read, target, nobody))
    return overrides


def _somebody_hook(
    hint: Any,  # noqa: ANN401 - any type expression
    read: Hook,
    target: type,
    nobody: Callable[[object], bool],
) -> Hook:
    if _item_of(hint) is not None:
        return _items_hook(hint, read, target, nobody)

    def one(value: object, _: object) -> object:
        return None if value is None or nobody(value) else read(value, target)

    return one


# Read and dropped at once: never shown or compared.
@attrs.frozen(kw_only=True, repr=False, eq=False)
class _WireAttachment:
    """An attachment as a request carries it."""

    filename: str
    base64_data: bytes


def _attachment_hook(_: object, conv: cattrs.Converter) -> Hook:
    wire = _object_hook(_WireAttachment, conv, forbid=True)

    def structure(value: object, _: object) -> Attachment:
        found: _WireAttachment = wire(value, _WireAttachment)
        return Attachment(filename=found.filename, data=found.base64_data)

    return structure


def _read_extra(value: object, _: object) -> object:
    return value  # the model makes it a read-only copy


_lenient_notes: Final[ContextVar[dict[str, None]]] = ContextVar("_lenient_notes")
"""The fields read as None while one document is structured, in order, each once.

A model is structured again after one of its own fields is set aside, and its
nested models with it; noting each field once logs one warning per document.
"""

_LENIENT_TYPES: Final = (str | None, int | None, bool | None, datetime | None)
"""Optional scalars: one of an unexpected type reads as ``None`` instead of failing the event."""


def _is_lenient(type_: Any) -> bool:  # noqa: ANN401 - any type expression
    # Lists of read models (attachments, users, labels) too: one integration types
    # a rule's attachments as URLs. Recipients and references stay strict.
    item = _item_of(type_)
    return type_ in _LENIENT_TYPES or (_has_extra(item) and item not in _NAMES)


def _lenient_fields(cls: type[Any], conv: cattrs.Converter) -> dict[str, tuple[Hook, Any]]:
    # What a handler needs to act stays strict: bodies, and the people of the
    # recipients (ids are required fields, strict anyway).
    if cls in _NAMES:
        return {}
    return {
        field.name: (conv.get_structure_hook(field.type), field.type)
        for field in attrs.fields(attrs.resolve_types(cls))
        if _is_lenient(field.type) and field.name != "body"
    }


def _off_type(data: dict[str, object], lenient: dict[str, tuple[Hook, Any]]) -> dict[str, object]:
    """Return the lenient fields of ``data`` whose values their hooks refuse."""
    found: dict[str, object] = {}
    for name, (hook, type_) in lenient.items():
        value = data.get(name)
        try:
            hook(value, type_)
        except (cattrs.BaseValidationError, ValueError):
            found[name] = value
    return found


def _read_model_hook(cls: type[_T], conv: cattrs.Converter) -> Hook:
    """Structure a read model; the keys it does not name go to its ``extra``, as sent.

    An optional scalar of an unexpected type (a count sent as text, a numeric id
    where a string is documented) reads as ``None``, a list of read models of the
    wrong shape (attachments sent as URLs) as ``()``; its value goes to ``extra``
    under its key, and a warning is logged. The event, and the reply it carries,
    is never lost over a field the handler does not need.
    """
    overrides = _somebody_overrides(cls, conv)
    overrides["extra"] = override(struct_hook=_read_extra)
    generated = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=False, **overrides)
    # Read models use Missive's key names as field names.
    known = frozenset(attrs.fields_dict(cast("type[Any]", cls))) - {"extra"}
    lenient = _lenient_fields(cls, conv)

    # Typed Any, as JSON of any shape: checked at once, and no cast() call per object.
    def structure(value: Any, _: object) -> _T:  # noqa: ANN401
        data: dict[str, object] = value
        if type(data) is not dict:
            raise _ShapeError(expected="an object", got=data)
        extra = {} if data.keys() <= known else {k: v for k, v in data.items() if k not in known}
        try:
            # An "extra" key Missive sends is one of the unknown keys, kept inside.
            return generated({**data, "extra": extra} if extra else data, cls)
        except (cattrs.BaseValidationError, ValueError):
            off = _off_type(data, lenient)
            if not off:
                raise
        _lenient_notes.get().update(dict.fromkeys(f"{cls.__name__}.{name}" for name in off))
        kept = {k: v for k, v in data.items() if k not in off}
        return generated({**kept, "extra": {**extra, **off}}, cls)

    return structure


def _attrs_hook(cls: type[Any], conv: cattrs.Converter) -> Hook:
    if cls in REQUEST_MODELS:
        return _object_hook(cls, conv, forbid=True)
    if _has_extra(cls):
        return _read_model_hook(cls, conv)
    return _object_hook(cls, conv, forbid=False, **_somebody_overrides(cls, conv))


for _kind in _SCALARS:
    converter.register_structure_hook(_kind, _scalar_hook(_kind, optional=False))
converter.register_structure_hook(datetime, _datetime_hook(optional=False))
converter.register_structure_hook(bytes, _read_base64)
# Factories, so that no hook is built before it is first needed (imports stay light).
converter.register_structure_hook_factory(attrs.has, _attrs_hook)
converter.register_structure_hook_factory(lambda t: t is Attachment, _attachment_hook)
converter.register_structure_hook_factory(lambda t: _optional_of(t) is not None, _optional_hook)
converter.register_structure_hook_factory(lambda t: _item_of(t) is not None, _tuple_hook)


def _as_is(_: object) -> Callable[[Any], Any]:
    # cattrs copies a field whose hook is `identity` inline, rather than calling a
    # hook that calls another per field.
    return identity


converter.register_unstructure_hook_factory(lambda t: _optional_of(t) in _SCALARS, _as_is)


# Errors: cattrs collects every failure with its place; transform_error turns them
# into "problem @ path" lines, of which the first is reported.

_SEPARATOR: Final = " @ "


def _describe(exc: BaseException, _: object) -> str:
    if isinstance(exc, KeyError):
        return "required key is missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        keys = ", ".join(repr(key) for key in sorted(exc.extra_fields))
        many = len(exc.extra_fields) > 1
        name = (Attachment if exc.cl is _WireAttachment else exc.cl).__name__
        return (
            f"unexpected key{'s' if many else ''} {keys}: {name} has no such "
            f"field{'s' if many else ''}; remove {'them' if many else 'it'} or check the spelling"
        )
    return str(exc)


def _problems(exc: BaseException, path: str) -> list[tuple[str, str, BaseException | None]]:
    """Return ``(path, problem, cause)`` for every failure cattrs collected, in order.

    The cause is the failure itself, for ``__cause__``: never one of cattrs' own
    exceptions, which stay inside.
    """
    causes: list[BaseException | None] = []

    def describe(leaf: BaseException, kind: object) -> str:
        causes.append(None if isinstance(leaf, CattrsError) else leaf)
        return _describe(leaf, kind)

    lines = cattrs.transform_error(exc, path, describe)
    found: list[tuple[str, str, BaseException | None]] = []
    for line, cause in zip(lines, causes, strict=True):
        # Paths hold field names and indices only, so the last separator is cattrs' own.
        problem, where = line.rsplit(_SEPARATOR, 1)
        found.append((where, problem, cause))
    return found


def _structure(data: object, cls: type[_T]) -> _T:
    hook: Hook = converter.get_structure_hook(cls)
    result: _T = hook(data, cls)
    return result


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

    Unknown keys go to each read model's ``extra``; missing or null optional
    values become ``None`` or ``()``; Unix seconds become aware UTC datetimes.
    An optional scalar of an unexpected type reads as ``None`` and a list of read
    models of the wrong shape as ``()``, its value kept in ``extra``, with one
    warning logged for the document. Only a wrong type
    elsewhere, a missing required key or a model's own validator fails.

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
    notes: dict[str, None] = {}
    token = _lenient_notes.set(notes)
    try:
        return _structure(data, cls)
    except (cattrs.BaseValidationError, ValueError) as exc:
        where, problem, cause = _problems(exc, path)[0]
        raise error(problem, where) from cause
    finally:
        _lenient_notes.reset(token)
        if notes:
            # Imported here: webhook handlers that never see such a value skip its import cost.
            import logging  # noqa: PLC0415

            logging.getLogger("missive_channels").warning(
                "%s at %s: values of an unexpected type read as None or empty, kept in extra: %s",
                cls.__name__,
                path,
                ", ".join(notes),
            )


def _has_key(data: object, key: str) -> bool:
    return type(data) is dict and key in cast("dict[str, object]", data)


def structure_webhook_event(data: object) -> WebhookEvent:
    """Structure a decoded webhook body into a `WebhookEvent`.

    Args:
        data: The decoded JSON body.

    Returns:
        The event.

    Raises:
        WebhookPayloadError: If the body is not shaped like a webhook delivery.
    """
    if _has_key(data, "rule"):
        msg = (
            "the body looks like a rule webhook (it has a `rule` key), not a custom channel's: "
            "parse it with parse_rule_webhook, or WebhookVerifier.unwrap_rule"
        )
        raise WebhookPayloadError(msg)
    return structure_payload(data, WebhookEvent)


def structure_rule_event(data: object) -> RuleEvent:
    """Structure a decoded rule webhook body into a `RuleEvent`.

    Args:
        data: The decoded JSON body.

    Returns:
        The event.

    Raises:
        WebhookPayloadError: If the body is not shaped like a rule webhook; a
            custom channel's body is named as such.
    """
    if _has_key(data, "message") and not _has_key(data, "rule"):
        msg = (
            "the body looks like a custom channel's webhook (it has a `message` and no `rule`), "
            "not a rule's: parse it with parse_webhook, or WebhookVerifier.unwrap"
        )
        raise WebhookPayloadError(msg)
    return structure_payload(data, RuleEvent)


def _structure_outgoing(data: object, cls: type[_T], path: str) -> _T:
    try:
        return _structure(data, cls)
    except (cattrs.BaseValidationError, ValueError) as exc:
        problems = _problems(exc, path)
        first, _, cause = problems[0]
        field = first.removeprefix(path).lstrip(".").partition(".")[0].partition("[")[0]
        message = "; ".join(
            problem if where == path else f"{where}: {problem}" for where, problem, _ in problems
        )
        raise ValidationError(message, field=field or None) from cause


def structure_message(data: object, cls: type[_M], *, path: str = "$") -> _M:
    """Read a message back from its wire object, as ``to_request_body(m)["messages"]`` gives it.

    Participants are objects, ``delivered_at`` is Unix seconds and attachments
    are ``{"filename", "base64_data"}``. Unknown keys are refused; the model's
    own validators decide the rest.

    Args:
        data: The decoded JSON object.
        cls: `TextMessage`, `HtmlMessage` or `EmailMessage`.
        path: The JSON path of ``data`` in the whole document, for error messages.

    Returns:
        The message.

    Raises:
        ValidationError: Naming the JSON path of every problem found (at ``path``
            itself, the model's own words).
    """
    return _structure_outgoing(data, cls, path)


def structure_post(data: object, *, path: str = "$") -> Post:
    """Read a post back from its wire object, as `encode_post` writes it under ``"posts"``.

    Args:
        data: The decoded JSON object.
        path: The JSON path of ``data`` in the whole document, for error messages.

    Returns:
        The post.

    Raises:
        ValidationError: Naming the JSON path of every problem found.
    """
    return _structure_outgoing(data, Post, path)


def _validation_error(problem: str, path: str) -> Exception:
    field = path.removeprefix("$").lstrip(".").partition(".")[0].partition("[")[0]
    return ValidationError(problem if path == "$" else f"{path}: {problem}", field=field or None)


def to_dict(model: object) -> dict[str, Any]:
    """Return any model as JSON-compatible data in Missive's shape; see ``JsonModel.to_dict``."""
    data: dict[str, Any] = converter.unstructure(model)
    return data


def from_dict(data: object, cls: type[_T]) -> _T:
    """Build any model from data in Missive's shape; see ``JsonModel.from_dict``.

    Raises:
        ValidationError: Naming the JSON path of the first problem found.
    """
    if cls in REQUEST_MODELS:
        return _structure_outgoing(data, cls, "$")
    return structure_payload(data, cls, error=_validation_error)
