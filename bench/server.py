"""A minimal loopback HTTP/1.1 server for the client benchmarks, run in its own process.

It answers every request ``201`` with a tiny ``messages`` JSON body, keeps
connections alive, and counts request bodies without keeping them, so neither
its speed nor its memory shows in what the benchmarks measure of the client.

Usage: ``python server.py``; it prints its port on the first line of stdout and
serves until it is terminated.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Final

BODY: Final = b'{"messages":{"id":"msg-1","conversation":"conv-1"}}'
RESPONSE: Final = (
    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
)
_LENGTH: Final = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


class _Exchange(asyncio.Protocol):
    """One connection: read a head, skip ``Content-Length`` body bytes, answer, repeat."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._head = bytearray()
        self._remaining = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._remaining:
                taken = min(self._remaining, len(view))
                self._remaining -= taken
                view = view[taken:]
                if not self._remaining:
                    self._answer()
                continue
            self._head += view
            view = memoryview(b"")
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, rest = bytes(self._head[:end]), bytes(self._head[end + 4 :])
            self._head.clear()
            found = _LENGTH.search(head)
            self._remaining = int(found.group(1)) if found else 0
            if not self._remaining:
                self._answer()
            view = memoryview(rest)

    def _answer(self) -> None:
        assert self._transport is not None
        self._transport.write(RESPONSE)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Exchange, "127.0.0.1", 0, backlog=64)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(_serve())
    except KeyboardInterrupt:
        sys.exit(0)
