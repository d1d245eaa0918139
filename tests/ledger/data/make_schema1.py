"""Wrote tests/ledger/data/schema1.db with the schema-1 code (commit 75c7703); kept to show how.

Run from the repository root at that commit: python tests/ledger/data/make_schema1.py
"""
import sys
from pathlib import Path

sys.path.insert(0, "tests")
from gate.ledger.sqlite.ledger import SQLiteLedger

from ledger_helpers import allowed, denied, policy_input, sha

out = Path("tests/ledger/data/schema1.db")
for p in out.parent.glob("schema1.db*"):
    p.unlink()
with SQLiteLedger(out) as ledger:
    ids = []
    urls = ["https://www.example.com/a?x=1&y=2", "https://shop.example.org:8443/p/é?q=ü#frag",
            "http://old.example.net/", "https://www.example.com/b", "https://api.example.com"]
    for i, url in enumerate(urls * 3):
        d = denied("gdpr.art9_prohibited", jurisdiction="FR") if i % 4 == 1 else allowed()
        ids.append(ledger.record(d, policy_input(url, subjects=["EU"] if i % 2 else None),
                                 mode="enforce" if i % 3 else "audit", job="face-index" if i < 10 else "prices",
                                 owner=None, signal_docs={"robots": sha(b"r%d" % (i % 2)), "optout": None}))
        if d.allow and i % 2 == 0:
            ledger.record_collected(ids[-1], status=200, nbytes=100 + i, sha256=sha(b"body%d" % i))
    ledger.record_collected(ids[0], status=301, nbytes=0, sha256=sha(b""))
    ledger.quarantine(ids[3], job="face-index", site="example.com", url="https://www.example.com/b",
                      reason="content.undeclared_category", category="biometric",
                      evidence={"findings": [{"detector": "faces", "sha256": sha(b"x")}]}, handed_over=True)
    ledger.quarantine(None, job="prices", site="example.org", url="https://shop.example.org/x",
                      reason="robots.disallowed", category=None, evidence=None, handed_over=False)
    ledger.release(job="prices", site="example.org", by="dpo@example.com", reason="deleted")
