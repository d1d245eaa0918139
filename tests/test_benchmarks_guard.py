"""Guards against 10x performance regressions, using benchmarks/run.py at tiny sizes.
The real figures come from `python benchmarks/run.py` (see BENCHMARKS.md); nothing here
asserts a tight timing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import run as bench  # noqa: E402


def figure(rows: list[tuple[str, str, str, str]], prefix: str) -> float:
    [row] = [r for r in rows if r[0].startswith(prefix)]
    return float(row[1].split()[0].rstrip("x%"))


def test_warm_check_within_10x_of_its_target() -> None:
    rows = bench.bench_a_b(4000, 40, with_ledger=False)
    assert figure(rows, "a  ratio") <= 30  # target 3x


def test_warm_check_with_ledger_within_10x_of_its_target() -> None:
    rows = bench.bench_a_b(2000, 20, with_ledger=True)
    assert figure(rows, "b  warm Gate.check + SQLite ledger, batched") <= 600  # target 60 us


def test_cold_decision_and_startup_within_10x() -> None:
    rows = bench.bench_c(5, rounds=1)
    assert figure(rows, "c  cold decision, price-monitoring") < 10  # target 1 ms
    rows = bench.bench_g(1)
    assert figure(rows, "g  scrapegate --help") < 3000  # target 300 ms


@pytest.mark.slow
def test_robots_cache_memory_bounded() -> None:
    rows = bench.bench_m(20_000)
    assert figure(rows, "m  robots cache memory") < 300
