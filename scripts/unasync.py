"""Generate every async twin from its sync source; `--check` fails if any has drifted.

Each twin is written once, as sync code, and its async counterpart is derived by the
exact substitutions listed with it, so the two can never disagree:

- the client: `src/missive_channels/_client.py` -> `_async_client.py` (whole files);
- `handle_once` -> `ahandle_once`, a block inside `src/missive_channels/_dedup.py`;
- `DeadlineTransport` -> `AsyncDeadlineTransport`, a block inside
  `src/missive_channels/_deadline.py`.

A block is the code between ``# unasync: source NAME`` and ``# unasync: end NAME``;
its twin goes between ``# unasync: generated NAME`` and ``# unasync: end NAME`` in the
target file. Each substitution must apply at least once, so that an edit to a source
that breaks its mapping fails loudly instead of half-converting.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "missive_channels"


@dataclass(frozen=True)
class Twin:
    """One sync source, where its async twin goes, and how to get from one to the other."""

    source: Path
    target: Path
    substitutions: list[tuple[str, str]]
    """(pattern, replacement) pairs, applied in order as regular expressions."""
    block: str | None = None
    """The name of the block to convert, or ``None`` for the whole file."""


CLIENT: list[tuple[str, str]] = [
    (
        r'"""`MissiveClient`: the synchronous shell',
        '"""`AsyncMissiveClient`: the asyncio shell',
    ),
    (r"import copy\nimport threading\nimport time\n", "import asyncio\nimport copy\n"),
    (r"AbstractContextManager", "AbstractAsyncContextManager"),
    (r"\bClosing\b", "AsyncClosing"),
    (
        r"from collections\.abc import Callable, Iterable, Iterator",
        "from collections.abc import AsyncIterator, Callable, Iterable",
    ),
    (r"Iterator\[", "AsyncIterator["),
    (r"\bRunner\b", "AsyncRunner"),
    (
        r"import DEFAULT_RATE_LIMIT, Lease, Limiter, RateLimit, leasing\n",
        (
            "import (\n    DEFAULT_RATE_LIMIT,\n    AsyncLimiter,\n    Lease,\n    RateLimit,\n"
            "    SlidingWindowLimiter,\n    aleasing,\n)\n"
        ),
    ),
    (
        r"rate_limit: RateLimit \| Limiter \| None",
        "rate_limit: RateLimit | SlidingWindowLimiter | AsyncLimiter | None",
    ),
    (r"= leasing\(", "= aleasing("),
    (r"; a `Limiter`\n", "; an `AsyncLimiter`\n"),
    (r"redis\.RedisRateLimiter", "redis.AsyncRedisRateLimiter"),
    (r"self\._limiter\.(pause|release|lease)\(", r"await self._limiter.\1("),
    (r"def _lease\(", "async def _lease("),
    (r"= self\._lease\(command\)", "= await self._lease(command)"),
    (r"\bMissiveClient\b", "AsyncMissiveClient"),
    (r"\bDeadlineTransport\b", "AsyncDeadlineTransport"),
    (r"class (Messages|Conversations|Posts)\b", r"class Async\1"),
    (r"= (Messages|Conversations|Posts)\(", r"= Async\1("),
    (
        r"A synchronous client for Missive's API, safe to share between threads\.",
        "An asyncio client for Missive's API, safe to share between tasks of one event loop.",
    ),
    (
        r"Use it as a context manager, or call `close` when done:",
        "Use it as an async context manager, or await `aclose` when done:",
    ),
    (
        r"    with AsyncMissiveClient\(\) as client:\n        client\.",
        "    async with AsyncMissiveClient() as client:\n        await client.",
    ),
    (r"httpx\.Client\b", "httpx.AsyncClient"),
    (r"threading\.BoundedSemaphore", "asyncio.BoundedSemaphore"),
    (r"time\.sleep", "asyncio.sleep"),
    (r"left open on `close`", "left open on `aclose`"),
    (r"def close\(self\)", "async def aclose(self)"),
    (r"self\._http\.close\(\)", "await self._http.aclose()"),
    (r"def _run\(", "async def _run("),
    (r"def _send\(", "async def _send("),
    (r"with self\._slots:", "async with self._slots:"),
    (r"self\._sleep\(", "await self._sleep("),
    (r"self\._send\(command\)", "await self._send(command)"),
    (r"= self\._http\.send\(", "= await self._http.send("),
    (r"capped\(response\)\.read\(\)", "await capped(response).aread()"),
    (r"response\.close\(\)", "await response.aclose()"),
    (r"def _read\(", "async def _read("),
    (r"return self\._read\(", "return await self._read("),
    (r"    def (create|get|get_many)\(", r"    async def \1("),
    (r"return self\._run\(", "return await self._run("),
    (r"\bsend_all\b", "asend_all"),
    (
        r"    def _walk\((.*)\) -> (AsyncIterator\[StoredMessage\]):",
        # The async signature is too long for one line.
        r"    async def _walk(\n        \1\n    ) -> \2:",
    ),
    (
        r"            yield from self\._run\(core\.flow\(page\)\)",
        # An async generator cannot `yield from`.
        "            for item in await self._run(core.flow(page)):\n"  # noqa: ISC004
        "                yield item",
    ),
]


HANDLE_ONCE: list[tuple[str, str]] = [
    (r"@contextmanager", "@asynccontextmanager"),
    (r"def handle_once\(", "async def ahandle_once("),
    (r"deduplicator: Deduplicator,", "deduplicator: AsyncDeduplicator,"),
    (r"Generator\[Delivery, None, None\]", "AsyncGenerator[Delivery, None]"),
    (r"``with`` block", "``async with`` block"),
    (r"with handle_once\(", "async with ahandle_once("),
    (r"\bDeduplicator`", "AsyncDeduplicator`"),
    (r"(?<!\.)deduplicator\.(claim|release|complete)\(", r"await deduplicator.\1("),
]

DEADLINE_TRANSPORT: list[tuple[str, str]] = [
    (r"\b_(Stream|Backend)\b", r"_Async\1"),
    (r"\bDeadlineTransport\b", "AsyncDeadlineTransport"),
    (r"httpcore\.(NetworkStream|NetworkBackend|ConnectionPool)\b", r"httpcore.Async\1"),
    (
        r"= httpcore\.SyncBackend\(\)",
        # httpcore declares a stand-in AnyIOBackend for when anyio is missing; httpx needs it.
        '= cast(\n            "httpcore.AsyncNetworkBackend", httpcore.AnyIOBackend()\n        )',
    ),
    (r"httpx\.HTTPTransport", "httpx.AsyncHTTPTransport"),
    (
        r"    def (read|write|start_tls|connect_tcp|connect_unix_socket|sleep)\(",
        r"    async def \1(",
    ),
    (r"self\._(stream|backend)\.(read|write|sleep|connect_tcp)\(", r"await self._\1.\2("),
    (
        r"= self\._(stream|backend)\.(start_tls|connect_tcp|connect_unix_socket)\(",
        r"= await self._\1.\2(",
    ),
    (r"def close\(self\)", "async def aclose(self)"),
    (r"self\._stream\.close\(\)", "await self._stream.aclose()"),
]

TWINS: list[Twin] = [
    Twin(PACKAGE / "_client.py", PACKAGE / "_async_client.py", CLIENT),
    Twin(PACKAGE / "_dedup.py", PACKAGE / "_dedup.py", HANDLE_ONCE, block="handle_once"),
    Twin(
        PACKAGE / "_deadline.py",
        PACKAGE / "_deadline.py",
        DEADLINE_TRANSPORT,
        block="deadline_transport",
    ),
]


def _block(text: str, kind: str, name: str, path: Path) -> re.Match[str]:
    pattern = rf"^# unasync: {kind} {re.escape(name)}\n(.*?)^# unasync: end {re.escape(name)}\n"
    found = re.search(pattern, text, flags=re.MULTILINE | re.DOTALL)
    if found is None:
        msg = f"unasync: no '# unasync: {kind} {name}' block in {path.name}"
        raise SystemExit(msg)
    return found


def convert(source: str, twin: Twin) -> str:
    """Return the async text for the given sync text."""
    for pattern, replacement in twin.substitutions:
        source, count = re.subn(pattern, replacement, source)
        if not count:
            msg = (
                f"unasync: {pattern!r} no longer matches {twin.source.name}; "
                "update the substitutions"
            )
            raise SystemExit(msg)
    return source


def generate(twin: Twin) -> str:
    """Return what the twin's target file should hold."""
    source = twin.source.read_text(encoding="utf-8")
    if twin.block is None:
        return convert(source, twin)
    converted = convert(_block(source, "source", twin.block, twin.source).group(1), twin)
    target = twin.target.read_text(encoding="utf-8")
    generated = _block(target, "generated", twin.block, twin.target)
    return target[: generated.start(1)] + converted + target[generated.end(1) :]


def main(argv: list[str]) -> int:
    """Write the async twins, or with ``--check`` report whether they are up to date."""
    stale = []
    for twin in TWINS:
        generated = generate(twin)
        if twin.target.read_text(encoding="utf-8") == generated:
            continue
        if "--check" in argv:
            stale.append(twin.target.name)
        else:
            twin.target.write_text(generated, encoding="utf-8")
    for name in stale:
        sys.stderr.write(f"{name} is out of date: run python scripts/unasync.py\n")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
