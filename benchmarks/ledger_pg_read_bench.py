"""What reading the PostgreSQL ledger costs (issue 21.5: packed blocks are unpacked by every read):

    python benchmarks/ledger_pg_read_bench.py [N] [--rounds 3]

Fills a throw-away server's database with N decisions (default 50,000) shaped as
benchmarks/ledger_size_bench.py shapes them (the batched writer, every other allowed one
collected), then times, median of the rounds: `verify`, `show --limit 20` (rows(limit=20)), a
full export (every row), `stats`, an `erase-plan --site`, a prune's dry run, and a collection recorded for a
decision that another connection wrote (the id lookup a node pays for another node's decision).
Only the public API is used, so the same file measures any version of the code.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from ledger_bench import _decision, _policy_input  # noqa: E402

from gate.ledger import open_ledger  # noqa: E402
from gate.ledger.prune import prune  # noqa: E402
from gate.ledger.query import erase_plan, rows, stats, verify  # noqa: E402

from pg_server import PostgresServer, find_bindir  # noqa: E402


def _fill(url: str, n: int) -> list[str]:
    ids = []
    with open_ledger(url, writer="batched") as ledger:  # type: ignore[attr-defined]
        for i in range(n):
            decision = _decision(i)
            ids.append(ledger.record(decision, _policy_input(i), mode="enforce", job="face-index", owner=None))
            if decision.allow and i % 2:
                ledger.record_collected(ids[-1], status=200, nbytes=1000 + i,
                                        sha256=hashlib.sha256(b"page%d" % i).hexdigest())
    return ids


def _timed(fn: Callable[[], Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    n = int(args[0]) if args else 50_000
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL's binaries are not installed")
    server = PostgresServer(bindir).start()
    try:
        url = server.new_database()
        ids = _fill(url, n)
        old = [ids[i] for i in range(2, n, max(1, n // 200)) if i % 4][:100]  # allowed, not yet collected

        def collect_old() -> None:
            with open_ledger(url) as ledger:  # type: ignore[attr-defined]
                for decision_id in old:
                    ledger.record_collected(decision_id, status=200, nbytes=1, sha256=hashlib.sha256(b"x").hexdigest())

        figures = {
            "verify": _timed(lambda: verify(url), rounds),
            "show --limit 20": _timed(lambda: list(rows(url, limit=20)), rounds),
            "export (every row)": _timed(lambda: list(rows(url)), rounds),
            "stats": _timed(lambda: stats(url), rounds),
            "erase-plan --site": _timed(lambda: erase_plan(url, site="site7.example"), rounds),
            "prune --dry-run (plans over every row)": _timed(lambda: prune(url, "2099-01-01", dry_run=True), rounds),
            f"{len(old)} collections of decisions an earlier connection wrote (sync writer)":
                _timed(collect_old, 1),
        }
        print(f"{n:,} decisions; seconds, median of {rounds} rounds")
        for name, seconds in figures.items():
            print(f"  {name}: {seconds:.3f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
