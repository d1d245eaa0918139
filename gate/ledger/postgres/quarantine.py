"""The quarantine in the PostgreSQL ledger: the same rows, actions and hash chain as
gate.ledger.sqlite.quarantine (whose field list, actions and row hash it uses), appended under
the chain's head-row lock like every other chain here."""

from __future__ import annotations

import json
from typing import Any

from gate.errors import LedgerError
from gate.ledger.postgres.schema import SCHEMA, pg_errors, redact
from gate.ledger.sqlite.quarantine import ACTIONS, QUARANTINE_FIELDS, released_values, select
from gate.ledger.sqlite.store import row_hash

__all__ = ["append_entry", "entries", "release"]

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
        return _insert(conn, _lock_head(conn), values)


def _lock_head(conn: Any) -> tuple[int, str]:
    seq, prev = conn.execute(f"SELECT seq, hash FROM {SCHEMA}.heads WHERE chain = 'quarantine' FOR UPDATE").fetchone()
    return int(seq), str(prev)


def _insert(conn: Any, head: tuple[int, str], values: list[Any]) -> tuple[int, str]:
    seq, prev = head[0] + 1, head[1]
    digest = row_hash("quarantine", seq, prev, values)
    conn.execute(_INSERT, (seq, *values, prev, digest))
    conn.execute(f"UPDATE {SCHEMA}.heads SET seq = %s, hash = %s WHERE chain = 'quarantine'", (seq, digest))
    return seq, digest


def release(conn: Any, url: str, *, time: str, job: str, site: str, by: str, reason: str,
            through: int | None = None) -> int:
    """Close the open entries of (job, site) up to seq `through` (all: None), read and closed
    under the chain's lock: an entry another node appends meanwhile comes after, and stays open."""
    with pg_errors(url, "releasing in"), conn.transaction():
        head = _lock_head(conn)
        seen = [e["seq"] for e in entries(conn, job=job, site=site) if through is None or e["seq"] <= through]
        if seen:
            _insert(conn, head, released_values(time, job, site, by, reason, max(seen)))
    return len(seen)


def entries(conn: Any, *, job: str | None = None, site: str | None = None,
            include_released: bool = False) -> list[dict[str, Any]]:
    """The entries (oldest first) without those a later `released` row for their (job, site)
    closed, unless `include_released` (as gate.ledger.sqlite.quarantine.entries)."""
    rows = conn.execute(f"SELECT seq, {', '.join(QUARANTINE_FIELDS)} FROM {SCHEMA}.quarantine ORDER BY seq")
    return select(rows, job=job, site=site, include_released=include_released)
