"""Run every benchmark and print one table of results measured side by side in this run.

Usage: ``python bench/run.py [--quick] [--markdown FILE]`` (``nox -s bench`` runs it).
Benchmarks report; they never fail on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import httpx
import msgspec
import stripe
from harness import Row, Table, machine, optimal_span, paired_ratio
from peers import MsgspecEvent, PydanticEvent

from missive_channels import (
    AsyncMissiveClient,
    Attachment,
    MissiveClient,
    Participant,
    RateLimit,
    TextMessage,
)
from missive_channels._bodies import stream_request
from missive_channels._ratelimit import DEFAULT_RATE_LIMIT
from missive_channels.bulk import encode_request
from missive_channels.ratelimit import RateWindow
from missive_channels.testing import FakeMissive
from missive_channels.webhooks import (
    WebhookVerifier,
    compute_signature,
    parse_webhook,
    verify_signature,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

CREATED = 201
HERE = Path(__file__).resolve().parent
WEBHOOK = (HERE.parent / "tests" / "fixtures" / "webhook_text.json").read_bytes()
ACCOUNT = "0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90"
SECRET = "whsec-3f9a1c2e7b6d4058"  # noqa: S105 - a made-up secret signing a fixture
TOKEN = "missive_pat-bench"  # noqa: S105 - the loopback server checks no token


def full_text_message() -> TextMessage:
    """A Text message with every field set, as an integration would send it."""
    return TextMessage(
        account=ACCOUNT,
        from_field=Participant(id="cust-4471", username="@marta.k", name="Marta K."),
        to_fields=[Participant(id="acme-support", username="@acme", name="Acme Support")],
        body="Hello! Is my order #5521 shipped yet?",
        delivered_at=1718031200,
        external_id="acme-msg-000981",
        references=["acme-thread-5521"],
        conversation="7c3e9a10-4f2b-4d6e-b8a1-2e3f4a5b6c7d",
        attachments=[Attachment(filename="order.txt", data=b"order #5521, 2 items")],
        team="team-1",
        force_team=True,
        organization="org-1",
        add_users=["user-1"],
        add_assignees=["user-1"],
        remove_assignees=["user-2"],
        add_shared_labels=["label-1"],
        remove_shared_labels=["label-2"],
        add_to_inbox=True,
        add_to_team_inbox=True,
        close=True,
        conversation_subject="Order #5521",
        conversation_color="#1f8a70",
    )


def hand_built_body(message: TextMessage) -> dict[str, object]:
    """The JSON body a careful integration without the SDK builds for ``message`` by hand."""
    fields: dict[str, object] = {
        "account": message.account,
        "from_field": {
            "id": message.from_field.id,
            "username": message.from_field.username,
            "name": message.from_field.name,
        },
        "to_fields": [
            {"id": p.id, "username": p.username, "name": p.name} for p in message.to_fields
        ],
        "body": message.body,
        "delivered_at": int(message.delivered_at.timestamp()) if message.delivered_at else None,
        "external_id": message.external_id,
        "references": list(message.references),
        "conversation": message.conversation,
        "team": message.team,
        "force_team": message.force_team,
        "organization": message.organization,
        "add_users": list(message.add_users),
        "add_assignees": list(message.add_assignees),
        "remove_assignees": list(message.remove_assignees),
        "add_shared_labels": list(message.add_shared_labels),
        "remove_shared_labels": list(message.remove_shared_labels),
        "add_to_inbox": message.add_to_inbox,
        "add_to_team_inbox": message.add_to_team_inbox,
        "close": message.close,
        "conversation_subject": message.conversation_subject,
        "conversation_color": message.conversation_color,
    }
    if message.attachments:
        fields["attachments"] = [
            {"base64_data": base64.b64encode(a.data).decode(), "filename": a.filename}
            for a in message.attachments
        ]
    return {"messages": fields}


# -- 1 and 2: webhooks ------------------------------------------------------------------


def bench_webhooks(table: Table, rounds: int) -> None:
    """Targets 1 and 2: verify + parse, and the signature check alone, against the floor."""
    body = WEBHOOK
    key = SECRET.encode()
    signature = compute_signature(body, SECRET)
    headers = {"Content-Type": "application/json", "X-Hook-Signature": signature}
    verifier = WebhookVerifier(SECRET)

    def check_floor() -> bool:
        # The floor: what a careful handler without the SDK would write.
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers["X-Hook-Signature"]):
            raise ValueError
        return True

    def floor() -> object:
        check_floor()
        return json.loads(body)

    def ours() -> object:
        return verifier.unwrap(body, headers)

    def with_pydantic() -> object:
        check_floor()
        return PydanticEvent.model_validate_json(body)

    msgspec_decoder = msgspec.json.Decoder(MsgspecEvent, strict=False)

    def with_msgspec() -> object:
        check_floor()
        return msgspec_decoder.decode(body)

    # The three read the same values.
    event = parse_webhook(body)
    pydantic_event = PydanticEvent.model_validate_json(body)
    msgspec_event = msgspec_decoder.decode(body)
    assert event.message.delivered_at == pydantic_event.message.delivered_at
    assert event.conversation.users[0].name == msgspec_event.conversation.users[0].name

    # stripe's webhook check on the same body: its own signature scheme (a timestamp and
    # `v1=` HMAC-SHA256 of "timestamp.body"), then json.loads into a StripeObject.
    stamp = int(time.time())  # within stripe's 300 s tolerance for the whole run
    stripe_mac = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    stripe_header = f"t={stamp},v1={stripe_mac}"

    def with_stripe() -> object:
        return stripe.Webhook.construct_event(body, stripe_header, SECRET)

    assert with_stripe()["message"]["id"] == event.message.id

    group = "1. Webhook verify + parse"
    detail = "{:.1f} µs vs {:.1f} µs"
    ratio, cand, base = paired_ratio(ours, floor, rounds=rounds)
    table.add(
        Row(
            group,
            "`WebhookVerifier.unwrap` / floor (`hmac` + `json.loads`)",
            ratio,
            detail.format(cand * 1e6, base * 1e6),
            at_most=4.0,
        )
    )
    ratio, cand, base = paired_ratio(ours, with_stripe, rounds=rounds)
    table.add(
        Row(
            group,
            "`unwrap` / stripe's `Webhook.construct_event` on the same body",
            ratio,
            detail.format(cand * 1e6, base * 1e6),
            at_most=1.0,
        )
    )
    for name, peer in (("pydantic v2", with_pydantic), ("msgspec", with_msgspec)):
        ratio, cand, base = paired_ratio(peer, floor, rounds=rounds)
        table.add(Row(group, f"{name} / floor", ratio, detail.format(cand * 1e6, base * 1e6)))

    group = "2. Signature check"
    ratio, cand, base = paired_ratio(
        lambda: verify_signature(body, signature, SECRET), check_floor, rounds=rounds
    )
    table.add(
        Row(
            group,
            "`verify_signature` / `hmac.new().hexdigest()` + `compare_digest`",
            ratio,
            detail.format(cand * 1e6, base * 1e6),
        )
    )
    ratio, cand, base = paired_ratio(
        lambda: verifier.verify(body, headers), check_floor, rounds=rounds
    )
    table.add(
        Row(
            group,
            "`WebhookVerifier.verify` (finds the header, returns a match) / floor",
            ratio,
            detail.format(cand * 1e6, base * 1e6),
        )
    )


# -- 3: serialization -------------------------------------------------------------------


def bench_serialization(table: Table, rounds: int) -> None:
    """Target 3: encoding a full TextMessage vs json.dumps of the equivalent hand-built dict."""
    message = full_text_message()

    def by_hand() -> bytes:
        return json.dumps(hand_built_body(message)).encode()

    assert json.loads(by_hand()) == json.loads(encode_request(message))
    ratio, cand, base = paired_ratio(lambda: encode_request(message), by_hand, rounds=rounds)
    table.add(
        Row(
            "3. Serialization",
            "`encode_request(full TextMessage)` / `json.dumps(hand-built dict)`",
            ratio,
            f"{cand * 1e6:.1f} µs vs {base * 1e6:.1f} µs",
            at_most=2.0,
        )
    )


# -- 4 and 7: through the client to a loopback server -----------------------------------


@contextlib.contextmanager
def loopback_server() -> Iterator[str]:
    """Run the minimal server in its own process; yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(HERE / "server.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _in_threads(count: int, work: Callable[[int], object], workers: int) -> None:
    """Run ``work(i)`` for i in range(count), spread over ``workers`` threads."""
    share = [range(w, count, workers) for w in range(workers)]

    def run(indexes: range) -> None:
        for index in indexes:
            work(index)

    if workers == 1:
        run(share[0])
        return
    threads = [threading.Thread(target=run, args=(indexes,)) for indexes in share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


async def _in_tasks(count: int, work: Callable[[int], Awaitable[object]], workers: int) -> None:
    """Await ``work(i)`` for i in range(count), spread over ``workers`` tasks."""

    async def run(indexes: range) -> None:
        for index in indexes:
            await work(index)

    await asyncio.gather(*(run(range(w, count, workers)) for w in range(workers)))


def _throughput_row(
    label: str, ours: Callable[[], None], bare: Callable[[], None], *, rounds: int, batch: int
) -> Row:
    """Time ``batch`` requests each way, after one warm-up batch each; the throughput ratio."""
    ours()
    bare()
    # Throughput ratio = raw time / our time, per round.
    ratio, bare_s, ours_s = paired_ratio(bare, ours, rounds=rounds, number=(1, 1))
    detail = f"{batch / ours_s:,.0f} vs {batch / bare_s:,.0f} requests/s"
    return Row("4. Client overhead", label, ratio, detail, at_least=0.9)


def bench_client(table: Table, rounds: int, batch: int, base_url: str) -> None:
    """Target 4: messages.create vs raw httpx posting the same JSON built by hand, same server.

    The raw side is what an integration without the SDK writes: it builds the body
    from its own record and posts it with ``json=``, on an HTTP client holding the
    constant headers.
    """
    message = attrs.evolve(full_text_message(), attachments=())
    url = base_url + "/messages"
    assert json.loads(encode_request(message)) == hand_built_body(message)

    with MissiveClient(token=TOKEN, base_url=base_url, rate_limit=None) as client:
        # Both sides send the same headers, the constant ones set once on the HTTP client.
        constant = client._core.headers  # noqa: SLF001
        with httpx.Client(headers=constant) as raw:
            assert raw.post(url, json=hand_built_body(message)).status_code == CREATED
            assert client.messages.create(message).id == "msg-1"
            for workers in (1, 5):

                def ours(workers: int = workers) -> None:
                    _in_threads(batch, lambda _: client.messages.create(message), workers)

                def bare(workers: int = workers) -> None:
                    _in_threads(
                        batch, lambda _: raw.post(url, json=hand_built_body(message)), workers
                    )

                label = (
                    f"sync, {workers} concurrent: `messages.create` / `httpx.Client.post(json=)`"
                )
                table.add(_throughput_row(label, ours, bare, rounds=rounds, batch=batch))

    loop = asyncio.new_event_loop()
    try:
        aclient = AsyncMissiveClient(token=TOKEN, base_url=base_url, rate_limit=None)
        araw = httpx.AsyncClient(headers=constant)

        async def one_each() -> None:
            answer = await araw.post(url, json=hand_built_body(message))
            assert answer.status_code == CREATED
            assert (await aclient.messages.create(message)).id == "msg-1"

        loop.run_until_complete(one_each())
        for workers in (1, 5):

            def aours(workers: int = workers) -> None:
                loop.run_until_complete(
                    _in_tasks(batch, lambda _: aclient.messages.create(message), workers)
                )

            def abare(workers: int = workers) -> None:
                loop.run_until_complete(
                    _in_tasks(
                        batch, lambda _: araw.post(url, json=hand_built_body(message)), workers
                    )
                )

            label = (
                f"async, {workers} concurrent: `messages.create` / `httpx.AsyncClient.post(json=)`"
            )
            table.add(_throughput_row(label, aours, abare, rounds=rounds, batch=batch))
        loop.run_until_complete(aclient.aclose())
        loop.run_until_complete(araw.aclose())
    finally:
        loop.close()


def _attachment_message(data: bytes) -> TextMessage:
    return TextMessage(
        account=ACCOUNT,
        from_field=Participant(name="Scanner"),
        attachments=[Attachment(filename="scan.pdf", data=data)],
    )


def _peak_row(name: str, peak: int, size: int, sent: str) -> Row:
    return Row(
        "7. Attachment memory",
        name,
        peak / size,
        f"{peak / 1e6:.2f} MB peak for a {size / 1e6:.0f} MB file{sent}",
        at_most=2.0,
    )


def bench_attachment_memory(table: Table, base_url: str) -> None:
    """Target 7: peak memory building, encoding and sending a 7 MB attachment, beyond the file."""
    data = os.urandom(7_000_000)
    name = "peak traced beyond the loaded file / file size"

    tracemalloc.start()
    sent = sum(len(chunk) for chunk in stream_request(_attachment_message(data)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    table.add(_peak_row(f"build + encode: {name}", peak, len(data), f" ({sent / 1e6:.2f} MB body)"))

    small = _attachment_message(b"warm-up")
    with MissiveClient(token=TOKEN, base_url=base_url, rate_limit=None) as client:
        client.messages.create(small)  # connect and load everything lazily loaded first
        tracemalloc.start()
        client.messages.create(_attachment_message(data))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    table.add(_peak_row(f"build + send, sync client: {name}", peak, len(data), ""))

    async def send_async() -> int:
        async with AsyncMissiveClient(token=TOKEN, base_url=base_url, rate_limit=None) as aclient:
            await aclient.messages.create(small)
            tracemalloc.start()
            await aclient.messages.create(_attachment_message(data))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return peak

    peak = asyncio.run(send_async())
    table.add(_peak_row(f"build + send, async client: {name}", peak, len(data), ""))


# -- 5: import cost ---------------------------------------------------------------------

_CHILD = (
    "import time; c = time.process_time(); w = time.perf_counter(); {}; "
    "print(time.process_time() - c, time.perf_counter() - w)"
)


def _fresh(statement: str, env: dict[str, str]) -> tuple[float, float]:
    """CPU and wall seconds a fresh interpreter spends running ``statement``."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(statement)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()
    return float(out[0]), float(out[1])


def bench_import(table: Table, rounds: int) -> None:
    """Target 5: import cost in fresh interpreters, measured in alternation."""
    # Installed packages carry bytecode; let the children write and use ours too.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    statements = {
        "webhooks": "import missive_channels.webhooks",
        "deps": "import attrs, cattrs",
        "svix": "import svix.webhooks",
        "stripe": "import stripe",
        "root": "import missive_channels",
        "floor": "import httpx, attrs, cattrs",
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in statements}
    for statement in statements.values():
        _fresh(statement, env)  # write bytecode, warm the page cache
    for _ in range(rounds):
        for name, statement in statements.items():
            samples[name].append(_fresh(statement, env))
    cpu = {name: statistics.median(s[0] for s in v) * 1e3 for name, v in samples.items()}
    probe = "import sys, missive_channels.webhooks; print(sum(m.split('.')[0] == 'httpx' for m in sys.modules))"  # noqa: E501
    httpx_modules = int(
        subprocess.run(
            [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env
        ).stdout
    )
    group = "5. Import cost"
    detail = "{:.1f} ms vs {:.1f} ms"
    targets = (
        ("deps", "`import attrs, cattrs`, the runtime dependencies it needs", 1.8),
        ("svix", "`import svix.webhooks`, svix's webhook verifier", 1.0),
        ("stripe", "`import stripe`, whose webhook check target 1 compares with", 1.0),
    )
    for peer, what, at_most in targets:
        table.add(
            Row(
                group,
                f"`import missive_channels.webhooks` / {what} (CPU)",
                cpu["webhooks"] / cpu[peer],
                detail.format(cpu["webhooks"], cpu[peer]),
                at_most=at_most,
            )
        )
    table.add(
        Row(
            group,
            "httpx modules loaded by `import missive_channels.webhooks`",
            httpx_modules,
            "counted in `sys.modules`",
            unit="",
            at_most=0,
        )
    )
    table.add(
        Row(
            group,
            "`import missive_channels` / `import httpx, attrs, cattrs` (CPU)",
            cpu["root"] / cpu["floor"],
            detail.format(cpu["root"], cpu["floor"]),
            at_most=1.2,
        )
    )


# -- 6: paced sending -------------------------------------------------------------------


# The limiter's margin absorbs the delay between reserving a start and the server
# counting the request. On a compressed clock that delay stays in real time (thread
# scheduling on a busy machine: milliseconds to tens of them), so the margin must
# too: 1 s / scale (17 ms at 60x) was measured to let a 429 through on a loaded
# 2-core machine; 0.1 s of real time (3 s on the fake's clock at 30x) lets none.
REAL_MARGIN = 0.1


def compressed(limits: RateLimit, scale: float, margin: float = REAL_MARGIN) -> RateLimit:
    """The limits with every window shortened ``scale`` times, and ``margin`` real seconds."""
    return RateLimit(
        max_concurrent=limits.max_concurrent,
        windows=[RateWindow(w.requests, w.seconds / scale) for w in limits.windows],
        margin=margin,
    )


def bench_pacing(table: Table, count: int, scale: float) -> None:
    """Target 6: the default limiter against FakeMissive's limits, on a compressed clock."""
    limits = compressed(DEFAULT_RATE_LIMIT, scale)
    windows = [(w.requests, w.seconds) for w in DEFAULT_RATE_LIMIT.windows]
    best = optimal_span(count, windows)
    group = "6. Paced sending"

    def report(mode: str, fake: FakeMissive, span: float) -> None:
        statuses = collections.Counter(request.status for request in fake.requests)
        table.add(
            Row(
                group,
                f"{mode}: share of the allowed rate reached, {count:,} messages",
                round(100 * best / span, 1),
                f"{span:,.0f} s on the fake's clock ({scale:g}x) vs {best:,.0f} s at best; "
                f"{statuses[CREATED]:,} accepted; margin {REAL_MARGIN * scale:g} s",
                unit="%",
                at_least=95,
            )
        )
        table.add(Row(group, f"{mode}: 429 answers", statuses[429], "", unit="", at_most=0))

    def messages(account: str) -> list[TextMessage]:
        return [
            TextMessage(account=account, from_field=Participant(id=f"c-{i}"), body=f"#{i}")
            for i in range(count)
        ]

    with FakeMissive(time_scale=scale) as fake:
        batch = messages(fake.add_channel())
        with MissiveClient(token=fake.token, base_url=fake.base_url, rate_limit=limits) as client:
            start = fake.clock()
            _in_threads(count, lambda i: client.messages.create(batch[i]), 10)
            span = fake.clock() - start
        report("sync, 10 threads", fake, span)

    async def send_all(fake: FakeMissive, batch: list[TextMessage]) -> float:
        async with AsyncMissiveClient(
            token=fake.token, base_url=fake.base_url, rate_limit=limits
        ) as client:
            start = fake.clock()
            await _in_tasks(count, lambda i: client.messages.create(batch[i]), 10)
            return fake.clock() - start

    with FakeMissive(time_scale=scale) as fake:
        batch = messages(fake.add_channel())
        span = asyncio.run(send_all(fake, batch))
        report("async, 10 tasks", fake, span)


def main() -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--only",
        type=int,
        nargs="+",
        choices=range(1, 8),
        default=range(1, 8),
        metavar="N",
        help="run only the benchmarks of these targets (1-7)",
    )
    args = parser.parse_args()
    quick: bool = args.quick
    only = set(args.only)
    rounds = 5 if quick else 21
    header = f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the start"
    print(header)
    table = Table()
    started = time.monotonic()
    # Target numbers, in the order that keeps the loopback server up only as long as needed.
    webhooks, serialization, client, imports, pacing, memory = 1, 3, 4, 5, 6, 7
    if only & {webhooks, webhooks + 1}:
        bench_webhooks(table, rounds)
    if serialization in only:
        bench_serialization(table, rounds)
    if only & {client, memory}:
        with loopback_server() as base_url:
            if client in only:
                bench_client(
                    table, rounds=3 if quick else 41, batch=50 if quick else 100, base_url=base_url
                )
            if memory in only:
                bench_attachment_memory(table, base_url)
    if imports in only:
        bench_import(table, rounds=3 if quick else 15)
    if pacing in only:
        # Compressing the clock also compresses the time the final burst takes to be
        # served 5 at a time; 30x keeps that under 3% of the span.
        bench_pacing(table, count=2000, scale=240.0 if quick else 30.0)
    report = table.markdown(header)
    print()
    print(report)
    print(f"\n({time.monotonic() - started:.0f} s)")
    if args.markdown:
        args.markdown.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
