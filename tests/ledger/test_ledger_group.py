"""Group commit for the default writer (gate.ledger.group): a record is acknowledged only once
its row is committed, concurrent records share a commit, and a bad row fails only its caller.
Real threads, a real SQLite ledger read back through a second connection."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from gate.errors import LedgerError
from gate.ledger import open_ledger
from gate.ledger.group import GroupCommit, deferred
from gate.ledger.query import verify

from ledger_helpers import allowed, policy_input

THREADS = 8


def _committed_ids(path: Path) -> set[str]:
    """What another process would read: a separate read-only connection."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT decision_id FROM decisions_v")}
    finally:
        conn.close()


def test_each_record_is_committed_before_it_returns_and_threads_share_commits(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger: Any = open_ledger(str(path))
    assert ledger.writer == "sync"  # the default
    commits: list[int] = []
    real_commit = ledger._commit_rows

    def counted(items: list[Any]) -> None:  # the real transaction, counted, a little slower
        real_commit(items)
        commits.append(len(items))
        time.sleep(0.002)

    ledger.group._commit_rows = counted
    start = threading.Barrier(THREADS)
    unseen: list[str] = []

    def worker(t: int) -> None:
        start.wait()
        for i in range(25):
            decision_id = ledger.record(allowed(), policy_input(f"https://example.com/{t}/{i}"), mode="enforce",
                                        job="group", owner=None)
            if decision_id not in _committed_ids(path):  # acknowledged means committed
                unseen.append(decision_id)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ledger.close()
    assert not unseen
    assert sum(commits) == THREADS * 25
    assert len(commits) < THREADS * 25 * 0.8, f"no group commit: {len(commits)} commits"
    assert max(commits) > 1
    report = verify(str(path))
    assert report.ok, report.problems
    assert report.decisions == THREADS * 25


def test_a_row_that_fails_fails_only_its_own_caller() -> None:
    """A failed group commit is retried row by row: the good rows of the group are committed."""
    written: list[str] = []

    def commit_rows(items: list[tuple[str, list[Any]]]) -> None:  # one transaction: all or nothing
        if any(values[0] == "bad" for _, values in items):
            raise LedgerError("no decision 'bad' to mark collected")
        written.extend(values[0] for _, values in items)

    group = GroupCommit(commit_rows)
    with deferred() as held:
        for name in ("one", "bad", "two"):
            group.record("decision", [name])
    assert [t.committed for t in held.tickets] == [False, False, False]
    assert group.pending() == 3
    group.commit_open()
    assert written == ["one", "two"]
    assert [t.committed for t in held.tickets] == [True, False, True]
    assert isinstance(held.tickets[1].error(), LedgerError)
    assert group.pending() == 0
    try:
        group.wait(held.tickets[1])
    except LedgerError as exc:
        assert "bad" in str(exc)
    else:
        raise AssertionError("waiting on a failed row must raise")


def test_deferred_rows_are_committed_by_flush_and_by_close(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger: Any = open_ledger(str(path))
    with deferred() as held:
        first = ledger.record(allowed(), policy_input("https://example.com/a"), mode="enforce", job="d", owner=None)
    assert first not in _committed_ids(path)  # queued, not acknowledged
    ledger.flush()
    assert held.tickets[0].committed and first in _committed_ids(path)
    with deferred():
        second = ledger.record(allowed(), policy_input("https://example.com/b"), mode="enforce", job="d", owner=None)
    ledger.close()
    assert second in _committed_ids(path)
    assert verify(str(path)).ok
