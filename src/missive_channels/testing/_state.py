"""The fake's sans-IO core: channels, conversations and messages, and Missive's API over them."""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import re
import threading
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import attrs

from missive_channels._errors import FakeMissiveError, SendRefusedError, ValidationError
from missive_channels._models import Participant
from missive_channels._validators import is_color

from ._payloads import conversation_json, outgoing_message_json, preview, user_json
from ._settings import ChannelSettings, MissiveUser

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["ApiResponse", "RecordedMessage", "RecordedPost", "Store"]

_WHITESPACE: Final = re.compile(r"\s")
_PAGE_LIMIT: Final = 10
_EMAIL_ONLY: Final = ("subject", "cc_fields", "bcc_fields")
_CHAT_KEYS: Final = frozenset({"id", "name", "username"})
_EMAIL_KEYS: Final = frozenset({"address", "name"})

# What each documented field of POST /messages and POST /posts must hold.
_Kind = Literal["str", "int", "bool", "strs", "participant", "participants", "special"]
_ACTIONS: Final[dict[str, _Kind]] = {
    "references": "strs",
    "conversation": "str",
    "team": "str",
    "force_team": "bool",
    "organization": "str",
    "add_users": "strs",
    "add_assignees": "strs",
    "add_shared_labels": "strs",
    "remove_shared_labels": "strs",
    "add_to_inbox": "bool",
    "add_to_team_inbox": "bool",
    "close": "bool",
    "conversation_subject": "str",
    "conversation_color": "str",
}
_MESSAGE_FIELDS: Final[dict[str, _Kind]] = {
    **_ACTIONS,
    "account": "str",
    "from_field": "participant",
    "to_fields": "participants",
    "cc_fields": "participants",
    "bcc_fields": "participants",
    "subject": "str",
    "body": "str",
    "delivered_at": "int",
    "attachments": "special",
    "external_id": "str",
    "remove_assignees": "strs",
}
_POST_FIELDS: Final[dict[str, _Kind]] = {
    **_ACTIONS,
    "username": "str",
    "username_icon": "str",
    "conversation_icon": "str",
    "text": "str",
    "markdown": "str",
    "notification": "special",
    "attachments": "special",
    "reopen": "bool",
}


class ApiError(Exception):
    """A request the fake answers with an error status; never escapes the server."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@attrs.frozen
class ApiResponse:
    """What the API core answers: a status and a JSON body (``None``: empty body)."""

    status: int
    body: Mapping[str, Any] | None


@attrs.frozen(kw_only=True)
class RecordedMessage:
    """A message the fake accepted through ``POST /v1/messages``.

    Attributes:
        id: The message id the fake assigned.
        conversation: The id of the conversation it joined or started.
        account: The channel's account id.
        payload: The ``messages`` object exactly as the client sent it (parsed JSON).
    """

    id: str
    conversation: str
    account: str
    payload: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class RecordedPost:
    """A post the fake accepted through ``POST /v1/posts``.

    Attributes:
        id: The post id the fake assigned.
        conversation: The id of the conversation it joined or started.
        payload: The ``posts`` object exactly as the client sent it (parsed JSON).
    """

    id: str
    conversation: str
    payload: Mapping[str, Any]


@attrs.define
class _Conversation:
    id: str
    account: str | None
    created_at: int
    last_activity_at: int
    users: list[str]
    subject: str | None = None
    color: str | None = None
    organization: str | None = None
    team: str | None = None
    assignees: list[str] = attrs.Factory(list[Any])
    labels: list[str] = attrs.Factory(list[Any])
    closed: bool = False
    team_inbox: bool = False
    authors: list[dict[str, Any]] = attrs.Factory(list[Any])
    messages: list[dict[str, Any]] = attrs.Factory(list[Any])
    attachments_count: int = 0
    latest_subject: str | None = None


def _fail(message: str, status: int = 400) -> ApiError:
    return ApiError(status, message)


def _check_kind(where: str, kind: _Kind, value: object) -> None:
    if kind == "str":
        if not isinstance(value, str):
            raise _fail(f"{where} must be a string")
    elif kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _fail(f"{where} must be a non-negative integer (Unix seconds)")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(f"{where} must be true or false")
    elif kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):  # pyright: ignore[reportUnknownVariableType]
            raise _fail(f"{where} must be an array of strings")
    elif kind == "participants" and not isinstance(value, list):
        raise _fail(f"{where} must be an array of participants")


def _check_fields(
    envelope: str, fields: Mapping[str, Any], table: Mapping[str, _Kind], *, strict: bool
) -> None:
    for key, value in fields.items():
        kind = table.get(key)
        if kind is None:
            if strict:
                raise _fail(f"{envelope}.{key} is not a parameter Missive documents")
            continue
        if value is not None:
            _check_kind(f"{envelope}.{key}", kind, value)


def _participant(where: str, value: object, channel_type: str) -> dict[str, Any]:
    """Validate one participant against the channel type and return it normalised."""
    if not isinstance(value, dict):
        raise _fail(f"{where} must be an object")
    fields: dict[str, object] = value  # pyright: ignore[reportUnknownVariableType]
    if channel_type == "email":
        extra = set(fields) - _EMAIL_KEYS
        address = fields.get("address")
        if extra or not isinstance(address, str) or "@" not in address:
            raise _fail(
                f"{where} must be {{address, name}} with an email address on an Email channel"
            )
        name = fields.get("name")
        if name is not None and not isinstance(name, str):
            raise _fail(f"{where}.name must be a string")
        return {"address": address, "name": name}
    extra = set(fields) - _CHAT_KEYS
    if extra:
        raise _fail(
            f"{where} has {', '.join(sorted(extra))}; participants on a "
            f"{channel_type.capitalize()} channel are {{id, username, name}}"
        )
    for key in _CHAT_KEYS:
        if fields.get(key) is not None and not isinstance(fields[key], str):
            raise _fail(f"{where}.{key} must be a string")
    if not any(fields.get(key) for key in _CHAT_KEYS):
        raise _fail(f"{where} needs at least one of id, username, name")
    return {"id": fields.get("id"), "username": fields.get("username"), "name": fields.get("name")}


def _attachment(where: str, value: object, index: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{where} must be an object {{base64_data, filename}}")
    item: dict[str, object] = value  # pyright: ignore[reportUnknownVariableType]
    data, filename = item.get("base64_data"), item.get("filename")
    if set(item) - {"base64_data", "filename"}:
        raise _fail(f"{where} accepts only base64_data and filename")
    if not isinstance(filename, str) or not filename.strip():
        raise _fail(f"{where}.filename must be a non-empty string")
    if not isinstance(data, str):
        raise _fail(f"{where}.base64_data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{where}.base64_data is not valid base64") from None
    media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    main, _, sub = media.partition("/")
    extension = filename.rpartition(".")[2] if "." in filename else ""
    attachment_id = str(uuid.uuid4())
    return {
        "id": attachment_id,
        "filename": filename,
        "extension": extension,
        "url": f"https://files.fake-missive.invalid/{attachment_id}/{index}",
        "media_type": main,
        "sub_type": sub,
        "size": len(raw),
        "width": None,
        "height": None,
    }


def _color(where: str, value: str | None) -> None:
    if value is not None and not is_color(value):
        raise _fail(f"{where} must be a hex colour or one of good, warning, danger")


def _query_int(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise _fail(f"query parameter {name} must be an integer, got {raw!r}") from None


def _merge(target: list[str], add: list[str] | None, remove: list[str] | None) -> None:
    """Add and remove ids in an ordered, duplicate-free list."""
    target.extend(item for item in dict.fromkeys(add or []) if item not in target)
    for item in remove or []:
        if item in target:
            target.remove(item)


def _display(participant: Mapping[str, Any]) -> str | None:
    name: str | None = (
        participant.get("name") or participant.get("username") or participant.get("id")
    )
    return name


class Store:
    """Everything the fake knows, behind one lock, and the API routes over it."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        user: MissiveUser,
        empty_responses: bool,
        strict_fields: bool,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.user = user
        self.empty_responses = empty_responses
        self.strict_fields = strict_fields
        self.channels: dict[str, ChannelSettings] = {}
        self.known_users: dict[str, MissiveUser] = {user.id: user}
        self.reset()

    def reset(self) -> None:
        """Forget every conversation, message and post; keep the channels."""
        with self.lock:
            self.conversations: dict[str, _Conversation] = {}
            self.references: dict[str, str] = {}
            self.messages: dict[str, tuple[str, dict[str, Any]]] = {}
            self.accepted: list[RecordedMessage] = []
            self.posts: list[RecordedPost] = []

    def now(self) -> int:
        return int(self.clock())

    # -- channels -----------------------------------------------------------------------

    def add_channel(self, settings: ChannelSettings, account: str | None) -> str:
        if not isinstance(cast("object", settings), ChannelSettings):
            msg = f"add_channel takes ChannelSettings, got {type(settings).__name__}"
            raise ValidationError(msg, field="settings")
        account_id = str(uuid.uuid4()) if account is None else account
        with self.lock:
            old = self.channels.get(account_id)
            if old is not None and old.type != settings.type:
                msg = (
                    f"channel {account_id} is of type {old.type!r}; Missive never changes a "
                    "channel's message type, create a new channel instead"
                )
                raise ValidationError(msg, field="type")
            self.channels[account_id] = settings
        return account_id

    # -- routing ------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: Mapping[str, str], body: bytes) -> ApiResponse:
        """Answer one authenticated, admitted API request."""
        try:
            return self._route(method, path, query, body)
        except ApiError as error:
            return ApiResponse(error.status, {"error": error.message})

    def _route(self, method: str, path: str, query: Mapping[str, str], body: bytes) -> ApiResponse:
        parts = path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "v1" or "" in parts:  # noqa: PLR2004 - "v1" and a resource
            raise _fail(f"no route {path}", 404)
        resource = parts[1:]
        routes: list[tuple[str, Callable[[], ApiResponse]]] = []
        if resource == ["messages"]:
            routes = [("POST", lambda: self._create_message(body))]
        elif resource == ["posts"]:
            routes = [("POST", lambda: self._create_post(body))]
        elif len(resource) == 2 and resource[0] == "messages":  # noqa: PLR2004
            routes = [("GET", lambda: self._get_messages(resource[1]))]
        elif len(resource) == 2 and resource[0] == "conversations":  # noqa: PLR2004
            routes = [("GET", lambda: self._get_conversation(resource[1]))]
        elif resource[0] == "conversations" and resource[2:] == ["messages"]:
            routes = [("GET", lambda: self._list_messages(resource[1], query))]
        for allowed, route in routes:
            if method == allowed:
                return route()
        if routes:
            raise _fail(f"{method} is not allowed on {path}; use {routes[0][0]}", 405)
        raise _fail(f"no route {path}", 404)

    # -- POST /messages -----------------------------------------------------------------

    @staticmethod
    def _envelope(body: bytes, key: str) -> dict[str, Any]:
        try:
            data: Any = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise _fail("the request body is not valid JSON") from None
        fields: Any = cast("dict[str, Any]", data).get(key) if isinstance(data, dict) else None
        if not isinstance(fields, dict):
            raise _fail(f'the request body must be an object {{"{key}": {{...}}}}')
        return cast("dict[str, Any]", fields)

    def _create_message(self, body: bytes) -> ApiResponse:
        fields = self._envelope(body, "messages")
        _check_fields("messages", fields, _MESSAGE_FIELDS, strict=self.strict_fields)
        account = fields.get("account")
        if account is None:
            raise _fail("messages.account is required: the custom channel's account id")
        with self.lock:
            channel = self.channels.get(account)
            if channel is None:
                raise _fail(f"messages.account {account!r} is not a custom channel account", 404)
            kind = channel.type
            sender, lists = self._people(fields, kind)
            raw_attachments: Any = fields.get("attachments")
            if raw_attachments is None:
                raw_attachments = []
            if not isinstance(raw_attachments, list):
                raise _fail("messages.attachments must be an array")
            attachments = [
                _attachment(f"messages.attachments[{i}]", item, i)
                for i, item in enumerate(cast("list[object]", raw_attachments))
            ]
            self._check_actions("messages", fields)
            if fields.get("remove_assignees") and fields.get("organization") is None:
                raise _fail("messages.remove_assignees needs organization")
            conversation = self._thread("messages", fields, account)
            now = self.now()
            delivered: int = now if fields.get("delivered_at") is None else fields["delivered_at"]
            message_id = str(uuid.uuid4())
            text = fields.get("body") or ""
            message = {
                "id": message_id,
                "subject": fields.get("subject"),
                "preview": preview(text, rich=kind != "text"),
                "type": f"custom_{kind}",
                "delivered_at": delivered,
                "updated_at": now,
                "created_at": now,
                "email_message_id": None,
                "in_reply_to": [],
                "references": self._valid_references(fields),
                "body": fields.get("body"),
                "from_field": sender,
                **lists,
                "reply_to_fields": [],
                "attachments": attachments,
                "external_id": fields.get("external_id"),
            }
            subject = fields.get("subject") or f"Message from {_display(sender)}"
            self._add_message(conversation, message, sender, subject)
            self._apply_actions(conversation, fields, reopen=not fields.get("close"))
            conversation.attachments_count += len(attachments)
            self.accepted.append(
                RecordedMessage(
                    id=message_id, conversation=conversation.id, account=account, payload=fields
                )
            )
            if self.empty_responses:
                return ApiResponse(201, None)
            return ApiResponse(
                201, {"messages": {"id": message_id, "conversation": conversation.id}}
            )

    @staticmethod
    def _people(
        fields: Mapping[str, Any], kind: str
    ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        """Check the sender and recipients against the channel type; return them normalised."""
        if kind != "email":
            for key in _EMAIL_ONLY:
                if fields.get(key) is not None:
                    raise _fail(
                        f"messages.{key} applies to Email channels only; this channel is {kind}"
                    )
        if fields.get("from_field") is None:
            raise _fail("messages.from_field is required: the sender")
        sender = _participant("messages.from_field", fields["from_field"], kind)
        lists = {
            key: [
                _participant(f"messages.{key}[{i}]", item, kind)
                for i, item in enumerate(fields.get(key) or [])
            ]
            for key in ("to_fields", "cc_fields", "bcc_fields")
        }
        return sender, lists

    def _check_actions(self, envelope: str, fields: Mapping[str, Any]) -> None:
        for key in ("add_users", "add_assignees"):
            if fields.get(key) and fields.get("organization") is None:
                raise _fail(f"{envelope}.{key} needs organization")
        for key in ("add_to_team_inbox", "force_team"):
            if fields.get(key) and fields.get("team") is None:
                raise _fail(f"{envelope}.{key} needs team")
        _color(f"{envelope}.conversation_color", fields.get("conversation_color"))

    @staticmethod
    def _valid_references(fields: Mapping[str, Any]) -> list[str]:
        # Missive silently ignores references that contain whitespace (documented for drafts).
        references: list[str] = fields.get("references") or []
        return [r for r in references if r and not _WHITESPACE.search(r)]

    def _thread(
        self, envelope: str, fields: Mapping[str, Any], account: str | None
    ) -> _Conversation:
        """Find the conversation a new message or post joins, or start one."""
        target = fields.get("conversation")
        references = self._valid_references(fields)
        if target is not None:
            conversation = self.conversations.get(target)
            if conversation is None:
                raise _fail(f"{envelope}.conversation {target!r} does not exist", 404)
        else:
            found = next((self.references[r] for r in references if r in self.references), None)
            if found is None:
                now = self.now()
                conversation = _Conversation(
                    id=str(uuid.uuid4()),
                    account=account,
                    created_at=now,
                    last_activity_at=now,
                    users=[self.user.id],
                )
                self.conversations[conversation.id] = conversation
            else:
                conversation = self.conversations[found]
        if conversation.account is None:
            conversation.account = account
        for reference in references:
            self.references.setdefault(reference, conversation.id)
        return conversation

    def _add_message(
        self,
        conversation: _Conversation,
        message: dict[str, Any],
        sender: Mapping[str, Any],
        subject: str | None,
    ) -> None:
        self.messages[message["id"]] = (conversation.id, message)
        conversation.messages.append(message)
        conversation.last_activity_at = max(conversation.last_activity_at, message["created_at"])
        conversation.latest_subject = subject
        author = {"name": sender.get("name") or _display(sender), "address": sender.get("address")}
        if author not in conversation.authors:
            conversation.authors.append(author)

    @staticmethod
    def _apply_actions(
        conversation: _Conversation, fields: Mapping[str, Any], *, reopen: bool
    ) -> None:
        """Apply the conversation actions of a message or post, as far as GET shows them."""
        organization = fields.get("organization")
        if organization is not None and conversation.organization is None:
            conversation.organization = organization
        team = fields.get("team")
        if team is not None and (conversation.team is None or fields.get("force_team")):
            conversation.team = team
        _merge(conversation.users, fields.get("add_users"), None)
        _merge(conversation.users, fields.get("add_assignees"), None)
        _merge(conversation.assignees, fields.get("add_assignees"), fields.get("remove_assignees"))
        _merge(
            conversation.labels, fields.get("add_shared_labels"), fields.get("remove_shared_labels")
        )
        if fields.get("conversation_subject") is not None:
            conversation.subject = fields["conversation_subject"]
        if fields.get("conversation_color") is not None:
            conversation.color = fields["conversation_color"]
        if fields.get("add_to_team_inbox"):
            conversation.team_inbox = True
        if fields.get("close"):
            conversation.closed = True
        elif reopen or fields.get("add_to_inbox") or fields.get("add_to_team_inbox"):
            conversation.closed = False

    # -- POST /posts --------------------------------------------------------------------

    def _create_post(self, body: bytes) -> ApiResponse:
        fields = self._envelope(body, "posts")
        _check_fields("posts", fields, _POST_FIELDS, strict=self.strict_fields)
        notification = fields.get("notification")
        if (
            not isinstance(notification, dict)
            or not isinstance(notification.get("title"), str)  # pyright: ignore[reportUnknownMemberType]
            or not isinstance(notification.get("body"), str)  # pyright: ignore[reportUnknownMemberType]
        ):
            raise _fail("posts.notification is required: an object {title, body} of strings")
        attachments = fields.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise _fail("posts.attachments must be an array")
        if not (fields.get("text") or fields.get("markdown") or attachments):
            raise _fail("a post needs text, markdown or attachments")
        self._check_actions("posts", fields)
        with self.lock:
            conversation = self._thread("posts", fields, None)
            # Posts keep a closed conversation closed when `reopen` is true; the name is
            # Missive's, the inverted meaning is what integrations observe.
            self._apply_actions(conversation, fields, reopen=not fields.get("reopen"))
            conversation.last_activity_at = max(conversation.last_activity_at, self.now())
            post_id = str(uuid.uuid4())
            self.posts.append(
                RecordedPost(id=post_id, conversation=conversation.id, payload=fields)
            )
        if self.empty_responses:
            return ApiResponse(201, None)
        return ApiResponse(201, {"posts": {"id": post_id, "conversation": conversation.id}})

    # -- reads --------------------------------------------------------------------------

    def conversation_json(self, conversation: _Conversation) -> dict[str, Any]:
        """Return a conversation as ``GET /conversations/:id`` and webhooks show it."""
        with self.lock:
            assignees = [
                {"id": uid, "name": user.name, "email": user.email}
                if (user := self.known_users.get(uid))
                else {"id": uid, "name": None, "email": None}
                for uid in conversation.assignees
            ]
            users = [
                user_json(
                    uid,
                    self.known_users.get(uid),
                    closed=conversation.closed,
                    assigned=uid in conversation.assignees,
                    unassigned=not conversation.assignees,
                )
                for uid in conversation.users
            ]
            return conversation_json(
                id=conversation.id,
                created_at=conversation.created_at,
                last_activity_at=conversation.last_activity_at,
                subject=conversation.subject,
                latest_message_subject=conversation.latest_subject,
                organization=conversation.organization,
                team=conversation.team,
                color=conversation.color,
                assignees=assignees,
                users=users,
                attachments_count=conversation.attachments_count,
                messages_count=len(conversation.messages),
                authors=conversation.authors,
                shared_labels=conversation.labels,
            )

    def _conversation(self, conversation_id: str) -> _Conversation:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            raise _fail(f"conversation {conversation_id!r} does not exist", 404)
        return conversation

    def _get_conversation(self, conversation_id: str) -> ApiResponse:
        with self.lock:
            conversation = self._conversation(conversation_id)
            return ApiResponse(200, {"conversations": [self.conversation_json(conversation)]})

    def _get_messages(self, ids: str) -> ApiResponse:
        wanted = [i for i in ids.split(",") if i]
        with self.lock:
            missing = [i for i in wanted if i not in self.messages]
            if missing or not wanted:
                raise _fail(f"message {', '.join(map(repr, missing or [ids]))} does not exist", 404)
            found: list[dict[str, Any]] = []
            for message_id in wanted:
                conversation_id, message = self.messages[message_id]
                conversation = self.conversations[conversation_id]
                found.append({**message, "conversation": self.conversation_json(conversation)})
        return ApiResponse(200, {"messages": found[0] if len(found) == 1 else found})

    def _list_messages(self, conversation_id: str, query: Mapping[str, str]) -> ApiResponse:
        limit = _query_int(query, "limit")
        until = _query_int(query, "until")
        if limit is not None and limit < 1:
            raise _fail("query parameter limit must be at least 1")
        # Missive caps this endpoint at 10 per page; asking for more gets 10.
        size = _PAGE_LIMIT if limit is None else min(limit, _PAGE_LIMIT)
        with self.lock:
            conversation = self._conversation(conversation_id)
            order = sorted(
                enumerate(conversation.messages),
                key=lambda pair: (pair[1]["delivered_at"], pair[0]),
                reverse=True,
            )
            newest_first = [
                message for _, message in order if until is None or message["delivered_at"] <= until
            ]
            page = newest_first[:size]
            if page:
                # A page never splits messages that share a delivered_at: it grows past
                # `limit` to take all of them, as Missive documents.
                oldest = page[-1]["delivered_at"]
                page += [m for m in newest_first[size:] if m["delivered_at"] == oldest]
            return ApiResponse(200, {"messages": [dict(m) for m in page]})

    # -- the Missive user's side --------------------------------------------------------

    def user_message(
        self,
        *,
        conversation_id: str | None,
        account: str | None,
        body: str,
        alias: Participant | None,
        to: Iterable[Participant] | None,
        author: MissiveUser,
    ) -> tuple[ChannelSettings, dict[str, Any]]:
        """Record what a Missive user sends and return the channel and the webhook payload.

        Pass ``conversation_id`` for a reply, ``account`` for a new message.

        Raises:
            FakeMissiveError: Unknown conversation or account, or no webhook URL.
            SendRefusedError: The channel's settings forbid the message.
        """
        if not isinstance(cast("object", body), str):
            msg = f"the message body must be a str, got {type(body).__name__}"
            raise FakeMissiveError(msg)
        with self.lock:
            conversation, settings, account_id = self._sending_channel(conversation_id, account)
            sender = self._alias(settings, alias)
            recipients = self._recipients(conversation, settings, to)
            if conversation is None:
                conversation = self._thread("compose", {}, account_id)
            now = self.now()
            self.known_users.setdefault(author.id, author)
            if author.id not in conversation.users:
                conversation.users.append(author.id)
            message = outgoing_message_json(
                id=str(uuid.uuid4()),
                type=settings.type,  # type: ignore[arg-type]  # Email channels were refused
                body=body,
                from_field=sender,
                to_fields=recipients,
                author=author,
                delivered_at=now,
                created_at=now,
            )
            self._add_message(
                conversation, dict(message), message["from_field"], f"Message from {author.name}"
            )
            payload = {"message": message, "conversation": self.conversation_json(conversation)}
            return settings, payload

    def _sending_channel(
        self, conversation_id: str | None, account: str | None
    ) -> tuple[_Conversation | None, ChannelSettings, str]:
        """Find the channel a user sends through and check it lets them."""
        conversation: _Conversation | None = None
        if conversation_id is not None:
            conversation = self.conversations.get(conversation_id)
            if conversation is None:
                msg = f"no conversation {conversation_id!r} in the fake"
                raise FakeMissiveError(msg)
            if conversation.account is None:
                msg = (
                    f"conversation {conversation_id!r} has no custom channel (it holds only "
                    "posts), so a Missive user cannot reply through one"
                )
                raise SendRefusedError(msg)
            account = conversation.account
        settings = self.channels.get(account or "")
        if account is None or settings is None:
            msg = f"no channel with account id {account!r}; add it with fake.add_channel()"
            raise FakeMissiveError(msg)
        action = "reply" if conversation is not None else "new message"
        if settings.type == "email":
            msg = (
                "Email custom channels never send webhooks: Missive users answer through "
                "the organization's email accounts"
            )
            raise SendRefusedError(msg)
        if conversation is not None and not settings.allow_replies:
            msg = "the channel does not allow replies (ChannelSettings.allow_replies=False)"
            raise SendRefusedError(msg)
        if conversation is None and not settings.allow_new_messages:
            msg = (
                "the channel does not allow new messages (ChannelSettings.allow_new_messages=False)"
            )
            raise SendRefusedError(msg)
        if settings.webhook_url is None:
            msg = f"the channel {account} has no webhook_url to deliver the {action} to"
            raise FakeMissiveError(msg)
        return conversation, settings, account

    @staticmethod
    def _alias(settings: ChannelSettings, alias: Participant | None) -> Participant:
        if not settings.aliases:
            msg = "the channel has no aliases to send as; add one to ChannelSettings.aliases"
            raise SendRefusedError(msg)
        sender = settings.aliases[0] if alias is None else alias
        if sender not in settings.aliases:
            msg = f"{sender!r} is not one of the channel's aliases {list(settings.aliases)!r}"
            raise SendRefusedError(msg)
        return sender

    def _recipients(
        self,
        conversation: _Conversation | None,
        settings: ChannelSettings,
        to: Iterable[Participant] | None,
    ) -> list[Participant]:
        """Resolve, check and reduce the recipients of a reply or new message."""
        action = "reply" if conversation is not None else "new message"
        default = self._default_recipients(conversation)
        if to is None and conversation is None:
            msg = "a new message needs recipients: pass to=[Participant(...)]"
            raise SendRefusedError(msg)
        recipients = default if to is None else tuple(to)
        for recipient in recipients:
            if not isinstance(cast("object", recipient), Participant):
                msg = f"recipients must be Participant objects, got {type(recipient).__name__}"
                raise FakeMissiveError(msg)
        edited = conversation is not None and recipients != default
        if edited and not settings.allow_editing_recipients:
            msg = (
                "the channel does not let users edit a reply's recipients "
                "(ChannelSettings.allow_editing_recipients=False)"
            )
            raise SendRefusedError(msg)
        if not recipients:
            msg = f"the {action} has no recipients"
            raise SendRefusedError(msg)
        if settings.max_recipients is not None and len(recipients) > settings.max_recipients:
            msg = (
                f"the {action} has {len(recipients)} recipients; the channel allows at most "
                f"{settings.max_recipients} (ChannelSettings.max_recipients)"
            )
            raise SendRefusedError(msg)
        return [self._reduce(r, settings) for r in recipients]

    @staticmethod
    def _reduce(recipient: Participant, settings: ChannelSettings) -> Participant:
        fields = settings.recipient_fields
        kept = {
            "id": recipient.id if "id" in fields else None,
            "name": recipient.name if "name" in fields else None,
            "username": recipient.username if "username" in fields else None,
        }
        if not any(kept.values()):
            msg = (
                f"{recipient!r} has none of the recipient fields the channel allows "
                f"({', '.join(sorted(fields))})"
            )
            raise SendRefusedError(msg)
        return Participant(**kept)

    @staticmethod
    def _default_recipients(conversation: _Conversation | None) -> tuple[Participant, ...]:
        """A reply goes to whoever sent the conversation's latest message from outside Missive."""
        if conversation is None:
            return ()
        for message in reversed(conversation.messages):
            sender = message["from_field"]
            keys = {key: sender.get(key) for key in ("id", "username", "name")}
            # Messages users sent (they have an author) and Email senders are not repliable.
            if "author" not in message and any(keys.values()):
                return (Participant(**keys),)
        return ()
