"""The decision ledger: a durable, tamper-evident record of every decision and of what was
collected, in SQLite (WAL).

    with SQLiteLedger() as ledger:                # $SCRAPEGATE_LEDGER or ./.scrapegate/ledger.db
        decision_id = ledger.record(decision, policy_input, mode="enforce", job="face-index",
                                    owner="data-team@example.com", signal_docs={"robots": sha})
        ...fetch...
        ledger.record_collected(decision_id, status=200, nbytes=len(body), sha256=digest)

Two writers:

The writer is chosen by `writer=`, else $SCRAPEGATE_LEDGER_WRITER, else "sync":

- ``writer="sync"``: `record` returns only after the row is committed. A process
  killed at any moment leaves every decision it was told about in the ledger. Rows recorded
  at the same time (threads) share one commit (group commit, gate.ledger.group); an event
  loop may record inside `gate.ledger.group.deferred()` and commit once per turn, before it
  acts on the decisions (`flush()`).
- ``writer="batched"``: `record` queues the row and returns; a writer process
  (gate.ledger.sqlite.writer) commits queued rows in one transaction at most `batch_max_delay_s`
  later (or at `batch_max_rows`). Rows still in this process's buffer (at most half the delay
  old) are lost if the process is killed; the writer commits whatever reached it. `flush()`
  waits for everything. It fails closed: once a batch cannot be written, every later
  `record` raises LedgerError.

Use the batched writer for high-throughput crawls (``open_ledger(writer="batched")``, or
``SCRAPEGATE_LEDGER_WRITER=batched`` for a Gate or an adapter that opens the ledger itself): the
caller only renders the row and appends it to a buffer, and the writer process chains and
inserts a whole batch per transaction on another core, outside this process's GIL. The sync
writer pays a transaction per decision (see benchmarks/run.py, b). "sync" stays the default
because nothing it acknowledged can be lost.

`record_collected` follows the same writer: the collection row is committed with (or after)
its decision, never before. With the batched writer, call `flush()` where a caller must know
that everything so far is on disk.

Threads share one connection behind a lock (one SQLite writer at a time anyway, and it avoids
busy waits between threads); processes coordinate through SQLite's write lock (BEGIN IMMEDIATE)
with a bounded retry, see gate.ledger.sqlite.store.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any, Mapping

from gate.errors import LedgerError
from gate.ledger.checkpoints import checkpointer_for
from gate.ledger.frontend import (
    BATCH_MAX_DELAY_S,
    BATCH_MAX_ROWS,
    DEFAULT_WRITER,
    WRITER_ENV,
    WRITERS,
    LedgerFrontEnd,
)
from gate.ledger.group import CommittedError, GroupCommit
from gate.ledger.rows import jurisdictions_of, mask_url, utc_time
from gate.ledger.sqlite import quarantine as quarantine_rows
from gate.ledger.sqlite import store
from gate.ledger.sqlite.store import DEFAULT_LEDGER_PATH, LEDGER_ENV, resolve_path
from gate.ledger.sqlite.writer import WriterProcess

__all__ = [
    "SQLiteLedger", "WRITERS", "DEFAULT_WRITER", "WRITER_ENV", "mask_url", "jurisdictions_of", "utc_time",
    "LEDGER_ENV", "DEFAULT_LEDGER_PATH", "resolve_path",
    "BATCH_MAX_ROWS", "BATCH_MAX_DELAY_S",
]

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_ABANDONED: list[Any] = []  # connections inherited over fork(): never closed in the child


class SQLiteLedger(LedgerFrontEnd):
    """The SQLite decision ledger at `path` (None: $SCRAPEGATE_LEDGER or ./.scrapegate/ledger.db);
    implements gate.ledger.Ledger. Re-check its chains with gate.ledger.sqlite.query.verify."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, writer: str | None = None,
                 durable: bool = False, batch_max_rows: int = BATCH_MAX_ROWS,
                 batch_max_delay_s: float = BATCH_MAX_DELAY_S) -> None:
        self._init_writer(writer, durable, batch_max_rows, batch_max_delay_s)
        self.path: Path = resolve_path(path)
        # Signed checkpoints of the chain heads (gate.ledger.checkpoints) once a key is configured;
        # the batched writer's process keeps its own.
        self._checkpointer = checkpointer_for(str(self.path))
        self._conn: sqlite3.Connection | None = store.connect(self.path, durable=durable)
        self._opened()

    def __enter__(self) -> "SQLiteLedger":
        return self

    def __repr__(self) -> str:
        return f"SQLiteLedger({str(self.path)!r}, writer={self.writer!r})"

    def _append_decision(self, values: list[Any]) -> str:
        if self._batcher is not None:
            return self._batcher.put(store.DECISION, values)
        self._record_row(store.DECISION, values)
        decision_id: str = values[0]
        return decision_id

    def _commit_rows(self, items: list[tuple[str, list[Any]]]) -> None:
        with self._lock:
            heads = store.append(self._check_open(), self.path, items)
            if self._checkpointer is not None:
                try:
                    self._checkpointer.maybe_write(heads)
                except LedgerError as exc:
                    raise CommittedError(str(exc)) from exc

    def record_collected(self, decision_id: str, *, status: int, nbytes: int, sha256: str) -> None:
        """Mark a recorded decision collected: HTTP status, body size and the body's sha256."""
        if not isinstance(status, int) or not isinstance(nbytes, int) or nbytes < 0:
            raise LedgerError(f"ledger {self.path}: status and nbytes must be integers >= 0 "
                              f"(got {status!r}, {nbytes!r})")
        digest = str(sha256).lower()
        if _SHA256_HEX.fullmatch(digest) is None:
            raise LedgerError(f"ledger {self.path}: {sha256!r} is not a sha256 hex digest")
        values = [decision_id, utc_time(), status, nbytes, digest]
        if not self._recorded_here(decision_id):
            # Recorded by another process or an earlier run: it must be on disk already.
            with self._lock:
                if store.decision_hash(self._check_open(), self.path, decision_id) is None:
                    raise LedgerError(f"ledger {self.path}: no decision {decision_id!r} to mark collected")
        if self._batcher is not None:
            self._batcher.put(store.COLLECTION, values)
            return
        self._record_row(store.COLLECTION, values)

    # -- the quarantine (the response phase: gate.inspect.phase) -------------------------

    def quarantine(self, decision_id: str | None, *, job: str, site: str, url: str, reason: str,
                   category: str | None, evidence: Mapping[str, Any] | None, handed_over: bool) -> None:
        """Mark `url` quarantined (a `category` the job did not declare, with the evidence)
        or, without a category, fetched and discarded (`reason`: the deny codes)."""
        self.flush()  # its decision row first, whichever writer
        with self._lock:
            quarantine_rows.append_entry(
                self._check_open(), self.path, time=utc_time(), action="quarantined" if category else "discarded",
                decision_id=decision_id, job=job, site=site, url=url, reason=reason, category=category,
                evidence=None if evidence is None else dict(evidence), handed_over=handed_over, actor=None)

    def quarantined(self, *, job: str | None = None, site: str | None = None) -> list[dict[str, Any]]:
        """The entries not yet released, oldest first (see gate.ledger.sqlite.quarantine)."""
        with self._lock, store.sqlite_errors(self.path, "reading the quarantine of"):
            return quarantine_rows.entries(self._check_open(), job=job, site=site)

    def release(self, *, job: str, site: str, by: str, reason: str, through: int | None = None) -> int:
        """Close the open entries of (job, site) up to seq `through` (all when None): the data
        was deleted, or a waiver or a corrected manifest cleared the site. Returns how many
        entries it closed; one quarantined meanwhile (another process) stays open."""
        if not by.strip() or not reason.strip():
            raise LedgerError(f"ledger {self.path}: a release names who releases (by) and why (reason)")
        with self._lock:
            return quarantine_rows.release(self._check_open(), self.path, time=utc_time(), job=job, site=site,
                                           by=by, reason=reason, through=through)

    # -- internals ---------------------------------------------------------------------

    def _check_open(self) -> sqlite3.Connection:
        if self._closed:
            raise LedgerError(f"ledger {self.path}: the ledger is closed")
        if self._conn is None:
            self._conn = store.connect(self.path, durable=self.durable)
        return self._conn

    def _after_fork(self) -> None:
        """In a forked child: never touch the parent's connection or queue (SQLite forbids
        carrying a connection over fork); open afresh on the next write."""
        _ABANDONED.append(self._conn)
        self._conn = None
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.group = GroupCommit(self._commit_rows)  # the parent's queue and locks are the parent's
        if self._batcher is not None:
            self._batcher.abandon_after_fork()
            self._batcher = self._new_batcher()

    def _new_batcher(self) -> WriterProcess:
        return WriterProcess(self.path, durable=self.durable, max_rows=self._batch[0], max_delay_s=self._batch[1],
                             unique_id=self._unique_id)

