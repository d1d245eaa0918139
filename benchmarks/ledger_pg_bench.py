"""Decisions per second recorded into the PostgreSQL ledger by 1, 4 and 16 writer processes
(issue 21.7), and what the one shared chain costs against per-writer chains.

    python benchmarks/ledger_pg_bench.py [--url postgresql://...] [--rounds 3] [--per-writer N]

Without --url it starts a throw-away PostgreSQL server as the tests do (tests/pg_server.py:
Debian's binaries, a temporary directory, fsync on). Each configuration gets a fresh database;
N processes wait for one start signal, record their share of decisions through
`open_ledger(url, writer=...)` and close (which commits everything); the figure is all
decisions / wall-clock from the signal to the last close. "per-writer chains" is the same rows
chained by each process on its own (no shared head row to lock), as a per-writer-chain design
would write them: the upper bound the shared chain's lock hand-over is measured against.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from pg_server import PostgresServer, find_bindir  # noqa: E402

WRITERS = (1, 4, 16)  # the default --counts

# argv: url, writer ("sync" | "batched" | "own-chain"), decisions, tag, go-file
WORKER = r"""
import os, sys, time
url, writer, n, tag, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
from gate.model.decision import Decision
from gate.ledger.rows import decision_values
pin = {"request": {"url": "", "method": "GET", "site": "shop.example.com"},
       "job": {"name": "bench", "owner": "bench@example.com",
               "legal_basis": {"gdpr_art6": "legitimate_interests", "consent": {"kind": "none"}},
               "data_subjects": {"jurisdictions": ["EU"]}},
       "subjects": {"declared": ["EU"], "inferred": []}}
if writer == "own-chain":
    # One chain per writer: the same rows, hashes and blocks, but the head lives in this process
    # (its seqs start at tag * 10**9, so the writers' blocks never collide).
    from gate.ledger.postgres.store import connect
    from gate.ledger.postgres.blocks import insert_decisions
    from gate.ledger.postgres.compact import PgInterner, compact_decision
    from gate.ledger.sqlite.store import row_hash, GENESIS_HASH
    conn = connect(url)
    interner = PgInterner()
else:
    from gate.ledger import open_ledger
    ledger = open_ledger(url, writer=writer)
while not os.path.exists(go):
    time.sleep(0.001)
if writer == "own-chain":
    seq, prev, batch = 0, GENESIS_HASH, []
    for i in range(n):
        pin["request"]["url"] = f"https://shop.example.com/{tag}/{i}"
        values = decision_values(Decision(allow=True, policy_revision="r1", engine="embedded"), pin,
                                 "enforce", "bench", None, None)
        seq += 1
        digest = row_hash("decisions", seq, prev, values)
        batch.append(compact_decision(conn, interner, int(tag) * 10**9 + seq, values, digest))  # compact rows
        prev = digest
        if len(batch) == 512 or i == n - 1:
            with conn.transaction():
                insert_decisions(conn, batch)
            batch = []
    conn.close()
else:
    for i in range(n):
        pin["request"]["url"] = f"https://shop.example.com/{tag}/{i}"
        ledger.record(Decision(allow=True, policy_revision="r1", engine="embedded"), pin, mode="enforce",
                      job="bench", owner=None)
    ledger.close()
"""


def run_once(server: PostgresServer, writers: int, writer: str, total: int) -> float:
    url = server.new_database()
    from gate.ledger import open_ledger

    open_ledger(url).close()  # migrate before the clock starts
    per = total // writers
    with tempfile.TemporaryDirectory() as tmp:
        go = Path(tmp) / "go"
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, writer, str(per), str(t), str(go)])
                 for t in range(writers)]
        time.sleep(1.0 + 0.1 * writers)  # every process imported and connected
        start = time.perf_counter()
        go.touch()
        for proc in procs:
            if proc.wait() != 0:
                raise SystemExit(f"a writer failed ({writer}, {writers} writers)")
        elapsed = time.perf_counter() - start
    if writer != "own-chain":
        from gate.ledger.query import verify

        report = verify(url)
        assert report.ok and report.decisions == per * writers, report
    return per * writers / elapsed


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sync-total", type=int, default=4800, help="decisions per run, sync writer")
    parser.add_argument("--batched-total", type=int, default=48000, help="decisions per run, batched writer")
    parser.add_argument("--writers", default="sync,batched,own-chain", help="which writers, comma-separated")
    parser.add_argument("--counts", default="1,4,16", help="how many writer processes, comma-separated")
    args = parser.parse_args(argv)
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL's binaries are not installed (apt-get install postgresql)")
    server = PostgresServer(bindir).start()
    try:
        print(f"PostgreSQL {bindir}, fsync on, synchronous_commit on; decisions/s, median of {args.rounds} rounds "
              "(each round: a fresh database, all processes released at once, timed to the last close)")
        counts = [int(c) for c in args.counts.split(",")]
        print("| writer | " + " | ".join(f"{c} writer{'s' if c > 1 else ''}" for c in counts) + " |")
        print("|---" * (len(counts) + 1) + "|")
        for writer, total in (("sync", args.sync_total), ("batched", args.batched_total),
                              ("own-chain", args.batched_total)):
            if writer not in args.writers.split(","):
                continue
            cells = []
            for writers in counts:
                rates = [run_once(server, writers, writer, total) for _ in range(args.rounds)]
                cells.append(f"{statistics.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f})")
            print(f"| {writer} | " + " | ".join(cells) + " |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
