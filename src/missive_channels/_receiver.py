"""A small webhook receiver that verifies, parses and reports each request (CLI and demo)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

import attrs

from ._closing import Serving
from ._errors import InvalidSignatureError, WebhookPayloadError
from ._events import WebhookEvent
from ._http_server import HttpServer, Response
from .webhooks import SignatureMatch, parse_webhook

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import Self

    from ._http_server import Request
    from ._models import Participant
    from .webhooks import WebhookVerifier

__all__ = ["Received", "WebhookReceiver", "describe_event", "describe_participant"]

MAX_BODY_BYTES: Final = 10 * 1024 * 1024
"""Bodies above this are refused (413): Missive's webhooks carry no inline files."""


@attrs.frozen(kw_only=True)
class Received:
    """One request the receiver answered, and why it answered so.

    Attributes:
        method: The HTTP method.
        path: The request path.
        status: The status answered: 200, 400, 401, 405, 411 or 413.
        reason: Why a request was refused (one line); empty when accepted.
        event: The parsed event, when accepted.
        match: Which secret and header the signature matched, when accepted.
        body: The raw body received.
    """

    method: str
    path: str
    status: int
    reason: str = ""
    event: WebhookEvent | None = None
    match: SignatureMatch | None = None
    body: bytes = attrs.field(default=b"", repr=lambda body: f"<{len(body)} bytes>")


_TEXT: Final = {200: b"ok\n", 400: b"malformed payload\n", 401: b"invalid signature\n"}


class WebhookReceiver(Serving):
    """A webhook endpoint on a local port: checks signatures, parses bodies, reports each request.

    It answers 200 to a verified, well-formed delivery, 401 to a bad signature,
    400 to a signed body that is not a delivery, like the framework recipes.
    """

    def __init__(
        self,
        verifier: WebhookVerifier,
        report: Callable[[Received], None],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Bind the port; nothing is served until `serve_forever` or `start`.

        Args:
            verifier: Checks signatures against the channel's secret.
            report: Called with each request's outcome before it is answered.
            host: The interface to listen on.
            port: The port; 0 picks a free one.

        Raises:
            OSError: If the address cannot be bound (e.g. the port is in use).
        """
        self.verifier = verifier
        self.report = report
        # One request per connection, so stopping never waits on an idle keep-alive; a
        # client that stalls mid-request cannot hold a thread for more than 10 s.
        self._server = HttpServer(
            self._answer,
            host=host,
            port=port,
            max_body=MAX_BODY_BYTES,
            keep_alive=False,
            read_timeout=10.0,
            name="webhook-receiver",
        )

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually bound."""
        return self._server.address

    def url(self, path: str = "/") -> str:
        """Return the URL of ``path`` on this receiver."""
        host, port = self.address
        return f"http://{host}:{port}{path}"

    def check(self, request: Request) -> Received:
        """Decide the answer to one request.

        Args:
            request: The request as read from the wire.

        Returns:
            The outcome, with the status to answer.
        """
        method, path, body = request.method, request.target, request.body
        if method != "POST":
            reason = "only POST is accepted (Missive POSTs its webhooks)"
            return Received(method=method, path=path, status=405, reason=reason)
        if request.refusal is not None:
            refusal = request.refusal
            return Received(method=method, path=path, status=refusal.status, reason=refusal.reason)
        if not body:
            reason = "the body is empty: Missive POSTs each webhook as a JSON object"
            return Received(method=method, path=path, status=400, reason=reason)
        try:
            match = self.verifier.verify(body, request.headers)
            event = parse_webhook(body)
        except InvalidSignatureError as error:
            reason = f"invalid signature ({error.reason}): {error}"
            return Received(method=method, path=path, status=401, reason=reason, body=body)
        except WebhookPayloadError as error:
            reason = f"malformed payload at {error.path}: {error.problem}"
            return Received(method=method, path=path, status=400, reason=reason, body=body)
        return Received(method=method, path=path, status=200, event=event, match=match, body=body)

    def _answer(self, request: Request) -> Response:
        received = self.check(request)
        self.report(received)
        headers = [("Content-Type", "text/plain; charset=utf-8")]
        if received.status == 405:  # noqa: PLR2004 - the one status that needs this header
            headers.append(("Allow", "POST"))
        # Only what the verifier and parser decided, about a body, is answered in short.
        known = _TEXT.get(received.status) if received.body else None
        text = known or received.reason.encode() + b"\n"
        return Response(status=received.status, headers=headers, body=text)

    def serve_forever(self) -> None:
        """Serve requests in the calling thread until `stop` is called from another."""
        self._server.serve_forever()

    def start(self) -> Self:
        """Serve requests in a background thread.

        Returns:
            The receiver itself.
        """
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving, release the port and wait for request threads."""
        self._server.stop()


def describe_participant(participant: Participant | None) -> str:
    """Return a participant as one short phrase, e.g. ``Marta K. (id cust-4471, @marta.k)``."""
    if participant is None:
        return "(nobody)"
    keys = [f"id {participant.id}" if participant.id else "", participant.username or ""]
    details = ", ".join(key for key in keys if key)
    if participant.name:
        return f"{participant.name} ({details})" if details else participant.name
    return details


def describe_event(event: WebhookEvent, match: SignatureMatch | None = None) -> list[str]:
    """Return a webhook event as aligned ``label  value`` lines, for people to read."""
    message, conversation = event.message, event.conversation
    delivered = (
        time.strftime("%Y-%m-%d %H:%M:%S UTC", message.delivered_at.utctimetuple())
        if message.delivered_at is not None
        else "(not given)"
    )
    author = message.author
    rows = [
        ("message", f"{message.id} ({message.type or 'type not given'}), delivered {delivered}"),
        ("from", describe_participant(message.from_field)),
        ("to", "; ".join(map(describe_participant, message.to_fields)) or "(nobody)"),
        ("author", f"{author.name} <{author.email}>" if author is not None else "(not given)"),
        ("conversation", f"{conversation.id} ({conversation.messages_count} messages)"),
    ]
    if conversation.web_url:
        rows.append(("web url", conversation.web_url))
    if message.references:
        rows.append(("references", ", ".join(message.references)))
    if message.attachments:
        names = (
            f"{a.filename or '(no name)'}" + ("" if a.size is None else f" ({a.size} bytes)")
            for a in message.attachments
        )
        rows.append(("attachments", ", ".join(names)))
    if match is not None:
        rows.append(("signature", f"{match.header} verified"))
    lines = [f"{label:<13} {value}" for label, value in rows]
    body = (message.body or "").splitlines() or [""]
    lines.append(f"{'body':<13} {body[0]}")
    lines.extend(f"{'':<13} {line}" for line in body[1:])
    return lines
