"""The loopback server for the client benchmarks: the package's own HTTP server, in its own process.

It answers every request ``201`` with a tiny ``messages`` JSON body and keeps
connections alive. Running in a process of its own, neither its speed nor its
memory shows in what the benchmarks measure of the client.

Usage: ``python server.py``; it prints its port on the first line of stdout and
serves until it is terminated.
"""

from __future__ import annotations

import sys
from typing import Final

from missive_channels._http_server import HttpServer, Request, Response

BODY: Final = b'{"messages":{"id":"msg-1","conversation":"conv-1"}}'
ANSWER: Final = Response(status=201, headers=[("Content-Type", "application/json")], body=BODY)
#: Above Missive's 10 MB cap, so the attachment rows' largest bodies are read, not refused.
MAX_BODY: Final = 64 * 1024 * 1024


def _answer(_request: Request) -> Response:
    return ANSWER


def main() -> None:
    """Print the port, then serve until terminated."""
    server = HttpServer(_answer, max_body=MAX_BODY, name="bench-server")
    print(server.address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
