"""The compact row form (gate.ledger.encoding, SQLite schema 2): every value decodes back
exactly, the views give the text back, and a reordered row breaks the chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gate.errors import LedgerError
from gate.ledger import encoding
from gate.ledger.query import rows, verify
from gate.ledger.sqlite.ledger import SQLiteLedger

from ledger_helpers import allowed, denied, policy_input, sha


@pytest.mark.parametrize("value", ["f5f38253-83e5-4d67-b734-0000f8f2eafd", "F5F38253-83E5-4D67-B734-0000F8F2EAFD",
                                   "opa-decision-7", "x" * 15, "y" * 14, "é" * 20, "",
                                   "f5f38253-83e5-4d67-b734-0000f8f2eafg", "f5f38253083e504d670b73400000f8f2eafd"])
def test_an_id_decodes_back_exactly(value: str) -> None:
    stored = encoding.encode_id(value)
    assert encoding.decode_id(stored) == value
    assert (len(stored) == 16) == (value == "f5f38253-83e5-4d67-b734-0000f8f2eafd")


@pytest.mark.parametrize("value", ["2026-11-26T10:00:00.000000Z", "1999-12-31T23:59:59.999999Z",
                                   "2038-01-19T03:14:08.000001Z"])
def test_a_time_decodes_back_exactly(value: str) -> None:
    for base in (0, 1_764_000_000_000_000):
        assert encoding.decode_time(encoding.encode_time(value, base), base) == value
    with pytest.raises(LedgerError):
        encoding.encode_time("2026-11-26 10:00")


@pytest.mark.parametrize("url", ["https://www.example.com/a?x=*&y=*", "https://example.com", "https://example.com?q=*",
                                 "http://h:8080/p/é?", "/relative/path?x=*", "", "https://*@example.com/p"])
def test_a_url_splits_and_joins_back(url: str) -> None:
    origin, path, query = encoding.split_url(url)
    assert origin + path + query == url and (not query or query.startswith("?"))


def test_an_id_that_is_not_a_uuid_and_a_time_read_back_through_the_views(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        d = denied("gdpr.art9_prohibited", "FR", decision_id="opa-decision-7",
                   evaluated_at="2026-11-26T10:00:00.123456Z")
        ledger.record(d, policy_input("https://www.example.com/ä?q=1"), mode="audit", job="j", owner=None)
        ledger.record_collected("opa-decision-7", status=200, nbytes=3, sha256=sha(b"abc"))
    (row,) = list(rows())
    assert (row["decision_id"], row["time"], row["url"]) == ("opa-decision-7", "2026-11-26T10:00:00.123456Z",
                                                              "https://www.example.com/%C3%A4?q=*")
    assert row["deny_codes"] == ["gdpr.art9_prohibited"] and row["content_sha256"] == sha(b"abc")
    assert verify().ok


def test_a_reordered_row_breaks_the_chain(tmp_path: Path) -> None:
    with SQLiteLedger() as ledger:
        for i in range(4):
            ledger.record(allowed(), policy_input(f"https://example.com/{i}"), mode="enforce", job="j", owner=None)
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # rows 2 and 3 swap places
        conn.execute("UPDATE decisions SET seq = -2 WHERE seq = 2")
        conn.execute("UPDATE decisions SET seq = 2 WHERE seq = 3")
        conn.execute("UPDATE decisions SET seq = 3 WHERE seq = -2")
    problem = verify().problem
    assert problem is not None and (problem.table, problem.seq) == ("decisions", 2)
