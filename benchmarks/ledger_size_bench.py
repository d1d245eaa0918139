"""Bytes per decision on disk in both ledger backends (issue 21.5's figure):

    python benchmarks/ledger_size_bench.py [N] [--sync] [--breakdown] [--postgres-only] [--distinct-bodies]
        [--no-merge] [--vacuum-every K]

Records N decisions (default 50,000) shaped as benchmarks/ledger_bench.py shapes them (1,000
sites, a shared job view with its legal basis, one denial in four) through the batched writer,
every other allowed one marked collected, then measures: the SQLite file after a WAL
checkpoint and VACUUM, and the PostgreSQL tables with their indexes and TOAST after VACUUM FULL
(pg_total_relation_size of the scrapegate schema's tables), each divided by N. --sync records
through the sync writer instead (one decision per transaction: PostgreSQL blocks of one, merged
at the chain's end every 128 rows);
--breakdown prints each PostgreSQL relation's share and the rows per block; --distinct-bodies
gives every collected page its own body digest (by default they share one, which PostgreSQL's
TOAST compression then stores once per block); --no-merge keeps the sync writer's blocks of one
as they are written (what a block of one costs); --vacuum-every K runs a plain VACUUM every K
decisions while filling (as autovacuum would), so the size "as written" shows the dead space of
merged blocks being reused.
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

DISTINCT_BODIES = "--distinct-bodies" in sys.argv  # each page's body digest differs (nothing for pglz to share)


def _vacuum_every() -> int:
    return int(sys.argv[sys.argv.index("--vacuum-every") + 1]) if "--vacuum-every" in sys.argv else 0


def _fill(location: str, n: int, writer: str = "batched") -> None:
    digest = hashlib.sha256(b"page").hexdigest()
    every = _vacuum_every() if location.startswith("postgresql://") else 0
    with open_ledger(location, writer=writer) as ledger:  # type: ignore[attr-defined]
        for i in range(n):
            if every and i and i % every == 0:  # what autovacuum does, on a fixed schedule
                import psycopg

                with psycopg.connect(location, autocommit=True) as conn:
                    conn.execute("VACUUM")
            decision = _decision(i)
            decision_id = ledger.record(decision, _policy_input(i), mode="enforce", job="face-index", owner=None)
            if decision.allow and i % 2:
                if DISTINCT_BODIES:
                    digest = hashlib.sha256(b"page%d" % i).hexdigest()
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


def postgres_bytes(n: int, writer: str = "batched", breakdown: dict[str, float] | None = None) -> float | None:
    """Bytes per decision of the PostgreSQL ledger; `breakdown` receives each relation's share
    (tables with their TOAST, indexes on their own) and the rows per block."""
    bindir = find_bindir()
    if bindir is None:
        return None
    import psycopg

    server = PostgresServer(bindir).start()
    try:
        url = server.new_database()
        _fill(url, n, writer)
        with psycopg.connect(url, autocommit=True) as conn:
            written = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s "
                "ON s.oid = c.relnamespace WHERE s.nspname = 'scrapegate' AND c.relkind = 'r'").fetchone()[0]
            if breakdown is not None:  # dead tuples (merged small blocks) included, before any vacuum
                breakdown["as written, before VACUUM FULL (total)"] = written / n
            conn.execute("VACUUM FULL")
            total = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s "
                "ON s.oid = c.relnamespace WHERE s.nspname = 'scrapegate' AND c.relkind = 'r'").fetchone()[0]
            if breakdown is not None:
                for name, kind, size in conn.execute(
                        "SELECT c.relname, c.relkind, CASE WHEN c.relkind = 'r' THEN pg_table_size(c.oid) "
                        "ELSE pg_relation_size(c.oid) END FROM pg_class c JOIN pg_namespace s "
                        "ON s.oid = c.relnamespace "
                        "WHERE s.nspname = 'scrapegate' AND c.relkind IN ('r', 'i') ORDER BY 3 DESC"):
                    breakdown[f"{name} ({'table + TOAST' if kind == 'r' else 'index'})"] = size / n
                for chain in ("decision", "collection"):
                    blocks, rows = conn.execute(f"SELECT count(DISTINCT block), count(*) FROM scrapegate.{chain}_rows"
                                                ).fetchone()
                    breakdown[f"{chain}_blocks: rows per block (not bytes)"] = rows / max(1, blocks)
        return float(total) / n
    finally:
        server.stop()


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    n = int(args[0]) if args else 50_000
    writer = "sync" if "--sync" in argv else "batched"
    if "--no-merge" in argv:  # what blocks of one cost unmerged (the sync writer runs in this process)
        from gate.ledger.postgres import blocks

        blocks.MERGE_ROWS = 1 << 62
    print(f"{n:,} decisions (1 in 4 denied, every other allowed one collected), {writer} writer; "
          "bytes per decision")
    if "--postgres-only" not in argv:
        print(f"SQLite (after VACUUM): {sqlite_bytes(n):,.0f}")
    parts: dict[str, float] = {}
    pg = postgres_bytes(n, writer, parts if "--breakdown" in argv else None)
    print(f"PostgreSQL (tables, indexes, TOAST after VACUUM FULL): {pg:,.0f}" if pg is not None
          else "PostgreSQL: not installed")
    for name, share in parts.items():
        print(f"  {name}: {share:,.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
