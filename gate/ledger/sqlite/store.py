"""The ledger's SQLite border: schema, connections, the hash chain and the bounded busy retry.

Two append-only tables, each its own hash chain (and the quarantine's, gate.ledger.sqlite.quarantine):

- ``decisions``: one row per decision.
- ``collections``: one row per fetch an adapter reported for a decision; its hash covers the
  hash of the decision row it belongs to, so a collection cannot be moved to another
  decision, and an edited decision breaks both chains.

Each row's ``hash`` is the SHA-256 of a canonical serialisation (`canonical`) of the row's
values (DECISION_FIELDS, COLLECTION_FIELDS), its ``seq`` and the previous row's hash: a JSON
array, UTF-8, no whitespace, non-ASCII unescaped, values in column order (text, integers and
nulls only). The rows are stored compactly (schema 2, gate.ledger.encoding and
gate.ledger.sqlite.schema); the views ``decisions_v`` and ``collections_v`` give the values
back as text, so anything that can read SQLite and JSON can re-check the chain without
scrapegate.

Every sqlite3 error is mapped here, once, to a LedgerError that names the file and the cause.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

from gate.errors import LedgerError
from gate.ledger import encoding
from gate.ledger.location import DEFAULT_LEDGER_PATH, LEDGER_ENV, ledger_location
from gate.ledger.sqlite.canonical import (
    COLLECTION_FIELDS,
    DECISION_FIELDS,
    GENESIS_HASH,
    HASH_DOMAIN,
    _decision_json,
    _sha256,
    canonical,
    row_hash,
)
from gate.ledger.sqlite.schema import (
    CHECK_BYTES,
    SCHEMA_VERSION,
    Interner,
    check_meta,
    compact_decision,
    create_or_migrate,
    time_base,
)

__all__ = [
    "LEDGER_ENV", "DEFAULT_LEDGER_PATH", "BUSY_TIMEOUT_S", "GENESIS_HASH", "HASH_DOMAIN",
    "DECISION_FIELDS", "COLLECTION_FIELDS", "SCHEMA_VERSION", "Interner",
    "resolve_path", "canonical", "row_hash", "connect", "sqlite_errors", "busy_retry",
    "DECISION", "COLLECTION", "append", "decision_hash", "decision_ref", "head", "INSERT_CHUNK_ROWS",
]

# Bound on waiting for another writer (thread or process) to release the write lock.
BUSY_TIMEOUT_S = 10.0
_BACKOFF_FIRST_S = 20e-6
_BACKOFF_MAX_S = 5e-3
CACHE_KIB = 16384
_SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (and their extended forms)


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """`path`, else $SCRAPEGATE_LEDGER, else ./.scrapegate/ledger.db."""
    return Path(ledger_location(path)).expanduser()


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _SQLITE_BUSY_CODES
    return "locked" in str(exc) or "busy" in str(exc)


def _ledger_error(path: Path, doing: str, exc: BaseException) -> BaseException:
    """The LedgerError for `exc` (naming the file and the cause), or `exc` itself if it is
    not an error of the ledger's file or database."""
    if isinstance(exc, LedgerError):
        if str(exc).startswith(f"ledger {path}"):
            return exc
        return LedgerError(f"ledger {path}: {doing} failed: {exc}")
    if isinstance(exc, sqlite3.DatabaseError):
        hint = ""
        if "not a database" in str(exc) or "malformed" in str(exc):
            hint = " (the file is corrupt or not a scrapegate ledger)"
        return LedgerError(f"ledger {path}: {doing} failed: {exc}{hint}")
    if isinstance(exc, OSError):
        return LedgerError(f"ledger {path}: {doing} failed: {exc.strerror or exc}")
    return exc


@contextmanager
def sqlite_errors(path: Path, doing: str) -> Iterator[None]:
    """The one place sqlite3 errors become LedgerError, naming the file and the cause."""
    try:
        yield
    except (LedgerError, sqlite3.DatabaseError, OSError) as exc:
        mapped = _ledger_error(path, doing, exc)
        if mapped is exc:
            raise
        raise mapped from exc


class _Busy(Exception):
    """Internal: the transaction was rolled back because another writer held the lock."""


def busy_retry(path: Path, doing: str, fn: Any, *args: Any) -> Any:
    """Run `fn(*args)` (one whole transaction), retrying while another writer holds the
    lock, with a short jittered backoff, for at most BUSY_TIMEOUT_S."""
    deadline = 0.0
    delay = _BACKOFF_FIRST_S
    while True:
        try:
            return fn(*args)
        except (_Busy, sqlite3.OperationalError) as exc:
            if not isinstance(exc, _Busy) and not _is_busy(exc):
                raise _ledger_error(path, doing, exc) from exc
            busy = exc
        except (LedgerError, sqlite3.DatabaseError, OSError) as exc:
            mapped = _ledger_error(path, doing, exc)
            if mapped is exc:
                raise
            raise mapped from exc
        now = time.monotonic()
        if not deadline:  # the clock is read only once there is contention
            deadline = now + BUSY_TIMEOUT_S
        elif now >= deadline:
            raise LedgerError(
                f"ledger {path}: {doing} failed: the database stayed locked by another writer "
                f"for {BUSY_TIMEOUT_S:g} s ({busy})"
            ) from busy
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, _BACKOFF_MAX_S)


def _transaction(conn: sqlite3.Connection, body: Any, *args: Any) -> Any:
    """BEGIN IMMEDIATE (take the write lock first, so the chain head cannot move under us),
    run `body`, COMMIT; roll back on any error. A busy error becomes _Busy for the retry."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            raise _Busy(str(exc)) from exc
        raise
    try:
        result = body(conn, *args)
        conn.execute("COMMIT")
        return result
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            raise _Busy(str(exc)) from exc
        raise


def connect(path: Path, *, readonly: bool = False, durable: bool = False) -> sqlite3.Connection:
    """Open the ledger. A writer creates the file and schema if needed; a reader requires a
    scrapegate ledger and never creates or alters anything."""
    if readonly:
        if not path.is_file():
            raise LedgerError(f"ledger {path}: no such file (give --ledger PATH or set {LEDGER_ENV})")
        with sqlite_errors(path, "opening"):
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                                   isolation_level=None, check_same_thread=False)
        _check_format(conn, path)
        return conn
    with sqlite_errors(path, "creating the directory of"):
        path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite_errors(path, "opening"):
        # timeout=0: busy waits go through busy_retry's short backoff, not SQLite's 1 ms+ sleeps.
        conn = sqlite3.connect(str(path), timeout=0, isolation_level=None, check_same_thread=False)
    try:
        busy_retry(path, "setting WAL mode on", _set_wal, conn)
        with sqlite_errors(path, "configuring"):
            conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            # Random decision ids land on random index pages: keep the index in memory.
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        busy_retry(path, "creating the schema of", _transaction, conn, _create_schema)
    except BaseException:
        conn.close()
        raise
    _check_format(conn, path)
    return conn


def _set_wal(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"cannot switch to WAL journal mode (got {mode!r})")


def _create_schema(conn: sqlite3.Connection) -> None:
    create_or_migrate(conn)


def _check_format(conn: sqlite3.Connection, path: Path) -> None:
    with sqlite_errors(path, "reading"):
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                conn.close()
                raise LedgerError(f"ledger {path}: not a scrapegate ledger (no meta table)") from exc
            raise
    try:
        check_meta(meta, str(path))
    except LedgerError:
        conn.close()
        raise


DECISION = "decision"
COLLECTION = "collection"

# -- appending compact rows (schema 2) -------------------------------------------------

_WIDTH = 6  # seq, id, time, context, path, hash
# A batch's decisions go in by multi-row INSERTs of power-of-two sizes up to this: one
# statement step (the GIL released and re-taken once) instead of one per row, few distinct
# statements to prepare and cache, and within SQLite's bound on parameters per statement.
INSERT_CHUNK_ROWS = 512
_CHAIN = {DECISION: "decisions", COLLECTION: "collections"}
_HEADS = {"decisions": "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1",
          "collections": "SELECT seq, hash FROM heads WHERE chain = 'collections'"}
_BY_ID = "SELECT seq, hash, time FROM decisions WHERE substr(id, -6) = ? AND id = ?"


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
    return (row[0], bytes(row[1]).hex()) if row else (0, GENESIS_HASH)


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
    row_json, sha256 = _decision_json, _sha256
    seq, prev = -1, GENESIS_HASH
    for kind, values in items:
        if kind == DECISION:
            if seq < 0:
                seq, prev = heads.get(DECISION) or head(conn, "decisions")
            seq += 1
            prev = sha256(row_json(seq, prev, values).encode("utf-8")).hexdigest()
            row = compact_decision(conn, interner, base, seq, values, prev)
            run += row
            batch[values[0]] = (seq, prev, row[2])
            continue
        if seq >= 0:
            heads[DECISION] = (seq, prev)
            seq = -1
        _insert_decisions(conn, run)
        run = []
        ref = batch.get(values[0]) or decision_ref(conn, values[0])
        if ref is None:
            raise LedgerError(f"no decision {values[0]!r} to mark collected")
        cseq, cprev = heads.get(COLLECTION) or head(conn, "collections")
        cseq += 1
        digest = row_hash("collections", cseq, cprev, [*values, ref[1]])
        conn.execute("INSERT INTO collections VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (cseq, ref[0], encoding.encode_time(values[1], base) - ref[2], values[2], values[3],
                      encoding.encode_hash(values[4]), encoding.encode_hash(digest)[:CHECK_BYTES]))
        heads[COLLECTION] = (cseq, digest)
    _insert_decisions(conn, run)
    if seq >= 0:
        heads[DECISION] = (seq, prev)
    if COLLECTION in heads:
        conn.execute("INSERT OR REPLACE INTO heads VALUES ('collections', ?, ?)",
                     (heads[COLLECTION][0], encoding.encode_hash(heads[COLLECTION][1])))
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
    if len(run) == _WIDTH:  # the sync writer's one row: the check and the insert in one statement
        if conn.execute(_INSERT_ONE, (*run, run[1][-6:], run[1])).rowcount != 1:
            _refuse_duplicates(conn, run)  # names the id
        return
    _refuse_duplicates(conn, run)
    total, start, rows = len(run) // _WIDTH, 0, _chunk_rows(conn)
    while start < total:
        while rows > total - start:
            rows //= 2
        conn.execute(_insert_sql(rows), run[start * _WIDTH:(start + rows) * _WIDTH])
        start += rows


_INSERT_ONE = ("INSERT INTO decisions SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
               "(SELECT 1 FROM decisions WHERE substr(id, -6) = ? AND id = ?)")


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
        heads: dict[str, tuple[int, str]] = busy_retry(path, "recording in", _transaction, conn,
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
    with sqlite_errors(path, "reading"):
        ref = decision_ref(conn, decision_id)
    return ref[1] if ref else None
