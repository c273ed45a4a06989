"""One worker process of the Redis fleet tests; run as ``python redis_worker.py <mode> <json>``.

Each mode prints ``ready`` once set up, reads the start time (Unix seconds) from
stdin so that every worker begins together, then prints one JSON line of results.

- ``send``: tasks of an `AsyncMissiveClient` send messages as fast as the shared
  `AsyncRedisRateLimiter` lets them, until the deadline.
- ``hold``: a `MissiveClient` sends one message, which the fake holds; the test kills it.
- ``webhooks``: threads receive the same signed deliveries as another worker, and
  handle each under `handle_once` with a `RedisDeduplicator`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from missive_channels import (
    APIError,
    AsyncMissiveClient,
    MissiveClient,
    Participant,
    RateLimit,
    TextMessage,
    WebhookVerifier,
)
from missive_channels.ratelimit import RateWindow
from missive_channels.redis import AsyncRedisRateLimiter, RedisDeduplicator, RedisRateLimiter
from missive_channels.webhooks import Delivery, handle_once


def rate_limit(spec: dict[str, Any]) -> RateLimit:
    """The limits from their JSON form."""
    return RateLimit(
        max_concurrent=spec["max_concurrent"],
        windows=[RateWindow(n, seconds) for n, seconds in spec["windows"]],
        margin=spec["margin"],
    )


def message(account: str, index: int) -> TextMessage:
    """One small message."""
    return TextMessage(account=account, from_field=Participant(name="Fleet"), body=f"#{index}")


def wait_for_start() -> float:
    """Say ready, then sleep until the start time the test sends."""
    print("ready", flush=True)  # noqa: T201 - the protocol with the test is stdout
    start = float(sys.stdin.readline())
    time.sleep(max(0.0, start - time.time()))
    return start


async def send(config: dict[str, Any]) -> dict[str, Any]:
    """Send until the deadline with several tasks; count what succeeded and what failed."""
    limiter = AsyncRedisRateLimiter.from_url(
        config["redis_url"],
        token=config["token"],
        rate_limit=rate_limit(config["rate_limit"]),
        retry_interval=config["retry_interval"],
    )
    counts = {"sent": 0, "failed": 0}
    async with AsyncMissiveClient(
        token=config["token"], base_url=config["base_url"], rate_limit=limiter, max_retries=0
    ) as client:

        async def task(number: int) -> None:
            index = 0
            while True:
                index += 1
                try:
                    await client.messages.create(
                        message(config["account"], number * 10_000 + index)
                    )
                except APIError:
                    counts["failed"] += 1
                else:
                    counts["sent"] += 1

        # Warm up before the clock starts: the Redis connection, and one HTTP connection
        # per task, opened by requests without the token, which the fake does not count.
        await limiter._client.ping()
        anonymous = {"Authorization": ""}
        await asyncio.gather(
            *(
                client._http.get(f"{config['base_url']}/messages/warm-up", headers=anonymous)
                for _ in range(5)
            )
        )
        start = wait_for_start()
        tasks = [asyncio.ensure_future(task(number)) for number in range(config["tasks"])]
        await asyncio.sleep(max(0.0, start + config["duration"] - time.time()))
        for running in tasks:
            running.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await limiter.aclose()
    return counts


def hold(config: dict[str, Any]) -> dict[str, Any]:
    """Send one message under a lease; the fake holds it until this process is killed."""
    limiter = RedisRateLimiter.from_url(
        config["redis_url"],
        token=config["token"],
        rate_limit=rate_limit(config["rate_limit"]),
        lease_seconds=config["lease_seconds"],
    )
    with MissiveClient(
        token=config["token"],
        base_url=config["base_url"],
        rate_limit=limiter,
        timeout=config["timeout"],
    ) as c:
        wait_for_start()
        c.messages.create(message(config["account"], 0))
    return {"sent": 1}  # not reached: the test kills the process first


def webhooks(config: dict[str, Any]) -> dict[str, Any]:
    """Receive every delivery, several at a time, handling each new one under handle_once."""
    verifier = WebhookVerifier(config["secret"])
    dedup = RedisDeduplicator.from_url(config["redis_url"])
    log = redis.Redis.from_url(config["redis_url"])

    def receive(delivery: tuple[str, dict[str, str]]) -> str:
        body, headers = delivery
        event = verifier.unwrap(body.encode(), headers)
        with contextlib.suppress(RuntimeError), handle_once(dedup, event.message.id) as outcome:
            if outcome is Delivery.NEW:
                time.sleep(0.01)  # the handler's work, long enough for deliveries to overlap
                if log.incr(f"attempts:{event.message.id}") == 1 and event.message.body == "fail":
                    raise RuntimeError  # a failed first attempt, released for Missive's retry
                log.rpush("handled", event.message.id)
        return outcome.value

    wait_for_start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(receive, config["deliveries"]))
    dedup.close()
    log.close()
    return {"outcomes": outcomes}


def main() -> None:
    """Run the mode named on the command line and print its results."""
    mode, config = sys.argv[1], json.loads(sys.argv[2])
    if mode == "send":
        result = asyncio.run(send(config))
    elif mode == "hold":
        result = hold(config)
    else:
        result = webhooks(config)
    print(json.dumps(result), flush=True)  # noqa: T201 - the protocol with the test is stdout


if __name__ == "__main__":
    main()
