"""`open_ledger` picks the backend from the location, and the SQLite ledger implements the
`Ledger` protocol; a PostgreSQL URL opens the PostgreSQL ledger, never a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate.errors import LedgerError
from gate.ledger import Ledger, open_ledger
from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.ledger.sqlite.query import rows


def test_the_default_location_is_the_environment_then_the_default(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with open_ledger() as ledger:  # type: ignore[attr-defined]
        assert isinstance(ledger, SQLiteLedger) and isinstance(ledger, Ledger)
        assert ledger.path == tmp_path / "ledger.db"
    monkeypatch.delenv("SCRAPEGATE_LEDGER")
    monkeypatch.chdir(tmp_path)
    with open_ledger() as ledger:  # type: ignore[attr-defined]
        assert ledger.path == Path(".scrapegate") / "ledger.db"


def test_paths_and_sqlite_urls_open_the_sqlite_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_ledger(tmp_path / "a.db", writer="batched") as ledger:  # type: ignore[attr-defined]
        assert (ledger.path, ledger.writer) == (tmp_path / "a.db", "batched")
    with open_ledger("sqlite:///rel.db") as ledger:  # type: ignore[attr-defined]
        assert ledger.path == Path("rel.db")
    with open_ledger(f"sqlite:///{tmp_path}/abs.db") as ledger:  # type: ignore[attr-defined]
        assert ledger.path == tmp_path / "abs.db"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["a.db", "abs.db", "rel.db"]


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when this returns: nothing listens there


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "POSTGRESQL", "postgresql+psycopg"])
def test_a_postgresql_url_is_a_database_and_never_becomes_a_file(scheme: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.chdir(tmp_path)
    url = f"{scheme}://scrapegate:s3cret@127.0.0.1:{_closed_port()}/ledger"
    with pytest.raises(LedgerError, match="connecting to failed") as raised:
        open_ledger(url)
    assert "s3cret" not in str(raised.value) and "scrapegate:***@127.0.0.1" in str(raised.value)
    assert list(tmp_path.iterdir()) == []  # no file, no directory named after the URL


def test_an_unknown_scheme_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LedgerError, match="unknown ledger URL scheme"):
        open_ledger("mysql://db/ledger")
    assert list(tmp_path.iterdir()) == []


def test_the_environment_may_name_a_postgresql_ledger(monkeypatch: pytest.MonkeyPatch, postgres_url: str) -> None:
    from gate.ledger.postgres.ledger import PostgresLedger

    monkeypatch.setenv("SCRAPEGATE_LEDGER", postgres_url)
    with open_ledger() as ledger:  # type: ignore[attr-defined]
        assert isinstance(ledger, PostgresLedger) and isinstance(ledger, Ledger)
        assert ledger.url == postgres_url


def test_a_gate_records_through_the_protocol(tmp_path: Path) -> None:
    from gate.core.gate import Gate
    from gate.engines.static import StaticEngine

    job = {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "j"},
           "spec": {"operator": {"name": "o", "establishment": "DE"}, "purpose": {"category": "price_monitoring"},
                    "user_agent": "Bot/1.0", "data_categories": ["non_personal"],
                    "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["https://shop.example.com/"]}}
    with Gate(job, engine=StaticEngine(lambda _: {"allow": True}), signals="static", ledger=True) as gate:
        decision = gate.check("https://shop.example.com/p/1")
    assert [r["decision_id"] for r in rows(os.environ["SCRAPEGATE_LEDGER"])] == [decision.decision_id]


@pytest.mark.parametrize("where", [
    "postgresql://scrapegate@127.0.0.1:{port}/ledger?password=s3cret",  # libpq's query parameter
    "postgresql://scrapegate@127.0.0.1:{port}/ledger?sslmode=disable&password=s3cret",
    "postgresql://scrapegate:s3cret@127.0.0.1:{port}/ledger?sslpassword=s3cret",
    "mysql://scrapegate@db/ledger?password=s3cret",  # an unknown scheme is named too
])
def test_a_password_in_the_query_is_never_printed(where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gate.cli.ledger import ledger as ledger_cli

    pytest.importorskip("psycopg")
    monkeypatch.chdir(tmp_path)
    url = where.format(port=_closed_port())
    result = CliRunner().invoke(ledger_cli, ["verify", "--ledger", url])
    assert result.exit_code == 2, result.output
    assert "s3cret" not in result.output and "***" in result.output, result.output
