"""Appending to the PostgreSQL ledger: one hash chain per table, serialised by the database.

Many writers on many machines append to the same two chains. Each append is one transaction
that locks the chain's head row (``SELECT ... FOR UPDATE`` on ``scrapegate.heads``), chains
its rows after that head in Python (the same canonical form and SHA-256 as the SQLite
ledger, `gate.ledger.sqlite.store.row_hash`, so one verifier serves both), COPYs them in and
moves the head. Another writer waits for the lock (bounded by lock_timeout) and then chains
after the rows just committed. A writer that dies mid-transaction holds nothing: PostgreSQL
rolls its transaction back, the head did not move, and everything committed before stays.

The trade-off against per-writer chains with signed checkpoints is measured in BENCHMARKS.md:
one chain costs a lock hand-over per transaction, so throughput comes from batching (the
batched writer commits hundreds of rows per lock), and it buys one total order that any
reader verifies with a single pass and no key.

The interface mirrors gate.ledger.sqlite.store (`connect`, `append`, `decision_hash`), so the
batched writer process drives either backend.
"""

from __future__ import annotations

from typing import Any, Sequence

from gate.errors import LedgerError
from gate.ledger.postgres.schema import SCHEMA, pg_errors, redact
from gate.ledger.postgres.schema import connect as _connect
from gate.ledger.sqlite.store import COLLECTION, COLLECTION_FIELDS, DECISION, DECISION_FIELDS, row_hash

__all__ = ["connect", "append", "decision_hash", "DECISION", "COLLECTION"]

_COPY_DECISIONS = f"COPY {SCHEMA}.decisions (seq, {', '.join(DECISION_FIELDS)}, prev_hash, hash) FROM STDIN"
_INSERT_COLLECTION = (f"INSERT INTO {SCHEMA}.collections (seq, {', '.join(COLLECTION_FIELDS)}, prev_hash, hash) "
                      f"VALUES ({', '.join(['%s'] * (len(COLLECTION_FIELDS) + 3))})")
_LOCK_HEAD = f"SELECT seq, hash FROM {SCHEMA}.heads WHERE chain = %s FOR UPDATE"
_MOVE_HEAD = f"UPDATE {SCHEMA}.heads SET seq = %s, hash = %s WHERE chain = %s"
_HASH_OF = f"SELECT hash FROM {SCHEMA}.decisions WHERE decision_id = %s"


def connect(url: str, *, durable: bool = True) -> Any:
    """A writer's connection (creates or migrates the schema). `durable` is accepted for the
    SQLite interface's sake: a PostgreSQL commit is as durable as the server's
    synchronous_commit says (on by default)."""
    return _connect(url)


def append(conn: Any, url: str, items: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, tuple[int, str]]:
    """Append decisions (DECISION_FIELDS values) and collections (COLLECTION_FIELDS values
    without decision_hash, which is looked up) in one transaction, in order. Returns the
    committed heads, (seq, hash) by chain name, of the chains it extended."""
    import psycopg

    try:
        with pg_errors(url, "recording in"), conn.transaction():
            heads = _append(conn, items)
        return heads
    except LedgerError as exc:
        cause = exc.__context__  # pg_errors raises "from None": the password-bearing cause is not printed
        if isinstance(cause, psycopg.errors.UniqueViolation) and "decision_id" in str(cause):
            raise LedgerError(f"ledger {redact(url)}: decision id already recorded: {_key_of(cause)}") from cause
        raise


def _key_of(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    detail = getattr(diag, "message_detail", None) or str(exc)
    return str(detail)


def _append(conn: Any, items: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, tuple[int, str]]:
    decisions = [values for kind, values in items if kind == DECISION]
    hashes: dict[str, str] = {}
    heads: dict[str, tuple[int, str]] = {}
    if decisions:  # the decisions head is always locked before the collections head: no deadlock
        seq, prev = conn.execute(_LOCK_HEAD, ("decisions",)).fetchone()
        rows = []
        for values in decisions:
            seq += 1
            digest = row_hash("decisions", seq, prev, values)
            rows.append((seq, *values, prev, digest))
            hashes[values[0]] = prev = digest
        with conn.cursor() as cur, cur.copy(_COPY_DECISIONS) as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(_MOVE_HEAD, (seq, prev, "decisions"))
        heads["decisions"] = (seq, prev)
    collections = [list(values) for kind, values in items if kind == COLLECTION]
    if not collections:
        return heads
    cseq, cprev = conn.execute(_LOCK_HEAD, ("collections",)).fetchone()
    rows = []
    for values in collections:
        bound = hashes.get(values[0])
        if bound is None:
            found = conn.execute(_HASH_OF, (values[0],)).fetchone()
            if found is None:
                raise LedgerError(f"no decision {values[0]!r} to mark collected")
            bound = found[0]
        values.append(bound)
        cseq += 1
        digest = row_hash("collections", cseq, cprev, values)
        rows.append((cseq, *values, cprev, digest))
        cprev = digest
    with conn.cursor() as cur:
        cur.executemany(_INSERT_COLLECTION, rows)
    conn.execute(_MOVE_HEAD, (cseq, cprev, "collections"))
    heads["collections"] = (cseq, cprev)
    return heads


def decision_hash(conn: Any, url: str, decision_id: str) -> str | None:
    """The stored hash of a decision, or None if it is not in the ledger."""
    with pg_errors(url, "reading"):
        row = conn.execute(_HASH_OF, (decision_id,)).fetchone()
    return row[0] if row else None
