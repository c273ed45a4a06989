"""Side-by-side measurement: paired, interleaved rounds reported as median ratios.

Everything here but the timing itself is pure, so ``tests/test_bench_harness.py``
pins the arithmetic and the verdicts without ever depending on a timing.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Row", "Table", "machine", "median_ratio", "optimal_span", "paired_ratio"]


def median_ratio(candidate: Sequence[float], baseline: Sequence[float]) -> float:
    """Return the median of the per-round ratios ``candidate[i] / baseline[i]``.

    Pairing each round's two measurements cancels the machine's load in that
    round; the median drops the rounds another process disturbed.
    """
    if not candidate or len(candidate) != len(baseline):
        msg = "need as many candidate as baseline rounds, at least one"
        raise ValueError(msg)
    return statistics.median(c / b for c, b in zip(candidate, baseline, strict=True))


def optimal_span(count: int, windows: Sequence[tuple[int, float]]) -> float:
    """Return how soon ``count`` requests can all have started under sliding-window limits.

    Each window ``(n, p)`` allows at most ``n`` starts in any ``p`` seconds. Starting
    every request at the earliest moment the windows allow is optimal, so the
    last of those starts is the shortest span any client can achieve.
    """
    starts: list[float] = []
    for index in range(count):
        earliest = 0.0
        for requests, seconds in windows:
            if index >= requests:
                earliest = max(earliest, starts[index - requests] + seconds)
        starts.append(earliest)
    return starts[-1] if starts else 0.0


def _calibrate(function: Callable[[], object], budget: float, timer: Callable[[], float]) -> int:
    """Return how many calls of ``function`` take about ``budget`` seconds."""
    number = 1
    while True:
        start = timer()
        for _ in range(number):
            function()
        elapsed = timer() - start
        if elapsed >= budget / 10 or number >= 1 << 20:
            return max(1, int(number * budget / max(elapsed, 1e-9)))
        number *= 4


def _time(function: Callable[[], object], number: int, timer: Callable[[], float]) -> float:
    gc.collect()
    start = timer()
    for _ in range(number):
        function()
    return (timer() - start) / number


def paired_ratio(
    candidate: Callable[[], object],
    baseline: Callable[[], object],
    *,
    rounds: int = 15,
    budget: float = 0.02,
    number: tuple[int, int] | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> tuple[float, float, float]:
    """Time two callables in alternating order, round after round.

    Args:
        candidate: What is measured.
        baseline: What it is compared with.
        rounds: How many rounds; each times both callables once.
        budget: About how long each callable runs per round, in seconds.
        number: Calls per round of each callable; calibrated from ``budget`` if not given.
        timer: The clock.

    Returns:
        The median of the per-round ratios candidate/baseline, and the seconds per
        call of the candidate and of the baseline in the round with that ratio.
    """
    if number is None:
        # Warm up first: a first call may build caches (generated code, connections),
        # which would make the calibration settle on far too few calls per round.
        for function in (candidate, baseline):
            for _ in range(3):
                function()
        number = (_calibrate(candidate, budget, timer), _calibrate(baseline, budget, timer))
    numbers = number
    cand_times: list[float] = []
    base_times: list[float] = []
    for index in range(rounds):
        # Alternate which side runs first so drift in machine load hits both alike.
        if index % 2:
            base_times.append(_time(baseline, numbers[1], timer))
            cand_times.append(_time(candidate, numbers[0], timer))
        else:
            cand_times.append(_time(candidate, numbers[0], timer))
            base_times.append(_time(baseline, numbers[1], timer))
    ratio = median_ratio(cand_times, base_times)
    # Report the seconds of the round whose ratio is the median, so that they agree
    # with it; each side's own median may come from rounds another process disturbed.
    middle = min(range(rounds), key=lambda i: abs(cand_times[i] / base_times[i] - ratio))
    return ratio, cand_times[middle], base_times[middle]


@dataclass
class Row:
    """One line of the report: a measured value and the target it is held to.

    ``unit`` is ``"x"`` for ratios, or a unit such as ``"ms"`` or ``"%"``; a row
    with neither ``at_most`` nor ``at_least`` is a reference point.
    """

    group: str
    name: str
    value: float
    detail: str
    unit: str = "x"
    at_most: float | None = None
    at_least: float | None = None

    def _format(self, number: float) -> str:
        if self.unit == "x":
            return f"{number:.2f}x"
        if self.unit in {"", "%"}:
            return f"{number:g}{self.unit}"
        return f"{number:.1f} {self.unit}"

    @property
    def shown(self) -> str:
        """The measured value as text."""
        return self._format(self.value)

    @property
    def target(self) -> str:
        """The target as text, empty for a reference row."""
        if self.at_most is not None:
            return f"≤ {self._format(self.at_most)}"
        return "" if self.at_least is None else f"≥ {self._format(self.at_least)}"

    @property
    def met(self) -> bool | None:
        """Whether the target is met; ``None`` for a reference row."""
        if self.at_most is not None:
            return self.value <= self.at_most
        return None if self.at_least is None else self.value >= self.at_least


def machine() -> str:
    """Describe the machine: CPU model, cores, Python, OS and the date."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return (
        f"{model}, {os.cpu_count()} cores; Python {platform.python_version()} "
        f"({platform.python_implementation()}); {platform.system()} {platform.release()}; "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}"
    )


@dataclass
class Table:
    """The rows of one run, printed as a Markdown table."""

    rows: list[Row] = field(default_factory=list)
    quiet: bool = False

    def add(self, row: Row) -> None:
        """Add a row and print it at once, so a long run shows progress."""
        self.rows.append(row)
        if not self.quiet:
            verdict = {True: "met", False: "MISSED", None: ""}[row.met]
            print(f"  {row.group} | {row.name}: {row.shown} ({row.detail}) {verdict}", flush=True)

    def markdown(self, header: str) -> str:
        """Return the whole table under ``header`` (the machine it ran on)."""
        lines = [
            header,
            "",
            "| Benchmark | Measure | Result | Measured | Target | Verdict |",
            "|---|---|---:|---|---|---|",
        ]
        for row in self.rows:
            verdict = {True: "met", False: "**missed**", None: "reference"}[row.met]
            cells = [row.group, row.name, row.shown, row.detail, row.target, verdict]
            lines.append(f"| {' | '.join(cells)} |")
        return "\n".join(lines)
