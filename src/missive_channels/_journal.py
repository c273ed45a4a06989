"""The send journal: one SQLite file recording each message's state before and after its request."""

from __future__ import annotations

import enum
import hashlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._closing import Closing
from ._errors import JournalError

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

__all__ = ["Journal", "JournalEntry", "JournalState", "fingerprint"]

# "MSCJ": marks a SQLite file as ours, so a foreign database is never written to.
_APPLICATION_ID: Final = 0x4D53434A
_SCHEMA_VERSION: Final = 1
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS messages (
    external_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    message_id TEXT,
    conversation_id TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
)
"""


class JournalState(str, enum.Enum):
    """Where a message stands in the journal."""

    SENDING = "sending"
    """The request was about to be sent; the process may have died before knowing the outcome."""
    SENT = "sent"
    """Missive accepted the message."""
    FAILED = "failed"
    """Missive certainly did not create the message (refused it, or it was never sent)."""
    POSSIBLY_DELIVERED = "possibly_delivered"
    """The request was sent but no answer came back: Missive may or may not have the message."""


@attrs.frozen(kw_only=True)
class JournalEntry:
    """One message's record in the journal.

    Attributes:
        external_id: The message's ``external_id``, the journal's key.
        state: Where the message stands.
        fingerprint: A digest of the request body, to spot an ``external_id``
            reused for a different message.
        message_id: Missive's message id, once sent (when Missive returned it).
        conversation_id: Missive's conversation id, once sent (when returned).
        error: What went wrong, for failed and possibly delivered messages.
        attempts: How many times the message's request was started.
    """

    external_id: str
    state: JournalState
    fingerprint: str
    message_id: str | None = None
    conversation_id: str | None = None
    error: str | None = None
    attempts: int = 0


def fingerprint(body: bytes | Iterable[bytes]) -> str:
    """Return the digest the journal keeps of a request body.

    Args:
        body: The encoded request body, whole or as the chunks of a streamed body.

    Returns:
        The SHA-256 hex digest of ``body`` (of the chunks joined).
    """
    if isinstance(body, bytes):
        return hashlib.sha256(body).hexdigest()
    digest = hashlib.sha256()
    for chunk in body:
        digest.update(chunk)
    return digest.hexdigest()


class Journal(Closing):
    """A durable record of which messages were sent, kept in one SQLite file.

    Each message's state is committed before its request starts and again when
    the outcome is known, so a run stopped by a crash, a kill or Ctrl-C can be
    resumed without sending anything twice. Every commit lands in the file at
    ``path`` itself (SQLite's rollback journal, never a write-ahead log), so that
    file alone is the whole journal: it can be copied or moved between runs.
    While SQLite writes, a ``<path>-journal`` file sits beside it (and stays,
    emptied, while the journal is open); after a crash it holds what SQLite needs
    to undo a half-written commit, so leave it in place until the next opening.

    An open journal is held exclusively: another `Journal` on the same file, in
    this process or another, fails with `JournalError` until this one is closed.
    Safe to share between the threads of one run.

    Args:
        path: The journal file; created if missing.

    Raises:
        JournalError: If another run holds the journal, if the file is not a
            journal (not SQLite, or another application's database), is damaged,
            or was written by a newer version.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open or create the journal at ``path``, and hold it until closed."""
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            # timeout=0: a journal held by another run is reported at once, not waited for.
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=0
            )
        except sqlite3.Error as exc:
            msg = (
                f"cannot open the journal {str(self.path)!r}: {exc}; check the path and permissions"
            )
            raise JournalError(msg) from exc
        try:
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            # SQLite's own text for SQLITE_BUSY (the error code itself needs Python 3.11).
            if str(exc) == "database is locked":
                msg = (
                    f"another run holds the journal {str(self.path)!r}; nothing was sent. "
                    "Wait for it to finish, or give each run its own journal"
                )
                raise JournalError(msg) from exc
            msg = (
                f"{str(self.path)!r} is not a missive-channels journal, or is damaged ({exc}); "
                "give the path of a journal or of a new file"
            )
            raise JournalError(msg) from exc
        except JournalError:
            self._db.close()
            raise

    def _prepare(self) -> None:
        # Held from now until close: a second run cannot interleave its sends with ours.
        self._db.execute("PRAGMA locking_mode = EXCLUSIVE")
        # Every state change must survive a power cut, not just a process crash.
        self._db.execute("PRAGMA synchronous = FULL")
        # Commits land in the named file itself; a journal made by an earlier version
        # in WAL mode is folded back into its one file here.
        self._db.execute("PRAGMA journal_mode = DELETE")
        self._db.execute("BEGIN EXCLUSIVE")
        try:
            self._check_header()
            # Schema and marks in one transaction: a kill during creation leaves an
            # empty file, which the next opening builds again, never a half-made journal.
            self._db.execute(_SCHEMA)
            self._db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _check_header(self) -> None:
        application_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables and application_id != _APPLICATION_ID:
            msg = (
                f"{str(self.path)!r} is a SQLite database of another application; "
                "refusing to write to it: give the path of a journal or of a new file"
            )
            raise JournalError(msg)
        if version > _SCHEMA_VERSION:
            msg = (
                f"the journal {str(self.path)!r} has format {version}, newer than this "
                f"version of missive-channels understands ({_SCHEMA_VERSION}); upgrade it"
            )
            raise JournalError(msg)
        if tables:
            self._check_integrity()

    def _check_integrity(self) -> None:
        # A damaged journal could hide a sent message and have it sent again: refuse it
        # whole, before anything is sent. integrity_check, not quick_check: a cut-off
        # file can lose an index entry that only integrity_check notices, and a lost
        # entry is a message sent twice.
        problems = [row[0] for row in self._db.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            first = " ".join(problems[0].split())
            msg = (
                f"the journal {str(self.path)!r} is damaged ({first}); nothing was sent. "
                "Restore it from a backup, or check in Missive what was sent before starting "
                "a new journal"
            )
            raise JournalError(msg)

    def get(self, external_id: str) -> JournalEntry | None:
        """Return the entry of a message, or ``None`` if the journal has never seen it.

        Args:
            external_id: The message's ``external_id``.

        Returns:
            The entry, if any.
        """
        row = self._read(
            "SELECT external_id, state, fingerprint, message_id, conversation_id, error, "
            "attempts FROM messages WHERE external_id = ?",
            (external_id,),
        )
        if row is None:
            return None
        try:
            state = JournalState(row[1])
        except ValueError as exc:
            msg = (
                f"the journal {str(self.path)!r} is damaged: {external_id!r} has the unknown "
                f"state {row[1]!r}"
            )
            raise JournalError(msg) from exc
        return JournalEntry(
            external_id=row[0],
            state=state,
            fingerprint=row[2],
            message_id=row[3],
            conversation_id=row[4],
            error=row[5],
            attempts=row[6],
        )

    def mark_sending(self, external_id: str, fingerprint: str) -> None:
        """Record that a message's request is about to start (committed before it does).

        Args:
            external_id: The message's ``external_id``.
            fingerprint: The digest of its request body (see `fingerprint`).
        """
        self._write(
            "INSERT INTO messages (external_id, state, fingerprint, attempts, updated_at) "
            "VALUES (?, 'sending', ?, 1, ?) ON CONFLICT (external_id) DO UPDATE SET "
            "state = 'sending', fingerprint = excluded.fingerprint, error = NULL, "
            "attempts = attempts + 1, updated_at = excluded.updated_at",
            (external_id, fingerprint, time.time()),
        )

    def mark_sent(
        self, external_id: str, *, message_id: str | None, conversation_id: str | None
    ) -> None:
        """Record that Missive accepted a message.

        Args:
            external_id: The message's ``external_id``.
            message_id: Missive's message id, if the response carried it.
            conversation_id: Missive's conversation id, if the response carried it.
        """
        self._write(
            "UPDATE messages SET state = 'sent', message_id = ?, conversation_id = ?, "
            "error = NULL, updated_at = ? WHERE external_id = ?",
            (message_id, conversation_id, time.time(), external_id),
        )

    def mark_failed(self, external_id: str, error: str) -> None:
        """Record that Missive certainly did not create a message.

        Args:
            external_id: The message's ``external_id``.
            error: What went wrong.
        """
        self._set_error_state(external_id, JournalState.FAILED, error)

    def mark_possibly_delivered(self, external_id: str, error: str) -> None:
        """Record that a message's request was sent but its outcome is unknown.

        Args:
            external_id: The message's ``external_id``.
            error: What went wrong.
        """
        self._set_error_state(external_id, JournalState.POSSIBLY_DELIVERED, error)

    def counts(self) -> dict[JournalState, int]:
        """Return how many messages are in each state.

        Returns:
            A count for every state, zero included.
        """
        rows = self._read_all("SELECT state, count(*) FROM messages GROUP BY state")
        found = {JournalState(state): count for state, count in rows}
        return {state: found.get(state, 0) for state in JournalState}

    def close(self) -> None:
        """Close the journal file."""
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        """Show the journal's path."""
        return f"Journal({str(self.path)!r})"

    def _set_error_state(self, external_id: str, state: JournalState, error: str) -> None:
        self._write(
            "UPDATE messages SET state = ?, error = ?, updated_at = ? WHERE external_id = ?",
            (state.value, error, time.time(), external_id),
        )

    def _read(self, sql: str, parameters: tuple[object, ...]) -> tuple[Any, ...] | None:
        rows = self._read_all(sql, parameters)
        return rows[0] if rows else None

    def _read_all(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                rows: list[tuple[Any, ...]] = self._db.execute(sql, parameters).fetchall()
            except sqlite3.Error as exc:
                msg = (
                    f"cannot read the journal {str(self.path)!r}: {exc}; "
                    "it may be closed or damaged"
                )
                raise JournalError(msg) from exc
        return rows

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        with self._lock:
            try:
                self._db.execute(sql, parameters)
            except sqlite3.Error as exc:
                msg = f"cannot write to the journal {str(self.path)!r}: {exc}"
                raise JournalError(msg) from exc
