"""The ledger library: rows, hash chains, errors, the two writers, queries."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from gate.errors import LedgerError
from gate.ledger.sqlite import store as ledger_store
from gate.ledger.sqlite.ledger import SQLiteLedger, mask_url
from gate.ledger.sqlite.query import Filters, erase_plan, jurisdiction_terms, rows, stats, verify
from gate.model.decision import Decision, Violation

from ledger_helpers import allowed, denied, policy_input, sha


def record(ledger: SQLiteLedger, decision: Decision, url: str, **kw: object) -> str:
    pi = policy_input(url, **kw)  # type: ignore[arg-type]
    return ledger.record(decision, pi, mode="enforce", job=pi["job"]["name"], owner="data-team@example.com",
                         signal_docs={"robots": sha(b"User-agent: *\nDisallow: /private"), "optout": None})


@pytest.mark.parametrize("url, expected", [
    ("https://example.com/a?token=s3cret&page=2", "https://example.com/a?token=*&page=*"),
    ("https://example.com/a?flag&empty=&x=a=b", "https://example.com/a?flag&empty=&x=*"),
    ("https://example.com/a", "https://example.com/a"),
    ("https://user:pw@example.com/a?q=1#frag", "https://*@example.com/a?q=*"),
    ("https://example.com/p@th?q=1", "https://example.com/p@th?q=*"),
])
def test_mask_url_hides_query_values_and_userinfo(url: str, expected: str) -> None:
    assert mask_url(url) == expected


def test_default_path_comes_from_the_environment(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        assert ledger.path == tmp_path / "ledger.db"
        record(ledger, allowed(), "https://example.com/")
    assert (tmp_path / "ledger.db").is_file()


def test_a_row_holds_every_field_of_the_decision(tmp_path: Path) -> None:
    decision = Decision(allow=False, deny=[Violation(code="gdpr.art9_prohibited", jurisdiction="fr")],
                        warn=[Violation(code="gdpr.art14_notice", jurisdiction="DE")],
                        waived=[{"code": "terms.prohibited", "waiver": "W-1"}],
                        policy_revision="rev-9", engine="embedded", evaluated_at="2026-11-26T10:00:00Z")
    with SQLiteLedger() as ledger:
        decision_id = record(ledger, decision, "https://News.Example.fr/photos/1?face=42", subjects=["US"])
    (row,) = rows()
    assert row["decision_id"] == decision_id == decision.decision_id
    assert row["time"] == "2026-11-26T10:00:00.000000Z"
    assert row["url"] == "https://news.example.fr/photos/1?face=*"
    assert row["site"] == "example.fr"
    assert (row["job"], row["owner"], row["mode"], row["method"]) == ("face-index", "data-team@example.com",
                                                                      "enforce", "GET")
    assert row["allow"] is False
    assert row["deny_codes"] == ["gdpr.art9_prohibited"]
    assert row["warn_codes"] == ["gdpr.art14_notice"]
    assert row["waived_codes"] == ["terms.prohibited"]
    assert row["jurisdictions"] == ["DE", "FR", "US"]
    assert row["legal_basis"]["assessments"]["lia"] == "LIA-7"
    assert (row["policy_revision"], row["engine"]) == ("rev-9", "embedded")
    assert row["signals"] == {"optout": None, "robots": sha(b"User-agent: *\nDisallow: /private")}
    assert row["collected"] is False and row["collections"] == 0


def test_collections_are_chained_and_bound_to_their_decision(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        first = record(ledger, allowed(), "https://example.com/a")
        record(ledger, allowed(), "https://example.com/b")
        ledger.record_collected(first, status=200, nbytes=5, sha256=sha(b"hello"))
        ledger.record_collected(first, status=304, nbytes=0, sha256=sha(b""))
    report = verify()
    assert report.ok and (report.decisions, report.collections) == (2, 2)
    a, b = rows()
    assert (a["collected"], a["status"], a["bytes"], a["collections"]) == (True, 304, 0, 2)
    assert b["collected"] is False
    # The 304's empty body kept nothing: only the stored copy is listed (issue 20.9).
    assert erase_plan(site="example.com")[0]["content_sha256"] == [sha(b"hello")]


def test_marking_an_unknown_decision_collected_is_an_error(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger, pytest.raises(LedgerError, match="no decision 'nope'"):
        ledger.record_collected("nope", status=200, nbytes=1, sha256=sha(b"x"))


def test_a_decision_recorded_by_another_instance_can_be_marked_collected(tmp_path: Path) -> None:
    with SQLiteLedger() as first:
        decision_id = record(first, allowed(), "https://example.com/a")
    with SQLiteLedger() as second:
        second.record_collected(decision_id, status=200, nbytes=1, sha256=sha(b"x"))
    assert verify().collections == 1


@pytest.mark.parametrize("bad", [{"status": "200", "nbytes": 1, "sha256": "0" * 64},
                                 {"status": 200, "nbytes": -1, "sha256": "0" * 64},
                                 {"status": 200, "nbytes": 1, "sha256": "xyz"}])
def test_collection_values_are_checked(tmp_path: Path, bad: dict) -> None:
    with SQLiteLedger() as ledger:
        decision_id = record(ledger, allowed(), "https://example.com/a")
        with pytest.raises(LedgerError, match=str(tmp_path)):
            ledger.record_collected(decision_id, **bad)


@pytest.mark.parametrize("writer", ["sync", "batched"])
def test_a_reused_decision_object_gets_a_fresh_id(tmp_path: Path, writer: str) -> None:
    decision = allowed()
    with SQLiteLedger(writer=writer) as ledger:
        first = record(ledger, decision, "https://example.com/a")
        second = record(ledger, decision, "https://example.com/b")
    assert first == decision.decision_id and second != first
    assert [r["decision_id"] for r in rows()] == [first, second]


def test_a_duplicate_id_from_another_writer_is_refused(tmp_path: Path) -> None:
    decision = allowed()
    with SQLiteLedger() as first:
        record(first, decision, "https://example.com/a")
    with SQLiteLedger() as second, pytest.raises(LedgerError, match="already recorded"):
        record(second, decision, "https://example.com/a")
    assert verify().ok


def test_errors_name_the_file_and_the_cause(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(LedgerError, match=r"not-a-dir.*ledger\.db.*failed"):
        SQLiteLedger(blocker / "ledger.db")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match=r"corrupt\.db.*not a database"):
        SQLiteLedger(corrupt)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(LedgerError, match=r"foreign\.db.*not a scrapegate ledger"):
        SQLiteLedger(foreign)
    with pytest.raises(LedgerError, match=r"missing\.db: no such file"):
        verify(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_store, "BUSY_TIMEOUT_S", 0.3)


@pytest.mark.usefixtures("short_busy_timeout")
def test_a_lock_held_too_long_fails_the_sync_write_naming_the_file(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        blocker = sqlite3.connect(ledger.path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(LedgerError, match=r"ledger\.db.*locked by another writer"):
                record(ledger, allowed(), "https://example.com/a")
        finally:
            blocker.execute("ROLLBACK")
        record(ledger, allowed(), "https://example.com/b")  # the lock is gone: writes resume
    assert verify().decisions == 1


@pytest.mark.usefixtures("short_busy_timeout")
def test_the_batched_writer_fails_closed(tmp_path: Path) -> None:
    ledger = SQLiteLedger(writer="batched", batch_max_delay_s=0.01)
    blocker = sqlite3.connect(ledger.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        record(ledger, allowed(), "https://example.com/a")  # queued: the failure comes later
        with pytest.raises(LedgerError, match=r"batched writer failed, 1 queued row"):
            ledger.flush()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with pytest.raises(LedgerError, match="no more can be"):
        record(ledger, allowed(), "https://example.com/b")  # even with the lock released
    with pytest.raises(LedgerError, match="batched writer failed"):
        ledger.close()
    assert verify().decisions == 0


def test_the_batched_writer_commits_within_its_delay(tmp_path: Path) -> None:
    with SQLiteLedger(writer="batched", batch_max_delay_s=0.01) as ledger:
        decision_id = record(ledger, allowed(), "https://example.com/a")
        ledger.record_collected(decision_id, status=200, nbytes=2, sha256=sha(b"ok"))
        deadline = time.monotonic() + 5
        while verify().collections < 1:  # no flush: the writer thread commits on its own
            assert time.monotonic() < deadline, "batched writer never committed"
        assert verify().decisions == 1


def test_close_is_idempotent_and_a_closed_ledger_refuses_writes(tmp_path: Path) -> None:
    ledger = SQLiteLedger()
    ledger.close()
    ledger.close()
    with pytest.raises(LedgerError, match="closed"):
        record(ledger, allowed(), "https://example.com/a")


@pytest.mark.parametrize("writer", ["sync", "batched"])
def test_a_ledger_shared_over_fork_keeps_one_valid_chain(tmp_path: Path, writer: str) -> None:
    with SQLiteLedger(writer=writer) as ledger:
        record(ledger, allowed(), "https://example.com/parent-before")
        pid = os.fork()
        if pid == 0:  # child: the inherited ledger reopens its own connection
            code = 0
            try:
                for i in range(20):
                    record(ledger, allowed(), f"https://example.com/child/{i}")
                ledger.close()
            except BaseException:  # noqa: BLE001 - report through the exit status
                code = 1
            os._exit(code)
        for i in range(20):
            record(ledger, allowed(), f"https://example.com/parent/{i}")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    report = verify()
    assert report.ok and report.decisions == 41


def test_verify_names_an_edited_row_and_a_deleted_row(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        ids = [record(ledger, denied(), f"https://example.com/{i}") for i in range(5)]
        ledger.record_collected(ids[3], status=200, nbytes=1, sha256=sha(b"x"))
    path = tmp_path / "ledger.db"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE decisions SET path = '/9' WHERE seq = 3")
    problem = verify().problem
    assert (problem.table, problem.seq, problem.decision_id) == ("decisions", 3, ids[2])
    assert "edited" in problem.reason
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE decisions SET path = '/2' WHERE seq = 3")
        conn.execute("DELETE FROM decisions WHERE seq = 2")
    problem = verify().problem
    assert (problem.seq, problem.decision_id) == (3, ids[2]) and "seq jumps from 1 to 3" in problem.reason


def test_rewriting_a_row_with_a_recomputed_hash_breaks_the_next_row_and_its_collection(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        ids = [record(ledger, allowed(), f"https://example.com/{i}") for i in range(3)]
        ledger.record_collected(ids[1], status=200, nbytes=1, sha256=sha(b"x"))
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        cols = ", ".join(ledger_store.DECISION_FIELDS)
        seq, *values, prev = conn.execute(f"SELECT seq, {cols}, prev_hash FROM decisions_v WHERE seq = 2").fetchone()
        values[ledger_store.DECISION_FIELDS.index("url")] = "https://example.com/elsewhere"
        forged = ledger_store.row_hash("decisions", seq, prev, values)
        conn.execute("UPDATE decisions SET path = '/elsewhere', hash = ? WHERE seq = 2", (bytes.fromhex(forged),))
    report = verify()
    assert [(p.table, p.seq) for p in report.problems] == [("decisions", 3), ("collections", 1)]
    assert "edited" in report.problems[1].reason


def test_an_edited_interned_value_breaks_every_row_that_shares_it(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        ids = [record(ledger, allowed(), f"https://example.com/{i}") for i in range(2)]
        ids.append(record(ledger, denied(), "https://example.com/2"))
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # the denial's profile now says allowed
        conn.execute("UPDATE profiles SET allow = 1, deny_codes = '[]' WHERE allow = 0")
    problem = verify().problem
    assert (problem.table, problem.seq, problem.decision_id) == ("decisions", 3, ids[2])
    assert "shares with other rows" in problem.reason
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # the site every row shares
        conn.execute("UPDATE profiles SET allow = 0, deny_codes = '[\"robots.disallowed\"]' WHERE id = 2")
        conn.execute("UPDATE contexts SET origin = 'https://example.org'")
    assert verify().problem.seq == 1


def test_the_hash_is_reproducible_from_the_documented_canonical_form(tmp_path: Path) -> None:
    import hashlib

    with SQLiteLedger() as ledger:
        record(ledger, allowed(), "https://example.com/ä?q=1")
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        cols = ", ".join(ledger_store.DECISION_FIELDS)
        row = conn.execute(f"SELECT seq, {cols}, prev_hash, hash FROM decisions_v").fetchone()
    seq, *values, prev, stored = row
    text = json.dumps(["scrapegate-ledger/1", "decisions", seq, prev, *values], ensure_ascii=False,
                      separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == stored and prev == "0" * 64


@pytest.fixture
def mixed_ledger(tmp_path: Path) -> dict[str, str]:
    """Decisions over several sites, jurisdictions and jobs; some collected."""
    cases = {
        "fr": ("https://www.example.com/fr", ["FR"], allowed(evaluated_at="2026-11-01T00:00:00Z"), "a"),
        "star": ("https://example.com/star", ["*"], allowed(evaluated_at="2026-11-10T00:00:00Z"), "a"),
        "eu": ("https://shop.example.com/eu", ["EU"], allowed(evaluated_at="2026-11-20T00:00:00Z"), "b"),
        "de-denied": ("https://other.org/de", ["DE"], denied(evaluated_at="2026-11-21T00:00:00Z"), "b"),
        "us-il": ("https://other.org/us", ["US-IL"], allowed(evaluated_at="2026-11-22T00:00:00Z"), "b"),
        "fr-infer": ("https://news.example.fr/x", ["US"], denied("gdpr.art9_prohibited", "FR"), "a"),
    }
    ids = {}
    with SQLiteLedger() as ledger:
        for name, (url, subjects, decision, job) in cases.items():
            ids[name] = record(ledger, decision, url, subjects=subjects, job=job)
            ledger.record_collected(ids[name], status=200, nbytes=1, sha256=sha(name.encode()))
    return ids


@pytest.mark.parametrize("code, expected", [
    ("FR", {"fr", "star", "eu", "fr-infer"}),
    ("EU", {"fr", "star", "eu", "de-denied", "fr-infer"}),
    ("US", {"star", "us-il", "fr-infer"}),
    ("US-IL", {"star", "us-il", "fr-infer"}),  # a row about all of the US covers Illinois
    ("JP", {"star"}),
])
def test_jurisdiction_filter_includes_everyone_who_may_be_concerned(
        mixed_ledger: dict[str, str], code: str, expected: set[str]) -> None:
    names = {v: k for k, v in mixed_ledger.items()}
    assert {names[r["decision_id"]] for r in rows(filters=Filters(jurisdiction=code))} == expected


def test_filters_combine(mixed_ledger: dict[str, str]) -> None:
    names = {v: k for k, v in mixed_ledger.items()}

    def pick(**kw: object) -> set[str]:
        return {names[r["decision_id"]] for r in rows(filters=Filters(**kw))}  # type: ignore[arg-type]

    assert pick(site="example.com") == {"fr", "star", "eu"}
    assert pick(site="https://WWW.Example.com./x") == {"fr", "star", "eu"}
    assert pick(job="b") == {"eu", "de-denied", "us-il"}
    assert pick(denied=True) == {"de-denied", "fr-infer"}
    assert pick(since="2026-11-20") == {"eu", "de-denied", "us-il", "fr-infer"}  # fr-infer: evaluated now
    assert pick(since="2026-11-20T00:30:00") == {"de-denied", "us-il", "fr-infer"}
    assert pick(since="2026-11-20T00:30:00+01:00") == {"eu", "de-denied", "us-il", "fr-infer"}
    assert pick(since="2026-11-10T00:00:00Z", job="a") == {"star", "fr-infer"}
    assert pick(since="2026-11-10", job="a", denied=True) == {"fr-infer"}
    assert [r["seq"] for r in rows(limit=2)] == [5, 6]
    with pytest.raises(LedgerError, match="ISO 8601"):
        list(rows(filters=Filters(since="last tuesday")))


def test_stats_count_by_code_and_site(mixed_ledger: dict[str, str]) -> None:
    counts = stats()
    assert (counts["decisions"], counts["allowed"], counts["denied"], counts["collected"]) == (6, 4, 2, 6)
    assert {c["code"]: c["denied"] for c in counts["by_code"]} == {"robots.disallowed": 1, "gdpr.art9_prohibited": 1}
    sites = {s["site"]: (s["allowed"], s["denied"]) for s in counts["by_site"]}
    assert sites == {"example.com": (3, 0), "other.org": (1, 1), "example.fr": (0, 1)}
    assert stats(filters=Filters(job="b"))["decisions"] == 3


def test_erase_plan_needs_a_scope() -> None:
    with pytest.raises(ValueError, match="needs a scope"):
        erase_plan()


def test_jurisdiction_terms() -> None:
    exact, prefixes = jurisdiction_terms("us-il")
    assert exact == {"US-IL", "US", "*"} and prefixes == ["US-IL-"]
    exact, _ = jurisdiction_terms("FR")
    assert "EU" in exact


@pytest.mark.parametrize("durable, level", [(False, 1), (True, 2)])
def test_wal_and_synchronous_level(tmp_path: Path, durable: bool, level: int) -> None:
    with SQLiteLedger(durable=durable) as ledger:
        assert ledger._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ledger._conn.execute("PRAGMA synchronous").fetchone()[0] == level  # NORMAL=1, FULL=2


def test_unknown_writer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="writer must be one of sync, batched"):
        SQLiteLedger(writer="async")


def test_the_writer_can_be_chosen_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_LEDGER_WRITER", "batched")
    with SQLiteLedger() as ledger:
        assert ledger.writer == "batched"
    assert SQLiteLedger(tmp_path / "x.db", writer="sync").writer == "sync"
    monkeypatch.setenv("SCRAPEGATE_LEDGER_WRITER", "bogus")
    with pytest.raises(ValueError, match="bogus"):
        SQLiteLedger()


def test_a_legal_basis_changed_in_place_is_not_served_from_the_cache(tmp_path: Path) -> None:
    pi = policy_input("https://example.com/a")
    pi["job"] = {**pi["job"], "legal_basis": {"gdpr_art6": "consent"}}
    with SQLiteLedger() as ledger:
        ledger.record(allowed(), pi, mode="enforce", job="j", owner=None)
        pi["job"]["legal_basis"]["gdpr_art6"] = "contract"  # the same dict object, new content
        pi["subjects"]["declared"] = ["FR"]
        ledger.record(allowed(), pi, mode="enforce", job="j", owner=None, signal_docs={"robots": None})
    first, second = rows()
    assert first["legal_basis"] == {"gdpr_art6": "consent"} and first["jurisdictions"] == ["*"]
    assert second["legal_basis"] == {"gdpr_art6": "contract"} and second["jurisdictions"] == ["FR"]
    assert (first["signals"], second["signals"]) == ({}, {"robots": None})


def test_the_reused_id_memory_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gate.ledger.frontend as frontend  # the recording side both backends share

    monkeypatch.setattr(frontend, "RECENT_IDS_MAX", 4)
    with SQLiteLedger() as ledger:
        ids = [record(ledger, allowed(), f"https://example.com/{i}") for i in range(11)]
        # Two generations of at most MAX/2: the last 2 to 4 ids are remembered, older ones not.
        remembered = [i for i in ids if ledger._recorded_here(i)]
        assert remembered == ids[-3:]
        ledger.record_collected(ids[0], status=200, nbytes=1, sha256=sha(b"x"))  # found on disk
    assert verify().collections == 1
