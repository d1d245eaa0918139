"""The ledger's SQLite border: schema, connections, the hash chain and the bounded busy retry.

Two append-only tables, each its own hash chain:

- ``decisions``: one row per decision.
- ``collections``: one row per fetch an adapter reported for a decision; it carries the
  hash of the decision row it belongs to, so a collection cannot be moved to another
  decision, and an edited decision breaks both chains.

Each row's ``hash`` is the SHA-256 of a canonical serialisation (`canonical`) of the row's
stored values, its ``seq`` and ``prev_hash``: a JSON array, UTF-8, no whitespace, non-ASCII
unescaped, values in column order (text, integers and nulls only). Anything that can read
SQLite and JSON can re-check the chain without scrapegate.

Every sqlite3 error is mapped here, once, to a LedgerError that names the file and the cause.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from gate.errors import LedgerError
from gate.ledger.location import DEFAULT_LEDGER_PATH, LEDGER_ENV, ledger_location

__all__ = [
    "LEDGER_ENV", "DEFAULT_LEDGER_PATH", "BUSY_TIMEOUT_S", "GENESIS_HASH", "HASH_DOMAIN",
    "DECISION_FIELDS", "COLLECTION_FIELDS", "SCHEMA_VERSION",
    "resolve_path", "canonical", "row_hash", "connect", "sqlite_errors", "busy_retry",
    "DECISION", "COLLECTION", "append", "decision_hash",
]

SCHEMA_VERSION = "1"
LEDGER_FORMAT = "scrapegate-ledger"
HASH_DOMAIN = "scrapegate-ledger/1"
GENESIS_HASH = "0" * 64
# Bound on waiting for another writer (thread or process) to release the write lock.
BUSY_TIMEOUT_S = 10.0
_BACKOFF_FIRST_S = 20e-6
_BACKOFF_MAX_S = 5e-3
CACHE_KIB = 16384
_SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (and their extended forms)

# Stored fields between seq and prev_hash, in hash order. Lists and objects are JSON text.
DECISION_FIELDS = (
    "decision_id", "time", "job", "owner", "method", "url", "site", "allow", "mode",
    "deny_codes", "warn_codes", "waived_codes", "jurisdictions", "legal_basis",
    "policy_revision", "engine", "signals", "error",
)
COLLECTION_FIELDS = ("decision_id", "time", "status", "bytes", "content_sha256", "decision_hash")

# The response phase's quarantine (its rows: gate.ledger.sqlite.quarantine).
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY,
    decision_id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    job TEXT NOT NULL,
    owner TEXT,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    allow INTEGER NOT NULL,
    mode TEXT NOT NULL,
    deny_codes TEXT NOT NULL,
    warn_codes TEXT NOT NULL,
    waived_codes TEXT NOT NULL,
    jurisdictions TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    policy_revision TEXT,
    engine TEXT,
    signals TEXT NOT NULL,
    error TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collections (
    seq INTEGER PRIMARY KEY,
    decision_id TEXT NOT NULL,
    time TEXT NOT NULL,
    status INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    decision_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS collections_by_decision ON collections (decision_id);
""" + QUARANTINE_SCHEMA

_INSERT_COLLECTION = "INSERT INTO collections VALUES (" + ",".join("?" * (len(COLLECTION_FIELDS) + 3)) + ")"
_HEADS = {t: f"SELECT seq, hash FROM {t} ORDER BY seq DESC LIMIT 1" for t in ("decisions", "collections")}
# A batch's decisions go in by multi-row INSERTs of power-of-two sizes up to this: one
# statement step (the GIL released and re-taken once) instead of one per row, few distinct
# statements to prepare and cache, and within SQLite's bound on parameters per statement.
INSERT_CHUNK_ROWS = 512
_ROW_SQL = "(" + ",".join("?" * (len(DECISION_FIELDS) + 3)) + ")"
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_dumps = _JSON.encode
_encode_str = json.encoder.encode_basestring  # what _dumps escapes text with

# json's C encoder built once: what _dumps runs, without its per-call setup (CPython has it).
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_flat_json: Callable[[list[Any]], str]
if _c_make_encoder is not None:
    _markers: dict[int, Any] = {}
    _c_encode = _c_make_encoder(_markers, _JSON.default, _encode_str, None, ":", ",", False, False, True)

    def _flat_json(row: list[Any]) -> str:  # noqa: F811 - the C path of the declaration above
        try:
            return "".join(_c_encode(row, 0))
        except BaseException:
            _markers.clear()  # a failed encode leaves its containers marked as "being encoded"
            raise
else:  # pragma: no cover
    _flat_json = _dumps


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """`path`, else $SCRAPEGATE_LEDGER, else ./.scrapegate/ledger.db."""
    return Path(ledger_location(path)).expanduser()


def canonical(table: str, seq: int, prev_hash: str, values: Sequence[Any]) -> bytes:
    """The bytes a row's hash is taken over."""
    if table == "decisions":
        return _decision_json(seq, prev_hash, values).encode("utf-8")
    return _flat_json([HASH_DOMAIN, table, seq, prev_hash, *values]).encode("utf-8")


def row_hash(table: str, seq: int, prev_hash: str, values: Sequence[Any]) -> str:
    return _sha256(canonical(table, seq, prev_hash, values)).hexdigest()


_sha256 = hashlib.sha256
# A crawl's decision rows differ mostly in id, time and URL: the JSON of their other columns
# is cached by content, so a row's canonical form costs four escapes and one lookup.
SEGMENT_CACHE_SIZE = 4096
_SEGMENT_TYPES = frozenset({str, int, type(None)})  # no two of them compare equal across types
_DECISIONS_OPEN = _dumps([HASH_DOMAIN, "decisions"])[:-1] + ","
_segments: dict[tuple[Any, ...], tuple[str, str]] = {}
_N_DECISION = len(DECISION_FIELDS)


def _decision_json(seq: int, prev_hash: str, values: Sequence[Any]) -> str:
    """`_flat_json([HASH_DOMAIN, "decisions", seq, prev_hash, *values])`, the same text."""
    if len(values) == _N_DECISION and seq.__class__ is int:
        key = (*values[2:5], *values[6:])  # all but decision_id, time and url
        ident, when, url = values[0], values[1], values[5]
        if (ident.__class__ is str and when.__class__ is str and url.__class__ is str
                and prev_hash.__class__ is str and _SEGMENT_TYPES.issuperset(map(type, key))):
            segment = _segments.get(key)
            if segment is None:
                if len(_segments) >= SEGMENT_CACHE_SIZE:
                    _segments.clear()
                segment = _segments[key] = (_flat_json(list(key[:3]))[1:-1], _flat_json(list(key[3:]))[1:-1])
            return (f"{_DECISIONS_OPEN}{seq},{_encode_str(prev_hash)},{_encode_str(ident)},{_encode_str(when)},"
                    f"{segment[0]},{_encode_str(url)},{segment[1]}]")
    return _flat_json([HASH_DOMAIN, "decisions", seq, prev_hash, *values])


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
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "meta" not in tables:
        raise LedgerError("is an SQLite database but not a scrapegate ledger (no meta table)")
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?), ('schema', ?)", (LEDGER_FORMAT, SCHEMA_VERSION))


def _check_format(conn: sqlite3.Connection, path: Path) -> None:
    with sqlite_errors(path, "reading"):
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                conn.close()
                raise LedgerError(f"ledger {path}: not a scrapegate ledger (no meta table)") from exc
            raise
    if meta.get("format") != LEDGER_FORMAT:
        conn.close()
        raise LedgerError(f"ledger {path}: not a scrapegate ledger (format {meta.get('format')!r})")
    if meta.get("schema") != SCHEMA_VERSION:
        conn.close()
        raise LedgerError(
            f"ledger {path}: schema version {meta.get('schema')!r}, this scrapegate reads {SCHEMA_VERSION!r}"
        )


def _head(conn: sqlite3.Connection, table: str) -> tuple[int, str]:
    row = conn.execute(_HEADS[table]).fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


DECISION = "decision"
COLLECTION = "collection"
_CHAIN = {DECISION: "decisions", COLLECTION: "collections"}


def _append(conn: sqlite3.Connection, items: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, tuple[int, str]]:
    """Chain and insert `items` in order: runs of decisions with multi-row INSERTs, each
    collection bound to its decision's hash (a decision earlier in the same batch included).
    The heads are read once per transaction (under BEGIN IMMEDIATE: no other process can
    move them), then carried along the batch."""
    heads: dict[str, tuple[int, str]] = {}
    batch_hashes: dict[str, str] = {}
    run: list[Any] = []  # the run's rows, flattened, in column order
    row_json, sha256 = _decision_json, _sha256
    seq, prev = -1, GENESIS_HASH
    for kind, values in items:
        if kind == DECISION:
            if seq < 0:
                seq, prev = heads.get(DECISION) or _head(conn, "decisions")
            seq += 1
            prev_hash, prev = prev, sha256(row_json(seq, prev, values).encode("utf-8")).hexdigest()
            run += (seq, *values, prev_hash, prev)
            batch_hashes[values[0]] = prev
            continue
        if seq >= 0:
            heads[DECISION] = (seq, prev)
            seq = -1
        _insert_decisions(conn, run)
        run = []
        values = list(values)
        bound = batch_hashes.get(values[0])
        if bound is None:
            row = conn.execute("SELECT hash FROM decisions WHERE decision_id = ?", (values[0],)).fetchone()
            if row is None:
                raise LedgerError(f"no decision {values[0]!r} to mark collected")
            bound = row[0]
        values.append(bound)
        cseq, cprev = heads.get(COLLECTION) or _head(conn, "collections")
        cseq += 1
        digest = row_hash("collections", cseq, cprev, values)
        conn.execute(_INSERT_COLLECTION, (cseq, *values, cprev, digest))
        heads[COLLECTION] = (cseq, digest)
    _insert_decisions(conn, run)
    if seq >= 0:
        heads[DECISION] = (seq, prev)
    return {_CHAIN[kind]: head for kind, head in heads.items()}


_WIDTH = len(DECISION_FIELDS) + 3


def _variable_limit(conn: sqlite3.Connection) -> int:
    """SQLite's bound on parameters per statement: asked where Python can (3.11+), else the
    default of the SQLite library (32766 since 3.32, 999 before)."""
    getlimit = getattr(conn, "getlimit", None)
    if getlimit is not None:
        return int(getlimit(getattr(sqlite3, "SQLITE_LIMIT_VARIABLE_NUMBER", 9)))
    return 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


@lru_cache(maxsize=None)  # at most log2(INSERT_CHUNK_ROWS) + 1 sizes
def _insert_sql(rows: int) -> str:
    return "INSERT INTO decisions VALUES " + ",".join([_ROW_SQL] * rows)


def _chunk_rows(conn: sqlite3.Connection) -> int:
    limit = _variable_limit(conn) // _WIDTH
    rows = INSERT_CHUNK_ROWS
    while rows > 1 and rows > limit:
        rows //= 2
    return rows


def _insert_decisions(conn: sqlite3.Connection, run: list[Any]) -> None:
    """Insert flattened decision rows: chunks of the largest power of two that fits."""
    if not run:
        return
    total, start, rows = len(run) // _WIDTH, 0, _chunk_rows(conn)
    try:
        while start < total:
            while rows > total - start:
                rows //= 2
            conn.execute(_insert_sql(rows), run[start * _WIDTH:(start + rows) * _WIDTH])
            start += rows
    except sqlite3.IntegrityError as exc:
        if "decision_id" not in str(exc):
            raise
        raise LedgerError(f"decision id already recorded: {_duplicates(conn, run) or exc}") from exc


def _duplicates(conn: sqlite3.Connection, run: list[Any]) -> str:
    """The ids of `run` recorded before it (or twice in it), for the error message."""
    ids, first_seq = run[1::_WIDTH], run[0]
    seen: set[str] = set()
    dupes = [i for i in ids if i in seen or seen.add(i)]  # type: ignore[func-returns-value]
    for at in range(0, len(ids), 500):
        part = ids[at:at + 500]
        dupes += [i for (i,) in conn.execute(
            f"SELECT decision_id FROM decisions WHERE seq < ? AND decision_id IN ({','.join('?' * len(part))})",
            [first_seq, *part])]
    more = f" and {len(dupes) - 10} more" if len(dupes) > 10 else ""
    return ", ".join(dict.fromkeys(dupes[:10])) + more


def append(conn: sqlite3.Connection, path: Path,
           items: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, tuple[int, str]]:
    """Append decisions (DECISION_FIELDS values) and collections (COLLECTION_FIELDS values
    without decision_hash, which is looked up) in one transaction, in order. Returns the
    committed heads, (seq, hash) by chain name, of the chains it extended."""
    heads: dict[str, tuple[int, str]] = busy_retry(path, "recording in", _transaction, conn, _append, items)
    return heads


def decision_hash(conn: sqlite3.Connection, path: Path, decision_id: str) -> str | None:
    """The stored hash of a decision, or None if it is not in the ledger."""
    with sqlite_errors(path, "reading"):
        row = conn.execute("SELECT hash FROM decisions WHERE decision_id = ?", (decision_id,)).fetchone()
    return row[0] if row else None
