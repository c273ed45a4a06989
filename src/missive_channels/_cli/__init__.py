"""The ``missive-channels`` command line: ``demo``, ``send``, ``listen`` and ``sign``.

`main` is the entry point of the ``missive-channels`` script and of
``python -m missive_channels``. The modules: ``main`` (parser, dispatch, exit
statuses), ``send``, ``jsonl`` (``send --jsonl``), ``listen`` (``listen`` and
``sign``), ``demo`` and ``common`` (what the commands share).
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
