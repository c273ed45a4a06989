"""Every Python snippet in README.md and docs/ runs, so no example can rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import missive_channels
import missive_channels.redis

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Pages whose snippets talk to Redis: they run against the tests' own server.
NEEDS_REDIS = {"scale.md"}


def snippets(page: Path) -> list[tuple[int, str]]:
    """Return each Python block of a page with the line it starts on."""
    text = page.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1)) for match in FENCE.finditer(text)
    ]


def test_pages_have_snippets() -> None:
    """The snippet finder sees the pages' Python blocks (a broken pattern would skip them all)."""
    assert snippets(ROOT / "README.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_snippets_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The page's blocks run in order in one namespace, as a reader would paste them."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MISSIVE_WEBHOOK_SECRET", "docs-secret")
    if page.name in NEEDS_REDIS:
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
        monkeypatch.setenv("MISSIVE_API_TOKEN", "docs-token")
    namespace: dict[str, object] = {"__name__": f"snippets_{page.stem}"}
    for line, code in snippets(page):
        padded = "\n" * (line - 1) + code  # tracebacks point at the page's own line numbers
        exec(compile(padded, str(page), "exec"), namespace)  # noqa: S102 - running the docs is the point


def test_reference_renders_every_public_name() -> None:
    """The API reference page renders each exported name from its docstring."""
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    rendered = set(re.findall(r"^::: missive_channels\.(\w+)$", reference, re.MULTILINE))
    assert rendered == set(missive_channels.__all__) - {"__version__"}
    rendered = set(re.findall(r"^::: missive_channels\.redis\.(\w+)$", reference, re.MULTILINE))
    assert rendered == set(missive_channels.redis.__all__)
