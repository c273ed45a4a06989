"""Every Python snippet in README.md and docs/ runs, so no example can rot."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import missive_channels
import missive_channels.redis
from missive_channels.testing import ChannelSettings, FakeMissive

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
INCLUDE = re.compile(r'^--8<-- "(.+)"$', re.MULTILINE)
#: The custom channel's account id every page uses in its examples.
ACCOUNT = "0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90"
#: Pages whose snippets send through `MissiveClient()` as configured by the environment: the
#: page's FakeMissive must have accepted messages, so that none of them merely defines code.
SENDING_PAGES = {"README.md", "index.md", "rate-limits.md", "sending.md"}
#: Pages whose snippets talk to Redis: they run against the tests' own server.
NEEDS_REDIS = {"scale.md"}


def snippets(page: Path) -> list[tuple[int, str]]:
    """Return each Python block of a page with the line it starts on."""
    text = page.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 2, _expand(match.group(1)))
        for match in FENCE.finditer(text)
    ]


def _expand(code: str) -> str:
    """Replace the docs' file includes (`--8<-- "path"`) with the files they show."""
    return INCLUDE.sub(lambda m: (ROOT / m.group(1)).read_text(encoding="utf-8"), code)


def test_pages_have_snippets() -> None:
    """The snippet finder sees the pages' Python blocks (a broken pattern would skip them all)."""
    assert snippets(ROOT / "README.md")
    assert {page.name for page in PAGES} >= SENDING_PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_snippets_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The page's blocks run in order in one namespace, as a reader would paste them.

    The environment points `MissiveClient()` at a FakeMissive of the page's own, with a Text
    channel under the docs' account id, as ``MISSIVE_API_TOKEN`` and ``MISSIVE_BASE_URL``
    would point it at Missive.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MISSIVE_WEBHOOK_SECRET", "docs-secret")
    if page.name in NEEDS_REDIS:
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
    namespace: dict[str, object] = {"__name__": f"snippets_{page.stem}"}
    with FakeMissive() as fake:
        fake.add_channel(ChannelSettings(type="text"), account=ACCOUNT)
        monkeypatch.setenv("MISSIVE_API_TOKEN", fake.token)
        monkeypatch.setenv("MISSIVE_BASE_URL", fake.base_url)
        for line, code in snippets(page):
            padded = "\n" * (line - 1) + code  # tracebacks point at the page's own line numbers
            exec(compile(padded, str(page), "exec"), namespace)  # noqa: S102 - running the docs is the point
    if page.name in SENDING_PAGES:
        assert fake.messages, f"{page.name}: no snippet sent a message"
        assert {message.account for message in fake.messages} == {ACCOUNT}


def test_reference_renders_every_public_name() -> None:
    """The API reference page renders each exported name from its docstring."""
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    rendered = set(re.findall(r"^::: missive_channels\.(\w+)$", reference, re.MULTILINE))
    assert rendered == set(missive_channels.__all__) - {"__version__"}
    rendered = set(re.findall(r"^::: missive_channels\.redis\.(\w+)$", reference, re.MULTILINE))
    assert rendered == set(missive_channels.redis.__all__)


DIRECTIVE = re.compile(r"^::: (\S+)\n((?:    .*\n)*)", re.MULTILINE)


def documented() -> list[tuple[str, object, str]]:
    """Every object the pages' reference directives show, with the directive's options."""
    found = []
    for page in PAGES:
        for match in DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            module, _, name = match.group(1).rpartition(".")
            found.append((match.group(1), getattr(importlib.import_module(module), name), match[2]))
    return found


def test_the_reference_shows_no_private_base_class() -> None:
    """A class built on a private base hides its bases and shows the members it inherits."""
    for name, obj, options in documented():
        if isinstance(obj, type) and any(base.__name__.startswith("_") for base in obj.__bases__):
            assert "show_bases: false" in options, name
            assert "inherited_members: true" in options, name


def test_docstrings_use_markdown_not_rest_literal_blocks() -> None:
    """The reference renders Markdown: a reST ``::`` would show literally."""
    for name, obj, _ in documented():
        members = [obj, *vars(obj).values()] if isinstance(obj, type) else [obj]
        for member in members:
            lines = (inspect.getdoc(member) or "").splitlines()
            assert not [line for line in lines if line.endswith("::")], name
