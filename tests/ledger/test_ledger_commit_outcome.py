"""What a caller is told matches what the ledger holds, and no row is appended twice, when
something fails around a commit.

A COMMIT whose answer is lost (the connection drops after the server committed: a network
failure, a failover) must not be taken for a failure: the PostgreSQL ledger asks the server,
on a new connection, whether its rows are in the chains. Before, the caller was told its
decision was not recorded (the gate denied, though the ledger holds the decision as allowed),
and a group commit was retried row by row: the collection rows it held were appended a second
time. Real PostgreSQL behind a proxy that loses the answer (tests/pg_cut_proxy.py).

A checkpoint that cannot be written after the rows committed (the node's disk: the
checkpoints live apart from the database) fails the callers, as a failing disk must, but the
group was retried row by row too: its collection rows were appended a second time, and its
decisions' callers were told "decision id already recorded" instead of the cause."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from pg_cut_proxy import CommitCutProxy

from gate.errors import LedgerError
from gate.ledger import open_ledger
from gate.ledger.group import deferred
from gate.ledger.query import verify

from ledger_helpers import allowed, policy_input, sha
from pg_server import PostgresServer


@pytest.fixture
def proxy(postgres_server: PostgresServer) -> Iterator[CommitCutProxy]:
    with CommitCutProxy(postgres_server.port) as p:
        yield p


def _table(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_a_gate_whose_commit_answer_is_lost_answers_as_the_ledger_holds(postgres_url: str,
                                                                       proxy: CommitCutProxy) -> None:
    from gate.core.gate import Gate
    from gate.engines.static import StaticEngine

    job = {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "j"},
           "spec": {"operator": {"name": "o", "establishment": "DE"}, "purpose": {"category": "price_monitoring"},
                    "user_agent": "Bot/1.0", "data_categories": ["non_personal"],
                    "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["https://shop.example.com/"]}}
    with Gate(job, engine=StaticEngine(lambda _: {"allow": True}), signals="static",
              ledger=proxy.url(postgres_url)) as gate:
        assert gate.check("https://shop.example.com/p/1").allow
        proxy.arm()
        decision = gate.check("https://shop.example.com/p/2")
        assert proxy.cut.is_set()
        assert gate.check("https://shop.example.com/p/3").allow  # and the next one reconnects
    recorded = _table(postgres_url, "SELECT url, allow FROM scrapegate.decisions_v ORDER BY seq")
    assert recorded == [(f"https://shop.example.com/p/{i}", 1) for i in (1, 2, 3)]
    # The ledger holds p/2 as allowed: so must the gate's answer.
    assert decision.allow and decision.deny_codes == [], decision.deny_codes
    assert verify(postgres_url).ok


def test_a_group_commit_whose_answer_is_lost_is_not_appended_twice(postgres_url: str,
                                                                   proxy: CommitCutProxy) -> None:
    with open_ledger(proxy.url(postgres_url)) as ledger:  # type: ignore[attr-defined]
        first = ledger.record(allowed(), policy_input("https://example.org/1"), mode="enforce", job="j", owner=None)
        with deferred() as held:  # as the Scrapy middleware records: one commit per reactor turn
            ledger.record_collected(first, status=200, nbytes=10, sha256=sha(b"one"))
            second = ledger.record(allowed(), policy_input("https://example.org/2"), mode="enforce", job="j",
                                   owner=None)
        proxy.arm()
        ledger.group.commit_open()
        assert proxy.cut.is_set()
        errors = [t.error() for t in held.tickets]
    collections = _table(postgres_url, "SELECT decision_id FROM scrapegate.collections_v ORDER BY seq")
    assert collections == [(first,)]  # once
    assert errors == [None, None]  # both rows are in the ledger: neither caller is told otherwise
    decisions = _table(postgres_url, "SELECT decision_id FROM scrapegate.decisions_v ORDER BY seq")
    assert decisions == [(first,), (second,)]
    assert verify(postgres_url).ok


def test_a_commit_that_cannot_be_checked_is_not_written_again(postgres_url: str, proxy: CommitCutProxy) -> None:
    """The answer is lost and the server cannot be asked at once (the reconnection fails):
    whether the rows are in cannot be told, so the callers are told they failed, and the
    group is not retried row by row (that appended the rows a second time once the server
    answered again)."""
    with open_ledger(proxy.url(postgres_url)) as ledger:  # type: ignore[attr-defined]
        first = ledger.record(allowed(), policy_input("https://example.org/1"), mode="enforce", job="j", owner=None)
        with deferred() as held:
            ledger.record_collected(first, status=200, nbytes=10, sha256=sha(b"one"))
            ledger.record(allowed(), policy_input("https://example.org/2"), mode="enforce", job="j", owner=None)
        proxy.arm(refuse=1)
        ledger.group.commit_open()
        errors = [t.error() for t in held.tickets]
    assert _collections(postgres_url) == [first]  # once
    assert all(isinstance(e, LedgerError) and "may be in the ledger" in str(e) for e in errors), errors


def test_a_commit_that_did_not_land_is_still_a_failure(postgres_url: str, proxy: CommitCutProxy) -> None:
    """The connection goes before the server gets the COMMIT (it rolls back): the caller is
    told its rows were not recorded, nothing of them is in the ledger, the next record works."""
    with open_ledger(proxy.url(postgres_url)) as ledger:  # type: ignore[attr-defined]
        ledger.record(allowed(), policy_input("https://example.org/1"), mode="enforce", job="j", owner=None)
        proxy.arm(deliver=False)
        with pytest.raises(LedgerError, match="recording in failed"):
            ledger.record(allowed(), policy_input("https://example.org/2"), mode="enforce", job="j", owner=None)
        assert proxy.cut.is_set()
        ledger.record(allowed(), policy_input("https://example.org/3"), mode="enforce", job="j", owner=None)
    urls = [r[0] for r in _table(postgres_url, "SELECT url FROM scrapegate.decisions_v ORDER BY seq")]
    assert urls == ["https://example.org/1", "https://example.org/3"]
    assert verify(postgres_url).ok


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "ledger.db")


def _collections(location: str) -> list[str]:
    if location.startswith("postgresql://"):
        return [str(r[0]) for r in _table(location, "SELECT decision_id FROM scrapegate.collections_v ORDER BY seq")]
    import sqlite3

    with sqlite3.connect(location) as conn:
        return [r[0] for r in conn.execute("SELECT decision_id FROM collections_v ORDER BY seq")]


def test_a_checkpoint_that_fails_after_the_commit_fails_the_group_once(
        location: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoints = tmp_path / "node" / "ledger.checkpoints"
    monkeypatch.setenv("SCRAPEGATE_LEDGER_KEY", "k3y-for-the-ledger-checkpoints-0123456789")
    monkeypatch.setenv("SCRAPEGATE_LEDGER_CHECKPOINTS", str(checkpoints))
    ledger = open_ledger(location)
    first = ledger.record(allowed(), policy_input("https://example.org/1"), mode="enforce", job="j", owner=None)
    checkpoints.unlink()
    checkpoints.mkdir()  # the checkpoint cannot be written any more (as on a full disk)
    ledger._checkpointer._last = 0.0  # type: ignore[attr-defined]  # the next one is due
    with deferred() as held:
        ledger.record_collected(first, status=200, nbytes=10, sha256=sha(b"one"))
        ledger.record(allowed(), policy_input("https://example.org/2"), mode="enforce", job="j", owner=None)
    ledger.group.commit_open()  # type: ignore[attr-defined]
    errors = [t.error() for t in held.tickets]
    assert _collections(location) == [first]  # once
    assert all(isinstance(e, LedgerError) and "checkpoints" in str(e) for e in errors), errors
    checkpoints.rmdir()
    ledger.close()
