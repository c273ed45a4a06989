"""Receive a custom channel's webhook with Flask: verify, parse, skip redeliveries."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from flask import Flask, request

from missive_channels import (
    InvalidSignatureError,
    WebhookEvent,
    WebhookPayloadError,
    WebhookVerifier,
)
from missive_channels.webhooks import Deduplicator, Delivery, InMemoryDeduplicator, handle_once

if TYPE_CHECKING:
    from collections.abc import Callable


def create_app(
    verifier: WebhookVerifier,
    handler: Callable[[WebhookEvent], None],
    deduplicator: Deduplicator | None = None,
) -> Flask:
    """Build a Flask app answering Missive's webhook at ``POST /missive/webhook``."""
    app = Flask(__name__)
    seen = deduplicator if deduplicator is not None else InMemoryDeduplicator()

    @app.post("/missive/webhook")
    def webhook() -> tuple[str, int]:
        try:
            # get_data() is the raw body; never request.json, whose bytes differ.
            event = verifier.unwrap(request.get_data(), request.headers)
        except InvalidSignatureError:
            return "invalid signature", 401
        except WebhookPayloadError:
            return "malformed payload", 400
        with handle_once(seen, event.message.id) as delivery:
            if delivery is Delivery.NEW:
                handler(event)  # raising here answers 500 and lets Missive retry
        if delivery is Delivery.IN_PROGRESS:
            return "already being handled", 409
        return "", 200

    return app


def show(event: WebhookEvent) -> None:
    """Print what a Missive user sent (a real handler would forward it)."""
    print(f"{event.message.author and event.message.author.name}: {event.message.body}")


if __name__ == "__main__":
    create_app(WebhookVerifier(os.environ["MISSIVE_WEBHOOK_SECRET"]), show).run(port=8000)
