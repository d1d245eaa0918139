"""Wrote tests/ledger/data/pg_schema3.sql with the PostgreSQL schema-3 code (main at commit
af42205, before migration 4); kept to show how. Needs Debian's postgresql binaries.

Run from the repository root at that commit: python tests/ledger/data/make_pg_schema3.py
"""
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, "tests")
from gate.ledger.postgres.ledger import PostgresLedger
from gate.ledger.prune import prune

from ledger_helpers import allowed, denied, policy_input, sha
from pg_server import PostgresServer, find_bindir

bindir = find_bindir()
server = PostgresServer(bindir).start()
try:
    url = server.new_database()
    ids = []
    urls = ["https://www.example.com/a?x=1&y=2", "https://shop.example.org:8443/p/é?q=ü#frag",
            "http://old.example.net/", "https://www.example.com/b", "https://api.example.com"]
    for writer in ("sync", "batched"):
        with PostgresLedger(url, writer=writer) as ledger:
            for i, url_ in enumerate(urls * 3):
                when = f"2026-0{1 if i < 8 else 6}-0{1 + i % 9}T10:00:00.{i:06d}Z"
                custom = {3: "crawl-7/item-3", 6: "0123456789abcde", 9: "7b0c5ee4-2b1e-4c43-9f4e-1f3a2d9c8e71"}
                kw = {"evaluated_at": when}
                if i in custom:
                    kw["decision_id"] = custom[i] + ("" if writer == "sync" else "-b" if i != 9 else "")
                    if writer == "batched" and i == 9:
                        kw["decision_id"] = "1c9d4f0e-8a7b-4e2c-b5d6-3f2e1a0b9c8d"
                d = denied("gdpr.art9_prohibited", jurisdiction="FR", **kw) if i % 4 == 1 else allowed(**kw)
                ids.append(ledger.record(d, policy_input(url_, subjects=["EU"] if i % 2 else None),
                                         mode="enforce" if i % 3 else "audit",
                                         job="face-index" if i < 10 else "prices", owner=None,
                                         signal_docs={"robots": sha(b"r%d" % (i % 2)), "optout": None}))
                if d.allow and i % 2 == 0:
                    ledger.record_collected(ids[-1], status=200, nbytes=100 + i, sha256=sha(b"body%d" % i))
            ledger.record_collected(ids[-15], status=301, nbytes=0, sha256=sha(b""))
    with PostgresLedger(url) as ledger:
        ledger.quarantine(ids[3], job="face-index", site="example.com", url="https://www.example.com/b",
                          reason="content.undeclared_category", category="biometric",
                          evidence={"findings": [{"detector": "faces", "sha256": sha(b"x")}]}, handed_over=True)
    os.environ["SCRAPEGATE_LEDGER_KEY"] = "pg-schema3-fixture-key"
    os.environ["SCRAPEGATE_LEDGER_CHECKPOINTS"] = "/tmp/pg-schema3.checkpoints"
    print(prune(url, "2026-03-01T00:00:00Z").summary())
    dump = subprocess.run([str(bindir / "pg_dump"), "--schema=scrapegate", "--inserts", "--no-owner",
                           "--no-privileges", url], capture_output=True, text=True, check=True).stdout
    # Without psql's meta-commands (\\restrict ...): the test runs the file through psycopg.
    Path("tests/ledger/data/pg_schema3.sql").write_text("".join(
        line for line in dump.splitlines(keepends=True) if not line.startswith("\\")))
finally:
    server.stop()
