"""Generate the async client module from the sync one; `--check` fails if they have drifted.

The sync shell `src/missive_channels/_client.py` is the one written by hand; the
async shell is derived from it by the exact substitutions below, so the two can
never disagree. Each substitution must apply at least once, so that an edit to
the sync module that breaks the mapping fails loudly instead of half-converting.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "missive_channels" / "_client.py"
TARGET = ROOT / "src" / "missive_channels" / "_async_client.py"

# (pattern, replacement) pairs, applied in order as regular expressions.
SUBSTITUTIONS: list[tuple[str, str]] = [
    (
        r'"""`MissiveClient`: the synchronous shell',
        '"""`AsyncMissiveClient`: the asyncio shell',
    ),
    (r"import threading\nimport time\n", "import asyncio\n"),
    (r"AbstractContextManager", "AbstractAsyncContextManager"),
    (
        r"from collections\.abc import Callable, Iterable, Iterator",
        "from collections.abc import AsyncIterator, Callable, Iterable",
    ),
    (r"Iterator\[", "AsyncIterator["),
    (r"\bRunner\b", "AsyncRunner"),
    (
        r"DEFAULT_RATE_LIMIT, Lease, Limiter, RateLimit, leasing",
        "DEFAULT_RATE_LIMIT, AsyncLimiter, Lease, Limiter, RateLimit, async_leasing",
    ),
    (
        r"rate_limit: RateLimit \| Limiter \| None",
        "rate_limit: RateLimit | Limiter | AsyncLimiter | None",
    ),
    (r"= leasing\(", "= async_leasing("),
    (r"redis\.RedisRateLimiter", "redis.AsyncRedisRateLimiter"),
    (r"self\._limiter\.(pause|release|lease)\(", r"await self._limiter.\1("),
    (r"def _lease\(", "async def _lease("),
    (r"= self\._lease\(\)", "= await self._lease()"),
    (r"\bMissiveClient\b", "AsyncMissiveClient"),
    (r"class (Messages|Conversations|Posts)\b", r"class Async\1"),
    (r"= (Messages|Conversations|Posts)\(", r"= Async\1("),
    (
        r"A synchronous client for Missive's API, safe to share between threads\.",
        "An asyncio client for Missive's API, safe to share between tasks of one event loop.",
    ),
    (
        r"Use it as a context manager, or call `close` when done::",
        "Use it as an async context manager, or await `aclose` when done::",
    ),
    (
        r"        with AsyncMissiveClient\(\) as client:\n            client\.",
        "        async with AsyncMissiveClient() as client:\n            await client.",
    ),
    (r"httpx\.Client\b", "httpx.AsyncClient"),
    (r"threading\.BoundedSemaphore", "asyncio.BoundedSemaphore"),
    (r"time\.sleep", "asyncio.sleep"),
    (r"left open on `close`", "left open on `aclose`"),
    (r"def close\(self\)", "async def aclose(self)"),
    (r"self\._http\.close\(\)", "await self._http.aclose()"),
    (r"def __enter__", "async def __aenter__"),
    (r"def __exit__", "async def __aexit__"),
    (r"        self\.close\(\)", "        await self.aclose()"),
    (r"def _run\(", "async def _run("),
    (r"def _send\(", "async def _send("),
    (r"with self\._slots:", "async with self._slots:"),
    (r"self\._sleep\(", "await self._sleep("),
    (r"self\._send\(command\)", "await self._send(command)"),
    (r"return self\._http\.send\(", "return await self._http.send("),
    (r"    def (create|get|get_many)\(", r"    async def \1("),
    (r"return self\._run\(", "return await self._run("),
    (r"\bsend_all\b", "async_send_all"),
    (r"    def _walk\(", "    async def _walk("),
    (
        r"            yield from self\._run\(self\._core\.flow\(page\)\)",
        # An async generator cannot `yield from`.
        "            for item in await self._run(self._core.flow(page)):\n"  # noqa: ISC004
        "                yield item",
    ),
]


def generate(source: str) -> str:
    """Return the async module for the given sync module text."""
    for pattern, replacement in SUBSTITUTIONS:
        source, count = re.subn(pattern, replacement, source)
        if not count:
            msg = f"unasync: {pattern!r} no longer matches {SOURCE.name}; update the substitutions"
            raise SystemExit(msg)
    return source


def main(argv: list[str]) -> int:
    """Write the async module, or with ``--check`` report whether it is up to date."""
    generated = generate(SOURCE.read_text(encoding="utf-8"))
    if "--check" in argv:
        if TARGET.read_text(encoding="utf-8") != generated:
            sys.stderr.write(f"{TARGET.name} is out of date: run python scripts/unasync.py\n")
            return 1
        return 0
    TARGET.write_text(generated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
