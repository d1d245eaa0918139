"""The PostgreSQL ledger against a real PostgreSQL server (tests/pg_server.py): recording through
the Ledger protocol and a Gate, the same CLI as SQLite, tamper evidence, versioned migrations
and the refusal of a newer schema, fail-closed on a lost server."""

from __future__ import annotations

import json
import threading
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from gate.cli.ledger import ledger as ledger_cli
from gate.errors import LedgerError
from gate.ledger import Ledger, open_ledger
from gate.ledger.postgres import schema
from gate.ledger.postgres.ledger import PostgresLedger
from gate.ledger.query import erase_plan, rows, stats, verify

from ledger_helpers import allowed, denied, policy_input, sha


def _fill(url: str, n: int = 12, writer: str = "sync") -> list[str]:
    ids = []
    # The batched writer commits at close here: one transaction, so one block of every row (the
    # tamper tests below reach into it), however slow the machine.
    options: dict[str, Any] = {"batch_max_delay_s": 60.0} if writer == "batched" else {}
    with open_ledger(url, writer=writer, **options) as ledger:  # type: ignore[attr-defined]
        for i in range(n):
            d = denied(jurisdiction="FR") if i % 3 == 0 else allowed()
            site = "facebook.com" if i % 2 else "example.org"
            ids.append(ledger.record(d, policy_input(f"https://www.{site}/p/{i}?token=secret{i}", subjects=["FR"]),
                                     mode="enforce", job="face-index" if i % 2 else "prices", owner=None))
            if d.allow:
                ledger.record_collected(ids[-1], status=200, nbytes=100 + i, sha256=sha(b"body%d" % i))
    return ids


def _cli(*args: str) -> Any:
    return CliRunner().invoke(ledger_cli, list(args), catch_exceptions=False)


def test_a_postgresql_ledger_records_through_the_protocol(postgres_url: str) -> None:
    ids = _fill(postgres_url)
    with open_ledger(postgres_url) as ledger:  # type: ignore[attr-defined]
        assert isinstance(ledger, PostgresLedger) and isinstance(ledger, Ledger)
    report = verify(postgres_url)
    assert report.ok, report.problems
    assert (report.decisions, report.collections) == (12, 8)
    recorded = list(rows(postgres_url))
    assert [r["decision_id"] for r in recorded] == ids
    assert recorded[1]["url"] == "https://www.facebook.com/p/1?token=*"  # query values masked as in SQLite
    assert recorded[1]["collected"] and recorded[1]["bytes"] == 101
    assert recorded[0]["deny_codes"] == ["robots.disallowed"] and recorded[0]["jurisdictions"] == ["FR"]
    counts = stats(postgres_url)
    assert (counts["decisions"], counts["allowed"], counts["denied"], counts["collected"]) == (12, 8, 4, 8)
    plan = erase_plan(postgres_url, site="facebook.com")
    assert sorted(p["url"] for p in plan) == sorted(f"https://www.facebook.com/p/{i}?token=*"
                                                    for i in (1, 5, 7, 11))
    assert plan[0]["content_sha256"] and plan[0]["content_sha256"][0] == sha(b"body1")


def test_the_cli_reads_a_postgresql_ledger_from_the_flag_and_the_environment(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(postgres_url)
    result = _cli("verify", "--ledger", postgres_url, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["decisions"] == 12
    monkeypatch.setenv("SCRAPEGATE_LEDGER", postgres_url)
    shown = _cli("show", "--denied")
    assert shown.exit_code == 0 and shown.output.count("DENY") == 4
    exported = _cli("export", "--site", "facebook.com", "--format", "jsonl")
    assert exported.exit_code == 0 and len(exported.output.splitlines()) == 6
    counted = _cli("stats", "--jurisdiction", "FR", "--format", "json")
    assert json.loads(counted.output)["decisions"] == 12
    plan = _cli("erase-plan", "--job", "face-index", "--format", "jsonl")
    assert plan.exit_code == 0 and len(plan.output.splitlines()) == 4


def _edit(url: str, sql: str, *params: Any) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql, params)


# Schema 4 packs the rows of a transaction into one block (gate.ledger.postgres.blocks): these
# edits reach into a block's arrays, as someone with write access to the database could.
_EDIT_PATH = ("UPDATE scrapegate.decision_blocks b SET paths[r.i] = r.path || %s FROM scrapegate.decision_rows r "
              "WHERE r.block = b.first_seq AND r.seq = %s")


def _remove(url: str, chain: str, seqs: list[int]) -> None:
    from gate.ledger.postgres.blocks import remove_rows

    with psycopg.connect(url, autocommit=True) as conn:
        remove_rows(conn, chain, seqs)  # as a prune does, without its gap records and signed record


def _blocks(url: str) -> list[tuple[int, int]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [(int(f), int(n)) for f, n in conn.execute(
            "SELECT first_seq, cardinality(times) FROM scrapegate.decision_blocks ORDER BY first_seq")]


@pytest.mark.parametrize("writer", ["sync", "batched"])
def test_verify_names_an_edited_row_and_a_tail_cut_without_moving_the_head(postgres_url: str, writer: str) -> None:
    _fill(postgres_url, writer=writer)
    assert len(_blocks(postgres_url)) == (12 if writer == "sync" else 1)  # a block per transaction
    _edit(postgres_url, _EDIT_PATH, "-edited", 5)
    result = _cli("verify", "--ledger", postgres_url)
    assert result.exit_code == 1 and "decisions row 5" in result.output and "edited" in result.output
    fresh = schema.redact(postgres_url)
    assert fresh in result.output


@pytest.mark.parametrize("writer", ["sync", "batched"])
def test_verify_catches_rows_cut_from_the_end_while_the_head_row_still_names_them(postgres_url: str,
                                                                                  writer: str) -> None:
    _fill(postgres_url, writer=writer)
    _edit(postgres_url, "DELETE FROM scrapegate.collection_blocks")
    _remove(postgres_url, "decisions", [10, 11, 12])
    report = verify(postgres_url)
    assert not report.ok
    assert any("rows were cut from the end" in p.reason and p.table == "decisions" for p in report.problems)


def test_verify_catches_a_decision_removed_from_inside_a_block(postgres_url: str) -> None:
    _fill(postgres_url, writer="batched")
    _remove(postgres_url, "decisions", [4])  # a denial: no collection names it
    assert _blocks(postgres_url) == [(1, 11)]
    problem = verify(postgres_url).problem
    assert problem is not None and (problem.table, problem.seq) == ("decisions", 5)
    assert "rows deleted" in problem.reason


def test_verify_catches_an_edited_interned_value(postgres_url: str) -> None:
    _fill(postgres_url, writer="batched")
    _edit(postgres_url, "UPDATE scrapegate.profiles SET legal_basis = '{}' WHERE job = 'prices'")
    problem = verify(postgres_url).problem
    assert problem is not None and problem.table == "decisions" and "edited" in problem.reason


def test_verify_catches_two_decisions_swapped_inside_a_block(postgres_url: str) -> None:
    _fill(postgres_url, writer="batched")
    # Swap rows 3 and 4 whole (every array and byte string), leaving each row's own hash with it.
    _edit(postgres_url, "UPDATE scrapegate.decision_blocks SET times[3:4] = ARRAY[times[4], times[3]], "
          "contexts[3:4] = ARRAY[contexts[4], contexts[3]], paths[3:4] = ARRAY[paths[4], paths[3]], "
          "ids = overlay(overlay(ids PLACING substring(ids FROM 49 FOR 16) FROM 33 FOR 16) "
          "PLACING substring(ids FROM 33 FOR 16) FROM 49 FOR 16), "
          "hashes = overlay(overlay(hashes PLACING substring(hashes FROM 97 FOR 32) FROM 65 FOR 32) "
          "PLACING substring(hashes FROM 65 FOR 32) FROM 97 FOR 32)")
    problem = verify(postgres_url).problem
    assert problem is not None and (problem.table, problem.seq) == ("decisions", 3)


def test_the_schema_is_migrated_once_by_many_nodes_starting_together(postgres_url: str) -> None:
    errors: list[BaseException] = []
    ledgers: list[PostgresLedger] = []

    def start() -> None:
        try:
            ledgers.append(PostgresLedger(postgres_url))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ledger in ledgers:
        ledger.close()
    assert not errors and len(ledgers) == 8
    with psycopg.connect(postgres_url) as conn:
        applied = conn.execute("SELECT version, description FROM scrapegate.migrations ORDER BY version").fetchall()
    assert [v for v, _ in applied] == [m[0] for m in schema.MIGRATIONS]
    assert schema.SCHEMA_VERSION == applied[-1][0]


def test_a_newer_schema_is_refused_by_writers_and_readers(postgres_url: str) -> None:
    _fill(postgres_url, n=2)
    newer = schema.SCHEMA_VERSION + 1
    _edit(postgres_url, "INSERT INTO scrapegate.migrations (version, description) VALUES (%s, 'from the future')",
          newer)
    with pytest.raises(LedgerError, match=f"schema version {newer} is newer than this scrapegate knows"):
        open_ledger(postgres_url)
    result = CliRunner().invoke(ledger_cli, ["verify", "--ledger", postgres_url])
    assert result.exit_code == 2 and "is newer than this scrapegate knows" in result.output


def test_a_database_without_a_ledger_is_not_created_by_a_reader(postgres_url: str) -> None:
    result = CliRunner().invoke(ledger_cli, ["show", "--ledger", postgres_url])
    assert result.exit_code == 2 and "no scrapegate ledger in this database" in result.output
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regnamespace('scrapegate')").fetchone()[0] is None


def test_a_lost_server_connection_fails_closed_and_the_next_record_reconnects(postgres_url: str) -> None:
    with open_ledger(postgres_url) as ledger:  # type: ignore[attr-defined]
        ledger.record(allowed(), policy_input("https://example.org/1"), mode="enforce", job="j", owner=None)
        pid = ledger._conn.info.backend_pid
        _edit(postgres_url, "SELECT pg_terminate_backend(%s)", pid)
        with pytest.raises(LedgerError, match="recording in failed"):
            ledger.record(allowed(), policy_input("https://example.org/2"), mode="enforce", job="j", owner=None)
        ledger.record(allowed(), policy_input("https://example.org/3"), mode="enforce", job="j", owner=None)
    assert [r["url"] for r in rows(postgres_url)] == ["https://example.org/1", "https://example.org/3"]
    assert verify(postgres_url).ok


def test_a_gate_denies_with_ledger_unavailable_when_the_database_is_gone(postgres_url: str) -> None:
    from gate.core.gate import Gate
    from gate.engines.static import StaticEngine

    job = {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "j"},
           "spec": {"operator": {"name": "o", "establishment": "DE"}, "purpose": {"category": "price_monitoring"},
                    "user_agent": "Bot/1.0", "data_categories": ["non_personal"],
                    "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["https://shop.example.com/"]}}
    with Gate(job, engine=StaticEngine(lambda _: {"allow": True}), signals="static", ledger=postgres_url) as gate:
        assert gate.check("https://shop.example.com/p/1").allow
        _edit(postgres_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'scrapegate-ledger'")
        decision = gate.check("https://shop.example.com/p/2")
    assert not decision.allow and "ledger.unavailable" in decision.deny_codes


def test_the_quarantine_in_postgresql(postgres_url: str) -> None:
    with open_ledger(postgres_url, writer="batched") as ledger:  # type: ignore[attr-defined]
        assert isinstance(ledger, Ledger)
        decision_id = ledger.record(allowed(), policy_input("https://www.example.org/team"), mode="enforce",
                                    job="prices", owner=None)
        ledger.record_collected(decision_id, status=200, nbytes=10, sha256=sha(b"team"))
        ledger.quarantine(decision_id, job="prices", site="example.org", url="https://www.example.org/team",
                          reason="content.undeclared_category", category="facial_images",
                          evidence={"findings": [{"detector": "faces", "sha256": sha(b"team")}]}, handed_over=True)
        ledger.quarantine(None, job="prices", site="other.org", url="https://other.org/x", reason="tdm.reserved",
                          category=None, evidence=None, handed_over=False)
        assert [e["action"] for e in ledger.quarantined()] == ["quarantined", "discarded"]
    listed = _cli("quarantine", "--ledger", postgres_url, "--format", "jsonl")
    assert listed.exit_code == 0 and [json.loads(line)["site"] for line in listed.output.splitlines()] == [
        "example.org", "other.org"]
    plan = erase_plan(postgres_url, site="example.org")
    assert plan[0]["quarantined"] == ["facial_images"] and plan[0]["url"] == "https://www.example.org/team"
    released = _cli("quarantine", "--ledger", postgres_url, "--release", "--job", "prices", "--site",
                    "example.org", "--by", "dpo@example.com", "--reason", "deleted")
    assert released.exit_code == 0 and "released 1 entry" in released.output
    with open_ledger(postgres_url) as ledger:  # type: ignore[attr-defined]
        assert [e["site"] for e in ledger.quarantined()] == ["other.org"]
    with psycopg.connect(postgres_url) as conn:
        seq, digest = conn.execute("SELECT seq, hash FROM scrapegate.heads WHERE chain = 'quarantine'").fetchone()
        last = conn.execute("SELECT seq, hash FROM scrapegate.quarantine ORDER BY seq DESC LIMIT 1").fetchone()
    assert (seq, digest) == tuple(last) and seq == 3


@pytest.mark.parametrize("writer", ["sync", "batched"])
def test_the_last_n_rows_match_the_tail_of_all_rows_whatever_the_filter(postgres_url: str, writer: str) -> None:
    from gate.ledger.query import Filters

    _fill(postgres_url, n=30, writer=writer)
    with open_ledger(postgres_url) as ledger:  # type: ignore[attr-defined]
        recorded = list(rows(postgres_url))
        for late in (recorded[0], recorded[-3]):  # late collections of the oldest and a recent decision
            ledger.record_collected(late["decision_id"], status=200, nbytes=9, sha256=sha(b"late"))
    for filters in (None, Filters(denied=True), Filters(job="prices"), Filters(site="facebook.com"),
                    Filters(collected=True), Filters(jurisdiction="FR")):
        every = list(rows(postgres_url, filters))
        for n in (1, 5, 29, 40):
            assert list(rows(postgres_url, filters, limit=n)) == every[-n:], (filters, n)
    assert [(r["bytes"], r["collections"]) for r in rows(postgres_url, limit=3)][0] == (9, 1)  # a denial, collected late
    assert [r["bytes"] for r in rows(postgres_url, limit=30)][0] == 9


def test_decisions_denied_for_an_unreachable_ledger_are_said_in_the_log(
        postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A ledger outage denies every decision (ledger.unavailable): the operator must read it in
    the log as it happens, once and then at most every 30 s with a count, not find it in the
    stats at the end (a Scrapy node logged nothing above DEBUG while it dropped its queue)."""
    import logging

    from gate.core.gate import Gate
    from gate.engines.static import StaticEngine

    job = {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "j"},
           "spec": {"operator": {"name": "o", "establishment": "DE"}, "purpose": {"category": "price_monitoring"},
                    "user_agent": "Bot/1.0", "data_categories": ["non_personal"],
                    "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["https://shop.example.com/"]}}
    database = postgres_url.rsplit("/", 1)[1]
    url = postgres_url.replace("postgres@", "postgres:pw@")
    with Gate(job, engine=StaticEngine(lambda _: {"allow": True}), signals="static", ledger=url) as gate:
        assert gate.check("https://shop.example.com/p/0").allow
        admin = postgres_url.rsplit("/", 1)[0] + "/postgres"
        _edit(admin, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        _edit(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", database)
        try:
            with caplog.at_level(logging.WARNING, logger="scrapegate"):
                decisions = [gate.check(f"https://shop.example.com/p/{i}") for i in range(1, 6)]
        finally:
            _edit(admin, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    assert all(not d.allow and d.deny_codes == ["ledger.unavailable"] for d in decisions)
    said = [r for r in caplog.records if "ledger.unavailable" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.ERROR, [r.getMessage() for r in caplog.records]
    assert "denied" in said[0].getMessage() and ":***@" in said[0].getMessage()
    assert ":pw@" not in said[0].getMessage()
