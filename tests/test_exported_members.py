"""Each public module exports exactly its public names, documented, under a public `__module__`."""

from __future__ import annotations

import importlib
import inspect
import pickle
from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest

import missive_channels

if TYPE_CHECKING:
    from types import ModuleType

PUBLIC_MODULES = [
    "missive_channels",
    "missive_channels.webhooks",
    "missive_channels.ratelimit",
    "missive_channels.bulk",
    "missive_channels.redis",
    "missive_channels.testing",
]


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_lists_every_public_name_once(name: str) -> None:
    """`__all__` is free of repeats and equals the public names the module defines."""
    module = _module(name)
    public = {
        attribute
        for attribute in dir(module)
        # Public submodules (`webhooks`) are imported by name, not star-exported.
        if not attribute.startswith("_") and not inspect.ismodule(getattr(module, attribute))
    }
    if name == "missive_channels":
        public |= {"__version__"}
    assert set(module.__all__) == public
    assert len(set(module.__all__)) == len(module.__all__)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_class_and_function_reports_a_public_module(name: str) -> None:
    """`__module__` names the module itself, or the root for what the root exports too."""
    module = _module(name)
    for attribute in module.__all__:
        value = getattr(module, attribute)
        if inspect.isclass(value) or inspect.isfunction(value):
            home = "missive_channels" if attribute in missive_channels.__all__ else name
            assert value.__module__ == home, attribute


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_name_and_method_is_documented(name: str) -> None:
    """Every exported class and function, and each public method, has a docstring of its own."""
    module = _module(name)
    for attribute in module.__all__:
        value = getattr(module, attribute)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), attribute
        if inspect.isclass(value):
            for member, method in vars(value).items():
                if not member.startswith("_") and inspect.isfunction(method):
                    assert inspect.getdoc(method), f"{attribute}.{member}"


def test_the_root_is_small_and_shares_no_names_with_redis_or_testing() -> None:
    """The root holds the everyday names only; Redis and the testing kit are imported by name."""
    assert len(missive_channels.__all__) <= 55
    for name in ("missive_channels.redis", "missive_channels.testing"):
        assert not set(_module(name).__all__) & set(missive_channels.__all__), name


def test_a_published_class_pickles_under_its_public_path() -> None:
    """Pickles and reprs name the public module, so they survive moves between private ones."""
    from missive_channels.webhooks import Delivery  # noqa: PLC0415 - the module under test

    assert pickle.loads(pickle.dumps(Delivery.NEW)) is Delivery.NEW  # noqa: S301 - our own bytes
    assert b"missive_channels.webhooks" in pickle.dumps(Delivery.NEW)
    error = missive_channels.NotFoundError
    assert f"{error.__module__}.{error.__qualname__}" == "missive_channels.NotFoundError"


def test_version_comes_from_package_metadata() -> None:
    """`__version__` is the installed distribution's version."""
    assert missive_channels.__version__ == version("missive-channels")
