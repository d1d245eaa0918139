"""Group commit for the default ledger writer: a row is acknowledged only once committed, and
rows recorded at the same time share one commit.

    group = GroupCommit(commit_rows)          # commit_rows(items): one transaction, or raises
    ticket = group.add(kind, values)          # queued in the open group
    group.wait(ticket)                        # returns once that group is committed, or raises

Leader and followers: the first caller to wait takes the open group (every row queued so far)
and commits it in one transaction while later callers queue into the next group; when the
commit lock is free again, a waiter whose group was taken finds it committed and returns
without a transaction of its own. One thread recording alone pays one commit per row, as the
plain sync writer did; N threads recording at once pay about one commit per N rows.

An event loop that must not block (the Scrapy middleware) records inside `deferred()`: the
rows are queued, the callers get their tickets back, and the loop commits once per turn with
`commit_open()` before it lets the requests go (see adapters/scrapy.py).

A failed group commit is retried row by row, each in its own transaction, so one bad row
(a collection whose decision failed, say) fails only its own caller. Not when the rows were
or may have been committed (CommittedError: a checkpoint the node's disk refused after the
commit, a COMMIT whose answer was lost): retrying could record them twice; every caller of
the group is told instead.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from gate.errors import LedgerError

__all__ = ["GroupCommit", "Ticket", "deferred", "Deferred", "CommittedError"]

Item = tuple[str, list[Any]]


class CommittedError(LedgerError):
    """The rows were (or may have been: a COMMIT whose answer was lost) committed, then
    something failed (writing a checkpoint): their callers fail, but the rows must not be
    written again."""


class _Group:
    __slots__ = ("items", "done", "errors")

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.done = False
        self.errors: dict[int, BaseException] = {}  # index of a row -> why it was not committed


class Ticket:
    """One queued row: its group and its place there."""

    __slots__ = ("group", "index")

    def __init__(self, group: _Group, index: int) -> None:
        self.group = group
        self.index = index

    @property
    def committed(self) -> bool:
        return self.group.done and self.index not in self.group.errors

    def error(self) -> BaseException | None:
        """Why the row was not committed (None: committed, or not yet tried)."""
        return self.group.errors.get(self.index)


class Deferred:
    """The tickets of the rows recorded inside one `deferred()` block."""

    __slots__ = ("tickets",)

    def __init__(self) -> None:
        self.tickets: list[Ticket] = []


_DEFERRED: ContextVar[Deferred | None] = ContextVar("scrapegate_ledger_deferred", default=None)


@contextmanager
def deferred() -> Iterator[Deferred]:
    """Inside the block, the default writer queues rows without waiting for their commit;
    the caller must commit (`GroupCommit.commit_open`) and check the tickets before it
    treats a row as recorded."""
    holder = Deferred()
    token = _DEFERRED.set(holder)
    try:
        yield holder
    finally:
        _DEFERRED.reset(token)


class GroupCommit:
    """See the module's docstring. `commit_rows(items)` writes `items` in one transaction (in
    order) or raises, writing nothing."""

    def __init__(self, commit_rows: Callable[[list[Item]], None]) -> None:
        self._commit_rows = commit_rows
        self._queue_lock = threading.Lock()  # short: appending to the open group
        self._commit_lock = threading.Lock()  # one committer at a time
        self._open = _Group()

    def add(self, kind: str, values: list[Any], prepare: Callable[[list[Any]], None] | None = None) -> Ticket:
        """Queue a row in the open group; `prepare(values)` runs under the queue lock first
        (the caller's unique-id bookkeeping is serialised with the queue order)."""
        with self._queue_lock:
            if prepare is not None:
                prepare(values)
            group = self._open
            group.items.append((kind, values))
            return Ticket(group, len(group.items) - 1)

    def record(self, kind: str, values: list[Any], prepare: Callable[[list[Any]], None] | None = None) -> Ticket:
        """`add`, then wait for the commit unless inside `deferred()` (then the ticket is
        handed to the block's holder)."""
        ticket = self.add(kind, values, prepare)
        holder = _DEFERRED.get()
        if holder is not None:
            holder.tickets.append(ticket)
            return ticket
        self.wait(ticket)
        return ticket

    def wait(self, ticket: Ticket) -> None:
        """Return once the ticket's row is committed; raise what stopped it otherwise."""
        group = ticket.group
        if not group.done:
            with self._commit_lock:
                if not group.done:  # still the open group (a taken group is done before the lock is free)
                    self._commit_taken()
        error = group.errors.get(ticket.index)
        if error is not None:
            raise error

    def commit_open(self) -> None:
        """Commit whatever is queued now (an event loop's once-per-turn commit). Failures are
        left on the tickets."""
        with self._commit_lock:
            self._commit_taken()

    def pending(self) -> int:
        """Rows queued and not yet committed."""
        return len(self._open.items)

    def _commit_taken(self) -> None:
        with self._queue_lock:
            group, self._open = self._open, _Group()
        if not group.items:
            group.done = True
            return
        try:
            self._commit_rows(group.items)
        except CommittedError as exc:  # in the ledger already: no row-by-row retry
            group.errors.update(dict.fromkeys(range(len(group.items)), exc))
        except Exception as exc:  # recorded on the tickets, raised to their callers
            if len(group.items) == 1:
                group.errors[0] = exc
            else:  # row by row: only the rows that fail alone fail
                for index, item in enumerate(group.items):
                    try:
                        self._commit_rows([item])
                    except Exception as one:
                        group.errors[index] = one
        except BaseException as exc:  # interrupted: nothing of the group counts as committed
            group.errors.update(dict.fromkeys(range(len(group.items)), exc))
            raise
        finally:
            group.done = True
