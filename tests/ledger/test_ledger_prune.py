"""`scrapegate ledger prune --before DATE` in both backends (issue 21.5): old decisions go, what
an erasure plan or the quarantine needs stays, and the chain still verifies and still catches
an edit, a deleted row and a forged gap record."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.ledger import open_ledger
from gate.ledger.query import erase_plan, quarantine, rows, verify

from ledger_helpers import allowed, denied, policy_input, sha

KEY = "prune-test-key-0123456789"
OLD, NEW = "2026-01-0{}T10:00:00Z", "2026-06-0{}T10:00:00Z"


def _fill(location: str) -> dict[str, str]:
    """Old decisions of every kind, then new ones."""
    with open_ledger(location) as ledger:
        def rec(decision: Any, url: str, job: str = "face-index") -> str:
            return ledger.record(decision, policy_input(url, job=job), mode="enforce", job=job, owner=None)

        ids = {
            "old-denied": rec(denied(evaluated_at=OLD.format(1)), "https://example.com/private"),
            "old-hop": rec(allowed(evaluated_at=OLD.format(2)), "https://example.com/old"),
            "old-stored": rec(allowed(evaluated_at=OLD.format(3)), "https://example.com/photo"),
            "old-quarantined": rec(allowed(evaluated_at=OLD.format(4)), "https://quarantined.example/x", "q-job"),
            "old-plain": rec(allowed(evaluated_at=OLD.format(5)), "https://example.com/skipped"),
            "new": rec(allowed(evaluated_at=NEW.format(1)), "https://example.com/new"),
            "new-stored": rec(allowed(evaluated_at=NEW.format(2)), "https://example.com/new-photo"),
        }
        ledger.record_collected(ids["old-hop"], status=301, nbytes=0, sha256=sha(b""))
        ledger.record_collected(ids["old-stored"], status=200, nbytes=5, sha256=sha(b"photo"))
        ledger.record_collected(ids["new-stored"], status=200, nbytes=3, sha256=sha(b"new"))
        ledger.quarantine(ids["old-quarantined"], job="q-job", site="quarantined.example",
                          url="https://quarantined.example/x", reason="content.undeclared_category",
                          category="biometric", evidence=None, handed_over=True)
    return ids


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, ["ledger", *args])


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", KEY)
    monkeypatch.setenv("SCRAPEGATE_LEDGER_CHECKPOINTS", str(tmp_path / "ledger.checkpoints"))
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "prune.db")


def test_prune_drops_what_no_one_needs_and_the_chain_still_verifies(location: str) -> None:
    ids = _fill(location)
    plan_before = erase_plan(location, job="face-index")
    dry = _cli("prune", "--ledger", location, "--before", "2026-03-01", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would remove 3 decision(s) and 1 collection(s)" in dry.output
    assert len(list(rows(location))) == 7  # a dry run changes nothing
    result = _cli("prune", "--ledger", location, "--before", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert "removed 3 decision(s) and 1 collection(s)" in result.output and "1 older decision(s) with a stored" \
        in result.output and "1 the quarantine needs" in result.output
    left = [r["decision_id"] for r in rows(location)]
    assert left == [ids[k] for k in ("old-stored", "old-quarantined", "new", "new-stored")]
    report = verify(location)
    assert report.ok, report.problems
    assert (report.decisions, report.collections) == (4, 2)
    assert erase_plan(location, job="face-index") == plan_before  # every stored copy is still found
    assert [q["decision_id"] for q in quarantine(location)] == [ids["old-quarantined"]]
    with open_ledger(location) as ledger:  # the chain goes on
        ledger.record(allowed(), policy_input("https://example.com/after"), mode="enforce", job="j", owner=None)
    assert verify(location).ok
    again = _cli("prune", "--ledger", location, "--before", "2026-06-01T10:00:01Z")  # a second prune
    assert again.exit_code == 0 and "removed 1 decision(s)" in again.output, again.output
    assert verify(location).ok


def _sql(location: str, statement: str) -> None:
    if location.startswith("postgresql://"):
        import psycopg

        from gate.ledger.postgres.blocks import remove_rows

        # PostgreSQL packs a transaction's decisions into one block (gate.ledger.postgres.blocks):
        # the same edits, made inside the blocks.
        with psycopg.connect(location, autocommit=True) as conn:
            edit = re.fullmatch(r"UPDATE decisions SET path = (.+) WHERE seq = (\d+)", statement)
            delete = re.fullmatch(r"DELETE FROM decisions WHERE seq = (\d+)", statement)
            if edit:
                conn.execute(f"UPDATE scrapegate.decision_blocks b SET paths[r.i] = {edit[1]} FROM "
                             "scrapegate.decision_rows r WHERE r.block = b.first_seq AND r.seq = %s", (int(edit[2]),))
            elif delete:
                remove_rows(conn, "decisions", [int(delete[1])])
            else:
                conn.execute(statement.replace("FROM decisions", "FROM decision_rows").replace("FROM ", "FROM scrapegate.")
                             .replace("UPDATE ", "UPDATE scrapegate.").replace("INTO ", "INTO scrapegate."))
        return
    with sqlite3.connect(location) as conn:
        conn.execute(statement)


def test_after_a_prune_an_edit_a_deletion_and_a_forged_gap_are_caught(location: str) -> None:
    _fill(location)
    assert _cli("prune", "--ledger", location, "--before", "2026-03-01").exit_code == 0
    _sql(location, "UPDATE decisions SET path = '/forged' WHERE seq = 3")  # a kept row right after a gap
    problem = verify(location).problem
    assert problem is not None and problem.seq == 3 and "edited" in problem.reason
    _sql(location, "UPDATE decisions SET path = '/photo' WHERE seq = 3")
    assert verify(location).ok
    _sql(location, "DELETE FROM decisions WHERE seq = 4")  # a kept row deleted: no gap record for it
    problem = verify(location).problem
    assert problem is not None and problem.seq == 6 and "rows deleted" in problem.reason


def test_a_forged_gap_record_and_a_missing_key_are_caught(location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(location)
    assert _cli("prune", "--ledger", location, "--before", "2026-03-01").exit_code == 0
    monkeypatch.delenv("SCRAPEGATE_LEDGER_KEY")
    report = verify(location)
    assert not report.ok and "without the checkpoint key" in str(report.problems[0])
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", KEY)
    # Someone deletes the newest kept row and adds a gap record to cover it up.
    _sql(location, "INSERT INTO gaps SELECT 'decisions', 7, 5, hash FROM decisions WHERE seq = 6")
    _sql(location, "DELETE FROM gaps WHERE seq = 6")
    _sql(location, "DELETE FROM decisions WHERE seq = 6")
    report = verify(location)
    assert [p.table for p in report.problems] == ["prune"]  # the chain itself is consistent again...
    assert any("do not match the signed prune record" in str(p) for p in report.problems), report.problems


def test_prune_needs_a_key_a_good_date_and_a_ledger_that_verifies(location: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(location)
    bad = _cli("prune", "--ledger", location, "--before", "next tuesday")
    assert bad.exit_code == 2 and "not an ISO 8601 time" in bad.output
    monkeypatch.delenv("SCRAPEGATE_LEDGER_KEY")
    nokey = _cli("prune", "--ledger", location, "--before", "2026-03-01")
    assert nokey.exit_code == 2 and "checkpoint key" in nokey.output
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", KEY)
    _sql(location, "UPDATE decisions SET path = '/x' WHERE seq = 2")
    broken = _cli("prune", "--ledger", location, "--before", "2026-03-01")
    assert broken.exit_code == 2 and "does not verify" in broken.output
    assert len(list(rows(location))) == 7


def test_a_ledger_written_before_the_key_was_set_is_pruned_and_then_verifies_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = str(tmp_path / "keyless.db")
    monkeypatch.delenv("SCRAPEGATE_LEDGER_KEY", raising=False)
    _fill(location)  # no key: no checkpoint file
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", KEY)
    assert not verify(location).ok  # with the key, a ledger with rows and no checkpoint is reported...
    result = _cli("prune", "--ledger", location, "--before", "2026-03-01")
    assert result.exit_code == 0, result.output  # ...but that is no reason to refuse a prune
    report = verify(location)  # which signed the heads it left
    assert report.ok, report.problems
