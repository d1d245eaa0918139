"""PostgreSQL schema 2 (text rows) to schema 3 (compact rows, issue 21.5), on a real server
(tests/pg_server.py): schema 2 is built by its own migrations (kept verbatim in MIGRATIONS) and
filled with the rows the schema-1 SQLite code wrote (tests/ledger/data/schema1.db: the same
columns and hashes); a writer upgrades it, and every row reads back with every hash holding."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gate.ledger.postgres import schema
from gate.ledger.postgres.ledger import PostgresLedger
from gate.ledger.query import rows, verify
from gate.ledger.sqlite.quarantine import QUARANTINE_FIELDS
from gate.ledger.sqlite.store import COLLECTION_FIELDS, DECISION_FIELDS

from ledger_helpers import allowed, policy_input, sha

FIXTURE = Path(__file__).parent / "data" / "schema1.db"
HEADS = ("b7bce895194b0a7bd83effad4028596bcd117330a4601dbb5d47d2009297bfdc",
         "cf7e41ce9a4f60571ad5957bdd33efa1fae64a9ba428455aed41a70d88fad13e")
_COLS = {"decisions": ("seq", *DECISION_FIELDS, "prev_hash", "hash"),
         "collections": ("seq", *COLLECTION_FIELDS, "prev_hash", "hash"),
         "quarantine": ("seq", *QUARANTINE_FIELDS, "prev_hash", "hash")}


def _schema_2(url: str) -> dict[str, list[tuple[object, ...]]]:
    import psycopg

    with sqlite3.connect(FIXTURE) as old:
        data = {t: [tuple(r) for r in old.execute(f"SELECT {', '.join(c)} FROM {t} ORDER BY seq")]
                for t, c in _COLS.items()}
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute(f"CREATE SCHEMA {schema.SCHEMA}")
        conn.execute(f"CREATE TABLE {schema.SCHEMA}.migrations (version integer PRIMARY KEY, description text "
                     "NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        for number, description, statements in schema.MIGRATIONS[:2]:
            conn.execute(statements)
            conn.execute(f"INSERT INTO {schema.SCHEMA}.migrations (version, description) VALUES (%s, %s)",
                         (number, description))
        for table, cols in _COLS.items():
            marks = ", ".join(["%s"] * len(cols))
            conn.cursor().executemany(f"INSERT INTO {schema.SCHEMA}.{table} ({', '.join(cols)}) VALUES ({marks})",
                                      data[table])
            last = data[table][-1]
            conn.execute(f"UPDATE {schema.SCHEMA}.heads SET seq = %s, hash = %s WHERE chain = %s",
                         (last[0], last[-1], table))
    return data


def test_a_writer_migrates_schema_2_keeping_every_value_and_hash(postgres_url: str) -> None:
    import psycopg

    data = _schema_2(postgres_url)
    with pytest.raises(Exception, match="schema version 2, this scrapegate reads 4"):
        verify(postgres_url)
    PostgresLedger(postgres_url).close()
    with psycopg.connect(postgres_url) as conn:
        cols = ", ".join(_COLS["decisions"])
        assert [tuple(r) for r in conn.execute(f"SELECT {cols} FROM scrapegate.decisions_v ORDER BY seq")] \
            == data["decisions"]
        ccols = ", ".join(("seq", *COLLECTION_FIELDS))
        assert [tuple(r) for r in conn.execute(f"SELECT {ccols} FROM scrapegate.collections_v ORDER BY seq")] \
            == [r[:-2] for r in data["collections"]]
    report = verify(postgres_url)
    assert report.ok, report.problems
    assert (report.decisions, report.collections, report.quarantine) == (15, 9, 3)
    assert (report.decisions_head, report.collections_head) == HEADS
    assert [r["decision_id"] for r in rows(postgres_url)] == [d[1] for d in data["decisions"]]
    with PostgresLedger(postgres_url) as ledger:  # the chain goes on after the upgrade
        new = ledger.record(allowed(), policy_input("https://www.example.com/after"), mode="enforce", job="j",
                            owner=None)
        ledger.record_collected(new, status=200, nbytes=5, sha256=sha(b"after"))
    assert verify(postgres_url).ok and verify(postgres_url).decisions == 16


def test_an_edited_quarantine_row_fails_verify(postgres_url: str) -> None:
    _schema_2(postgres_url)
    PostgresLedger(postgres_url).close()
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE scrapegate.quarantine SET handed_over = 0 WHERE seq = 1")
    problem = verify(postgres_url).problem
    assert problem is not None and (problem.table, problem.seq) == ("quarantine", 1) and "edited" in problem.reason
