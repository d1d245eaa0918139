"""The catalogue lookup's cost (BENCHMARKS.md, "Issue 16.5"): this checkout's policies against
another policy folder (by default main's, exported with `git archive`), loaded side by side in
one process and measured interleaved, round by round, so that the machine's drift cannot skew
the comparison. Each pair of engines must return the same decisions (checked first).

    python benchmarks/catalogue_bench.py [--rounds 7] [--before PATH/policies] [--ref main]

Rows: the Clearview-like job's first host (job memo emptied before each check, the cost that
lib.violation dominates), the same job's whole decision (memo off: the waiver path), its later
new hosts and the price job's cold decision (memo on, as shipped).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

from bench_common import price_job  # noqa: E402

CLEARVIEW = REPO / "examples" / "jobs" / "clearview-like.yaml"


def _export_policies(ref: str, into: Path) -> Path:
    """`policies/` of git ref `ref`, unpacked under `into`."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "policies"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "policies"


def _engine(policies: Path, use_job_memo: bool) -> Any:
    """An engine for `policies` treated as the shipped folder (so the job memo and the site
    bundle apply to it as they do to the installed policies)."""
    import gate.engines.embedded as embedded

    real = embedded.shipped_policies_dir
    embedded.shipped_policies_dir = lambda: policies  # type: ignore[assignment]
    try:
        return embedded.EmbeddedEngine(use_job_memo=use_job_memo)
    finally:
        embedded.shipped_policies_dir = real  # type: ignore[assignment]


def _timed_ms(check: Callable[[int], Any], first: int, n: int) -> float:
    times = []
    for i in range(first, first + n):
        t = time.perf_counter()
        check(i)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", help="a policies folder (default: --ref's, exported)")
    parser.add_argument("--ref", default="main")
    args = parser.parse_args(argv)

    from gate.core.gate import Gate

    with tempfile.TemporaryDirectory() as tmp:
        before = Path(args.before) if args.before else _export_policies(args.ref, Path(tmp))
        sides = {"before": before, "after": REPO / "policies"}
        engines = {side: (_engine(p, True), _engine(p, False)) for side, p in sides.items()}

    def gates(side: str) -> dict[str, Any]:
        memo, whole = engines[side]
        return {"first": Gate(str(CLEARVIEW), engine=memo, signals="static", ledger=False),
                "whole": Gate(str(CLEARVIEW), engine=whole, signals="static", ledger=False),
                "price": Gate(price_job(), engine=memo, signals="static", ledger=False)}

    by_side = {side: gates(side) for side in sides}
    # Same decisions both sides, or the comparison means nothing.
    for url in ("https://same.example.fr/photos/1", "https://same.example.com/x", "https://same.example.de/y"):
        for row in ("whole", "price"):
            a, b = (by_side[s][row].check(url) for s in sides)
            if (a.allow, a.deny, a.warn, a.obligations) != (b.allow, b.deny, b.warn, b.obligations):
                raise SystemExit(f"decisions differ for {row} {url}")

    rows: dict[str, Callable[[str, int], float]] = {
        "Clearview-like, first host (memo empty)": lambda s, r: _timed_ms(
            lambda i: (engines[s][0].job_memo.clear(), by_side[s]["first"].check(f"https://f{r}-{i}.example.fr/p")),
            0, 7),
        "Clearview-like, whole decision (memo off)": lambda s, r: _timed_ms(
            lambda i: by_side[s]["whole"].check(f"https://w{r}-{i}.example.fr/p"), 0, 7),
        "Clearview-like, later new host": lambda s, r: _timed_ms(
            lambda i: by_side[s]["first"].check(f"https://l{r}-{i}.example.fr/p"), 0, 100),
        "price job, cold decision": lambda s, r: _timed_ms(
            lambda i: by_side[s]["price"].check(f"https://p{r}-{i}.example.com/p"), 0, 200),
    }
    medians: dict[str, dict[str, list[float]]] = {row: {s: [] for s in sides} for row in rows}
    for r in range(args.rounds):
        for row, fn in rows.items():
            for side in (sides if r % 2 == 0 else reversed(list(sides))):
                medians[row][side].append(fn(side, r))
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, before = {args.before or args.ref}, "
          f"after = this checkout, median of {args.rounds} interleaved rounds:")
    for row, values in medians.items():
        b, a = (statistics.median(values[s]) for s in sides)
        print(f"  {row:<44} before {b:7.2f} ms  after {a:7.2f} ms  ({a / b:.2f}x)")


if __name__ == "__main__":
    main()
