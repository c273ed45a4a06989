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
    NamedTuple,
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
from cattrs.fns import identity
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
    "loads",
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

_JSON_NATIVE: Final[tuple[type, ...]] = (str, int, float, bool)
"""Types whose values JSON holds as they are."""

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
# JSON-native optional values unstructure to themselves: saying so lets cattrs' generated
# functions copy them as they are, rather than call a hook that calls another per field.


def _as_is(_: object) -> Callable[[Any], Any]:
    return identity


converter.register_unstructure_hook_factory(lambda t: _optional_of(t) in _JSON_NATIVE, _as_is)


def _compact_json() -> Callable[[object], str]:
    """Return a function encoding a JSON value as compact text, non-ASCII kept as is.

    Bodies are built afresh from frozen models, so they cannot hold a cycle: the
    check is skipped. `json.JSONEncoder.encode` builds its C encoder anew on every
    call; the C encoder is built once here instead, where the interpreter has one.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    # The arguments json.JSONEncoder.iterencode passes, markers (the cycle check) left out.
    scan = make(
        None,
        encoder.default,
        json.encoder.encode_basestring,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value: object) -> str:
        return "".join(scan(value, 0))

    return encode


_encode_json: Final = _compact_json()

_MESSAGE_CLASSES: Final = (TextMessage, HtmlMessage, EmailMessage)

# Each class's unstructure function, resolved on first use (not at import, which
# webhook handlers pay for) and then kept instead of being looked up per call.
_UNSTRUCTURE: Final[dict[type, Callable[[Any], dict[str, Any]]]] = {}


def _unstructure_hook(cls: type) -> Callable[[Any], dict[str, Any]]:
    hook = _UNSTRUCTURE.get(cls)
    if hook is None:
        hook = _UNSTRUCTURE[cls] = converter.get_unstructure_hook(cls)
    return hook


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
    for cls in _MESSAGE_CLASSES:
        if isinstance(message, cls):  # pyright: ignore[reportUnnecessaryIsInstance]
            return {"messages": _unstructure_hook(cls)(message)}
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
    body = _encode_json(to_request_body(message)).encode("utf-8")
    if len(body) > limit:
        raise RequestTooLargeError(size=len(body), limit=limit)
    return body


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
    body = _encode_json({"posts": _unstructure_hook(Post)(post)}).encode("utf-8")
    if len(body) > limit:
        raise RequestTooLargeError(size=len(body), limit=limit)
    return body


_DECODER: Final = json.JSONDecoder()
_JSON_SPACE: Final = " \t\n\r"


def loads(raw: bytes | bytearray) -> object:
    """``json.loads(raw)``, with a shortcut for the usual body: UTF-8 text of one object.

    ``json.loads`` first guesses the encoding of bytes; a body opening with ``{``
    and then a non-zero byte is UTF-8 by its rules, so the shortcut decodes it as
    such and scans it directly. Whatever the shortcut cannot read goes to
    ``json.loads``, so results and error messages are exactly its own.
    """
    if raw[:1] == b"{" and raw[1:2] != b"\0":
        try:
            text = raw.decode("utf-8", "surrogatepass")
            data, end = _DECODER.raw_decode(text)
        except (ValueError, RecursionError):
            pass
        else:
            if not text[end:].strip(_JSON_SPACE):
                return data
    return json.loads(raw)


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


def _participant_reader(_: object, conv: cattrs.Converter) -> Hook:
    if not conv.detailed_validation:
        # The inline checks are exactly Participant's validators, and an alias naming
        # nobody (Missive may send every key null) reads as "no participant", so the
        # fast reader never needs Participant's __init__ (the costliest step here).
        return _attrs_reader(Participant, conv)
    generated = make_dict_structure_fn(Participant, conv)

    def explain(value: object, _: object) -> Participant | None:
        if type(value) is not dict:
            raise _ShapeError(expected="an object", got=value)
        get = cast("dict[str, object]", value).get
        keys = (get("id"), get("username"), get("name"))
        if not any(keys) and all(key is None or type(key) is str for key in keys):
            return None
        return generated(cast("dict[str, object]", value), Participant)

    return explain


# Inline checks for the generated readers; each mirrors one scalar hook above. The
# class test comes first: it settles the common case, a value of the right type.
_INLINE_CHECKS: Final[dict[Any, str]] = {
    str: "if {v}.__class__ is not str: raise Bad",
    str | None: "if {v}.__class__ is not str and {v} is not None: raise Bad",
    int | None: "if {v}.__class__ is not int and {v} is not None: raise Bad",
    bool | None: "if {v}.__class__ is not bool and {v} is not None: raise Bad",
}


def _builder(cls: type[Any]) -> type[Any] | None:
    """Return a mutable twin of a frozen attrs class, or None where CPython's rules forbid one.

    Setting a frozen class's slots goes through a method-wrapper call per field,
    the bulk of a reader's time. The twin subclass adds no slots and sets
    attributes the plain way (a specialized store), and an instance of it becomes
    a ``cls`` with one ``__class__`` assignment, which CPython allows between
    classes of identical layout. The probe below checks that on this interpreter.
    """
    names = {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__}
    try:
        twin = type(cls.__name__, (cls,), names)
        probe: object = object.__new__(twin)
        for field in attrs.fields(cls):
            setattr(probe, field.name, None)
        probe.__class__ = cls
    except (TypeError, AttributeError):
        return None
    return twin


def _plain(cls: type[Any]) -> bool:
    """Whether a class has nothing to check: no validators, converters or post-init."""
    return not hasattr(cls, "__attrs_post_init__") and all(
        field.validator is None and field.converter is None for field in attrs.fields(cls)
    )


class _Options(NamedTuple):
    trusted: bool
    """The inline checks are exactly the class's validators: its __init__ can be skipped."""
    named: tuple[str, ...]
    """At least one of these fields must be non-empty, else the object reads as None."""


# Participants and correspondents naming nobody read as "nobody": None, left out of lists.
_OPTIONS: Final[dict[type, _Options]] = {
    Participant: _Options(trusted=True, named=("id", "username", "name")),
    Correspondent: _Options(trusted=False, named=("id", "username", "name", "address")),
}
_DEFAULT_OPTIONS: Final = _Options(trusted=False, named=())


class _ReaderSource:
    """Writes the source of one fast reader; nested plain classes are read inline.

    Reading nested objects in the same function, rather than calling their own
    readers, saves a call per object, and most of a small object's reading time
    is that call.
    """

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv
        self.namespace: dict[str, Any] = {
            "Bad": _MismatchError,
            "new": object.__new__,
            "fromts": datetime.fromtimestamp,
            "utc": timezone.utc,
        }
        self.lines: list[str] = []
        self._objects = 0
        self._open: list[type] = []

    def _add(self, indent: int, *lines: str) -> None:
        self.lines.extend("    " * indent + line for line in lines)

    def _inline(self, type_: Any) -> bool:  # noqa: ANN401 - any type expression
        if not attrs.has(type_) or type_ in self._open:
            return False
        return _OPTIONS.get(type_, _DEFAULT_OPTIONS).trusted or _plain(type_)

    def _hook(self, tag: str, type_: Any) -> str:  # noqa: ANN401 - any type expression
        self.namespace[f"h{tag}"] = self.conv.get_structure_hook(type_)
        self.namespace[f"t{tag}"] = type_
        return f"h{tag}"

    def read(self, cls: type[Any], src: str, dst: str, indent: int) -> None:
        """Write lines reading the JSON object in ``src`` into a ``cls`` in ``dst``."""
        options = _OPTIONS.get(cls, _DEFAULT_OPTIONS)
        plain = options.trusted or _plain(cls)
        k = self._objects
        self._objects += 1
        twin = _builder(cls) if plain else None
        self.namespace[f"C{k}"] = cls
        self.namespace[f"M{k}"] = twin or cls
        hints = get_type_hints(cls)
        self._add(indent, f"if {src}.__class__ is not dict: raise Bad")
        self._add(indent, f"i{k} = new(M{k})" if plain else f"kw{k} = {{}}")
        self._open.append(cls)
        for n, field in enumerate(attrs.fields(cls)):
            v, key = f"f{k}_{n}", field.name
            if field.default is attrs.NOTHING:
                self._add(indent, f"{v} = {src}[{key!r}]")
                self._convert(v, f"{k}_{n}", hints[key], indent)
            elif field.default is None or field.default == ():
                self._add(indent, f"{v} = {src}.get({key!r})")
                self._convert(v, f"{k}_{n}", hints[key], indent)
            else:
                self.namespace[f"d{k}_{n}"] = field.default
                self._add(indent, f"if {key!r} in {src}:", f"    {v} = {src}[{key!r}]")
                self._convert(v, f"{k}_{n}", hints[key], indent + 1)
                self._add(indent, f"else: {v} = d{k}_{n}")
            if twin is not None:
                self._add(indent, f"i{k}.{key} = {v}")
            elif plain:
                # Without a twin, set the slots through the descriptors.
                self.namespace[f"s{k}_{n}"] = getattr(cls, key).__set__
                self._add(indent, f"s{k}_{n}(i{k}, {v})")
            else:
                self._add(indent, f"kw{k}[{key!r}] = {v}")
        self._open.pop()
        if not plain:
            self._add(indent, f"{dst} = C{k}(**kw{k})")
            return
        if options.named:
            named = " or ".join(f"i{k}.{name}" for name in options.named)
            self._add(indent, f"if not ({named}): {dst} = None", "else:")
            indent += 1
        if twin is not None:
            self._add(indent, f"i{k}.__class__ = C{k}")
        self._add(indent, f"{dst} = i{k}")

    def _convert(self, v: str, tag: str, type_: Any, indent: int) -> None:  # noqa: ANN401
        """Write lines turning the JSON value in ``v`` into the field's value, or raising."""
        if type_ in _INLINE_CHECKS:
            self._add(indent, _INLINE_CHECKS[type_].format(v=v))
            return
        item_type = _item_of(type_)
        if item_type is not None:
            self._items(v, tag, type_, item_type, indent)
            return
        inner = _optional_of(type_)
        target = type_ if inner is None else inner
        if inner is not None:
            self._add(indent, f"if {v} is not None:")
            indent += 1
        if self._inline(target):
            self.read(target, v, v, indent)
        elif target is datetime:
            # Whole Unix seconds are the common case: convert them here, the rest in the hook.
            hook = self._hook(tag, target)
            self._add(
                indent, f"{v} = fromts({v}, utc) if {v}.__class__ is int else {hook}({v}, t{tag})"
            )
        else:
            self._add(indent, f"{v} = {self._hook(tag, target)}({v}, t{tag})")

    def _items(self, v: str, tag: str, type_: Any, item_type: Any, indent: int) -> None:  # noqa: ANN401
        # Lists are read in place; anything else (null reads as empty) goes to the hook.
        hook = self._hook(tag, type_)
        self._add(indent, f"if {v}.__class__ is list:", f"    if {v}:")
        body = indent + 2
        if item_type is str:
            self._add(body, f"for x in {v}:", "    if x.__class__ is not str: raise Bad")
            self._add(body, f"{v} = tuple({v})")
        elif self._inline(item_type):
            self._add(body, f"a{tag} = []", f"for y{tag} in {v}:")
            self.read(item_type, f"y{tag}", f"z{tag}", body + 1)
            keep = (
                ""
                if not _OPTIONS.get(item_type, _DEFAULT_OPTIONS).named
                else f"if z{tag} is not None: "
            )
            self._add(body + 1, f"{keep}a{tag}.append(z{tag})")
            self._add(body, f"{v} = tuple(a{tag})")
        else:
            item = self._hook(f"{tag}_item", item_type)
            self._add(body, f"{v} = tuple([{item}(y, t{tag}_item) for y in {v}])")
        self._add(indent, f"    else: {v} = ()", f"else: {v} = {hook}({v}, t{tag})")


def _attrs_reader(cls: type[Any], conv: cattrs.Converter) -> Hook:
    """Generate the fast reader of an attrs class: type checks inline, hooks for the rest."""
    source = _ReaderSource(conv)
    source.read(cls, "o", "r", indent=2)
    text = "\n".join(
        [
            "def read(o, _):",
            "    try:",
            *source.lines,
            "        return r",
            # fromtimestamp's failures on absurd seconds; the explainer names them.
            "    except (OverflowError, OSError):",
            "        raise Bad from None",
        ]
    )
    namespace = source.namespace
    exec(text, namespace)  # noqa: S102 - code built above from field names only
    read: Hook = namespace["read"]
    return read


def _detailed_attrs_reader(cls: type[_T], conv: cattrs.Converter) -> Hook:
    generated = make_dict_structure_fn(cls, conv)

    def read(value: object, _: object) -> _T:
        if type(value) is not dict:
            raise _ShapeError(expected="an object", got=value)
        return generated(cast("dict[str, object]", value), cls)

    return read


def _correspondent_reader(_: object, conv: cattrs.Converter) -> Hook:
    if not conv.detailed_validation:
        return _attrs_reader(Correspondent, conv)
    build = _detailed_attrs_reader(Correspondent, conv)

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
    # Factories, like the ones above, so that no hook is built before it is first needed.
    conv.register_structure_hook_factory(lambda t: t is Participant, _participant_reader)
    conv.register_structure_hook_factory(lambda t: t is Correspondent, _correspondent_reader)
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


# The event's reader, generated on the first webhook rather than at import.
_EVENT_READER: Final[list[Hook]] = []


def structure_webhook_event(data: object) -> WebhookEvent:
    """Structure a decoded webhook body into a `WebhookEvent`.

    Args:
        data: The decoded JSON body.

    Returns:
        The event.

    Raises:
        WebhookPayloadError: If the body is not shaped like a webhook delivery.
    """
    if not _EVENT_READER:
        _EVENT_READER.append(_reader.get_structure_hook(WebhookEvent))
    try:
        event: WebhookEvent = _EVENT_READER[0](data, WebhookEvent)
    except _SHAPE_FAILURES:
        return structure_payload(data, WebhookEvent)
    return event
