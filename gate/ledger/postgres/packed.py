"""Migration 4 (issue 21.5): schema 3's one-tuple-per-row tables become blocks
(gate.ledger.postgres.blocks), and the views that read them back: ``decision_rows`` /
``collection_rows`` in schema 3's compact columns (what the writers and prune use), and
``decisions_v`` / ``collections_v`` in schema 2's columns, exactly as before (what readers,
verify and psql users use). Built-in functions only."""

from __future__ import annotations

from typing import Any

from gate.ledger.postgres.blocks import BLOCK_MAX, insert_collections, insert_decisions
from gate.ledger.postgres.compact import _time, _uuid

__all__ = ["MIGRATION_4", "migrate_rows_4"]

S = "scrapegate"
_CHUNK = BLOCK_MAX * 16  # rows read and written at a time by the migration
_ZEROS = "decode(repeat('00', 32), 'hex')"
# An element's offset from its block's first seq.
_OFF = "coalesce(b.seqs[u.i], u.i - 1)"
# The hash of the row just before a block's first row, if that row is the previous block's last.
_PREV_BLOCK = (f"(SELECT substring(q.hashes FROM octet_length(q.hashes) - 31) FROM {S}.decision_blocks q "
               "WHERE q.first_seq < b.first_seq AND q.first_seq + coalesce(q.seqs[octet_length(q.hashes) / 32], "
               f"octet_length(q.hashes) / 32 - 1) = b.first_seq + {_OFF} - 1 "
               "ORDER BY q.first_seq DESC LIMIT 1)")
_TEXT_ID = "b.text_ids[u.i]"

MIGRATION_4 = f"""
DROP VIEW {S}.collections_v;
DROP VIEW {S}.decisions_v;
ALTER TABLE {S}.decisions RENAME TO decisions_3;
ALTER TABLE {S}.collections RENAME TO collections_3;
-- A block: the rows of one write transaction (seqs first_seq, first_seq + 1, ... unless `seqs`
-- holds offsets after a prune); ids 16 bytes each (zeros where text_ids holds a non-UUID id),
-- hashes 32 bytes each. Hashes do not compress: stored as they are, so a slice reads a slice.
CREATE TABLE {S}.decision_blocks (
    first_seq bigint PRIMARY KEY, seqs integer[], times bigint[] NOT NULL, contexts integer[] NOT NULL,
    ids bytea NOT NULL, text_ids text[], paths text[] NOT NULL, hashes bytea NOT NULL);
ALTER TABLE {S}.decision_blocks ALTER COLUMN hashes SET STORAGE EXTERNAL;
-- Runs of consecutive id counters (prefix: an id's first 10 bytes, or a non-UUID id's bytes).
CREATE TABLE {S}.decision_runs (prefix bytea NOT NULL, lo bigint NOT NULL, hi bigint NOT NULL, block bigint NOT NULL);
CREATE INDEX decision_runs_by_id ON {S}.decision_runs (prefix, lo);
-- digests: the bodies' sha256, 32 bytes each; hashes: each row's 16-byte hash check.
-- last_decision: the greatest decision seq the block names. A decision's collections are in
-- blocks written after it, so `show --limit N` reads only the blocks this index finds.
CREATE TABLE {S}.collection_blocks (
    first_seq bigint PRIMARY KEY, seqs integer[], decisions bigint[] NOT NULL, times bigint[] NOT NULL,
    bytes bigint[] NOT NULL, statuses integer[] NOT NULL, digests bytea NOT NULL, hashes bytea NOT NULL,
    last_decision bigint NOT NULL);
CREATE INDEX collection_blocks_by_last_decision ON {S}.collection_blocks (last_decision);
CREATE VIEW {S}.decision_rows AS SELECT b.first_seq + {_OFF} AS seq,
    CASE WHEN {_TEXT_ID} IS NULL THEN substring(b.ids FROM u.i * 16 - 15 FOR 16)
        ELSE CASE WHEN octet_length(convert_to({_TEXT_ID}, 'UTF8')) = 15 THEN '\\xffff'::bytea ELSE '\\xff'::bytea END
            || convert_to({_TEXT_ID}, 'UTF8') END AS id,
    u.time, u.context, u.path, substring(b.hashes FROM u.i * 32 - 31 FOR 32) AS hash,
    CASE WHEN u.i = 1 THEN {_PREV_BLOCK}
        WHEN b.seqs IS NULL OR b.seqs[u.i - 1] = b.seqs[u.i] - 1 THEN substring(b.hashes FROM u.i * 32 - 63 FOR 32)
    END AS prev, b.first_seq AS block, u.i AS i
    FROM {S}.decision_blocks b
    CROSS JOIN LATERAL unnest(b.times, b.contexts, b.paths) WITH ORDINALITY AS u(time, context, path, i);
CREATE VIEW {S}.collection_rows AS SELECT b.first_seq + {_OFF} AS seq, u.decision, u.time, u.bytes, u.status,
    substring(b.digests FROM u.i * 32 - 31 FOR 32) AS content_sha256,
    substring(b.hashes FROM u.i * 16 - 15 FOR 16) AS hash, b.first_seq AS block, u.i AS i
    FROM {S}.collection_blocks b
    CROSS JOIN LATERAL unnest(b.decisions, b.times, b.bytes, b.statuses)
        WITH ORDINALITY AS u(decision, time, bytes, status, i);
-- decisions_v's columns and each row's block and place in it (for reads that stop early).
CREATE VIEW {S}.decisions_b AS SELECT x.seq AS seq, {_uuid('x.id')} AS decision_id, {_time('x.time')} AS time,
    p.job, p.owner, p.method, c.origin || x.path || c.query AS url, c.site, p.allow, p.mode, p.deny_codes,
    p.warn_codes, p.waived_codes, p.jurisdictions, p.legal_basis, p.policy_revision, p.engine, c.signals, p.error,
    encode(coalesce(x.prev, (SELECT g.prev_hash FROM {S}.gaps g WHERE g.chain = 'decisions' AND g.seq = x.seq),
        {_ZEROS}), 'hex') AS prev_hash, encode(x.hash, 'hex') AS hash, x.block, x.i
    FROM {S}.decision_rows x LEFT JOIN {S}.contexts c ON c.id = x.context LEFT JOIN {S}.profiles p ON p.id = c.profile;
CREATE VIEW {S}.decisions_v AS SELECT seq, decision_id, time, job, owner, method, url, site, allow, mode, deny_codes,
    warn_codes, waived_codes, jurisdictions, legal_basis, policy_revision, engine, signals, error, prev_hash, hash
    FROM {S}.decisions_b;
CREATE VIEW {S}.collections_v AS SELECT x.seq AS seq, {_uuid('d.id')} AS decision_id, {_time('x.time')} AS time,
    x.status, x.bytes, encode(x.content_sha256, 'hex') AS content_sha256, encode(d.hash, 'hex') AS decision_hash,
    encode(x.hash, 'hex') AS hash, x.decision AS decision_seq
    FROM {S}.collection_rows x LEFT JOIN {S}.decision_rows d ON d.seq = x.decision;
""".replace("u.i", "(u.i::integer)")  # WITH ORDINALITY counts in bigint; substring and [] want integers


def migrate_rows_4(conn: Any) -> None:
    """Schema 3's rows into blocks, keeping every seq, value and hash. Read through server-side
    cursors and written a few blocks at a time, so a large ledger never sits in memory whole."""
    for table, query, insert in (
            ("decisions_3", "SELECT seq, time, context, id, path, hash", insert_decisions),
            ("collections_3", "SELECT seq, decision, time, bytes, status, content_sha256, hash", insert_collections)):
        with conn.cursor(name=f"scrapegate_migrate_{table}") as cursor:
            cursor.itersize = _CHUNK
            cursor.execute(f"{query} FROM {S}.{table} ORDER BY seq")
            chunk: list[tuple[Any, ...]] = []
            for row in cursor:
                chunk.append(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
                if len(chunk) >= _CHUNK:
                    insert(conn, chunk)
                    chunk = []
            insert(conn, chunk)
    conn.execute(f"DROP TABLE {S}.decisions_3")
    conn.execute(f"DROP TABLE {S}.collections_3")
