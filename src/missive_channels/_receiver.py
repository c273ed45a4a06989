"""A small stdlib webhook receiver that verifies, parses and reports each request (CLI and demo)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from ._errors import InvalidSignatureError, WebhookPayloadError
from ._events import WebhookEvent
from .webhooks import SignatureMatch, parse_webhook

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from typing_extensions import Self

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


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so stopping never waits on an idle keep-alive.
    protocol_version = "HTTP/1.0"
    timeout = 10.0  # a client that stalls mid-request cannot hold a thread forever

    def do_POST(self) -> None:
        receiver = cast("_Server", self.server).receiver
        self._answer(receiver.check(self))

    def _refuse(self) -> None:
        self._answer(
            Received(
                method=self.command,
                path=self.path,
                status=405,
                reason="only POST is accepted (Missive POSTs its webhooks)",
            )
        )

    # http.server dispatches on these names.
    do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = _refuse  # noqa: N815

    def _answer(self, received: Received) -> None:
        cast("_Server", self.server).receiver.report(received)
        text = {200: b"ok\n", 400: b"malformed payload\n", 401: b"invalid signature\n"}
        payload = text.get(received.status, received.reason.encode() + b"\n")
        self.send_response(received.status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if received.status == 405:  # noqa: PLR2004 - the one status that needs this header
            self.send_header("Allow", "POST")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ANN401 - stdlib signature
        """Stay quiet: the receiver reports each request itself."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], receiver: WebhookReceiver) -> None:
        self.receiver = receiver
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ANN401 - stdlib signature
        """A client hanging up mid-request is its own business; stay quiet."""


class WebhookReceiver:
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
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually bound."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def url(self, path: str = "/") -> str:
        """Return the URL of ``path`` on this receiver."""
        host, port = self.address
        return f"http://{host}:{port}{path}"

    def check(self, handler: BaseHTTPRequestHandler) -> Received:
        """Read one POST from ``handler`` and decide its answer."""
        method, path = handler.command, handler.path
        raw_length = handler.headers.get("Content-Length")
        if raw_length is None or not raw_length.strip().isdigit():
            reason = "no valid Content-Length (chunked bodies are not accepted)"
            return Received(method=method, path=path, status=411, reason=reason)
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            reason = f"the body is {length:,} bytes, over the {MAX_BODY_BYTES:,}-byte cap"
            return Received(method=method, path=path, status=413, reason=reason)
        body = handler.rfile.read(length)
        try:
            match = self.verifier.verify(body, handler.headers.items())
            event = parse_webhook(body)
        except InvalidSignatureError as error:
            reason = f"invalid signature ({error.reason}): {error}"
            return Received(method=method, path=path, status=401, reason=reason, body=body)
        except WebhookPayloadError as error:
            reason = f"malformed payload at {error.path}: {error.problem}"
            return Received(method=method, path=path, status=400, reason=reason, body=body)
        return Received(method=method, path=path, status=200, event=event, match=match, body=body)

    def serve_forever(self) -> None:
        """Serve requests in the calling thread until `stop` is called from another."""
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> Self:
        """Serve requests in a background thread.

        Returns:
            The receiver itself.
        """
        self._thread = threading.Thread(
            target=self.serve_forever, name="webhook-receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (if a thread serves), release the port and wait for request threads."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        """Start serving in a background thread; see `start`."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving; see `stop`."""
        self.stop()


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
