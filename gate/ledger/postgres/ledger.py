"""The PostgreSQL decision ledger: one record for many writers on many machines.

    ledger = open_ledger("postgresql://scrapegate@db.internal/crawl")   # or SCRAPEGATE_LEDGER=postgresql://...
    decision_id = ledger.record(decision, policy_input, mode="enforce", job="prices", owner=None)
    ledger.record_collected(decision_id, status=200, nbytes=512, sha256=digest)

The same two writers as the SQLite ledger (`writer=`, else $SCRAPEGATE_LEDGER_WRITER, else
"sync"): "sync" returns from `record` after the row's transaction committed; "batched" hands
rows to a writer process (gate.ledger.sqlite.writer, which drives this backend's store) that
commits them in batches. Rows are chained as gate.ledger.postgres.store describes: one chain,
serialised by the database. Connection or server failures raise LedgerError (the Gate denies);
the next call reconnects.
"""

from __future__ import annotations

import os
import re
import threading
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
from gate.ledger.postgres import quarantine as quarantine_rows
from gate.ledger.postgres import store
from gate.ledger.postgres.schema import pg_errors, redact
from gate.ledger.rows import utc_time
from gate.ledger.sqlite.writer import WriterProcess

__all__ = ["PostgresLedger", "WRITERS", "DEFAULT_WRITER", "WRITER_ENV"]

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_ABANDONED: list[Any] = []  # connections inherited over fork(): never closed in the child (that ends the parent's)


class PostgresLedger(LedgerFrontEnd):
    """The ledger in the PostgreSQL database at `url`; implements gate.ledger.Ledger. Re-check
    its chains with gate.ledger.postgres.query.verify (or `scrapegate ledger verify`)."""

    def __init__(self, url: str, *, writer: str | None = None, durable: bool = True,
                 batch_max_rows: int = BATCH_MAX_ROWS, batch_max_delay_s: float = BATCH_MAX_DELAY_S) -> None:
        self._init_writer(writer, durable, batch_max_rows, batch_max_delay_s)
        self.url = url
        self.path = redact(url)  # what messages and reports name (the password hidden)
        self._checkpointer = checkpointer_for(url)  # signed heads, once a key is configured
        self._conn: Any = store.connect(url)  # creates or migrates the schema, or refuses a newer one
        self._opened()

    def __enter__(self) -> "PostgresLedger":
        return self

    def __repr__(self) -> str:
        return f"PostgresLedger({self.path!r}, writer={self.writer!r})"

    def record_collected(self, decision_id: str, *, status: int, nbytes: int, sha256: str) -> None:
        """Mark a recorded decision collected: HTTP status, body size and the body's sha256."""
        if not isinstance(status, int) or not isinstance(nbytes, int) or nbytes < 0:
            raise LedgerError(f"ledger {self.path}: status and nbytes must be integers >= 0 "
                              f"(got {status!r}, {nbytes!r})")
        digest = str(sha256).lower()
        if _SHA256_HEX.fullmatch(digest) is None:
            raise LedgerError(f"ledger {self.path}: {sha256!r} is not a sha256 hex digest")
        values: list[Any] = [decision_id, utc_time(), status, nbytes, digest]
        if not self._recorded_here(decision_id):  # another node's or an earlier run's: committed already
            with self._lock:
                if store.decision_hash(self._connection(), self.url, decision_id) is None:
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
                self._connection(), self.url, time=utc_time(), action="quarantined" if category else "discarded",
                decision_id=decision_id, job=job, site=site, page=url, reason=reason, category=category,
                evidence=None if evidence is None else dict(evidence), handed_over=handed_over, actor=None)

    def quarantined(self, *, job: str | None = None, site: str | None = None) -> list[dict[str, Any]]:
        """The entries not yet released, oldest first."""
        with self._lock, pg_errors(self.url, "reading the quarantine of"):
            return quarantine_rows.entries(self._connection(), job=job, site=site)

    def release(self, *, job: str, site: str, by: str, reason: str, through: int | None = None) -> int:
        """Close the open entries of (job, site) up to seq `through` (all when None); returns
        how many it closed. One another node quarantines meanwhile stays open."""
        if not by.strip() or not reason.strip():
            raise LedgerError(f"ledger {self.path}: a release names who releases (by) and why (reason)")
        with self._lock:
            return quarantine_rows.release(self._connection(), self.url, time=utc_time(), job=job, site=site, by=by,
                                           reason=reason, through=through)

    # -- internals ---------------------------------------------------------------------

    def _append_decision(self, values: list[Any]) -> str:
        if self._batcher is not None:
            return self._batcher.put(store.DECISION, values)
        self._record_row(store.DECISION, values)
        decision_id: str = values[0]
        return decision_id

    def _commit_rows(self, items: list[tuple[str, list[Any]]]) -> None:
        with self._lock:
            conn = self._connection()
            attempted: dict[str, tuple[int, str]] = {}
            try:
                heads = store.append(conn, self.url, items, attempted=attempted)
            except LedgerError as exc:
                if not (conn.closed or conn.broken):
                    raise
                self._drop_connection()  # the server went away: reconnect on the next call
                if not attempted:  # gone before the COMMIT: nothing of it is in
                    raise
                # Gone at the COMMIT, the rows may be in: telling the caller they were not
                # denied a recorded decision, and a retry appended its rows twice.
                landed = self._landed(attempted)
                if landed is None:
                    raise CommittedError(f"{exc} (the rows may be in the ledger: not written again)") from exc
                if not landed:
                    raise
                heads = attempted
            if self._checkpointer is not None:
                try:
                    self._checkpointer.maybe_write(heads)
                except LedgerError as exc:
                    raise CommittedError(str(exc)) from exc

    def _landed(self, heads: dict[str, tuple[int, str]]) -> bool | None:
        """Whether a commit whose answer was lost is in the ledger; None when that cannot be told."""
        try:
            return store.landed(self._connection(), self.url, heads)
        except LedgerError:
            self._drop_connection()  # a broken connection may fail to close: CommittedError must still come
            return None

    def _connection(self) -> Any:
        if self._closed:
            raise LedgerError(f"ledger {self.path}: the ledger is closed")
        if self._conn is None:
            self._conn = store.connect(self.url)
        return self._conn

    def _drop_connection(self) -> None:
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone either way
            pass
        self._conn = None

    def _after_fork(self) -> None:
        """In a forked child: the parent's connection and writer are the parent's."""
        _ABANDONED.append(self._conn)
        self._conn = None
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.group = GroupCommit(self._commit_rows)  # the parent's queue and locks are the parent's
        if self._batcher is not None:
            self._batcher.abandon_after_fork()
            self._batcher = self._new_batcher()

    def _new_batcher(self) -> WriterProcess:
        return WriterProcess(self.url, durable=self.durable, max_rows=self._batch[0], max_delay_s=self._batch[1],
                             unique_id=self._unique_id, label=self.path)

