"""The PostgreSQL ledger's compact rows (schema 3, gate.ledger.encoding): the migration from
schema 2's text rows, the interned profiles and contexts, and the views that read rows back in
schema 2's columns (built-in functions only, so psql alone can list and re-check them).
Migration 4 (gate.ledger.postgres.packed) packs these rows into blocks and rebuilds the views;
the interning and the row encoding here are still what the writers use."""

from __future__ import annotations

from typing import Any, Sequence

from gate.ledger import encoding
from gate.ledger.encoding import intern_key

__all__ = ["MIGRATION_3", "migrate_rows_3", "PgInterner", "compact_decision", "CHECK_BYTES"]

CHECK_BYTES = 16  # what a collection row keeps of its hash (the full head is in the heads row)
S = "scrapegate"


def _uuid(col: str) -> str:
    return (f"CASE WHEN length({col}) = 16 THEN encode({col}, 'hex')::uuid::text ELSE convert_from(substring({col} "
            f"FROM (CASE WHEN get_byte({col}, 1) = 255 THEN 3 ELSE 2 END)), 'UTF8') END")


def _time(col: str) -> str:
    return (f"to_char(timestamp '1970-01-01' + ({col}) * interval '1 microsecond', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")


MIGRATION_3 = f"""
ALTER TABLE {S}.decisions RENAME TO decisions_2;
ALTER TABLE {S}.collections RENAME TO collections_2;
ALTER INDEX {S}.decisions_by_site RENAME TO decisions_2_by_site;
ALTER INDEX {S}.decisions_by_job RENAME TO decisions_2_by_job;
ALTER INDEX {S}.collections_by_decision RENAME TO collections_2_by_decision;
CREATE TABLE {S}.profiles (
    id serial PRIMARY KEY, key bytea NOT NULL UNIQUE,
    job text NOT NULL, owner text, method text NOT NULL, allow smallint NOT NULL, mode text NOT NULL,
    deny_codes text NOT NULL, warn_codes text NOT NULL, waived_codes text NOT NULL, jurisdictions text NOT NULL,
    legal_basis text NOT NULL, policy_revision text, engine text, error text);
CREATE TABLE {S}.contexts (
    id serial PRIMARY KEY, key bytea NOT NULL UNIQUE,
    profile integer NOT NULL, site text NOT NULL, origin text NOT NULL, query text NOT NULL, signals text NOT NULL);
CREATE TABLE {S}.decisions (
    seq bigint PRIMARY KEY, time bigint NOT NULL, context integer NOT NULL, id bytea NOT NULL,
    path text NOT NULL, hash bytea NOT NULL);
-- The id's last 6 bytes (a gate's ids share a per-process prefix and end in a counter); the
-- writer checks uniqueness under the chain lock.
CREATE INDEX decisions_by_id ON {S}.decisions (substring(id FROM length(id) - 5));
CREATE TABLE {S}.collections (
    seq bigint PRIMARY KEY, decision bigint NOT NULL, time bigint NOT NULL, bytes bigint NOT NULL,
    status integer NOT NULL, content_sha256 bytea NOT NULL, hash bytea NOT NULL);
CREATE INDEX collections_by_decision ON {S}.collections (decision);
CREATE TABLE {S}.gaps (chain text NOT NULL, seq bigint NOT NULL, since bigint NOT NULL, prev_hash bytea NOT NULL,
    PRIMARY KEY (chain, seq));
CREATE TABLE {S}.prunes (id serial PRIMARY KEY, body text NOT NULL, mac text NOT NULL);
CREATE VIEW {S}.decisions_v AS SELECT x.seq AS seq, {_uuid('x.id')} AS decision_id, {_time('x.time')} AS time,
    p.job, p.owner, p.method, c.origin || x.path || c.query AS url, c.site, p.allow, p.mode, p.deny_codes,
    p.warn_codes, p.waived_codes, p.jurisdictions, p.legal_basis, p.policy_revision, p.engine, c.signals, p.error,
    encode(coalesce((SELECT q.hash FROM {S}.decisions q WHERE q.seq = x.seq - 1),
        (SELECT g.prev_hash FROM {S}.gaps g WHERE g.chain = 'decisions' AND g.seq = x.seq),
        decode(repeat('00', 32), 'hex')), 'hex') AS prev_hash, encode(x.hash, 'hex') AS hash
    FROM {S}.decisions x LEFT JOIN {S}.contexts c ON c.id = x.context LEFT JOIN {S}.profiles p ON p.id = c.profile;
CREATE VIEW {S}.collections_v AS SELECT x.seq AS seq, {_uuid('d.id')} AS decision_id, {_time('x.time')} AS time,
    x.status, x.bytes, encode(x.content_sha256, 'hex') AS content_sha256, encode(d.hash, 'hex') AS decision_hash,
    encode(x.hash, 'hex') AS hash, x.decision AS decision_seq
    FROM {S}.collections x LEFT JOIN {S}.decisions d ON d.seq = x.decision;
"""


class PgInterner(encoding.Interner):
    """Ids of the profiles and contexts one connection has interned (dropped on a rollback)."""

    def __init__(self) -> None:
        super().__init__(_intern)


def _intern(conn: Any, table: str, fields: Sequence[str], values: Sequence[Any]) -> int:
    key = intern_key(values)
    row = conn.execute(f"INSERT INTO {S}.{table} (key, {', '.join(fields)}) VALUES (%s{', %s' * len(fields)}) "
                       "ON CONFLICT (key) DO NOTHING RETURNING id", (key, *values)).fetchone()
    if row is None:
        row = conn.execute(f"SELECT id FROM {S}.{table} WHERE key = %s", (key,)).fetchone()
    return int(row[0])


def compact_decision(conn: Any, interner: PgInterner, seq: int, values: Sequence[Any], digest: str) -> tuple[Any, ...]:
    """The stored row (seq, time, context, id, path, hash) of DECISION_FIELDS values."""
    profile, site, origin, query, signals, path = encoding.split_decision(values)
    return (seq, encoding.encode_time(values[1]), interner.context(conn, profile, site, origin, query, signals),
            encoding.encode_id(values[0]), path, encoding.encode_hash(digest))


def migrate_rows_3(conn: Any) -> None:
    """Schema 2's text rows into compact rows, keeping every seq and hash."""
    from gate.ledger.sqlite.store import DECISION_FIELDS

    interner = PgInterner()
    seq_of: dict[str, tuple[int, int]] = {}
    rows = conn.execute(f"SELECT seq, {', '.join(DECISION_FIELDS)}, hash FROM {S}.decisions_2 ORDER BY seq").fetchall()
    for seq, *values, digest in rows:
        row = compact_decision(conn, interner, int(seq), values, digest)
        conn.execute(f"INSERT INTO {S}.decisions VALUES (%s, %s, %s, %s, %s, %s)", row)
        seq_of[values[0]] = (int(seq), row[1])
    for seq, decision_id, when, status, size, content, digest in conn.execute(
            f"SELECT seq, decision_id, time, status, bytes, content_sha256, hash FROM {S}.collections_2 ORDER BY seq"
            ).fetchall():
        ref = seq_of.get(decision_id, (0, 0))
        conn.execute(f"INSERT INTO {S}.collections VALUES (%s, %s, %s, %s, %s, %s, %s)",
                     (seq, ref[0], encoding.encode_time(when), size, status, encoding.encode_hash(content),
                      encoding.encode_hash(digest)[:CHECK_BYTES]))
    conn.execute(f"DROP TABLE {S}.decisions_2")
    conn.execute(f"DROP TABLE {S}.collections_2")
