"""Guards against 10x regressions of the content-inspection targets, using
benchmarks/inspect_bench.py at small sizes. The real figures come from running that script
(BENCHMARKS.md, "Content inspection"); nothing here asserts a tight timing."""

from __future__ import annotations

import inspect_bench as bench


def _figure(rows: list[tuple[str, str, str, str]], prefix: str) -> float:
    [row] = [r for r in rows if r[0].startswith(prefix)]
    return float(row[1].split()[0])


def test_html_inspection_within_10x_of_its_target() -> None:
    rows = bench.bench_html(rounds=1, per_round=10)
    assert _figure(rows, "html  100 KB shop listing") < 20  # target 2 ms
    assert _figure(rows, "html  100 KB news article") < 20


def test_image_inspection_within_10x_of_its_target() -> None:
    rows = bench.bench_image(rounds=1, per_round=3, pin=False)
    assert _figure(rows, "image 1-megapixel JPEG") < 300  # target 30 ms
    assert _figure(rows, "image PNG bomb") < 300  # refused from the header, never decoded


def test_the_benchmark_tables_report_honest_counts() -> None:
    rows = bench.bench_personal()
    assert rows[0][0].startswith("personal labelled snippets: 64, of which 21 near misses")
    recall = float(rows[-1][1].split(" / ")[1])
    assert 0.8 < recall < 1.0  # the set keeps cases the detector misses
