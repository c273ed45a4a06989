"""Side-by-side measurement: paired, interleaved rounds reported as median ratios."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Row", "Table", "paired_ratio"]


def _calibrate(function: Callable[[], object], budget: float) -> int:
    """Return how many calls of ``function`` take about ``budget`` seconds."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            function()
        elapsed = time.perf_counter() - start
        if elapsed >= budget / 10 or number >= 1 << 20:
            return max(1, int(number * budget / max(elapsed, 1e-9)))
        number *= 4


def _time(function: Callable[[], object], number: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        function()
    return (time.perf_counter() - start) / number


def paired_ratio(
    candidate: Callable[[], object],
    baseline: Callable[[], object],
    *,
    rounds: int = 15,
    budget: float = 0.02,
) -> tuple[float, float, float]:
    """Time two callables in alternating order, round after round.

    Returns:
        The median of the per-round ratios candidate/baseline, and the median
        seconds per call of the candidate and of the baseline.
    """
    numbers = (_calibrate(candidate, budget), _calibrate(baseline, budget))
    ratios: list[float] = []
    cand_times: list[float] = []
    base_times: list[float] = []
    for index in range(rounds):
        # Alternate which side runs first so drift in machine load hits both alike.
        if index % 2:
            base = _time(baseline, numbers[1])
            cand = _time(candidate, numbers[0])
        else:
            cand = _time(candidate, numbers[0])
            base = _time(baseline, numbers[1])
        ratios.append(cand / base)
        cand_times.append(cand)
        base_times.append(base)
    return statistics.median(ratios), statistics.median(cand_times), statistics.median(base_times)


@dataclass
class Row:
    """One line of the report: a measured ratio and the target it is held to."""

    group: str
    name: str
    ratio: float
    detail: str
    at_most: float | None = None
    at_least: float | None = None

    @property
    def target(self) -> str:
        """The target as text, empty for a reference row."""
        if self.at_most is not None:
            return f"≤ {self.at_most}x"
        return "" if self.at_least is None else f"≥ {self.at_least}x"

    @property
    def met(self) -> bool | None:
        """Whether the target is met; ``None`` for a reference row."""
        if self.at_most is not None:
            return self.ratio <= self.at_most
        return None if self.at_least is None else self.ratio >= self.at_least


@dataclass
class Table:
    """The rows of one run, printed as a Markdown table."""

    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        """Add a row and print it at once, so a long run shows progress."""
        self.rows.append(row)
        verdict = {True: "met", False: "MISSED", None: ""}[row.met]
        print(f"  {row.group} | {row.name}: {row.ratio:.2f}x {row.detail} {verdict}", flush=True)

    def markdown(self) -> str:
        """Return the whole table with the machine it ran on."""
        machine = (
            f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()} "
            f"({platform.python_implementation()}), {time.strftime('%Y-%m-%d', time.gmtime())}"
        )
        lines = [
            machine,
            "",
            "| Benchmark | Row | Ratio | Measured | Target | Verdict |",
            "|---|---|---:|---|---|---|",
        ]
        for row in self.rows:
            verdict = {True: "met", False: "**missed**", None: "reference"}[row.met]
            cells = [row.group, row.name, f"{row.ratio:.2f}x", row.detail, row.target, verdict]
            lines.append(f"| {' | '.join(cells)} |")
        return "\n".join(lines)
