"""Bytes per decision on disk in both ledger backends (issue 21.5's figure):

    python benchmarks/ledger_size_bench.py [N]

Records N decisions (default 50,000) shaped as benchmarks/ledger_bench.py shapes them (1,000
sites, a shared job view with its legal basis, one denial in four) through the batched writer,
every other allowed one marked collected, then measures: the SQLite file after a WAL
checkpoint and VACUUM, and the PostgreSQL tables with their indexes and TOAST after VACUUM FULL
(pg_total_relation_size of the scrapegate schema's tables), each divided by N.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from ledger_bench import _decision, _policy_input  # noqa: E402

from gate.ledger import open_ledger  # noqa: E402

from pg_server import PostgresServer, find_bindir  # noqa: E402


def _fill(location: str, n: int) -> None:
    digest = hashlib.sha256(b"page").hexdigest()
    with open_ledger(location, writer="batched") as ledger:  # type: ignore[attr-defined]
        for i in range(n):
            decision = _decision(i)
            decision_id = ledger.record(decision, _policy_input(i), mode="enforce", job="face-index", owner=None)
            if decision.allow and i % 2:
                ledger.record_collected(decision_id, status=200, nbytes=1000 + i, sha256=digest)


def sqlite_bytes(n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.db"
        _fill(str(path), n)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("VACUUM")
        conn.close()
        return path.stat().st_size / n


def postgres_bytes(n: int) -> float | None:
    bindir = find_bindir()
    if bindir is None:
        return None
    import psycopg

    server = PostgresServer(bindir).start()
    try:
        url = server.new_database()
        _fill(url, n)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM FULL")
            total = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s "
                "ON s.oid = c.relnamespace WHERE s.nspname = 'scrapegate' AND c.relkind = 'r'").fetchone()[0]
        return float(total) / n
    finally:
        server.stop()


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 50_000
    print(f"{n:,} decisions (1 in 4 denied, every other allowed one collected); bytes per decision")
    print(f"SQLite (after VACUUM): {sqlite_bytes(n):,.0f}")
    pg = postgres_bytes(n)
    print(f"PostgreSQL (tables, indexes, TOAST after VACUUM FULL): {pg:,.0f}" if pg is not None
          else "PostgreSQL: not installed")


if __name__ == "__main__":
    main(sys.argv[1:])
