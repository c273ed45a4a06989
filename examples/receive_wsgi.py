"""Receive a custom channel's webhook with plain WSGI: verify, parse, skip redeliveries."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING
from wsgiref.simple_server import make_server

from missive_channels import (
    InvalidSignatureError,
    WebhookEvent,
    WebhookPayloadError,
    WebhookVerifier,
)
from missive_channels.webhooks import Deduplicator, Delivery, InMemoryDeduplicator, handle_once

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

_REASONS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    409: "409 Conflict",
    500: "500 Internal Server Error",
}


def signature_headers(environ: WSGIEnvironment) -> dict[str, str]:
    """Pick the signature headers out of a WSGI environ (which is not a header mapping).

    WSGI spells a request header ``X-Hook-Signature`` as ``HTTP_X_HOOK_SIGNATURE``.
    """
    return {
        "X-Hook-Signature": environ.get("HTTP_X_HOOK_SIGNATURE", ""),
        "X-Missive-Signature": environ.get("HTTP_X_MISSIVE_SIGNATURE", ""),
    }


def create_app(
    verifier: WebhookVerifier,
    handler: Callable[[WebhookEvent], None],
    deduplicator: Deduplicator | None = None,
) -> WSGIApplication:
    """Build a WSGI app answering Missive's webhook (any path, POST only)."""
    seen = deduplicator if deduplicator is not None else InMemoryDeduplicator()

    def status_of(environ: WSGIEnvironment) -> int:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body: bytes = environ["wsgi.input"].read(length)
        try:
            event = verifier.unwrap(body, signature_headers(environ))
        except InvalidSignatureError:
            return 401
        except WebhookPayloadError:
            return 400
        try:
            with handle_once(seen, event.message.id) as delivery:
                if delivery is Delivery.NEW:
                    handler(event)
        except Exception:
            # No framework turns this into a 500 for us; the claim was released,
            # so Missive's retry will run the handler again.
            logger.exception("handling Missive message %s failed", event.message.id)
            return 500
        return 409 if delivery is Delivery.IN_PROGRESS else 200

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST")])
            return [b""]
        start_response(_REASONS[status_of(environ)], [("Content-Type", "text/plain")])
        return [b""]

    return app


def show(event: WebhookEvent) -> None:
    """Print what a Missive user sent (a real handler would forward it)."""
    print(f"{event.message.author and event.message.author.name}: {event.message.body}")


if __name__ == "__main__":
    app = create_app(WebhookVerifier(os.environ["MISSIVE_WEBHOOK_SECRET"]), show)
    with make_server("", 8000, app) as server:
        server.serve_forever()
