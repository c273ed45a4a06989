"""`missive_channels.redis` exports exactly its public names, each documented."""

from __future__ import annotations

import inspect

import missive_channels
import missive_channels.redis


def test_all_lists_every_public_name_once() -> None:
    """`__all__` is free of repeats and equals the public names the module defines."""
    module = missive_channels.redis
    public = {
        name
        for name in dir(module)
        if not name.startswith("_") and not inspect.ismodule(getattr(module, name))
    }
    assert set(module.__all__) == public
    assert len(set(module.__all__)) == len(module.__all__)


def test_every_public_name_and_method_is_documented() -> None:
    """Every exported class and each of its public methods has a docstring of its own."""
    for name in missive_channels.redis.__all__:
        value = getattr(missive_channels.redis, name)
        assert inspect.getdoc(value), name
        for member, attribute in vars(value).items():
            if not member.startswith("_") and callable(attribute):
                assert inspect.getdoc(attribute), f"{name}.{member}"


def test_the_package_root_leaves_the_redis_classes_out() -> None:
    """The Redis classes are imported from their module only, so the root never needs redis."""
    assert not set(missive_channels.redis.__all__) & set(missive_channels.__all__)
