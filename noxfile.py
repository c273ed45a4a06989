"""Every developer task, one entry point: `python3 scripts/run_nox.py -s <session>`.

`scripts/run_nox.py` runs nox from an environment of its own, with uv, so it works on any
Python 3.10+; a nox already installed with uv runs this file the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
# uv makes and fills the sessions' environments (fast, linked from one cache); plain venv
# and pip where uv is missing.
nox.options.default_venv_backend = "uv|venv"
# uv trusts the platform's certificate store, as pip does, so a proxy's CA installed there works.
os.environ.setdefault("UV_SYSTEM_CERTS", "1")
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
#: The tests run on the Pythons the machine has and report the others as skipped (.ci/run
#: exposes every CPython its machine has). Nothing is downloaded: a machine may reach no other
#: host than its package index.
nox.options.error_on_missing_interpreters = False
if hasattr(nox.options, "download_python"):  # nox 2025.05+
    nox.options.download_python = "never"

PYPROJECT = nox.project.load_toml("pyproject.toml")
#: Every Python the package supports, as its classifiers say.
PYTHONS = nox.project.python_versions(PYPROJECT, max_version="3.13")
TYPED_PATHS = ["src", "tests/typing", "examples"]
#: The module only the Redis tests (which need a redis-server) can cover.
REDIS_MODULE = "missive_channels/_redis.py"


def install(session: nox.Session, *groups: str) -> None:
    """Install the project (editable) and the named dependency groups."""
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install("-e", ".", *requirements)


@nox.session(python=PYTHONS)
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
    session.run("python", "-c", CHECK_REFERENCE)


#: Run in the docs session: the built reference documents every public method of every client
#: and resource class, under its public name.
CHECK_REFERENCE = """
import inspect, pathlib, sys
import missive_channels as root
page = pathlib.Path("site/reference/index.html").read_text(encoding="utf-8")
classes = [getattr(root, name) for name in root.__all__ if name.endswith(
    ("MissiveClient", "Messages", "Conversations", "Posts"))]
missing = [
    f"{cls.__name__}.{name}"
    for cls in classes
    for name, _ in inspect.getmembers(cls, callable)
    if not name.startswith("_") and f'id="missive_channels.{cls.__name__}.{name}"' not in page
]
sys.exit(f"the reference lacks {missing}" if missing else None)
"""


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


#: What a user's own test suite looks like: the fixture from the installed wheel's plugin.
USER_TEST = """
from missive_channels import MissiveClient, Participant, TextMessage


def test_the_fixture_serves_a_client_with_no_arguments(fake_missive):
    account = fake_missive.add_channel()
    with MissiveClient() as client:
        client.messages.create(
            TextMessage(account=account, from_field=Participant(id="c-1"), body="Hi")
        )
    assert [m.payload["body"] for m in fake_missive.messages] == ["Hi"]
"""
#: A Markdown link or image whose target is not absolute: broken on an index page.
RELATIVE_LINK = re.compile(r"\]\((?!https?://|#)([^)]*)\)")


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and wheel, check them, and use the wheel from a fresh environment."""
    session.install("build", "twine")
    dist = Path(session.create_tmp()).resolve() / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist))
    session.run("twine", "check", "--strict", *(str(path) for path in sorted(dist.iterdir())))
    (wheel,) = dist.glob("*.whl")
    check_metadata(session, wheel)
    # A plain venv and pip, as a user has: the package, pytest, and a test file of their own.
    user = dist.parent / "user"
    shutil.rmtree(user, ignore_errors=True)
    session.run("python", "-m", "venv", str(user / "venv"))
    python = str(user / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    session.run(python, "-m", "pip", "install", "--quiet", str(wheel), "pytest", external=True)
    session.chdir(user)  # out of the checkout: only the installed wheel can be imported
    session.run(
        python, "-c", "import missive_channels.testing, missive_channels.webhooks", external=True
    )
    (user / "test_user.py").write_text(USER_TEST, encoding="utf-8")
    session.run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", external=True)


def check_metadata(session: nox.Session, wheel: Path) -> None:
    """Fail unless the wheel's metadata has the index page's classifiers and no relative link."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode("utf-8")
    wanted = [f"Programming Language :: Python :: {version}" for version in PYTHONS]
    wanted += ["Typing :: Typed", "Development Status :: 3 - Alpha"]
    missing = [c for c in wanted if f"Classifier: {c}\n" not in metadata]
    if missing:
        session.error(f"the wheel's metadata lacks the classifiers {missing}")
    if "License-Expression: MIT" not in metadata:
        session.error("the wheel's metadata has no licence")
    relative = RELATIVE_LINK.findall(metadata)
    if relative:
        session.error(f"the long description has relative links, broken on an index: {relative}")
