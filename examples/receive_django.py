"""Receive a custom channel's webhook with Django: verify, parse, skip redeliveries.

A single-file Django project; in a real project, put the view in an app's
``views.py`` and route it in ``urls.py``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from missive_channels import (
    InvalidSignatureError,
    WebhookEvent,
    WebhookPayloadError,
    WebhookVerifier,
)
from missive_channels.webhooks import Deduplicator, Delivery, InMemoryDeduplicator, handle_once

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.urls import URLPattern


def make_view(
    verifier: WebhookVerifier,
    handler: Callable[[WebhookEvent], None],
    deduplicator: Deduplicator | None = None,
) -> Callable[[HttpRequest], HttpResponse]:
    """Build the Django view answering Missive's webhook."""
    seen = deduplicator if deduplicator is not None else InMemoryDeduplicator()

    # Missive cannot send a CSRF token; the signature authenticates the request.
    @csrf_exempt
    @require_POST
    def webhook(request: HttpRequest) -> HttpResponse:
        try:
            # request.body is the raw body; request.headers is case-insensitive.
            event = verifier.unwrap(request.body, request.headers)
        except InvalidSignatureError:
            return HttpResponse("invalid signature", status=401)
        except WebhookPayloadError:
            return HttpResponse("malformed payload", status=400)
        with handle_once(seen, event.message.id) as delivery:
            if delivery is Delivery.NEW:
                handler(event)
        if delivery is Delivery.IN_PROGRESS:
            return HttpResponse("already being handled", status=409)
        return HttpResponse(status=200)

    return webhook


urlpatterns: list[URLPattern] = []


def configure(
    verifier: WebhookVerifier,
    handler: Callable[[WebhookEvent], None],
    deduplicator: Deduplicator | None = None,
) -> None:
    """Configure this one-file project and route ``POST /missive/webhook``."""
    if not settings.configured:
        settings.configure(
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["*"],
            SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "example-only"),
            MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        )
    urlpatterns[:] = [path("missive/webhook", make_view(verifier, handler, deduplicator))]


def show(event: WebhookEvent) -> None:
    """Print what a Missive user sent (a real handler would forward it)."""
    print(f"{event.message.author and event.message.author.name}: {event.message.body}")


if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    configure(WebhookVerifier(os.environ["MISSIVE_WEBHOOK_SECRET"]), show)
    execute_from_command_line([sys.argv[0], "runserver", "8000"])
