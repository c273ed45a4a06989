"""A private redis-server on a free loopback port for the tests that need a real one."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Why the Redis tests cannot run, when they cannot.
MISSING = (
    "redis-server is not installed (Debian/Ubuntu: apt-get install redis-server); "
    "the Redis tests need a real server"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Run a throwaway redis-server (no persistence) and yield its URL; skip or fail if absent.

    Without ``redis-server`` on the PATH the calling test is skipped, unless the
    ``CI`` environment variable is set: CI must run these tests, so there it fails.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"{MISSING}; CI must run them (.ci/run installs it)")
        pytest.skip(MISSING)
    for _ in range(3):  # another process may take the port between probe and bind
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - the server, with fixed arguments
            [
                executable,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10.0
        while process.poll() is None and not _answers(port) and time.monotonic() < deadline:
            time.sleep(0.02)
        if process.poll() is None and _answers(port):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail("redis-server did not start on a free loopback port")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a server that ignores SIGTERM
            process.kill()
            process.wait()
