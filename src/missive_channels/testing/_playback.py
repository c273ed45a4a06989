"""The fake's Missive user: what a reply or new message records, and its signed webhook delivery.

`Playback` builds each delivery without I/O (`Playback.reply`, `Playback.compose`);
`Playback.send` and `Playback.asend` are the two thin shells that POST it.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, cast

import attrs
import httpx

from missive_channels._errors import FakeMissiveError, SendRefusedError, WebhookDeliveryError
from missive_channels._models import Participant
from missive_channels.webhooks import compute_signature

from ._payloads import encode, outgoing_message_json
from ._shapes import WebhookPayload

if TYPE_CHECKING:
    import ssl
    from collections.abc import Iterable

    from ._settings import ChannelSettings, MissiveUser
    from ._state import Conversation, Store

__all__ = ["Outgoing", "Playback", "WebhookDelivery"]

_JSON: Final = "application/json"


@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """A webhook the fake POSTed for a Missive user, and what the receiver answered.

    Attributes:
        url: The channel's webhook URL.
        payload: The JSON payload (``{"message": ..., "conversation": ...}``).
        body: The exact bytes sent (what the signature covers).
        headers: The request headers sent, including the signature header if the
            channel has a secret.
        status: The receiver's HTTP status.
        response: The receiver's response body.
    """

    url: str
    payload: WebhookPayload
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")
    headers: Mapping[str, str] = attrs.field(repr=False)
    status: int
    response: bytes


@functools.cache
def _tls() -> ssl.SSLContext:
    # Building a verifying TLS context costs tens of milliseconds; webhooks reuse one.
    return httpx.create_ssl_context()


@attrs.frozen(kw_only=True)
class Outgoing:
    """A webhook ready to POST: recorded in the fake already, not yet delivered."""

    url: str
    payload: WebhookPayload
    body: bytes
    headers: dict[str, str]
    timeout: float

    def delivered(self, response: httpx.Response) -> WebhookDelivery:
        """Return the delivery once the receiver answered."""
        return WebhookDelivery(
            url=self.url,
            payload=self.payload,
            body=self.body,
            headers=self.headers,
            status=response.status_code,
            response=response.content,
        )

    def failed(self, exc: httpx.HTTPError) -> WebhookDeliveryError:
        """Return the error for a receiver that could not be reached."""
        msg = f"could not deliver the webhook to {self.url}: {type(exc).__name__}: {exc}"
        return WebhookDeliveryError(msg, url=self.url)


class Playback:
    """Plays Missive users: records their messages in the store and delivers the webhooks."""

    def __init__(self, store: Store, *, signature_header: str, timeout: float) -> None:
        self._store = store
        self._signature_header = signature_header
        self._timeout = timeout
        self._lock = threading.Lock()
        self._deliveries: list[WebhookDelivery] = []

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery so far, in order."""
        with self._lock:
            return list(self._deliveries)

    def reset(self) -> None:
        """Forget the deliveries."""
        with self._lock:
            self._deliveries.clear()

    # -- the two thin shells ------------------------------------------------------------

    def send(self, outgoing: Outgoing) -> WebhookDelivery:
        """POST a webhook and record its delivery."""
        try:
            with httpx.Client(timeout=outgoing.timeout, trust_env=False, verify=_tls()) as client:
                response = client.post(
                    outgoing.url, content=outgoing.body, headers=outgoing.headers
                )
        except httpx.HTTPError as exc:
            raise outgoing.failed(exc) from exc
        return self._record(outgoing.delivered(response))

    async def asend(self, outgoing: Outgoing) -> WebhookDelivery:
        """POST a webhook with an async client and record its delivery."""
        try:
            async with httpx.AsyncClient(
                timeout=outgoing.timeout, trust_env=False, verify=_tls()
            ) as client:
                response = await client.post(
                    outgoing.url, content=outgoing.body, headers=outgoing.headers
                )
        except httpx.HTTPError as exc:
            raise outgoing.failed(exc) from exc
        return self._record(outgoing.delivered(response))

    def _record(self, delivery: WebhookDelivery) -> WebhookDelivery:
        with self._lock:
            self._deliveries.append(delivery)
        return delivery

    # -- building a delivery ------------------------------------------------------------

    def reply(
        self,
        conversation_id: str,
        body: str,
        *,
        alias: Participant | None,
        to: Iterable[Participant] | None,
        author: MissiveUser | None,
    ) -> Outgoing:
        """Record a user's reply in a conversation and return its webhook."""
        return self._user_message(conversation_id, None, body, alias=alias, to=to, author=author)

    def compose(
        self,
        account: str,
        body: str,
        *,
        to: Iterable[Participant],
        alias: Participant | None,
        author: MissiveUser | None,
    ) -> Outgoing:
        """Record a user's new message in a channel and return its webhook."""
        return self._user_message(None, account, body, alias=alias, to=to, author=author)

    def _outgoing(self, settings: ChannelSettings, payload: WebhookPayload) -> Outgoing:
        """Sign the payload for the channel; the webhook is ready to POST."""
        raw = encode(payload)
        headers = {"Content-Type": _JSON, "User-Agent": "FakeMissive"}
        if settings.signature_secret is not None:
            headers[self._signature_header] = compute_signature(raw, settings.signature_secret)
        assert settings.webhook_url is not None  # noqa: S101 - _sending_channel checked it
        return Outgoing(
            url=settings.webhook_url,
            payload=payload,
            body=raw,
            headers=headers,
            timeout=self._timeout,
        )

    def _user_message(
        self,
        conversation_id: str | None,
        account: str | None,
        body: str,
        *,
        alias: Participant | None,
        to: Iterable[Participant] | None,
        author: MissiveUser | None,
    ) -> Outgoing:
        """Record what a Missive user sends and return its webhook.

        Pass ``conversation_id`` for a reply, ``account`` for a new message.

        Raises:
            FakeMissiveError: Unknown conversation or account, or no webhook URL.
            SendRefusedError: The channel's settings forbid the message.
        """
        if not isinstance(cast("object", body), str):
            msg = f"the message body must be a str, got {type(body).__name__}"
            raise FakeMissiveError(msg)
        store = self._store
        author = store.user if author is None else author
        with store.lock:
            conversation, settings, account_id = self._sending_channel(conversation_id, account)
            sender = self._alias(settings, alias)
            recipients = self._recipients(conversation, settings, to)
            if conversation is None:
                conversation = store.thread("compose", {}, account_id)
            now = store.now()
            store.known_users.setdefault(author.id, author)
            if author.id not in conversation.users:
                conversation.users.append(author.id)
            message = outgoing_message_json(
                id=str(uuid.uuid4()),
                type=settings.type,  # type: ignore[arg-type]  # Email channels were refused
                body=body,
                from_field=sender,
                to_fields=recipients,
                author=author,
                at=now,
            )
            store.add_message(
                conversation,
                dict(message),
                dict(message["from_field"]),
                f"Message from {author.name}",
            )
            payload: WebhookPayload = {
                "message": message,
                "conversation": store.conversation_json(conversation),
            }
            return self._outgoing(settings, payload)

    def _sending_channel(
        self, conversation_id: str | None, account: str | None
    ) -> tuple[Conversation | None, ChannelSettings, str]:
        """Find the channel a user sends through and check it lets them."""
        conversation: Conversation | None = None
        if conversation_id is not None:
            conversation = self._store.conversations.get(conversation_id)
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
        settings = self._store.channels.get(account or "")
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
        conversation: Conversation | None,
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
    def _default_recipients(conversation: Conversation | None) -> tuple[Participant, ...]:
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
