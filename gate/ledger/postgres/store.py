"""Appending to the PostgreSQL ledger: one hash chain per table, serialised by the database.

Many writers on many machines append to the same two chains. Each append is one transaction
that locks the chain's head row (``SELECT ... FOR UPDATE`` on ``scrapegate.heads``), chains
its rows after that head in Python (the same canonical form and SHA-256 as the SQLite
ledger, `gate.ledger.sqlite.store.row_hash`, so one verifier serves both), stores them as one
block per chain (gate.ledger.postgres.blocks: one tuple for the transaction's rows) and moves
the head. Another writer waits for the lock (bounded by lock_timeout) and then chains
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
from gate.ledger import encoding
from gate.ledger.postgres import blocks
from gate.ledger.postgres.compact import CHECK_BYTES, PgInterner, compact_decision
from gate.ledger.postgres.schema import SCHEMA, pg_errors
from gate.ledger.postgres.schema import connect as _connect
from gate.ledger.sqlite.store import COLLECTION, DECISION, row_hash

__all__ = ["connect", "append", "landed", "decision_hash", "decision_ref", "compact_decisions", "DECISION",
           "COLLECTION"]

_LOCK_HEAD = f"SELECT seq, hash FROM {SCHEMA}.heads WHERE chain = %s FOR UPDATE"
_MOVE_HEAD = f"UPDATE {SCHEMA}.heads SET seq = %s, hash = %s WHERE chain = %s"
_RECENT_MAX = 65536  # decisions a connection remembers (id -> seq, hash) for the collections that follow
_interners: dict[int, tuple[Any, PgInterner, "_Recent"]] = {}  # by connection (held: ids are not reused)


class _Recent:
    """The (seq, hash) of the decisions a connection committed lately: a collection usually
    follows its decision by moments, and finding one inside a block costs a block read."""

    def __init__(self) -> None:
        self.new: dict[str, tuple[int, str]] = {}
        self.old: dict[str, tuple[int, str]] = {}

    def get(self, decision_id: str) -> tuple[int, str] | None:
        return self.new.get(decision_id) or self.old.get(decision_id)

    def update(self, refs: dict[str, tuple[int, str]]) -> None:
        self.new.update(refs)
        if len(self.new) >= _RECENT_MAX // 2:  # two generations: O(1), at least MAX/2 remembered
            self.old, self.new = self.new, {}


def connect(url: str, *, durable: bool = True) -> Any:
    """A writer's connection (creates or migrates the schema). `durable` is accepted for the
    SQLite interface's sake: a PostgreSQL commit is as durable as the server's
    synchronous_commit says (on by default)."""
    return _connect(url)


def append(conn: Any, url: str, items: Sequence[tuple[str, Sequence[Any]]], *,
           attempted: dict[str, tuple[int, str]] | None = None) -> dict[str, tuple[int, str]]:
    """Append decisions (DECISION_FIELDS values) and collections (COLLECTION_FIELDS values
    without decision_hash, which is looked up) in one transaction, in order: each chain's new
    rows are one block (gate.ledger.postgres.blocks). Returns the committed heads, (seq, hash)
    by chain name, of the chains it extended. `attempted` receives those heads before the
    COMMIT: if its answer is lost with the connection, `landed` tells whether it happened."""
    refs: dict[str, tuple[int, str]] = {}
    try:
        with pg_errors(url, "recording in"), conn.transaction():
            heads = _append(conn, items, refs)
            if attempted is not None:
                attempted.update(heads)
    except BaseException:
        _interners.pop(id(conn), None)  # its new interned rows were rolled back
        raise
    _state(conn)[1].update(refs)  # committed: collections that follow find their decisions here
    return heads


def _state(conn: Any) -> tuple[PgInterner, _Recent]:
    entry = _interners.get(id(conn))
    if entry is None or entry[0] is not conn:
        if len(_interners) >= 64:
            _interners.clear()
        entry = _interners[id(conn)] = (conn, PgInterner(), _Recent())
    return entry[1], entry[2]


def decision_ref(conn: Any, decision_id: str) -> tuple[int, str] | None:
    found = blocks.find_decision(conn, encoding.encode_id(decision_id))
    return (found[0], found[1].hex()) if found else None


def _refuse_repeats(ids: list[bytes]) -> None:
    """Ids repeated within one transaction (the stored ones are refused by the insert itself)."""
    seen: set[bytes] = set()
    dupes = [i for i in ids if i in seen or seen.add(i)]  # type: ignore[func-returns-value]
    if dupes:
        names = [encoding.decode_id(i) for i in dict.fromkeys(dupes)]
        raise LedgerError(f"decision id already recorded: {', '.join(names[:10])}")


def _append(conn: Any, items: Sequence[tuple[str, Sequence[Any]]],
            refs: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    decisions = [values for kind, values in items if kind == DECISION]
    heads: dict[str, tuple[int, str]] = {}
    interner, recent = _state(conn)
    if decisions:  # the decisions head is always locked before the collections head: no deadlock
        seq, prev = conn.execute(_LOCK_HEAD, ("decisions",)).fetchone()
        start = seq
        rows = []
        for values in decisions:
            seq += 1
            digest = row_hash("decisions", seq, prev, values)
            rows.append(compact_decision(conn, interner, seq, values, digest))
            refs[values[0]] = (seq, digest)
            prev = digest
        _refuse_repeats([r[3] for r in rows])
        blocks.insert_decisions(conn, rows, checked=True)  # under the head lock: no other writer inserts now
        blocks.merge_tail(conn, "decisions", start, seq)
        conn.execute(_MOVE_HEAD, (seq, prev, "decisions"))
        heads["decisions"] = (seq, prev)
    collections = [list(values) for kind, values in items if kind == COLLECTION]
    if not collections:
        return heads
    cseq, cprev = conn.execute(_LOCK_HEAD, ("collections",)).fetchone()
    cstart = cseq
    crows = []
    for values in collections:
        ref = refs.get(values[0]) or recent.get(values[0]) or decision_ref(conn, values[0])
        if ref is None:
            raise LedgerError(f"no decision {values[0]!r} to mark collected")
        cseq += 1
        digest = row_hash("collections", cseq, cprev, [*values, ref[1]])
        crows.append((cseq, ref[0], encoding.encode_time(values[1]), values[3], values[2],
                      encoding.encode_hash(values[4]), encoding.encode_hash(digest)[:CHECK_BYTES]))
        cprev = digest
    blocks.insert_collections(conn, crows)
    blocks.merge_tail(conn, "collections", cstart, cseq)
    conn.execute(_MOVE_HEAD, (cseq, cprev, "collections"))
    heads["collections"] = (cseq, cprev)
    return heads


def landed(conn: Any, url: str, heads: dict[str, tuple[int, str]]) -> bool:
    """Whether the transaction that was to move the chains' heads to `heads` committed (its
    answer was lost with the connection): each chain's row at that seq has that hash. Other
    writers may have appended since, or taken those seqs if it did not commit."""
    with pg_errors(url, "checking a lost commit in"):
        for chain, (seq, digest) in heads.items():
            table = "decision_blocks" if chain == "decisions" else "collection_blocks"
            first = conn.execute(f"SELECT first_seq FROM {SCHEMA}.{table} WHERE first_seq <= %s "
                                 "ORDER BY first_seq DESC LIMIT 1", (seq,)).fetchone()
            if first is None:
                return False
            stored = next((h for block in blocks.read_blocks(conn, chain, [first[0]])
                           for s, h in zip(block.seqs, block.hashes) if s == seq), None)
            # A collection block keeps a check of each hash (its first CHECK_BYTES), a decision block all of it.
            if stored is None or encoding.encode_hash(digest)[:len(stored)] != stored:
                return False
    return True


def decision_hash(conn: Any, url: str, decision_id: str) -> str | None:
    """The stored hash of a decision, or None if it is not in the ledger."""
    with pg_errors(url, "reading"):
        ref = decision_ref(conn, decision_id)
    return ref[1] if ref else None


def compact_decisions(conn: Any, rows: Sequence[tuple[int, Sequence[Any], str]]) -> None:
    """Insert (seq, DECISION_FIELDS values, hash) rows as they are, as blocks (for tools and
    tests that rebuild a chain; writers use append)."""
    interner = PgInterner()
    blocks.insert_decisions(conn, [compact_decision(conn, interner, seq, values, digest)
                                   for seq, values, digest in rows])
