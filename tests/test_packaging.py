"""What an index page shows: the README as long description, with links that work there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
REPOSITORY = "https://github.com/missive-channels/missive-channels"
LINK = re.compile(r"\]\(([^)]*)\)")


def test_every_readme_link_is_absolute() -> None:
    """Relative links break on an index page, so each points at the repository or the web."""
    links = LINK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    relative = [link for link in links if not link.startswith(("https://", "#"))]
    assert relative == []
    ours = [link for link in links if link.startswith(f"{REPOSITORY}/")]
    assert len(ours) >= 19
    for link in ours:
        path = link.removeprefix(f"{REPOSITORY}/").split("/", 2)[2].split("#")[0]
        assert (ROOT / path).exists(), f"{link} names no file of the project"


def test_the_project_urls_name_the_repository() -> None:
    """The metadata's URLs are the ones the README's links are absolute against."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for label in ("Homepage", "Source"):
        assert f'{label} = "{REPOSITORY}"' in pyproject
    assert f'Issues = "{REPOSITORY}/issues"' in pyproject
    assert f'Changelog = "{REPOSITORY}/blob/main/CHANGELOG.md"' in pyproject
