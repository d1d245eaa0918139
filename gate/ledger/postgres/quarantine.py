"""The quarantine in the PostgreSQL ledger: the same rows, actions and hash chain as
gate.ledger.sqlite.quarantine (whose field list, actions and row hash it uses), appended under
the chain's head-row lock like every other chain here."""

from __future__ import annotations

import json
from typing import Any

from gate.errors import LedgerError
from gate.ledger.postgres.schema import SCHEMA, pg_errors, redact
from gate.ledger.sqlite.quarantine import ACTIONS, QUARANTINE_FIELDS
from gate.ledger.sqlite.store import row_hash

__all__ = ["append_entry", "entries"]

_INSERT = (f"INSERT INTO {SCHEMA}.quarantine (seq, {', '.join(QUARANTINE_FIELDS)}, prev_hash, hash) "
           f"VALUES ({', '.join(['%s'] * (len(QUARANTINE_FIELDS) + 3))})")


def append_entry(conn: Any, url: str, *, time: str, action: str, decision_id: str | None, job: str, site: str,
                 page: str | None, reason: str | None, category: str | None, evidence: dict[str, Any] | None,
                 handed_over: bool, actor: str | None) -> tuple[int, str]:
    """Append one entry; returns the chain's new head."""
    if action not in ACTIONS:
        raise LedgerError(f"ledger {redact(url)}: quarantine action must be one of {', '.join(ACTIONS)}, "
                          f"not {action!r}")
    values = [time, action, decision_id, job, site, page, reason, category,
              None if evidence is None else json.dumps(evidence, sort_keys=True, separators=(",", ":")),
              int(bool(handed_over)), actor]
    with pg_errors(url, "quarantining in"), conn.transaction():
        seq, prev = conn.execute(f"SELECT seq, hash FROM {SCHEMA}.heads WHERE chain = 'quarantine' FOR UPDATE"
                                 ).fetchone()
        seq += 1
        digest = row_hash("quarantine", seq, prev, values)
        conn.execute(_INSERT, (seq, *values, prev, digest))
        conn.execute(f"UPDATE {SCHEMA}.heads SET seq = %s, hash = %s WHERE chain = 'quarantine'", (seq, digest))
    return seq, digest


def entries(conn: Any, *, job: str | None = None, site: str | None = None,
            include_released: bool = False) -> list[dict[str, Any]]:
    """The entries (oldest first) without those a later `released` row for their (job, site)
    closed, unless `include_released` (as gate.ledger.sqlite.quarantine.entries)."""
    open_: list[dict[str, Any]] = []
    rows = conn.execute(f"SELECT seq, {', '.join(QUARANTINE_FIELDS)} FROM {SCHEMA}.quarantine ORDER BY seq")
    for row in rows:
        entry = dict(zip(("seq", *QUARANTINE_FIELDS), row))
        if (job is not None and entry["job"] != job) or (site is not None and entry["site"] != site):
            continue
        if entry["action"] == "released" and not include_released:
            open_ = [e for e in open_ if (e["job"], e["site"]) != (entry["job"], entry["site"])]
            continue
        entry["evidence"] = json.loads(entry["evidence"]) if entry["evidence"] else None
        entry["handed_over"] = bool(entry["handed_over"])
        open_.append(entry)
    return open_
