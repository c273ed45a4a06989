"""Show each public class and function under the public module users import it from.

Implementation lives in private modules (``_models``, ``_client`` ...). Like httpx,
each public module rewrites the ``__module__`` of what it exports, so reprs,
tracebacks, pickles and the API reference name ``missive_channels.webhooks.Delivery``
rather than a private path. A name the root exports reports the root, whichever
submodule also exports it, so the result never depends on import order.
"""

from __future__ import annotations

import inspect
import sys
from typing import TYPE_CHECKING, ForwardRef, get_args

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

ROOT = "missive_channels"


def publish(module: str, namespace: Mapping[str, object], names: Iterable[str]) -> None:
    """Set ``__module__`` to ``module`` on the classes and functions among ``names``.

    A submodule leaves the names that the root exports to the root. Constants and
    type aliases keep their ``__module__``: they have none of their own.

    Args:
        module: The public module's name, e.g. ``"missive_channels.webhooks"``.
        namespace: Where the names are bound (the module's globals).
        names: The names to publish, usually the module's ``__all__``.
    """
    root_names: Iterable[str] = () if module == ROOT else sys.modules[ROOT].__all__
    for name in names:
        if name not in root_names:
            show_in(module, namespace[name])


def _unresolved(hint: object) -> bool:
    """Whether a type hint still names a type as text (a string, or a ForwardRef inside)."""
    return isinstance(hint, (str, ForwardRef)) or any(map(_unresolved, get_args(hint)))


def show_in(module: str, value: object) -> None:
    """Set ``__module__`` of one class or function defined in a private module."""
    if (
        inspect.isclass(value)
        and attrs.has(value)
        and any(_unresolved(field.type) for field in attrs.fields(value))
    ):
        # String annotations resolve in the defining module's globals, found through
        # __module__: resolve them while that is still the private module. Classes whose
        # annotations are types already (most models) skip the work.
        attrs.resolve_types(value)
    if inspect.isclass(value) or inspect.isfunction(value):
        value.__module__ = module
