"""The context-manager protocol of everything that is closed, or stopped, after use."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self


class Closing(abc.ABC):
    """Entering a ``with`` block returns the object itself; leaving it calls `close`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release what the object holds."""

    def __enter__(self) -> Self:
        """Return the object itself, to close it on leaving the block."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the object."""
        self.close()


class AsyncClosing(abc.ABC):
    """Entering an ``async with`` block returns the object itself; leaving it awaits `aclose`."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release what the object holds."""

    async def __aenter__(self) -> Self:
        """Return the object itself, to close it on leaving the block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the object."""
        await self.aclose()


class Serving(Closing):
    """Entering a ``with`` block calls `start`; leaving it calls `stop`."""

    @abc.abstractmethod
    def start(self) -> Self:
        """Start serving in the background and return the object itself."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop serving."""

    def close(self) -> None:
        """Stop serving; the same as `stop`."""
        self.stop()

    def __enter__(self) -> Self:
        """Start serving; see `start`."""
        return self.start()
