"""The framework recipes in examples/, driven through each framework's own test client."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Imported here, at collection, not inside a test: pytest rewrites this module
# (its name matches test_*.py) with ast.parse, and CPython 3.11 counts AST depth
# per interpreter, so a parse racing another thread's (a traceback's carets) fails.
from aiohttp import test_utils as aiohttp_test

from missive_channels import WebhookEvent, WebhookVerifier
from missive_channels.webhooks import InMemoryDeduplicator, compute_signature

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))

import receive_aiohttp
import receive_django
import receive_fastapi
import receive_flask
import receive_wsgi

SECRET = "framework-test-secret"
BODY = (Path(__file__).parent / "fixtures" / "webhook_text.json").read_bytes()
SIGNED = {"X-Hook-Signature": compute_signature(BODY, SECRET)}

# post(body, headers) -> HTTP status, through one framework's test client.
Post = Callable[[bytes, dict[str, str]], int]


class Recorder:
    """A handler that records events and can be told to fail."""

    def __init__(self) -> None:
        """Start with no events and not failing."""
        self.events: list[WebhookEvent] = []
        self.fail = False

    def __call__(self, event: WebhookEvent) -> None:
        """Record the event, or fail like a broken downstream."""
        if self.fail:
            msg = "downstream unavailable"
            raise RuntimeError(msg)
        self.events.append(event)


def _flask(verifier: WebhookVerifier, handler: Recorder) -> Post:
    app = receive_flask.create_app(verifier, handler)
    client = app.test_client()

    def post(body: bytes, headers: dict[str, str]) -> int:
        return client.post("/missive/webhook", data=body, headers=headers).status_code

    return post


def _fastapi(verifier: WebhookVerifier, handler: Recorder) -> Post:
    from fastapi.testclient import TestClient  # noqa: PLC0415 - only this recipe needs it

    client = TestClient(
        receive_fastapi.create_app(verifier, handler), raise_server_exceptions=False
    )

    def post(body: bytes, headers: dict[str, str]) -> int:
        return client.post("/missive/webhook", content=body, headers=headers).status_code

    return post


def _aiohttp(verifier: WebhookVerifier, handler: Recorder) -> Post:
    # Each post runs its own event loop, hence its own app; they share one store.
    seen = InMemoryDeduplicator()

    async def send(body: bytes, headers: dict[str, str]) -> int:
        app = receive_aiohttp.create_app(verifier, handler, seen)
        async with aiohttp_test.TestClient(aiohttp_test.TestServer(app)) as client:
            response = await client.post("/missive/webhook", data=body, headers=headers)
            return response.status

    return lambda body, headers: asyncio.run(send(body, headers))


def _wsgi(verifier: WebhookVerifier, handler: Recorder) -> Post:
    from werkzeug.test import Client  # noqa: PLC0415 - a plain WSGI test client

    client = Client(receive_wsgi.create_app(verifier, handler))

    def post(body: bytes, headers: dict[str, str]) -> int:
        return client.post("/", data=body, headers=headers).status_code

    return post


def _django(verifier: WebhookVerifier, handler: Recorder) -> Post:
    import django  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.urls import clear_url_caches  # noqa: PLC0415

    receive_django.configure(verifier, handler)
    django.setup()
    clear_url_caches()
    client = Client(raise_request_exception=False)

    def post(body: bytes, headers: dict[str, str]) -> int:
        response = client.post(
            "/missive/webhook", data=body, content_type="application/json", headers=headers
        )
        return response.status_code

    return post


RECIPES = {"flask": _flask, "fastapi": _fastapi, "aiohttp": _aiohttp, "wsgi": _wsgi}
RECIPES["django"] = _django


@pytest.fixture(params=sorted(RECIPES))
def recipe(request: pytest.FixtureRequest) -> tuple[Post, Recorder]:
    """Each framework's recipe, fresh, with a recording handler."""
    handler = Recorder()
    return RECIPES[request.param](WebhookVerifier(SECRET), handler), handler


def test_a_signed_delivery_is_handled_once(recipe: tuple[Post, Recorder]) -> None:
    """200 and the handler runs; the same delivery again is 200 without running it."""
    post, handler = recipe
    assert post(BODY, SIGNED) == 200
    assert post(BODY, {k.lower(): v for k, v in SIGNED.items()}) == 200
    assert [event.message.id for event in handler.events] == [
        "5b1f0c3e-2d7a-4e91-a0b4-9c8d7e6f5a41"
    ]


def test_the_alternative_header_name_is_accepted(recipe: tuple[Post, Recorder]) -> None:
    """A signature in X-Missive-Signature is verified too."""
    post, handler = recipe
    assert post(BODY, {"X-Missive-Signature": SIGNED["X-Hook-Signature"]}) == 200
    assert len(handler.events) == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Hook-Signature": "sha256=" + "0" * 64}, {"X-Hook-Signature": "garbage"}],
)
def test_a_bad_signature_is_401(recipe: tuple[Post, Recorder], headers: dict[str, str]) -> None:
    """Missing, wrong or malformed signatures are refused and never handled."""
    post, handler = recipe
    assert post(BODY, headers) == 401
    assert handler.events == []


def test_a_signed_malformed_payload_is_400(recipe: tuple[Post, Recorder]) -> None:
    """A correctly signed body that is not a webhook delivery is a 400."""
    post, handler = recipe
    body = b'{"message": {"id": 5}, "conversation": {"id": "c"}}'
    assert post(body, {"X-Hook-Signature": compute_signature(body, SECRET)}) == 400
    assert handler.events == []


def test_a_failed_handler_is_retried_on_redelivery(recipe: tuple[Post, Recorder]) -> None:
    """A handler failure answers 500 and does not mark the message: the retry handles it."""
    post, handler = recipe
    handler.fail = True
    assert post(BODY, SIGNED) == 500
    handler.fail = False
    assert post(BODY, SIGNED) == 200
    assert len(handler.events) == 1
