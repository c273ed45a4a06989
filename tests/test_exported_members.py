"""The public root exports exactly its public names, each documented."""

from __future__ import annotations

import inspect
from importlib.metadata import version

import missive_channels


def test_all_lists_every_public_name_once() -> None:
    """`__all__` is free of repeats and equals the public names the package defines."""
    exported = set(missive_channels.__all__)
    public = {
        name
        for name in dir(missive_channels)
        # Public submodules (`webhooks`) are imported by name, not star-exported.
        if not name.startswith("_") and not inspect.ismodule(getattr(missive_channels, name))
    }
    public |= {"__version__"}
    assert exported == public
    assert len(exported) == len(missive_channels.__all__)


def test_every_public_name_is_documented() -> None:
    """Every exported class and function has a docstring of its own."""
    for name in missive_channels.__all__:
        value = getattr(missive_channels, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_version_comes_from_package_metadata() -> None:
    """`__version__` is the installed distribution's version."""
    assert missive_channels.__version__ == version("missive-channels")
