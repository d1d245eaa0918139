"""The SQLite ledger's schema (version 2, the compact rows of gate.ledger.encoding), the views
that read it back in schema 1's columns, and the migration from schema 1.

The views (``decisions_v``, ``collections_v``) use SQLite's built-in functions only: anything
that reads SQLite can still list a ledger's rows as text, and re-check the chain with SHA-256
over the canonical JSON (gate.ledger.sqlite.store.canonical).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Sequence

from gate.errors import LedgerError
from gate.ledger import encoding
from gate.ledger.encoding import intern_key
from gate.ledger.sqlite.canonical import DECISION_FIELDS

__all__ = ["SCHEMA_VERSION", "LEDGER_FORMAT", "QUARANTINE_SCHEMA", "CHECK_BYTES", "Interner", "create_or_migrate",
           "check_meta", "time_base", "compact_decision"]

SCHEMA_VERSION = "2"
LEDGER_FORMAT = "scrapegate-ledger"
_DAY_US = 86_400 * 1_000_000
CHECK_BYTES = 16  # what a collection row keeps of its hash (see gate.ledger.encoding)

# The response phase's quarantine (its rows: gate.ledger.sqlite.quarantine). Unchanged since schema 1.
QUARANTINE_SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    action TEXT NOT NULL,
    decision_id TEXT,
    job TEXT NOT NULL,
    site TEXT NOT NULL,
    url TEXT,
    reason TEXT,
    category TEXT,
    evidence TEXT,
    handed_over INTEGER NOT NULL,
    actor TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)"""

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS profiles (
    id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE,
    job TEXT NOT NULL, owner TEXT, method TEXT NOT NULL, allow INTEGER NOT NULL, mode TEXT NOT NULL,
    deny_codes TEXT NOT NULL, warn_codes TEXT NOT NULL, waived_codes TEXT NOT NULL, jurisdictions TEXT NOT NULL,
    legal_basis TEXT NOT NULL, policy_revision TEXT, engine TEXT, error TEXT
);
CREATE TABLE IF NOT EXISTS contexts (
    id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE,
    profile INTEGER NOT NULL, site TEXT NOT NULL, origin TEXT NOT NULL, query TEXT NOT NULL, signals TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY, id BLOB NOT NULL, time INTEGER NOT NULL, context INTEGER NOT NULL,
    path TEXT NOT NULL, hash BLOB NOT NULL
);
-- The id's last 6 bytes (a gate's ids share a per-process prefix and end in a counter): a
-- third of the index of the whole id; uniqueness is checked by the
-- writer under the write lock (gate.ledger.sqlite.store).
CREATE INDEX IF NOT EXISTS decisions_by_id ON decisions (substr(id, -6));
CREATE TABLE IF NOT EXISTS collections (
    seq INTEGER PRIMARY KEY, decision INTEGER NOT NULL, time INTEGER NOT NULL, status INTEGER NOT NULL,
    bytes INTEGER NOT NULL, content_sha256 BLOB NOT NULL, hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS collections_by_decision ON collections (decision);
-- The full hash at the end of each chain whose rows keep a shorter check (collections).
CREATE TABLE IF NOT EXISTS heads (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL);
-- After a prune (gate.ledger.prune): the hash of the row before each kept row whose
-- predecessor was pruned, and the signed records that cover them.
CREATE TABLE IF NOT EXISTS gaps (chain TEXT NOT NULL, seq INTEGER NOT NULL, since INTEGER NOT NULL,
    prev_hash BLOB NOT NULL,
    PRIMARY KEY (chain, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS prunes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, mac TEXT NOT NULL);
""" + QUARANTINE_SCHEMA


def _uuid_sql(col: str) -> str:
    h = f"lower(hex({col}))"
    return (f"CASE WHEN length({col}) = 16 THEN substr({h},1,8)||'-'||substr({h},9,4)||'-'||substr({h},13,4)||'-'"
            f"||substr({h},17,4)||'-'||substr({h},21) ELSE CAST(substr({col}, CASE WHEN substr({col},2,1) = x'ff' "
            f"THEN 3 ELSE 2 END) AS TEXT) END")


def _time_sql(col: str, base: int) -> str:
    t = f"({col} + {base})"
    return f"(strftime('%Y-%m-%dT%H:%M:%S', {t} / 1000000, 'unixepoch') || '.' || printf('%06d', {t} % 1000000) || 'Z')"


def _prev_sql(table: str, chain: str) -> str:
    return (f"lower(hex(coalesce((SELECT p.hash FROM {table} p WHERE p.seq = x.seq - 1), "
            f"(SELECT g.prev_hash FROM gaps g WHERE g.chain = '{chain}' AND g.seq = x.seq), zeroblob(32))))")


def _views(base: int) -> str:
    return f"""
DROP VIEW IF EXISTS collections_v;
DROP VIEW IF EXISTS decisions_v;
CREATE VIEW decisions_v AS SELECT x.seq AS seq, {_uuid_sql('x.id')} AS decision_id,
    {_time_sql('x.time', base)} AS time,
    p.job AS job, p.owner AS owner, p.method AS method, c.origin || x.path || c.query AS url, c.site AS site,
    p.allow AS allow, p.mode AS mode, p.deny_codes AS deny_codes, p.warn_codes AS warn_codes,
    p.waived_codes AS waived_codes,
    p.jurisdictions AS jurisdictions, p.legal_basis AS legal_basis, p.policy_revision AS policy_revision,
    p.engine AS engine, c.signals AS signals, p.error AS error,
    {_prev_sql('decisions', 'decisions')} AS prev_hash, lower(hex(x.hash)) AS hash
    FROM decisions x LEFT JOIN contexts c ON c.id = x.context LEFT JOIN profiles p ON p.id = c.profile;
CREATE VIEW collections_v AS SELECT x.seq AS seq, {_uuid_sql('d.id')} AS decision_id,
    {_time_sql('x.time + d.time', base)} AS time, x.status AS status, x.bytes AS bytes,
    lower(hex(x.content_sha256)) AS content_sha256, lower(hex(d.hash)) AS decision_hash,
    lower(hex(x.hash)) AS hash, x.decision AS decision_seq
    FROM collections x LEFT JOIN decisions d ON d.seq = x.decision;
"""


def time_base(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'time_base'").fetchone()
    return int(row[0]) if row else 0


def _script(conn: sqlite3.Connection, text: str) -> None:
    for statement in text.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def create_or_migrate(conn: sqlite3.Connection) -> None:
    """Inside the writer's first transaction: create schema 2 in an empty file, or migrate a
    schema-1 ledger to it; a newer schema is refused by check_meta afterwards."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "meta" not in tables:
        raise LedgerError("is an SQLite database but not a scrapegate ledger (no meta table)")
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if tables else {}
    if meta.get("schema") == SCHEMA_VERSION or (meta and meta.get("format") != LEDGER_FORMAT):
        return
    if meta.get("schema") not in (None, "1"):
        return  # newer (or unknown): check_meta refuses it
    old = meta.get("schema") == "1"
    if old:
        conn.execute("ALTER TABLE decisions RENAME TO decisions_1")
        conn.execute("ALTER TABLE collections RENAME TO collections_1")
        conn.execute("DROP INDEX IF EXISTS collections_by_decision")
        first = conn.execute("SELECT min(time) FROM decisions_1").fetchone()[0]
        base = encoding.encode_time(first) if first else time.time_ns() // 1000
    else:
        base = time.time_ns() // 1000
    base -= base % _DAY_US
    _script(conn, _TABLES)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (LEDGER_FORMAT,))
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?), ('time_base', ?)", (SCHEMA_VERSION, str(base)))
    _script(conn, _views(base))
    if old:
        _migrate_rows(conn, base)


def _migrate_rows(conn: sqlite3.Connection, base: int) -> None:
    """Schema 1's rows into schema 2, keeping every seq and hash (the canonical text is the same)."""
    interner = Interner()
    seq_of: dict[str, int] = {}
    cols = ", ".join(DECISION_FIELDS)
    rows = conn.execute(f"SELECT seq, {cols}, hash FROM decisions_1 ORDER BY seq").fetchall()
    decided = {seq: encoding.encode_time(row[1]) for seq, *row in rows}
    for seq, *values, digest in rows:
        conn.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?)", compact_decision(conn, interner, base, seq,
                                                                                          values, digest))
        seq_of[values[0]] = seq
    head: tuple[int, str] | None = None
    for seq, decision_id, when, status, size, content, digest in conn.execute(
            "SELECT seq, decision_id, time, status, bytes, content_sha256, hash FROM collections_1 ORDER BY seq"
            ).fetchall():
        ref = seq_of.get(decision_id, 0)
        conn.execute("INSERT INTO collections VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (seq, ref, encoding.encode_time(when) - decided.get(ref, 0), status, size,
                      encoding.encode_hash(content), encoding.encode_hash(digest)[:CHECK_BYTES]))
        head = (seq, digest)
    if head is not None:
        conn.execute("INSERT INTO heads VALUES ('collections', ?, ?)", (head[0], encoding.encode_hash(head[1])))
    conn.execute("DROP TABLE decisions_1")
    conn.execute("DROP TABLE collections_1")


class Interner(encoding.Interner):
    """The ids of interned profiles and contexts one connection has seen, and its time base."""

    def __init__(self) -> None:
        super().__init__(_intern)
        self.base: int | None = None


def _intern(conn: sqlite3.Connection, table: str, fields: Sequence[str], values: Sequence[Any]) -> int:
    key = intern_key(values)
    row = conn.execute(f"SELECT id FROM {table} WHERE key = ?", (key,)).fetchone()
    if row is not None:
        return int(row[0])
    cursor = conn.execute(f"INSERT INTO {table} (key, {', '.join(fields)}) VALUES (?{', ?' * len(fields)})",
                          (key, *values))
    return int(cursor.lastrowid or 0)


def compact_decision(conn: sqlite3.Connection, interner: Interner, base: int, seq: int, values: Any,
                     digest: str) -> tuple[Any, ...]:
    profile, site, origin, query, signals, path = encoding.split_decision(values)
    context = interner.context(conn, profile, site, origin, query, signals)
    return (seq, encoding.encode_id(values[0]), encoding.encode_time(values[1], base), context, path,
            encoding.encode_hash(digest))


def check_meta(meta: dict[str, Any], where: str) -> None:
    if meta.get("format") != LEDGER_FORMAT:
        raise LedgerError(f"ledger {where}: not a scrapegate ledger (format {meta.get('format')!r})")
    schema = meta.get("schema")
    if schema == SCHEMA_VERSION:
        return
    if schema == "1":
        raise LedgerError(f"ledger {where}: schema version '1', this scrapegate reads {SCHEMA_VERSION!r}; "
                          "upgrade it once with `scrapegate ledger migrate` (or any writer)")
    raise LedgerError(f"ledger {where}: schema version {schema!r} is newer than this scrapegate knows "
                      f"({SCHEMA_VERSION!r}); upgrade scrapegate")
