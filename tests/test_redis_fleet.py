"""Several processes sharing one Redis: Missive's limits held together, slots and deliveries safe.

The workers are real processes (`redis_worker.py`) against a real redis-server and
a `FakeMissive` whose clock runs ``SCALE`` times faster than real time; the
limiter gets the same windows divided by ``SCALE``, so minutes pass in seconds.

The window counts are a tenth of Missive's (30 a minute, 90 in 15 minutes; still
5 in flight): at full size a compressed minute would ask a busy two-core test
machine for hundreds of requests a second, and the test would measure the
machine, not the limiter. The arithmetic does not depend on the counts (see
test_redis.py, which checks the script against the in-process limiter).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis

from fake_support import wait_for
from missive_channels import MissiveClient, Participant, RateLimit, TextMessage
from missive_channels.ratelimit import Lease, RateWindow
from missive_channels.redis import RedisDeduplicator, RedisRateLimiter
from missive_channels.testing import (
    FakeMissive,
    Fault,
    signed_webhook_request,
    webhook_payload,
)
from missive_channels.webhooks import Delivery, handle_once

if TYPE_CHECKING:
    from collections.abc import Iterator

WORKER = Path(__file__).with_name("redis_worker.py")
SCALE = 60.0
#: What the fake enforces, on its compressed clock.
FAKE_LIMITS = RateLimit(max_concurrent=5, windows=[RateWindow(30, 60.0), RateWindow(90, 900.0)])
#: The same limits for the limiter, with a 30 s margin (0.5 s of real time) for the
#: delays of a busy machine between a request's reserved start and its arrival.
LIMITS = RateLimit(
    max_concurrent=5, windows=[RateWindow(30, 60.0), RateWindow(90, 900.0)], margin=30.0
)
#: Seconds of the fake's clock the fleet sends for: three minutes' bursts, then the
#: 15-minute window is full.
DURATION = 240.0
#: Requests the limits allow in DURATION from a standing start: 30 at 0, 60 and 120 s
#: (the margin moves the second and third bursts to 90 and 180 s).
ALLOWED = 90


class Fleet:
    """Worker processes started together; each reports one JSON line."""

    def __init__(self, mode: str, configs: list[dict[str, Any]]) -> None:
        """Start one worker per config and wait until each is ready."""
        self.processes = [
            subprocess.Popen(  # noqa: S603 - our own worker, with fixed arguments
                [sys.executable, str(WORKER), mode, json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for config in configs
        ]
        for process in self.processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"

    def start(self) -> None:
        """Tell every worker to begin at the same instant, a moment from now."""
        start = f"{time.time() + 0.2}\n"
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(start)
            process.stdin.flush()

    def results(self) -> list[dict[str, Any]]:
        """Wait for every worker and return what each reported."""
        results = []
        for process in self.processes:
            out, _ = process.communicate(timeout=60)
            assert process.returncode == 0, out
            results.append(json.loads(out.splitlines()[-1]))
        return results

    def kill(self) -> None:
        """Stop any worker still running."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.communicate()


def scaled(rate_limit: RateLimit) -> dict[str, Any]:
    """The limits on the fake's compressed clock, in the workers' JSON form."""
    return {
        "max_concurrent": rate_limit.max_concurrent,
        "windows": [[window.requests, window.seconds / SCALE] for window in rate_limit.windows],
        "margin": rate_limit.margin / SCALE,
    }


def test_four_processes_keep_missives_limits_together_at_full_speed(redis_url: str) -> None:
    """4 processes x 5 tasks get no 429 and at least 90% of the requests the limits allow."""
    with FakeMissive(time_scale=SCALE, rate_limit=FAKE_LIMITS) as fake:
        account = fake.add_channel()
        config = {
            "redis_url": redis_url,
            "base_url": fake.base_url,
            "token": fake.token,
            "account": account,
            "tasks": 5,
            "duration": DURATION / SCALE,
            "rate_limit": scaled(LIMITS),
            "retry_interval": 0.005,
        }
        fleet = Fleet("send", [config] * 4)
        try:
            fleet.start()
            results = fleet.results()
        finally:
            fleet.kill()
        statuses = [request.status for request in fake.requests]
    sent = sum(result["sent"] for result in results)
    assert statuses.count(429) == 0
    assert sum(result["failed"] for result in results) == 0
    assert sent == statuses.count(201)
    assert sent >= 0.9 * ALLOWED, f"{sent} of {ALLOWED} allowed"
    assert fake.peak_in_flight <= 5


def test_a_killed_workers_slot_is_recovered_after_its_lease(redis_url: str) -> None:
    """SIGKILL mid-request leaves its slot held; once the lease ends, others send again."""
    rate_limit = RateLimit(max_concurrent=1, windows=[])
    with FakeMissive(rate_limit=None) as fake:
        account = fake.add_channel()
        fake.faults.push(Fault.delay(30.0))  # the worker's request hangs at Missive
        config = {
            "redis_url": redis_url,
            "base_url": fake.base_url,
            "token": fake.token,
            "account": account,
            "rate_limit": {"max_concurrent": 1, "windows": [], "margin": 0.0},
            "lease_seconds": 3.0,
            "timeout": 2.0,  # a request ends 1 s before its lease does
        }
        fleet = Fleet("hold", [config])
        try:
            fleet.start()
            wait_for(lambda: fake.peak_in_flight == 1)
            fleet.processes[0].send_signal(signal.SIGKILL)
            fleet.processes[0].wait()
        finally:
            fleet.kill()
        limiter = RedisRateLimiter.from_url(
            redis_url, token=fake.token, rate_limit=rate_limit, lease_seconds=3.0
        )
        assert isinstance(limiter.lease(), float)  # the dead worker still holds the only slot
        with MissiveClient(
            token=fake.token, base_url=fake.base_url, rate_limit=limiter, timeout=2.0
        ) as client:
            client.messages.create(fake_message(account))  # waits for the lease to lapse
        offer = limiter.lease()
        assert isinstance(offer, Lease)
        limiter.release(offer)
        limiter.close()
    # Missive got the killed request too: the fake holds its answer, not its processing.
    assert [message.payload["body"] for message in fake.messages] == ["#0", "after"]


def fake_message(account: str) -> TextMessage:
    """The message sent once the slot is free again."""
    return TextMessage(account=account, from_field=Participant(name="Fleet"), body="after")


def deliveries(secret: str, count: int) -> Iterator[tuple[str, dict[str, str]]]:
    """Signed webhook deliveries; the first one's handler fails on its first attempt."""
    for index in range(count):
        payload = webhook_payload(text="fail" if index == 0 else f"reply {index}")
        body, headers = signed_webhook_request(secret, payload=payload)
        yield body.decode(), headers


def test_two_processes_handle_each_delivery_exactly_once(redis_url: str) -> None:
    """The same deliveries reach two workers at once; each message is handled once in all."""
    secret = "fleet-secret"
    sent = list(deliveries(secret, 20))
    ids = [json.loads(body)["message"]["id"] for body, _ in sent]
    config = {"redis_url": redis_url, "secret": secret, "deliveries": sent}
    fleet = Fleet("webhooks", [config, {**config, "deliveries": sent[::-1]}])
    try:
        fleet.start()
        results = fleet.results()
    finally:
        fleet.kill()
    outcomes = [outcome for result in results for outcome in result["outcomes"]]
    # One claim per message won across both workers, plus perhaps one more for the message
    # whose first handler failed and released its claim while the other worker was still on.
    assert 20 <= outcomes.count("new") <= 21
    assert set(outcomes) <= {"new", "duplicate", "in_progress"}
    store = redis.Redis.from_url(redis_url)
    # Missive retries what was answered 409 or failed; by then every claim has settled.
    dedup = RedisDeduplicator(store)
    for message_id in ids:
        with handle_once(dedup, message_id) as delivery:
            if delivery is Delivery.NEW:
                store.rpush("handled", message_id)
    handled = [value.decode() for value in store.lrange("handled", 0, -1)]
    store.close()
    assert sorted(handled) == sorted(ids)
