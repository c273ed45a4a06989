"""The benchmark harness's arithmetic and verdicts, checked without timing anything."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

_PATH = Path(__file__).resolve().parents[1] / "bench" / "harness.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_harness", _PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


harness = _load()


class _Clock:
    """A fake clock that only moves when the measured callables move it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def costing(self, seconds: float) -> object:
        def call() -> None:
            self.now += seconds

        return call


def test_median_ratio_pairs_rounds_and_takes_the_median() -> None:
    """Each round's ratio is candidate over baseline; the median ignores one disturbed round."""
    assert harness.median_ratio([2.0, 4.0, 30.0], [1.0, 2.0, 3.0]) == 2.0


def test_median_ratio_refuses_unpaired_rounds() -> None:
    """Rounds must come in pairs, at least one."""
    with pytest.raises(ValueError, match="as many"):
        harness.median_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="as many"):
        harness.median_ratio([], [])


def test_paired_ratio_reports_the_ratio_and_seconds_per_call() -> None:
    """A candidate costing three times the baseline measures exactly 3x on a fake clock."""
    clock = _Clock()
    ratio, candidate, baseline = harness.paired_ratio(
        clock.costing(0.003), clock.costing(0.001), rounds=5, budget=0.05, timer=clock
    )
    assert ratio == pytest.approx(3.0)
    assert candidate == pytest.approx(0.003)
    assert baseline == pytest.approx(0.001)


def test_paired_ratio_with_fixed_numbers_skips_warm_up_and_calibration() -> None:
    """With ``number`` given, each round calls each side exactly that many times."""
    calls = {"a": 0, "b": 0}
    clock = _Clock()

    def side(name: str, seconds: float) -> object:
        def call() -> None:
            calls[name] += 1
            clock.now += seconds

        return call

    ratio, _, _ = harness.paired_ratio(
        side("a", 2.0), side("b", 4.0), rounds=3, number=(1, 2), timer=clock
    )
    assert calls == {"a": 3, "b": 6}
    assert ratio == pytest.approx(0.5)


def test_paired_ratio_reports_the_seconds_of_the_median_round() -> None:
    """The seconds shown agree with the ratio: they come from the round holding the median."""
    clock = _Clock()
    # Per-round costs: the baseline drifts, and round 1 is disturbed on the candidate side.
    candidate_costs = iter([2.0, 50.0, 9.0])
    baseline_costs = iter([1.0, 2.0, 3.0])

    def candidate() -> None:
        clock.now += next(candidate_costs)

    def baseline() -> None:
        clock.now += next(baseline_costs)

    ratio, seconds, base = harness.paired_ratio(
        candidate, baseline, rounds=3, number=(1, 1), timer=clock
    )
    assert ratio == pytest.approx(3.0)  # ratios 2, 25 and 3
    assert (seconds, base) == (pytest.approx(9.0), pytest.approx(3.0))


def test_optimal_span_follows_both_sliding_windows() -> None:
    """Missive's windows let 2,000 requests start within 1,800 s at best, not sooner."""
    windows = [(300, 60.0), (900, 900.0)]
    assert harness.optimal_span(300, windows) == 0.0
    assert harness.optimal_span(301, windows) == 60.0
    assert harness.optimal_span(901, windows) == 900.0
    assert harness.optimal_span(2000, windows) == 1800.0
    assert harness.optimal_span(0, windows) == 0.0


@pytest.mark.parametrize(
    ("value", "at_most", "at_least", "met", "target"),
    [
        (1.4, 1.5, None, True, "≤ 1.50x"),
        (1.6, 1.5, None, False, "≤ 1.50x"),
        (0.95, None, 0.9, True, "≥ 0.90x"),
        (0.85, None, 0.9, False, "≥ 0.90x"),
        (1.0, None, None, None, ""),
    ],
)
def test_rows_judge_their_target(
    value: float, at_most: float | None, at_least: float | None, met: bool | None, target: str
) -> None:
    """A row is met, missed, or a reference point with no target."""
    row = harness.Row("g", "n", value, "d", at_most=at_most, at_least=at_least)
    assert row.met is met
    assert row.target == target


def test_rows_show_their_unit() -> None:
    """Ratios, milliseconds, percentages and counts each print in their own form."""
    assert harness.Row("g", "n", 1.234, "d").shown == "1.23x"
    assert harness.Row("g", "n", 12.34, "d", unit="ms", at_most=25).target == "≤ 25.0 ms"
    assert harness.Row("g", "n", 97.5, "d", unit="%", at_least=95).shown == "97.5%"
    assert harness.Row("g", "n", 0, "d", unit="", at_most=0).shown == "0"


def test_table_prints_one_markdown_table_with_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    """Rows print as they come; the table marks missed targets and reference rows."""
    table = harness.Table()
    table.add(harness.Row("1. A", "fast", 1.2, "x vs y", at_most=1.5))
    table.add(harness.Row("1. A", "slow", 2.0, "x vs y", at_most=1.5))
    table.add(harness.Row("1. A", "peer", 0.4, "x vs y"))
    assert "MISSED" in capsys.readouterr().out
    lines = table.markdown("Machine: test").splitlines()
    assert lines[0] == "Machine: test"
    assert lines[4] == "| 1. A | fast | 1.20x | x vs y | ≤ 1.50x | met |"
    assert lines[5] == "| 1. A | slow | 2.00x | x vs y | ≤ 1.50x | **missed** |"
    assert lines[6] == "| 1. A | peer | 0.40x | x vs y |  | reference |"


def test_machine_names_the_python_and_the_date() -> None:
    """The machine line says which Python ran the benchmarks."""
    assert "Python 3." in harness.machine()
