"""A process for the journal creation test: opens a new journal and SIGKILLs itself mid-way.

Run as ``python journal_kill_worker.py JOURNAL N``: the process kills itself as SQLite
starts the N-th statement on the journal's connection, so every point of creation can
be tried in turn.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
from typing import Any

from missive_channels.bulk import Journal


def main(argv: list[str]) -> None:
    """Open the journal, dying at statement ``N``; print "opened" if it got that far."""
    path, stop_at = argv[0], int(argv[1])
    connect = sqlite3.connect
    started = 0

    def on_statement(_sql: str) -> None:
        nonlocal started
        started += 1
        if started == stop_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = connect(*args, **kwargs)
        db.set_trace_callback(on_statement)
        return db

    sqlite3.connect = traced_connect  # type: ignore[assignment]
    Journal(path).close()
    print("opened")  # noqa: T201 - the test reads it


if __name__ == "__main__":
    main(sys.argv[1:])
