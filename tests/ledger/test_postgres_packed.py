"""PostgreSQL schema 3 (a tuple per row) to schema 4 (a block per transaction, issue 21.5), on a
real server (tests/pg_server.py). tests/ledger/data/pg_schema3.sql is a pg_dump of a ledger the
schema-3 code wrote (make_pg_schema3.py): both writers, ids that are not UUIDs, random UUIDs,
collections, the quarantine and a signed prune with its gap records. `ledger migrate` upgrades
it; every row reads back the same through the views, and the chain verifies and goes on."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from gate.cli.ledger import ledger as ledger_cli
from gate.errors import LedgerError
from gate.ledger.postgres import store
from gate.ledger.postgres.ledger import PostgresLedger
from gate.ledger.query import rows, verify
from gate.ledger.rows import utc_time
from gate.ledger.sqlite.store import COLLECTION_FIELDS, DECISION_FIELDS

from ledger_helpers import allowed, policy_input, sha

DATA = Path(__file__).parent / "data"
KEY = "pg-schema3-fixture-key"  # the fixture's prune record is signed with it
_D = ", ".join(("seq", *DECISION_FIELDS, "prev_hash", "hash"))
_C = ", ".join(("seq", *COLLECTION_FIELDS, "hash", "decision_seq"))


def _schema_3(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((DATA / "pg_schema3.sql").read_text())
        conn.execute("SET search_path = public")
        return _read(conn)


def _read(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "decisions": [tuple(r) for r in conn.execute(f"SELECT {_D} FROM scrapegate.decisions_v ORDER BY seq")],
        "collections": [tuple(r) for r in conn.execute(f"SELECT {_C} FROM scrapegate.collections_v ORDER BY seq")],
        "heads": [tuple(r) for r in conn.execute("SELECT chain, seq, hash FROM scrapegate.heads ORDER BY chain")],
        "gaps": [tuple(r) for r in conn.execute("SELECT * FROM scrapegate.gaps ORDER BY chain, seq")],
    }


@pytest.fixture
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", KEY)
    shutil.copy(DATA / "pg_schema3.checkpoints", tmp_path / "ledger.checkpoints")
    monkeypatch.setenv("SCRAPEGATE_LEDGER_CHECKPOINTS", str(tmp_path / "ledger.checkpoints"))


def test_ledger_migrate_packs_schema_3_keeping_every_value_hash_and_gap(postgres_url: str, keyed: None) -> None:
    before = _schema_3(postgres_url)
    assert len(before["decisions"]) == 26 and len(before["collections"]) == 18 and len(before["gaps"]) == 4
    with pytest.raises(LedgerError, match="schema version 3, this scrapegate reads 4"):
        verify(postgres_url)
    result = CliRunner().invoke(ledger_cli, ["migrate", "--ledger", postgres_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert _read(conn) == before
        assert conn.execute("SELECT to_regclass('scrapegate.decisions')").fetchone()[0] is None
        # Blocks: one per run of consecutive seqs (the prune left gaps), not one per row.
        blocks = conn.execute("SELECT count(*) FROM scrapegate.decision_blocks").fetchone()[0]
        assert blocks == 1 + len(before["gaps"])
    report = verify(postgres_url)
    assert report.ok, report.problems
    assert (report.decisions, report.collections) == (26, 18)
    assert report.decisions_head == before["heads"][1][2]


def test_the_migration_streams_in_chunks(postgres_url: str, keyed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.ledger.postgres import packed

    monkeypatch.setattr(packed, "_CHUNK", 4)  # 26 decisions, 18 collections: several chunks each
    before = _schema_3(postgres_url)
    PostgresLedger(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert _read(conn) == before
    assert verify(postgres_url).ok


def test_after_the_upgrade_old_decisions_are_found_by_id_and_the_chain_goes_on(postgres_url: str,
                                                                               keyed: None) -> None:
    before = _schema_3(postgres_url)
    PostgresLedger(postgres_url).close()
    old_ids = [r[1] for r in before["decisions"]]
    assert "crawl-7/item-3" in old_ids and "0123456789abcde" in old_ids  # a text id, one of 15 bytes
    conn = store.connect(postgres_url)
    try:
        for seq, decision_id, *_ in before["decisions"]:  # every id, UUID or not, leads to its row
            ref = store.decision_ref(conn, decision_id)
            assert ref is not None and ref[0] == seq
        assert store.decision_ref(conn, old_ids[-1][:-12] + "ffffffffffff") is None  # a run's prefix, not its counter
        values = list(before["decisions"][4][1:1 + len(DECISION_FIELDS)])  # an id already recorded: refused
        values[1] = utc_time()
        with pytest.raises(LedgerError, match="already recorded"):
            store.append(conn, postgres_url, [(store.DECISION, values)])
    finally:
        conn.close()
    with PostgresLedger(postgres_url, writer="batched") as ledger:
        new = [ledger.record(allowed(), policy_input(f"https://www.example.com/after/{i}"), mode="enforce",
                             job="j", owner=None) for i in range(5)]
        for decision_id in (new[0], "crawl-7/item-3", old_ids[0]):  # this run's, and the old rows'
            ledger.record_collected(decision_id, status=200, nbytes=7, sha256=sha(b"after"))
    report = verify(postgres_url)
    assert report.ok, report.problems
    assert (report.decisions, report.collections) == (31, 21)
    recorded = {r["decision_id"]: r for r in rows(postgres_url)}
    assert recorded["crawl-7/item-3"]["collections"] == 1 and recorded[new[0]]["collected"]


def test_the_sync_writers_blocks_of_one_are_merged_and_stay_readable(postgres_url: str) -> None:
    from gate.ledger.postgres.blocks import MERGE_ROWS

    n = MERGE_ROWS * 2 + 5
    with PostgresLedger(postgres_url, writer="sync") as ledger:  # a transaction per row
        ids = [ledger.record(allowed(), policy_input(f"https://www.example.com/p/{i}"), mode="enforce", job="j",
                             owner=None) for i in range(n)]
        for decision_id in ids[:MERGE_ROWS + 1]:
            ledger.record_collected(decision_id, status=200, nbytes=1, sha256=sha(b"x"))
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        sizes = [int(r[0]) for r in conn.execute(
            "SELECT cardinality(times) FROM scrapegate.decision_blocks ORDER BY first_seq")]
        csizes = [int(r[0]) for r in conn.execute(
            "SELECT cardinality(times) FROM scrapegate.collection_blocks ORDER BY first_seq")]
    assert sum(sizes) == n and len(sizes) <= 2 + 5 and max(sizes) >= MERGE_ROWS  # not a block per row
    assert sum(csizes) == MERGE_ROWS + 1 and len(csizes) <= 2
    report = verify(postgres_url)
    assert report.ok, report.problems
    assert [r["decision_id"] for r in rows(postgres_url)] == ids
    conn = store.connect(postgres_url)
    try:  # found by id in the merged blocks, by a connection that did not write them
        assert [store.decision_ref(conn, i)[0] for i in ids[::37]] == list(range(1, n + 1))[::37]  # type: ignore[index]
    finally:
        conn.close()


def test_runs_are_maximal_per_prefix_and_a_text_id_never_shares_a_uuids_prefix() -> None:
    from gate.ledger import encoding
    from gate.ledger.postgres.blocks import id_key, runs_of

    head = "5ac1559f-46cc-411f-87b9-"
    ids = [encoding.encode_id(f"{head}{c:012x}") for c in (7, 5, 6, 9, 10, 2**48 - 1)]
    text = encoding.encode_id("abcdefghi")  # 0xFF + 9 bytes: 10 bytes, the length of a UUID's prefix
    assert runs_of([*ids, text]) == [(ids[0][:10], 5, 7), (ids[0][:10], 9, 10), (ids[0][:10], 2**48 - 1, 2**48 - 1),
                                      (text + b"\xff", 0, 0)]
    uuid_like = encoding.encode_id(str(__import__("uuid").UUID(bytes=text + bytes(6))))
    assert id_key(uuid_like) == (text, 0) and id_key(text)[0] != text
