"""The fake's sans-IO core: channels, conversations and messages, and Missive's API over them."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs

from missive_channels._errors import ValidationError

from ._payloads import conversation_json, preview, user_json
from ._settings import ChannelSettings, MissiveUser
from ._shapes import ConversationAuthorData
from ._validation import (
    MESSAGE_FIELDS,
    POST_FIELDS,
    ApiError,
    _fail,
    attachment,
    check_actions,
    check_fields,
    people,
    query_int,
    valid_references,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._shapes import AssigneeData, ConversationData


__all__ = ["ApiResponse", "Conversation", "RecordedMessage", "RecordedPost", "Store"]

_PAGE_LIMIT = 10


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
    payload: Mapping[str, object]


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
    payload: Mapping[str, object]


@attrs.define
class Conversation:
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
    authors: list[ConversationAuthorData] = attrs.Factory(list[Any])
    messages: list[dict[str, Any]] = attrs.Factory(list[Any])
    attachments_count: int = 0
    latest_subject: str | None = None


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
            self.conversations: dict[str, Conversation] = {}
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
        check_fields("messages", fields, MESSAGE_FIELDS, strict=self.strict_fields)
        account = fields.get("account")
        if account is None:
            raise _fail("messages.account is required: the custom channel's account id")
        with self.lock:
            channel = self.channels.get(account)
            if channel is None:
                raise _fail(f"messages.account {account!r} is not a custom channel account", 404)
            kind = channel.type
            sender, lists = people(fields, kind)
            raw_attachments: Any = fields.get("attachments")
            if raw_attachments is None:
                raw_attachments = []
            if not isinstance(raw_attachments, list):
                raise _fail("messages.attachments must be an array")
            attachments = [
                attachment(f"messages.attachments[{i}]", item, i)
                for i, item in enumerate(cast("list[object]", raw_attachments))
            ]
            check_actions("messages", fields)
            if fields.get("remove_assignees") and fields.get("organization") is None:
                raise _fail("messages.remove_assignees needs organization")
            conversation = self.thread("messages", fields, account)
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
                "references": valid_references(fields),
                "body": fields.get("body"),
                "from_field": sender,
                **lists,
                "reply_to_fields": [],
                "attachments": attachments,
                "external_id": fields.get("external_id"),
            }
            subject = fields.get("subject") or f"Message from {_display(sender)}"
            self.add_message(conversation, message, sender, subject)
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

    def thread(self, envelope: str, fields: Mapping[str, Any], account: str | None) -> Conversation:
        """Find the conversation a new message or post joins, or start one."""
        target = fields.get("conversation")
        references = valid_references(fields)
        if target is not None:
            conversation = self.conversations.get(target)
            if conversation is None:
                raise _fail(f"{envelope}.conversation {target!r} does not exist", 404)
        else:
            keys = _with_chevrons_either_way(references) if envelope == "posts" else references
            found = next((self.references[r] for r in keys if r in self.references), None)
            if found is None:
                now = self.now()
                conversation = Conversation(
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
        # Missive's references also match an earlier message's external_id.
        external_id = fields.get("external_id")
        if envelope == "messages" and isinstance(external_id, str) and external_id:
            self.references.setdefault(external_id, conversation.id)
        return conversation

    def add_message(
        self,
        conversation: Conversation,
        message: dict[str, Any],
        sender: Mapping[str, Any],
        subject: str | None,
    ) -> None:
        self.messages[message["id"]] = (conversation.id, message)
        conversation.messages.append(message)
        conversation.last_activity_at = max(conversation.last_activity_at, message["created_at"])
        conversation.latest_subject = subject
        author: ConversationAuthorData = {
            "name": sender.get("name") or _display(sender),
            "address": sender.get("address"),
        }
        if author not in conversation.authors:
            conversation.authors.append(author)

    @staticmethod
    def _apply_actions(
        conversation: Conversation, fields: Mapping[str, Any], *, reopen: bool
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
        check_fields("posts", fields, POST_FIELDS, strict=self.strict_fields)
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
        check_actions("posts", fields)
        with self.lock:
            conversation = self.thread("posts", fields, None)
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

    def conversation_json(self, conversation: Conversation) -> ConversationData:
        """Return a conversation as ``GET /conversations/:id`` and webhooks show it."""
        with self.lock:
            assignees: list[AssigneeData] = [
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

    def _conversation(self, conversation_id: str) -> Conversation:
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
        limit = query_int(query, "limit")
        until = query_int(query, "until")
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


def _with_chevrons_either_way(references: list[str]) -> list[str]:
    """Each reference with and without chevrons: they are optional on a post's references."""
    keys: list[str] = []
    for reference in references:
        bare = reference[1:-1] if reference[:1] == "<" and reference[-1:] == ">" else reference
        keys += [reference, f"<{bare}>" if bare == reference else bare]
    return keys
