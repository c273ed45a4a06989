"""The pytest plugin (entry point ``pytest11``): the `fake_missive` fixture, loaded lazily.

pytest imports this module in every run of a project that has the package
installed, so it imports nothing beyond pytest and the package root: the
testing kit, and httpx with it, load when a test first asks for the fixture.
Disable the plugin with ``-p no:missive_channels``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from missive_channels._constants import BASE_URL_ENV_VAR, TOKEN_ENV_VAR

if TYPE_CHECKING:
    from collections.abc import Iterator

    from missive_channels.testing import FakeMissive

__all__ = ["fake_missive"]


@pytest.fixture
def fake_missive(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMissive]:
    """A running `FakeMissive`, with the environment pointing `MissiveClient()` at it.

    For the test's duration, ``MISSIVE_API_TOKEN`` holds the fake's token and
    ``MISSIVE_BASE_URL`` its `base_url`, so code that builds its client with no
    arguments talks to the fake. Afterwards the fake stops and both variables
    are back as they were (unset if they were unset).

    Yields:
        The fake, with Missive's published rate limits and no channel: add the
        ones your code sends to with `FakeMissive.add_channel`.
    """
    from missive_channels.testing import FakeMissive  # noqa: PLC0415 - loaded when first used

    with FakeMissive() as fake:
        monkeypatch.setenv(TOKEN_ENV_VAR, fake.token)
        monkeypatch.setenv(BASE_URL_ENV_VAR, fake.base_url)
        yield fake
