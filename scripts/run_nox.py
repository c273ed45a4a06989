"""Run nox from a virtual environment of its own: `python3 scripts/run_nox.py [nox arguments]`.

Any Python 3.10+ can run this file, including an "externally managed" one (PEP 668) such
as Debian's or Ubuntu's `/usr/bin/python3`, which refuses `pip install` outside a virtual
environment. The first run makes `.nox/_nox/` with nox and uv in it (a few seconds); later
runs reuse it. Every argument is passed to nox unchanged, and nox's exit status is ours.
Deleting `.nox/` reclaims all the space the sessions use; the next run makes it again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = ROOT / ".nox" / "_nox"
#: What the environment gets; uv makes the sessions' installs fast and quiet.
REQUIREMENTS = ["nox[uv]>=2025.2.9"]
#: Written last, so an environment whose set-up was interrupted is made again.
READY = ENV / "requirements.txt"


def env_python() -> Path:
    """The interpreter of the environment, on POSIX and on Windows."""
    return ENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def make_env() -> None:
    """Make the environment and install nox into it, or exit with what to do."""
    shutil.rmtree(ENV, ignore_errors=True)
    try:
        venv.create(ENV, with_pip=True)
    except (OSError, subprocess.CalledProcessError) as error:
        shutil.rmtree(ENV, ignore_errors=True)
        sys.exit(
            f"run_nox: {sys.executable} could not make a virtual environment with pip "
            f"({error}). On Debian or Ubuntu, install python3-venv "
            "(sudo apt-get install python3-venv) and run the command again."
        )
    install = [str(env_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    # The environment's own pip, with fixed arguments.
    if subprocess.run([*install, *REQUIREMENTS], check=False).returncode != 0:  # noqa: S603
        sys.exit("run_nox: installing nox failed (see pip's message above); run again to retry.")
    READY.write_text("\n".join(REQUIREMENTS) + "\n", encoding="utf-8")


def main() -> int:
    """Make the environment if it is missing or stale, then run nox in the project's root."""
    if sys.version_info < (3, 10):  # noqa: UP036 - an older Python is told what it needs
        sys.exit(f"run_nox: Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    ready = READY.exists() and READY.read_text(encoding="utf-8").split() == REQUIREMENTS
    if not ready or not env_python().exists():
        print("run_nox: setting up nox in .nox/_nox (once)", file=sys.stderr, flush=True)
        make_env()
    command = [str(env_python()), "-m", "nox", *sys.argv[1:]]
    try:
        # nox, given the arguments this script was given: the user's own command line.
        return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603
    except KeyboardInterrupt:  # nox got the Ctrl-C too, and has stopped
        return 130


if __name__ == "__main__":
    sys.exit(main())
