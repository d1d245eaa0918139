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

import hashlib
import json
import os
import random
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from gate.errors import LedgerError
from gate.ledger.location import DEFAULT_LEDGER_PATH, LEDGER_ENV, ledger_location
from gate.ledger.sqlite.schema import SCHEMA_VERSION

__all__ = [
    "LEDGER_ENV", "DEFAULT_LEDGER_PATH", "BUSY_TIMEOUT_S", "GENESIS_HASH", "HASH_DOMAIN",
    "DECISION_FIELDS", "COLLECTION_FIELDS", "SCHEMA_VERSION", "Interner",
    "resolve_path", "canonical", "row_hash", "connect", "sqlite_errors", "busy_retry",
    "DECISION", "COLLECTION", "append", "decision_hash",
]

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
    from gate.ledger.sqlite.schema import create_or_migrate

    create_or_migrate(conn)


def _check_format(conn: sqlite3.Connection, path: Path) -> None:
    from gate.ledger.sqlite.schema import check_meta

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

# The compact appends (gate.ledger.sqlite.append) import this module: bound last.
from gate.ledger.sqlite.append import Interner, append, decision_hash  # noqa: E402
