"""The decision ledger: a durable, tamper-evident record of every decision and of what was
collected, in SQLite (WAL).

    with Ledger() as ledger:                      # $SCRAPEGATE_LEDGER or ./.scrapegate/ledger.db
        decision_id = ledger.record(decision, policy_input, mode="enforce", job="face-index",
                                    owner="data-team@example.com", signal_docs={"robots": sha})
        ...fetch...
        ledger.record_collected(decision_id, status=200, nbytes=len(body), sha256=digest)

Two writers:

The writer is chosen by `writer=`, else $SCRAPEGATE_LEDGER_WRITER, else "sync":

- ``writer="sync"``: `record` returns only after the row is committed. A process
  killed at any moment leaves every decision it was told about in the ledger.
- ``writer="batched"``: `record` queues the row and returns; a writer thread commits queued rows
  in one transaction at most `batch_max_delay_s` later (or at `batch_max_rows`). Rows queued but
  not yet committed are lost if the process is killed (`flush()` waits for them). It fails
  closed: once a batch cannot be written, every later `record` raises LedgerError.

Use the batched writer for high-throughput crawls (``Ledger(writer="batched")``, or
``SCRAPEGATE_LEDGER_WRITER=batched`` for a Gate or an adapter that opens the ledger itself): the
caller only renders the row and queues it, and the writer thread chains and inserts a whole batch
per transaction. The sync writer pays a transaction per decision (see benchmarks/run.py, b).
"sync" stays the default because nothing it acknowledged can be lost.

`record_collected` follows the same writer: the collection row is committed with (or after)
its decision, never before. With the batched writer, call `flush()` where a caller must know
that everything so far is on disk.

Threads share one connection behind a lock (one SQLite writer at a time anyway, and it avoids
busy waits between threads); processes coordinate through SQLite's write lock (BEGIN IMMEDIATE)
with a bounded retry, see gate.ledger_store.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, Mapping

from gate import ledger_store as store
from gate.errors import LedgerError
from gate.ledger_rows import decision_values, jurisdictions_of, mask_url, utc_time
from gate.ledger_store import DEFAULT_LEDGER_PATH, LEDGER_ENV, resolve_path
from gate.models import Decision

__all__ = [
    "Ledger", "WRITERS", "DEFAULT_WRITER", "WRITER_ENV", "mask_url", "jurisdictions_of", "utc_time",
    "LEDGER_ENV", "DEFAULT_LEDGER_PATH", "resolve_path",
    "BATCH_MAX_ROWS", "BATCH_MAX_DELAY_S",
]

WRITERS = ("sync", "batched")
DEFAULT_WRITER = "sync"
WRITER_ENV = "SCRAPEGATE_LEDGER_WRITER"  # lets Gate(ledger=True) users pick the batched writer
BATCH_MAX_ROWS = 512
BATCH_MAX_DELAY_S = 0.05
# Decision ids this instance has recorded, to give a reused Decision (a cache hit) a fresh id.
RECENT_IDS_MAX = 65536
_OPEN: "weakref.WeakSet[Ledger]" = weakref.WeakSet()
_ABANDONED: list[Any] = []  # connections inherited over fork(): never closed in the child


class Ledger:
    """The decision ledger at `path` (None: $SCRAPEGATE_LEDGER or ./.scrapegate/ledger.db)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, writer: str | None = None,
                 durable: bool = False, batch_max_rows: int = BATCH_MAX_ROWS,
                 batch_max_delay_s: float = BATCH_MAX_DELAY_S) -> None:
        writer = writer or os.environ.get(WRITER_ENV) or DEFAULT_WRITER
        if writer not in WRITERS:
            raise ValueError(f"writer must be one of {', '.join(WRITERS)}, not {writer!r}")
        self.path: Path = resolve_path(path)
        self.writer = writer
        # durable=True: synchronous=FULL, an fsync per commit (survives power loss, not only
        # process death, which synchronous=NORMAL in WAL already survives).
        self.durable = durable
        self._batch = (max(1, batch_max_rows), max(0.0, batch_max_delay_s))
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._closed = False
        self._pid = os.getpid()
        self._conn = store.connect(self.path, durable=durable)
        self._batcher: _Batcher | None = _Batcher(self, *self._batch) if writer == "batched" else None
        _OPEN.add(self)

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r}, writer={self.writer!r})"

    def record(self, decision: Decision, policy_input: Mapping[str, Any], *, mode: str, job: str,
               owner: str | None, signal_docs: Mapping[str, str | None] | None = None) -> str:
        """Record one decision; return its id (a fresh one if this Decision object's id was
        already recorded here). Raises LedgerError naming the file and the cause."""
        try:
            values = decision_values(decision, policy_input, mode, job, owner, signal_docs)
        except LedgerError as exc:
            raise LedgerError(f"ledger {self.path}: cannot record decision {decision.decision_id}: {exc}") from exc
        if self._batcher is not None:
            return self._batcher.put(store.DECISION, values)
        with self._lock:
            self._check_open()
            values[0] = self._unique_id(values[0])
            store.append(self._conn, self.path, [(store.DECISION, values)])
        return values[0]

    def record_collected(self, decision_id: str, *, status: int, nbytes: int, sha256: str) -> None:
        """Mark a recorded decision collected: HTTP status, body size and the body's sha256."""
        if not isinstance(status, int) or not isinstance(nbytes, int) or nbytes < 0:
            raise LedgerError(f"ledger {self.path}: status and nbytes must be integers >= 0 "
                              f"(got {status!r}, {nbytes!r})")
        digest = str(sha256).lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise LedgerError(f"ledger {self.path}: {sha256!r} is not a sha256 hex digest")
        values = [decision_id, utc_time(), status, nbytes, digest]
        if decision_id not in self._recent:
            # Recorded by another process or an earlier run: it must be on disk already.
            with self._lock:
                self._check_open()
                if store.decision_hash(self._conn, self.path, decision_id) is None:
                    raise LedgerError(f"ledger {self.path}: no decision {decision_id!r} to mark collected")
        if self._batcher is not None:
            self._batcher.put(store.COLLECTION, values)
            return
        with self._lock:
            self._check_open()
            store.append(self._conn, self.path, [(store.COLLECTION, values)])

    def flush(self) -> None:
        """Wait until everything recorded so far is committed (no-op for the sync writer);
        raises LedgerError if the batched writer failed."""
        if self._batcher is not None:
            self._batcher.flush()

    def verify(self) -> Any:
        """Re-check both hash chains (see gate.ledger_query.verify)."""
        from gate.ledger_query import verify

        self.flush()
        return verify(self.path)

    def close(self) -> None:
        """Commit what is queued and close. Raises LedgerError if queued decisions were lost."""
        if self._closed:
            return
        failure = None
        if self._batcher is not None and self._pid == os.getpid():
            failure = self._batcher.stop()
        with self._lock:
            self._closed = True
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
        _OPEN.discard(self)
        if failure is not None:
            raise failure

    # -- internals ---------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise LedgerError(f"ledger {self.path}: the ledger is closed")
        if self._conn is None:
            self._conn = store.connect(self.path, durable=self.durable)

    def _unique_id(self, decision_id: str) -> str:
        recent = self._recent
        if decision_id in recent:
            decision_id = str(uuid.uuid4())
        recent[decision_id] = None
        if len(recent) > RECENT_IDS_MAX:
            recent.popitem(last=False)  # O(1); deleting a plain dict's first key is not
        return decision_id

    def _write_batch(self, items: list[tuple[str, list[Any]]]) -> None:
        with self._lock:
            self._check_open()
            store.append(self._conn, self.path, items)

    def _after_fork(self) -> None:
        """In a forked child: never touch the parent's connection or queue (SQLite forbids
        carrying a connection over fork); open afresh on the next write."""
        _ABANDONED.append(self._conn)
        self._conn = None
        self._lock = threading.Lock()
        self._pid = os.getpid()
        if self._batcher is not None:
            self._batcher = _Batcher(self, *self._batch)


class _Batcher:
    """The batched writer's queue and thread."""

    def __init__(self, ledger: Ledger, max_rows: int, max_delay_s: float) -> None:
        self._ledger = ledger  # strong: queued rows keep the ledger (and its connection) alive
        self._path = ledger.path
        self._max_rows = max_rows
        self._max_delay_s = max_delay_s
        self._cond = threading.Condition(threading.Lock())
        self._pending: list[tuple[str, list[Any]]] = []
        self._queued = 0
        self._committed = 0
        self._flush_to = 0
        self._stopping = False
        self._failure: LedgerError | None = None
        self._thread: threading.Thread | None = None  # started by the first put (also after fork)

    def put(self, kind: str, values: list[Any]) -> str:
        with self._cond:
            if self._failure is not None:
                raise self._failed()
            if self._stopping:
                raise LedgerError(f"ledger {self._path}: the ledger is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"scrapegate-ledger-writer:{self._path}")
                self._thread.start()
            if kind == store.DECISION:
                values[0] = self._ledger._unique_id(values[0])
            self._pending.append((kind, values))
            self._queued += 1
            if len(self._pending) == 1 or len(self._pending) >= self._max_rows:
                self._cond.notify_all()
            return values[0]

    def flush(self) -> None:
        with self._cond:
            self._flush_to = self._queued
            self._cond.notify_all()
            while self._committed < self._flush_to and self._failure is None:
                self._cond.wait()
            if self._failure is not None:
                raise self._failed()

    def stop(self) -> LedgerError | None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()
        return self._failed() if self._failure is not None else None

    def _failed(self) -> LedgerError:
        lost = self._queued - self._committed
        return LedgerError(f"ledger {self._path}: the batched writer failed, {lost} queued row(s) were not "
                           f"recorded and no more can be: {self._failure}")

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending:
                    return
                deadline = time.monotonic() + self._max_delay_s
                while (len(self._pending) < self._max_rows and not self._stopping
                       and self._flush_to <= self._committed):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                batch = self._pending[: self._max_rows]
                del self._pending[: len(batch)]
            try:
                self._ledger._write_batch(batch)
            except BaseException as exc:  # noqa: BLE001 - any failure must stop the ledger
                with self._cond:
                    self._failure = exc if isinstance(exc, LedgerError) else LedgerError(repr(exc))
                    self._pending.clear()
                    self._cond.notify_all()
                return
            with self._cond:
                self._committed += len(batch)
                self._cond.notify_all()


def _after_fork_in_child() -> None:
    for ledger in list(_OPEN):
        ledger._after_fork()


@atexit.register
def _close_all() -> None:
    for ledger in list(_OPEN):
        if ledger._pid != os.getpid():
            continue
        try:
            ledger.close()
        except LedgerError as exc:  # at exit there is no caller left to raise to
            print(f"scrapegate: {exc}", file=sys.stderr)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
