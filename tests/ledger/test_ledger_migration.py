"""Schema 1 (text rows) to schema 2 (compact rows, issue 21.5) in the SQLite ledger: the
fixture data/schema1.db was written by the schema-1 code (commit 75c7703, tests/ledger/data/
make_schema1.py); after the upgrade every row reads back as before and every hash still holds."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from gate.errors import LedgerError
from gate.ledger.query import rows, verify
from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.ledger.sqlite.store import COLLECTION_FIELDS, DECISION_FIELDS

from ledger_helpers import allowed, policy_input, sha

FIXTURE = Path(__file__).parent / "data" / "schema1.db"
HEADS = ("b7bce895194b0a7bd83effad4028596bcd117330a4601dbb5d47d2009297bfdc",
         "cf7e41ce9a4f60571ad5957bdd33efa1fae64a9ba428455aed41a70d88fad13e")


def _table(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(sql)]


@pytest.fixture
def old_ledger(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, path)
    return path


def test_a_reader_names_the_old_schema_and_the_upgrade(old_ledger: Path) -> None:
    with pytest.raises(LedgerError, match="schema version '1'.*scrapegate ledger migrate"):
        verify(str(old_ledger))


def test_a_writer_migrates_schema_1_keeping_every_value_and_hash(old_ledger: Path) -> None:
    cols = ", ".join(("seq", *DECISION_FIELDS, "prev_hash", "hash"))
    ccols = ", ".join(("seq", *COLLECTION_FIELDS, "substr(hash, 1, 32)"))
    decisions = _table(old_ledger, f"SELECT {cols} FROM decisions ORDER BY seq")
    collections = _table(old_ledger, f"SELECT {ccols} FROM collections ORDER BY seq")
    quarantine = _table(old_ledger, "SELECT * FROM quarantine ORDER BY seq")
    SQLiteLedger(old_ledger).close()
    assert _table(old_ledger, "SELECT value FROM meta WHERE key = 'schema'") == [("2",)]
    assert _table(old_ledger, f"SELECT {cols} FROM decisions_v ORDER BY seq") == decisions
    assert _table(old_ledger, f"SELECT {ccols} FROM collections_v ORDER BY seq") == collections
    assert _table(old_ledger, "SELECT * FROM quarantine ORDER BY seq") == quarantine
    report = verify(str(old_ledger))
    assert report.ok, report.problems
    assert (report.decisions, report.collections, report.quarantine) == (15, 9, 3)
    assert (report.decisions_head, report.collections_head) == HEADS  # anchors taken before still hold
    assert [r["decision_id"] for r in rows(str(old_ledger))] == [d[1] for d in decisions]


def test_the_migrated_ledger_keeps_its_chain_going_and_catches_edits(old_ledger: Path) -> None:
    with SQLiteLedger(old_ledger) as ledger:
        new = ledger.record(allowed(), policy_input("https://www.example.com/after"), mode="enforce", job="j",
                            owner=None)
        ledger.record_collected(new, status=200, nbytes=5, sha256=sha(b"after"))
        first = _table(old_ledger, "SELECT decision_id FROM decisions_v WHERE seq = 1")[0][0]
        ledger.record_collected(first, status=200, nbytes=6, sha256=sha(b"again"))
    assert verify(str(old_ledger)).ok and verify(str(old_ledger)).decisions == 16
    with sqlite3.connect(old_ledger) as conn:  # a migrated row edited
        conn.execute("UPDATE decisions SET time = time + 1 WHERE seq = 7")
    problem = verify(str(old_ledger)).problem
    assert problem is not None and (problem.table, problem.seq) == ("decisions", 7)


def test_the_migrate_command_upgrades_and_a_reader_then_verifies(old_ledger: Path) -> None:
    from click.testing import CliRunner

    from gate.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["ledger", "verify", "--ledger", str(old_ledger)]).exit_code == 2
    result = runner.invoke(cli, ["ledger", "migrate", "--ledger", str(old_ledger)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["ledger", "verify", "--ledger", str(old_ledger)])
    assert result.exit_code == 0 and "OK: 15 decisions, 9 collections" in result.output


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    SQLiteLedger(tmp_path / "l.db").close()
    with sqlite3.connect(tmp_path / "l.db") as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
    for opening in (lambda: SQLiteLedger(tmp_path / "l.db"), lambda: verify(str(tmp_path / "l.db"))):
        with pytest.raises(LedgerError, match="schema version '3' is newer than this scrapegate knows"):
            opening()


def test_verify_walks_the_quarantine_chain(old_ledger: Path) -> None:
    SQLiteLedger(old_ledger).close()
    with sqlite3.connect(old_ledger) as conn:  # someone hides that a body was handed over
        conn.execute("UPDATE quarantine SET handed_over = 0 WHERE seq = 1")
    problem = verify(str(old_ledger)).problem
    assert problem is not None and (problem.table, problem.seq) == ("quarantine", 1) and "edited" in problem.reason
    with sqlite3.connect(old_ledger) as conn:
        conn.execute("UPDATE quarantine SET handed_over = 1 WHERE seq = 1")
        conn.execute("DELETE FROM quarantine WHERE seq = 2")
    problem = verify(str(old_ledger)).problem
    assert problem is not None and (problem.table, problem.seq) == ("quarantine", 3) and "rows deleted" in problem.reason
