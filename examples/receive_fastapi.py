"""Receive a custom channel's webhook with FastAPI or Starlette: verify, parse, skip repeats."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response

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
) -> FastAPI:
    """Build a FastAPI app answering Missive's webhook at ``POST /missive/webhook``."""
    app = FastAPI()
    # The in-memory store never blocks, so the sync helper is fine in async code;
    # a network store would implement AsyncDeduplicator and use ahandle_once.
    seen = deduplicator if deduplicator is not None else InMemoryDeduplicator()

    @app.post("/missive/webhook")
    async def webhook(request: Request) -> Response:
        try:
            # The raw body, read once; the signature covers these exact bytes.
            event = verifier.unwrap(await request.body(), request.headers)
        except InvalidSignatureError:
            return Response("invalid signature", status_code=401)
        except WebhookPayloadError:
            return Response("malformed payload", status_code=400)
        with handle_once(seen, event.message.id) as delivery:
            if delivery is Delivery.NEW:
                handler(event)  # keep it quick: Missive waits about 15 s at most
        if delivery is Delivery.IN_PROGRESS:
            return Response("already being handled", status_code=409)
        return Response(status_code=200)

    return app


def show(event: WebhookEvent) -> None:
    """Print what a Missive user sent (a real handler would forward it)."""
    print(f"{event.message.author and event.message.author.name}: {event.message.body}")


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(create_app(WebhookVerifier(os.environ["MISSIVE_WEBHOOK_SECRET"]), show), port=8000)
