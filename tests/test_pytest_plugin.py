"""The pytest plugin: the fake_missive fixture in a user's own test run, and its light import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import os

from missive_channels import MissiveClient, Participant, TextMessage


def test_a_client_with_no_arguments_talks_to_the_fake(fake_missive):
    account = fake_missive.add_channel()
    assert os.environ["MISSIVE_API_TOKEN"] == fake_missive.token
    assert os.environ["MISSIVE_BASE_URL"] == fake_missive.base_url
    with MissiveClient() as client:
        client.messages.create(
            TextMessage(account=account, from_field=Participant(id="c-1"), body="Hi")
        )
    assert [m.payload["body"] for m in fake_missive.messages] == ["Hi"]


def test_the_environment_is_back_afterwards():
    assert os.environ.get("MISSIVE_API_TOKEN") == os.environ.get("EXPECTED_TOKEN")
    assert "MISSIVE_BASE_URL" not in os.environ
"""


@pytest.fixture
def user_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A user's project: one test file, and only the plugins given on the command line."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("MISSIVE_BASE_URL", raising=False)
    pytester.makepyfile(test_user=USER_TESTS)
    return pytester


@pytest.mark.parametrize("token", ["the-user-s-own-token", None])
def test_fake_missive_serves_a_user_s_tests_and_restores_the_environment(
    user_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    """The fixture points MissiveClient() at a running fake, then puts the variables back."""
    for name in ("MISSIVE_API_TOKEN", "EXPECTED_TOKEN"):
        if token is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, token)
    result = user_project.runpytest("-p", "missive_channels._pytest_plugin")
    result.assert_outcomes(passed=2)


def test_without_the_plugin_there_is_no_fixture(user_project: pytest.Pytester) -> None:
    """The fixture comes from the plugin, not from anything else in the run."""
    result = user_project.runpytest("-k", "no_arguments")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fake_missive' not found*"])


PROBE = """
import sys
import missive_channels._pytest_plugin
heavy = sorted(m for m in ("httpx", "h11", "missive_channels.testing") if m in sys.modules)
assert not heavy, f"the plugin imported {heavy}"
"""


def test_loading_the_plugin_imports_neither_httpx_nor_the_testing_kit() -> None:
    """Pytest loads the plugin in every run; only a test asking for the fixture pays for the kit."""
    subprocess.run([sys.executable, "-c", PROBE], check=True)  # noqa: S603 - our probe


def test_the_documented_example_passes(user_project: pytest.Pytester) -> None:
    """The first snippet of docs/testing.md, saved as a user's test file, passes under pytest."""
    page = (Path(__file__).parent.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    snippet = page.split("```python\n", 1)[1].split("```", 1)[0]
    user_project.makepyfile(test_user=snippet)
    result = user_project.runpytest("-p", "missive_channels._pytest_plugin")
    result.assert_outcomes(passed=1)
