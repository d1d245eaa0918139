"""The quarantine: URLs whose fetched content the response phase withheld or flagged.

One append-only table, its own hash chain (like `collections`), one row per event:

- ``quarantined``: a response held a data category the job did not declare
  (`content.undeclared_category`); `category` and `evidence` (detector, version, count,
  score, body sha256 - never content) say what;
- ``discarded``: a response revealed a reservation (or another deny) and was not handed
  over: fetched, then discarded;
- ``released``: someone with authority released a (job, site): its entries up to the seq in
  the row's evidence (``{"through": seq}``) are done with (deleted, or cleared by a waiver or
  corrected manifest). A release is read and written in one transaction holding the chain,
  so an entry another node quarantines meanwhile comes after it and stays open. (A released
  row without `through`, written before, closes every earlier entry of its job and site.)

`handed_over` says whether the caller received the body (audit mode): those copies are
what must be deleted. The rows are written by SQLiteLedger and read by
gate.ledger.sqlite.query.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Sequence

from gate.errors import LedgerError
from gate.ledger.sqlite.schema import QUARANTINE_SCHEMA
from gate.ledger.sqlite.store import GENESIS_HASH, busy_retry, row_hash

__all__ = ["QUARANTINE_FIELDS", "QUARANTINE_SCHEMA", "ACTIONS", "append_entry", "entries", "release", "select",
           "released_values"]

QUARANTINE_FIELDS = ("time", "action", "decision_id", "job", "site", "url", "reason", "category", "evidence",
                     "handed_over", "actor")
ACTIONS = ("quarantined", "discarded", "released")
_INSERT = "INSERT INTO quarantine VALUES (" + ",".join("?" * (len(QUARANTINE_FIELDS) + 3)) + ")"


def _insert(conn: sqlite3.Connection, values: Sequence[Any]) -> None:
    row = conn.execute("SELECT seq, hash FROM quarantine ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
    seq += 1
    conn.execute(_INSERT, (seq, *values, prev, row_hash("quarantine", seq, prev, values)))


def _append(conn: sqlite3.Connection, values: Sequence[Any]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        _insert(conn, values)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def released_values(time: str, job: str, site: str, by: str, reason: str, through: int) -> list[Any]:
    """A `released` row's values: it closes the entries of (job, site) up to seq `through`."""
    return [time, "released", None, job, site, None, reason, None,
            json.dumps({"through": through}, separators=(",", ":")), 0, by]


def _release(conn: sqlite3.Connection, time: str, job: str, site: str, by: str, reason: str,
             through: int | None) -> int:
    conn.execute("BEGIN IMMEDIATE")  # no other writer between the read and the row
    try:
        seen = [e["seq"] for e in entries(conn, job=job, site=site) if through is None or e["seq"] <= through]
        if seen:
            _insert(conn, released_values(time, job, site, by, reason, max(seen)))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return len(seen)


def release(conn: sqlite3.Connection, path: Path, *, time: str, job: str, site: str, by: str, reason: str,
            through: int | None = None) -> int:
    """Close the open entries of (job, site) up to seq `through` (all: None); how many it closed."""
    return int(busy_retry(path, "releasing in", _release, conn, time, job, site, by, reason, through))


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
    return select(rows, job=job, site=site, include_released=include_released)


def select(rows: Iterable[Sequence[Any]], *, job: str | None, site: str | None,
           include_released: bool) -> list[dict[str, Any]]:
    """The entries of `rows` ((seq, *QUARANTINE_FIELDS) in seq order) left open by the
    `released` rows among them, or all of them with `include_released` (both backends)."""
    open_: list[dict[str, Any]] = []
    for row in rows:
        entry = dict(zip(("seq", *QUARANTINE_FIELDS), row))
        if (job is not None and entry["job"] != job) or (site is not None and entry["site"] != site):
            continue
        entry["evidence"] = json.loads(entry["evidence"]) if entry["evidence"] else None
        entry["handed_over"] = bool(entry["handed_over"])
        if entry["action"] == "released" and not include_released:
            through = (entry["evidence"] or {}).get("through")
            bound = through if isinstance(through, int) else entry["seq"]
            open_ = [e for e in open_ if (e["job"], e["site"]) != (entry["job"], entry["site"]) or e["seq"] > bound]
            continue
        open_.append(entry)
    return open_
