"""The quarantine: URLs whose fetched content the response phase withheld or flagged.

One append-only table, its own hash chain (like `collections`), one row per event:

- ``quarantined``: a response held a data category the job did not declare
  (`content.undeclared_category`); `category` and `evidence` (detector, version, count,
  score, body sha256 - never content) say what;
- ``discarded``: a response revealed a reservation (or another deny) and was not handed
  over: fetched, then discarded;
- ``released``: someone with authority released a (job, site): its earlier entries are
  done with (deleted, or cleared by a waiver or corrected manifest).

`handed_over` says whether the caller received the body (audit mode): those copies are
what must be deleted. The rows are written by SQLiteLedger and read by
gate.ledger.sqlite.query.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Sequence

from gate.errors import LedgerError
from gate.ledger.sqlite.schema import QUARANTINE_SCHEMA
from gate.ledger.sqlite.store import GENESIS_HASH, busy_retry, row_hash

__all__ = ["QUARANTINE_FIELDS", "QUARANTINE_SCHEMA", "ACTIONS", "append_entry", "entries"]

QUARANTINE_FIELDS = ("time", "action", "decision_id", "job", "site", "url", "reason", "category", "evidence",
                     "handed_over", "actor")
ACTIONS = ("quarantined", "discarded", "released")
_INSERT = "INSERT INTO quarantine VALUES (" + ",".join("?" * (len(QUARANTINE_FIELDS) + 3)) + ")"


def _append(conn: sqlite3.Connection, values: Sequence[Any]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT seq, hash FROM quarantine ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
        seq += 1
        conn.execute(_INSERT, (seq, *values, prev, row_hash("quarantine", seq, prev, values)))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def append_entry(conn: sqlite3.Connection, path: Path, *, time: str, action: str, decision_id: str | None,
                 job: str, site: str, url: str | None, reason: str | None, category: str | None,
                 evidence: dict[str, Any] | None, handed_over: bool, actor: str | None) -> None:
    if action not in ACTIONS:
        raise LedgerError(f"ledger {path}: quarantine action must be one of {', '.join(ACTIONS)}, not {action!r}")
    values = [time, action, decision_id, job, site, url, reason, category,
              None if evidence is None else json.dumps(evidence, sort_keys=True, separators=(",", ":")),
              int(bool(handed_over)), actor]
    busy_retry(path, "quarantining in", _append, conn, values)


def entries(conn: sqlite3.Connection, *, job: str | None = None, site: str | None = None,
            include_released: bool = False) -> list[dict[str, Any]]:
    """The quarantine's entries (oldest first), without those a later `released` row for
    their (job, site) closed, unless `include_released`. No table yet: none."""
    try:
        rows = conn.execute(f"SELECT seq, {', '.join(QUARANTINE_FIELDS)} FROM quarantine ORDER BY seq").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    open_: list[dict[str, Any]] = []
    for row in rows:
        entry = dict(zip(("seq", *QUARANTINE_FIELDS), row))
        if (job is not None and entry["job"] != job) or (site is not None and entry["site"] != site):
            continue
        if entry["action"] == "released":
            if not include_released:
                open_ = [e for e in open_ if (e["job"], e["site"]) != (entry["job"], entry["site"])]
                continue
        entry["evidence"] = json.loads(entry["evidence"]) if entry["evidence"] else None
        entry["handed_over"] = bool(entry["handed_over"])
        open_.append(entry)
    return open_
