"""Appending compact rows (schema 2, gate.ledger.encoding) to the SQLite ledger's chains.

A decision's hash is taken over the same canonical text as in schema 1; what is stored is its
id and hash as bytes, its time as an integer, the URL's tail and one reference to an interned
context (profile, site, origin, signal hashes). The interned ids are cached per connection
and forgotten when a transaction rolls back (its new interned rows went with it).
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from gate.errors import LedgerError
from gate.ledger import encoding
from gate.ledger.encoding import PROFILE_FIELDS, intern_key
from gate.ledger.sqlite import store
from gate.ledger.sqlite.schema import CHECK_BYTES, compact_decision, time_base

__all__ = ["Interner", "append", "decision_hash", "decision_ref", "head"]

_CONTEXT_FIELDS = ("profile", "site", "origin", "query", "signals")
_WIDTH = 6  # seq, id, time, context, path, hash
# A batch's decisions go in by multi-row INSERTs of power-of-two sizes up to this: one
# statement step (the GIL released and re-taken once) instead of one per row, few distinct
# statements to prepare and cache, and within SQLite's bound on parameters per statement.
INSERT_CHUNK_ROWS = 512
_CHAIN = {store.DECISION: "decisions", store.COLLECTION: "collections"}
_HEADS = {"decisions": "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1",
          "collections": "SELECT seq, hash FROM heads WHERE chain = 'collections'"}
_BY_ID = "SELECT seq, hash, time FROM decisions WHERE substr(id, -6) = ? AND id = ?"


class Interner:
    """The ids of interned profiles and contexts one connection has seen."""

    def __init__(self) -> None:
        self.profiles: dict[tuple[Any, ...], int] = {}
        self.contexts: dict[tuple[Any, ...], int] = {}
        self.base: int | None = None
        self.pending = False  # a transaction of this connection used these ids and has not committed

    def context(self, conn: sqlite3.Connection, profile: tuple[Any, ...], site: str, origin: str, query: str,
                signals: str) -> int:
        key = (profile, site, origin, query, signals)
        found = self.contexts.get(key)
        if found is None:
            pid = self.profiles.get(profile)
            if pid is None:
                pid = self.profiles[profile] = _intern(conn, "profiles", PROFILE_FIELDS, profile)
            found = self.contexts[key] = _intern(conn, "contexts", _CONTEXT_FIELDS, (pid, site, origin, query, signals))
        return found


def _intern(conn: sqlite3.Connection, table: str, fields: Sequence[str], values: Sequence[Any]) -> int:
    key = intern_key(values)
    row = conn.execute(f"SELECT id FROM {table} WHERE key = ?", (key,)).fetchone()
    if row is not None:
        return int(row[0])
    cursor = conn.execute(f"INSERT INTO {table} (key, {', '.join(fields)}) VALUES (?{', ?' * len(fields)})",
                          (key, *values))
    return int(cursor.lastrowid or 0)


class _ByConnection:
    """Interners by connection (sqlite3 connections take no weak references): each entry holds
    its connection, so an id is never reused while it is here; at most _MAX_CONNECTIONS, then
    all are forgotten (they are only caches)."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[sqlite3.Connection, Interner]] = {}

    def get(self, conn: sqlite3.Connection) -> Interner | None:
        entry = self._entries.get(id(conn))
        return entry[1] if entry is not None and entry[0] is conn else None

    def put(self, conn: sqlite3.Connection, interner: Interner) -> Interner:
        if len(self._entries) >= _MAX_CONNECTIONS:
            self._entries.clear()
        self._entries[id(conn)] = (conn, interner)
        return interner

    def pop(self, conn: sqlite3.Connection) -> None:
        self._entries.pop(id(conn), None)


_MAX_CONNECTIONS = 64
_interners = _ByConnection()


def _interner(conn: sqlite3.Connection) -> Interner:
    found = _interners.get(conn)
    if found is None:
        found = _interners.put(conn, Interner())
    if found.base is None:
        found.base = time_base(conn)
    return found


def head(conn: sqlite3.Connection, table: str) -> tuple[int, str]:
    row = conn.execute(_HEADS[table]).fetchone()
    return (row[0], bytes(row[1]).hex()) if row else (0, store.GENESIS_HASH)


def decision_ref(conn: sqlite3.Connection, decision_id: str) -> tuple[int, str, int] | None:
    """(seq, hash, stored time) of a decision by its id, or None."""
    key = encoding.encode_id(decision_id)
    row = conn.execute(_BY_ID, (key[-6:], key)).fetchone()
    return (int(row[0]), bytes(row[1]).hex(), int(row[2])) if row else None


def _append(conn: sqlite3.Connection, items: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, tuple[int, str]]:
    """Chain and insert `items` in order: runs of decisions with multi-row INSERTs, each
    collection bound to its decision's hash (a decision earlier in the same batch included).
    The heads are read once per transaction (under BEGIN IMMEDIATE: no other process can
    move them), then carried along the batch."""
    interner = _interner(conn)
    base = interner.base or 0
    heads: dict[str, tuple[int, str]] = {}
    batch: dict[str, tuple[int, str, int]] = {}
    run: list[Any] = []
    row_json, sha256 = store._decision_json, store._sha256
    seq, prev = -1, store.GENESIS_HASH
    for kind, values in items:
        if kind == store.DECISION:
            if seq < 0:
                seq, prev = heads.get(store.DECISION) or head(conn, "decisions")
            seq += 1
            prev = sha256(row_json(seq, prev, values).encode("utf-8")).hexdigest()
            row = compact_decision(conn, interner, base, seq, values, prev)
            run += row
            batch[values[0]] = (seq, prev, row[2])
            continue
        if seq >= 0:
            heads[store.DECISION] = (seq, prev)
            seq = -1
        _insert_decisions(conn, run)
        run = []
        ref = batch.get(values[0]) or decision_ref(conn, values[0])
        if ref is None:
            raise LedgerError(f"no decision {values[0]!r} to mark collected")
        cseq, cprev = heads.get(store.COLLECTION) or head(conn, "collections")
        cseq += 1
        digest = store.row_hash("collections", cseq, cprev, [*values, ref[1]])
        conn.execute("INSERT INTO collections VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (cseq, ref[0], encoding.encode_time(values[1], base) - ref[2], values[2], values[3],
                      encoding.encode_hash(values[4]), encoding.encode_hash(digest)[:CHECK_BYTES]))
        heads[store.COLLECTION] = (cseq, digest)
    _insert_decisions(conn, run)
    if seq >= 0:
        heads[store.DECISION] = (seq, prev)
    if store.COLLECTION in heads:
        conn.execute("INSERT OR REPLACE INTO heads VALUES ('collections', ?, ?)",
                     (heads[store.COLLECTION][0], encoding.encode_hash(heads[store.COLLECTION][1])))
    return {_CHAIN[kind]: h for kind, h in heads.items()}


def _variable_limit(conn: sqlite3.Connection) -> int:
    """SQLite's bound on parameters per statement: asked where Python can (3.11+), else the
    default of the SQLite library (32766 since 3.32, 999 before)."""
    getlimit = getattr(conn, "getlimit", None)
    if getlimit is not None:
        return int(getlimit(getattr(sqlite3, "SQLITE_LIMIT_VARIABLE_NUMBER", 9)))
    return 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


@lru_cache(maxsize=None)  # at most log2(INSERT_CHUNK_ROWS) + 1 sizes
def _insert_sql(rows: int) -> str:
    return "INSERT INTO decisions VALUES " + ",".join(["(?,?,?,?,?,?)"] * rows)


def _chunk_rows(conn: sqlite3.Connection) -> int:
    limit = _variable_limit(conn) // _WIDTH
    rows = INSERT_CHUNK_ROWS
    while rows > 1 and rows > limit:
        rows //= 2
    return rows


def _insert_decisions(conn: sqlite3.Connection, run: list[Any]) -> None:
    """Insert flattened decision rows: chunks of the largest power of two that fits, after
    checking that no id is recorded already (the id index holds a prefix, not a constraint)."""
    if not run:
        return
    _refuse_duplicates(conn, run)
    total, start, rows = len(run) // _WIDTH, 0, _chunk_rows(conn)
    while start < total:
        while rows > total - start:
            rows //= 2
        conn.execute(_insert_sql(rows), run[start * _WIDTH:(start + rows) * _WIDTH])
        start += rows


def _refuse_duplicates(conn: sqlite3.Connection, run: list[Any]) -> None:
    ids: list[bytes] = run[1::_WIDTH]
    seen: set[bytes] = set()
    dupes = [i for i in ids if i in seen or seen.add(i)]  # type: ignore[func-returns-value]
    for at in range(0, len(ids), 500):
        part = ids[at:at + 500]
        found = {bytes(i) for (i,) in conn.execute(
            f"SELECT id FROM decisions WHERE substr(id, -6) IN ({','.join('?' * len(part))})",
            [i[-6:] for i in part])}
        dupes += [i for i in part if i in found]
    if dupes:
        names = [encoding.decode_id(i) for i in dict.fromkeys(dupes)]
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        raise LedgerError(f"decision id already recorded: {', '.join(names[:10])}{more}")


def append(conn: sqlite3.Connection, path: Path,
           items: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, tuple[int, str]]:
    """Append decisions (DECISION_FIELDS values) and collections (COLLECTION_FIELDS values
    without decision_hash, which is looked up) in one transaction, in order. Returns the
    committed heads, (seq, hash) by chain name, of the chains it extended."""
    try:
        heads: dict[str, tuple[int, str]] = store.busy_retry(path, "recording in", store._transaction, conn,
                                                             _attempt, items)
    except BaseException:
        _interners.pop(conn)  # interned rows of the rolled-back transaction are gone
        raise
    _interner(conn).pending = False
    return heads


def _attempt(conn: sqlite3.Connection, items: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, tuple[int, str]]:
    previous = _interners.get(conn)
    if previous is not None and previous.pending:  # an earlier attempt rolled back (busy): forget its ids
        _interners.pop(conn)
    _interner(conn).pending = True
    return _append(conn, items)


def decision_hash(conn: sqlite3.Connection, path: Path, decision_id: str) -> str | None:
    """The stored hash of a decision, or None if it is not in the ledger."""
    with store.sqlite_errors(path, "reading"):
        ref = decision_ref(conn, decision_id)
    return ref[1] if ref else None
