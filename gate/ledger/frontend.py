"""What the SQLite and PostgreSQL ledgers share above their stores: the writer settings,
rendering a decision's row, the ids recorded here, flushing and closing, and closing every
open ledger at exit / re-opening after fork(). A backend defines `_append_decision`,
`_commit_rows` (the default writer's transaction, group-committed by gate.ledger.group),
`_after_fork` and `_new_batcher`, and holds its connection in `_conn`."""

from __future__ import annotations

import atexit
import os
import sys
import threading
import uuid
import weakref
from abc import ABC, abstractmethod
from typing import Any, Mapping

from gate.errors import LedgerError
from gate.ledger.group import GroupCommit, Ticket
from gate.ledger.rows import decision_values, row_values
from gate.ledger.sqlite.writer import WriterProcess
from gate.model.decision import Decision

__all__ = ["LedgerFrontEnd", "WRITERS", "DEFAULT_WRITER", "WRITER_ENV", "BATCH_MAX_ROWS", "BATCH_MAX_DELAY_S"]

WRITERS = ("sync", "batched")
DEFAULT_WRITER = "sync"
WRITER_ENV = "SCRAPEGATE_LEDGER_WRITER"  # lets Gate(ledger=True) users pick the batched writer
BATCH_MAX_ROWS = 512
BATCH_MAX_DELAY_S = 0.05
RECENT_IDS_MAX = 65536

_OPEN: "weakref.WeakSet[LedgerFrontEnd]" = weakref.WeakSet()


class LedgerFrontEnd(ABC):
    """The recording side both backends share (see the module's docstring)."""

    path: Any  # what messages name: a file path, or a URL with its password hidden
    _conn: Any
    _checkpointer: Any
    _batcher: WriterProcess | None

    def _init_writer(self, writer: str | None, durable: bool, batch_max_rows: int, batch_max_delay_s: float) -> None:
        writer = writer or os.environ.get(WRITER_ENV) or DEFAULT_WRITER
        if writer not in WRITERS:
            raise ValueError(f"writer must be one of {', '.join(WRITERS)}, not {writer!r}")
        self.writer = writer
        self.durable = durable
        self._batch = (max(1, batch_max_rows), max(0.0, batch_max_delay_s))
        self._lock = threading.Lock()
        self._recent: set[str] = set()  # ids recorded lately (and _older), see _unique_id
        self._older: set[str] = set()
        self._closed = False
        self._pid = os.getpid()
        # The default writer: acknowledged once committed, concurrent rows share a commit.
        self.group = GroupCommit(self._commit_rows)

    def _opened(self) -> None:
        """Start the batched writer if asked for, and join the ledgers closed at exit."""
        self._batcher = self._new_batcher() if self.writer == "batched" else None
        _OPEN.add(self)

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, decision: Decision, policy_input: Mapping[str, Any], *, mode: str, job: str,
               owner: str | None, signal_docs: Mapping[str, str | None] | None = None) -> str:
        """Record one decision; return its id (a fresh one if this Decision object's id was
        already recorded here). Raises LedgerError naming the ledger and the cause."""
        try:
            values = decision_values(decision, policy_input, mode, job, owner, signal_docs)
        except LedgerError as exc:
            raise LedgerError(f"ledger {self.path}: cannot record decision {decision.decision_id}: {exc}") from exc
        return self._append_decision(values)

    def record_parts(self, parts: tuple[Any, ...], decision: Decision, method: str, site: str, mode: str,
                     signal_docs: Mapping[str, str | None] | None = None) -> str:
        """`record` for a decision derived from one whose `gate.ledger.rows.row_parts` the
        caller keeps (the Gate's cached decisions): the same row, rendered without the input."""
        try:
            values = row_values(parts, decision.decision_id, decision.evaluated_at, method, decision.url or "", site,
                                mode, signal_docs)
        except LedgerError as exc:
            raise LedgerError(f"ledger {self.path}: cannot record decision {decision.decision_id}: {exc}") from exc
        return self._append_decision(values)

    def flush(self) -> None:
        """Wait until everything recorded so far is committed (the sync writer: rows queued
        inside gate.ledger.group.deferred()); raises LedgerError if the batched writer failed."""
        if self._batcher is not None:
            self._batcher.flush()
        elif self.group.pending() and self._pid == os.getpid():
            self.group.commit_open()

    def _record_row(self, kind: str, values: list[Any]) -> Ticket:
        """The sync writer: queue the row (a decision gets its unique id here), wait for the
        group's commit unless deferred. Raises LedgerError if it was not committed."""
        return self.group.record(kind, values, self._assign_id if kind == "decision" else self._check_not_closed)

    def _assign_id(self, values: list[Any]) -> None:
        self._check_not_closed(values)
        values[0] = self._unique_id(values[0])

    def _check_not_closed(self, values: list[Any]) -> None:
        if self._closed:
            raise LedgerError(f"ledger {self.path}: the ledger is closed")

    def close(self) -> None:
        """Commit what is queued and close. Raises LedgerError if queued decisions were lost."""
        if self._closed:
            return
        failure = None
        if self._batcher is not None and self._pid == os.getpid():
            failure = self._batcher.stop()
        elif self._pid == os.getpid():
            self.group.commit_open()  # rows queued by a deferred() caller; their tickets say how it went
        with self._lock:
            self._closed = True
            if self._checkpointer is not None and self._batcher is None and self._pid == os.getpid():
                try:
                    self._checkpointer.write()
                except LedgerError as exc:
                    failure = failure or exc
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
        _OPEN.discard(self)
        if failure is not None:
            raise failure

    def _unique_id(self, decision_id: str) -> str:
        recent = self._recent
        if self._recorded_here(decision_id):
            decision_id = str(uuid.uuid4())
        recent.add(decision_id)
        if len(recent) >= RECENT_IDS_MAX // 2:  # two generations: O(1), at least MAX/2 remembered
            self._older, self._recent = recent, set()
        return decision_id

    def _recorded_here(self, decision_id: str) -> bool:
        return decision_id in self._recent or decision_id in self._older

    @abstractmethod
    def _append_decision(self, values: list[Any]) -> str:
        """Chain and store one decision row (or queue it for the batched writer); its id."""

    @abstractmethod
    def _commit_rows(self, items: list[tuple[str, list[Any]]]) -> None:
        """The sync writer's transaction: chain and store `items` in order, or raise."""

    @abstractmethod
    def _after_fork(self) -> None:
        """In a forked child: drop the parent's connection and writer, open afresh later."""

    @abstractmethod
    def _new_batcher(self) -> WriterProcess:
        """The batched writer's child process for this ledger."""


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
