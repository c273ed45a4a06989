"""Every developer task, one entry point: `python3 scripts/run_nox.py -s <session>`.

`scripts/run_nox.py` runs nox from an environment of its own, with uv, so it works on any
Python 3.10+; a nox already installed with uv runs this file the same way.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
# uv makes and fills the sessions' environments (fast, linked from one cache); plain venv
# and pip where uv is missing.
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests", "docs"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
TYPED_PATHS = ["src", "tests/typing", "examples"]
#: The module only the Redis tests (which need a redis-server) can cover.
REDIS_MODULE = "missive_channels/_redis.py"


def install(session: nox.Session, *groups: str) -> None:
    """Install the project (editable) and the named dependency groups."""
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install("-e", ".", *requirements)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite under coverage; fail below 100% branch coverage of src/."""
    install(session, "test")
    # Without redis-server the Redis tests skip, so the Redis module cannot be covered. Locally
    # that is allowed and said; in CI (CI set) the tests fail instead, as they must run there.
    skip_redis = shutil.which("redis-server") is None and not os.environ.get("CI")
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "combine")
    session.run("coverage", "report", *([f"--omit=*/{REDIS_MODULE}"] if skip_redis else []))
    if skip_redis:
        session.warn(
            f"redis-server not found: the Redis tests were skipped and {REDIS_MODULE} is left"
            " out of the coverage target. Install it (Debian/Ubuntu: apt-get install"
            " redis-server) to run and cover them."
        )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "scripts/unasync.py", "--check")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check src/, tests/typing/ and examples/ with mypy --strict and pyright strict."""
    install(session, "typecheck")
    session.run("mypy", "--strict", *TYPED_PATHS)
    session.run("pyright", *TYPED_PATHS)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly: any warning fails."""
    install(session, "docs")
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"}
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks: one table of side-by-side ratios (reports, never fails on timing)."""
    install(session, "bench")
    session.chdir("bench")
    session.run("python", "run.py", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Run each atheris target for a while (seconds from posargs, default 60); see fuzz/."""
    session.install("-e", ".", "atheris")
    seconds = session.posargs[0] if session.posargs else "60"
    corpus = Path(session.create_tmp()) / "corpus"
    for target in ("responses", "webhook", "signature"):
        found = corpus / target
        found.mkdir(parents=True, exist_ok=True)
        seeds = [str(Path("fuzz") / "corpus" / target)] if target == "webhook" else []
        session.run(
            "python",
            str(Path("fuzz") / "fuzz_missive.py"),
            target,
            f"-max_total_time={seconds}",
            "-max_len=8192",
            str(found),
            *seeds,
        )


@nox.session
def demo(session: nox.Session) -> None:
    """Run the end-to-end demo: the whole custom-channel loop against a local FakeMissive."""
    session.install("-e", ".")
    session.run("missive-channels", "demo")
