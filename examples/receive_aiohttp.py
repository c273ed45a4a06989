"""Receive a custom channel's webhook with aiohttp: verify, parse, skip redeliveries."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aiohttp import web

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
) -> web.Application:
    """Build an aiohttp app answering Missive's webhook at ``POST /missive/webhook``."""
    seen = deduplicator if deduplicator is not None else InMemoryDeduplicator()

    async def webhook(request: web.Request) -> web.Response:
        try:
            # read() is the raw body; request.json() would hand over parsed data.
            event = verifier.unwrap(await request.read(), request.headers)
        except InvalidSignatureError:
            return web.Response(status=401, text="invalid signature")
        except WebhookPayloadError:
            return web.Response(status=400, text="malformed payload")
        with handle_once(seen, event.message.id) as delivery:
            if delivery is Delivery.NEW:
                handler(event)
        if delivery is Delivery.IN_PROGRESS:
            return web.Response(status=409, text="already being handled")
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/missive/webhook", webhook)
    return app


def show(event: WebhookEvent) -> None:
    """Print what a Missive user sent (a real handler would forward it)."""
    print(f"{event.message.author and event.message.author.name}: {event.message.body}")


if __name__ == "__main__":
    web.run_app(create_app(WebhookVerifier(os.environ["MISSIVE_WEBHOOK_SECRET"]), show), port=8000)
