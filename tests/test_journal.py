"""The send journal: durable states, safe reopening, and refusal of files that are not journals."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from missive_channels import JournalError
from missive_channels._journal import fingerprint
from missive_channels.bulk import Journal, JournalEntry, JournalState


def test_a_message_moves_through_its_states(tmp_path: Path) -> None:
    """Each state change is recorded with its details and attempt count."""
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.get("m-1") is None
        journal.mark_sending("m-1", "fp")
        assert journal.get("m-1") == JournalEntry(
            external_id="m-1", state=JournalState.SENDING, fingerprint="fp", attempts=1
        )
        journal.mark_possibly_delivered("m-1", "timed out")
        assert journal.get("m-1") == JournalEntry(
            external_id="m-1",
            state=JournalState.POSSIBLY_DELIVERED,
            fingerprint="fp",
            error="timed out",
            attempts=1,
        )
        journal.mark_sending("m-1", "fp")
        journal.mark_sent("m-1", message_id="msg-9", conversation_id="conv-3")
        assert journal.get("m-1") == JournalEntry(
            external_id="m-1",
            state=JournalState.SENT,
            fingerprint="fp",
            message_id="msg-9",
            conversation_id="conv-3",
            attempts=2,
        )


def test_states_survive_reopening(tmp_path: Path) -> None:
    """A new Journal on the same file sees what the previous one recorded."""
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.mark_sending("a", "fa")
        journal.mark_sending("b", "fb")
        journal.mark_failed("b", "400 bad request")
        journal.mark_sending("c", "fc")
    with Journal(path) as journal:
        assert journal.get("a") is not None
        assert journal.counts() == {
            JournalState.SENDING: 2,
            JournalState.SENT: 0,
            JournalState.FAILED: 1,
            JournalState.POSSIBLY_DELIVERED: 0,
        }
        entry = journal.get("b")
        assert entry is not None
        assert entry.error == "400 bad request"


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    """Random bytes are reported as not a journal, and the file is left untouched."""
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(JournalError, match=r"notes\.txt' is not a missive-channels journal"):
        Journal(path)
    assert path.read_bytes().startswith(b"these are my notes")


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    """A SQLite database without our application id is never written to."""
    path = tmp_path / "app.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(JournalError, match="another application"):
        Journal(path)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    assert tables == ["users"]


def test_a_journal_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    """A journal in a newer format is refused with advice to upgrade."""
    path = tmp_path / "j.sqlite"
    Journal(path).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(JournalError, match="upgrade"):
        Journal(path)


def test_an_unopenable_path_is_a_journal_error(tmp_path: Path) -> None:
    """A path in a missing directory gives our error, not sqlite3's."""
    with pytest.raises(JournalError, match="cannot open the journal"):
        Journal(tmp_path / "missing" / "j.sqlite")


def test_writing_to_a_closed_journal_is_a_journal_error(tmp_path: Path) -> None:
    """A write that SQLite refuses surfaces as JournalError with the cause kept."""
    journal = Journal(tmp_path / "j.sqlite")
    journal.close()
    with pytest.raises(JournalError, match="cannot write") as info:
        journal.mark_sending("m", "fp")
    assert isinstance(info.value.__cause__, sqlite3.Error)


def test_threads_can_share_a_journal(tmp_path: Path) -> None:
    """Concurrent writers from several threads lose no record."""
    with Journal(tmp_path / "j.sqlite") as journal:

        def send(worker: int) -> None:
            for index in range(25):
                journal.mark_sending(f"{worker}-{index}", "fp")
                journal.mark_sent(f"{worker}-{index}", message_id=None, conversation_id=None)

        threads = [threading.Thread(target=send, args=(worker,)) for worker in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert journal.counts()[JournalState.SENT] == 100


def test_fingerprint_is_the_sha256_of_the_body() -> None:
    """The fingerprint is SHA-256 hex (known answer for b'abc', FIPS 180-2)."""
    assert fingerprint(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_repr_shows_the_path(tmp_path: Path) -> None:
    """The repr names the file."""
    with Journal(tmp_path / "j.sqlite") as journal:
        assert repr(journal) == f"Journal({str(tmp_path / 'j.sqlite')!r})"


def test_a_journal_with_overwritten_pages_is_refused(tmp_path: Path) -> None:
    """A journal whose pages were overwritten is refused at opening, never half-read."""
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        for number in range(2000):
            journal.mark_sending(f"m-{number}", "f" * 64)
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 5 * page] = bytes(range(256)) * (2 * page // 256)
    path.write_bytes(bytes(data))
    with pytest.raises(JournalError, match="damaged"):
        Journal(path)


def test_a_journal_failing_its_integrity_check_is_refused(tmp_path: Path) -> None:
    """A structurally readable journal that breaks its own constraints is refused whole."""
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.mark_sending("m", "fp")
    # Slip a NULL state past the NOT NULL constraint by editing the schema around it.
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA writable_schema = ON")
    schema = db.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    loose = schema.replace("state TEXT NOT NULL", "state TEXT")
    db.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'messages'", (loose,))
    db.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(
        "INSERT INTO messages (external_id, state, fingerprint, updated_at) "
        "VALUES ('x', NULL, 'f', 0)"
    )
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'messages'", (schema,))
    db.close()
    with pytest.raises(JournalError, match=r"is damaged \(NULL value in messages\.state\)"):
        Journal(path)


def test_an_unknown_state_is_a_journal_error(tmp_path: Path) -> None:
    """A record whose state was altered outside the SDK is reported, not guessed at."""
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.mark_sending("m", "fp")
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("UPDATE messages SET state = 'bogus'")
    with Journal(path) as journal, pytest.raises(JournalError, match="unknown state 'bogus'"):
        journal.get("m")


def test_the_named_file_alone_holds_every_commit(tmp_path: Path) -> None:
    """Commits go to the named file (rollback journal), fully synced, never to a -wal file."""
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.mark_sending("m", "fp")
        journal.mark_sent("m", message_id="msg-1", conversation_id=None)
        # 2 is FULL: each commit is synced to disk before the request it guards starts.
        assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        copy = tmp_path / "copy.sqlite"
        copy.write_bytes(path.read_bytes())
    assert not (tmp_path / "j.sqlite-wal").exists()
    with Journal(copy) as copied:
        assert copied.get("m") == JournalEntry(
            external_id="m",
            state=JournalState.SENT,
            fingerprint="fp",
            message_id="msg-1",
            attempts=1,
        )


def test_a_journal_from_an_earlier_version_in_wal_mode_is_folded_into_its_file(
    tmp_path: Path,
) -> None:
    """A journal left in WAL mode keeps its records and then lives in its one file."""
    path = tmp_path / "j.sqlite"
    Journal(path).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(
            "INSERT INTO messages (external_id, state, fingerprint, updated_at) "
            "VALUES ('m', 'sent', 'fp', 0)"
        )
    with Journal(path) as journal:
        assert journal.get("m") is not None
    assert not (tmp_path / "j.sqlite-wal").exists()
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_journal_is_held_exclusively_while_open(tmp_path: Path) -> None:
    """A second Journal on a held file fails at once; after closing, it opens."""
    path = tmp_path / "j.sqlite"
    with Journal(path):
        with pytest.raises(JournalError, match="another run holds the journal") as info:
            Journal(path)
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    Journal(path).close()


def test_a_journal_held_by_another_process_is_refused(tmp_path: Path) -> None:
    """Another process opening a held journal gets JournalError, and nothing is written."""
    path = tmp_path / "j.sqlite"
    script = (
        "import sys\n"
        "from missive_channels import JournalError\n"
        "from missive_channels.bulk import Journal\n"
        "try:\n"
        "    Journal(sys.argv[1])\n"
        "except JournalError as exc:\n"
        "    print(exc)\n"
    )
    with Journal(path) as journal:
        journal.mark_sending("m", "fp")
        done = subprocess.run(  # noqa: S603 - a fixed interpreter and script
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert done.stdout.startswith(f"another run holds the journal {str(path)!r}")
        assert journal.counts()[JournalState.SENDING] == 1


def test_a_cut_off_journal_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    """A journal missing its last byte lost an index entry; it is refused, not half-read."""
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        for number in range(20):
            journal.mark_sending(f"m-{number}", "f" * 64)
            journal.mark_sent(f"m-{number}", message_id="x" * 36, conversation_id="y" * 36)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(JournalError, match=r"is damaged \(row 1 missing from index"):
        Journal(path)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_kill_at_any_point_of_creation_leaves_a_usable_journal(tmp_path: Path) -> None:
    """SIGKILL at each statement of creation: the next opening builds a working journal."""
    worker = Path(__file__).with_name("journal_kill_worker.py")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    stop_at = 1
    while True:
        path = tmp_path / f"j{stop_at}.sqlite"
        done = subprocess.run(  # noqa: S603 - a fixed interpreter and script
            [sys.executable, str(worker), str(path), str(stop_at)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if done.returncode == 0:
            assert done.stdout == "opened\n"
            break
        assert done.returncode == -signal.SIGKILL, done.stderr
        with Journal(path) as journal:
            journal.mark_sending("m", "fp")
            assert journal.counts()[JournalState.SENDING] == 1
        stop_at += 1
    assert stop_at > 5  # every statement of creation was a kill point
