"""MISSIVE_LOG and the command line's -v: the package's logs on stderr, never a secret."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from conftest import TOKEN
from missive_channels._logs import enable_logging, enable_logging_from_env

if TYPE_CHECKING:
    from collections.abc import Iterator

LOGGER = logging.getLogger("missive_channels")

SEND = f"""
import httpx
import missive_channels as m

answers = iter([httpx.Response(503), httpx.Response(200, json={{"messages": {{"id": "m1"}}}})])
http = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
client = m.MissiveClient(token={TOKEN!r}, http_client=http)
client._sleep = lambda seconds: None
client.messages.get("m1")
"""


@pytest.fixture(autouse=True)
def _restore_logger() -> Iterator[None]:
    """Leave the package's logger as each test found it."""
    handlers, level = list(LOGGER.handlers), LOGGER.level
    yield
    LOGGER.handlers[:] = handlers
    LOGGER.setLevel(level)


def _run(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MISSIVE_LOG"}
    if env_value is not None:
        env["MISSIVE_LOG"] = env_value
    done = subprocess.run(  # noqa: S603 - our own interpreter with fixed code
        [sys.executable, "-c", SEND], capture_output=True, env=env, check=True, timeout=60
    )
    return done.stderr.decode()


@pytest.mark.parametrize("value", ["debug", " DEBUG "])
def test_missive_log_debug_logs_every_attempt_to_stderr(value: str) -> None:
    """MISSIVE_LOG=debug shows each attempt and retry on stderr, without the token."""
    err = _run(value)
    assert "DEBUG missive_channels: GET /v1/messages/m1 -> 503 (attempt 1)" in err
    assert "INFO missive_channels: retrying GET /v1/messages/m1 after attempt 1" in err
    assert "GET /v1/messages/m1 -> 200 (attempt 2)" in err
    assert TOKEN not in err
    assert "Bearer" not in err


def test_missive_log_info_logs_retries_only() -> None:
    """MISSIVE_LOG=info shows retries but not each attempt."""
    err = _run("info")
    assert "retrying GET /v1/messages/m1" in err
    assert "-> 503" not in err


@pytest.mark.parametrize("value", [None, "", "verbose"])
def test_without_missive_log_nothing_is_logged(value: str | None) -> None:
    """Unset, empty or unknown, MISSIVE_LOG leaves the logs off, as logging's defaults say."""
    assert _run(value) == ""


def test_enabling_twice_adds_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    """Turning the logs on again changes the level; every record is written once."""
    enable_logging_from_env({"MISSIVE_LOG": "info"})
    enable_logging(logging.DEBUG)
    LOGGER.debug("one line")
    assert capsys.readouterr().err.count("one line") == 1
    assert LOGGER.level == logging.DEBUG
