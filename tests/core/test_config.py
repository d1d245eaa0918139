"""The one factory (gate.core.config): the same precedence for every entry point - an
explicit argument, then the SCRAPEGATE_* environment, then a framework's settings, then the
default - for the engine, the OPA URL, the signals and the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.core import config
from gate.core.gate import Gate
from gate.engines.embedded import EmbeddedEngine
from gate.engines.opa import OPAServerEngine
from gate.errors import PolicyError
from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.signals.live import LiveSignals
from gate.signals.static import StaticSignals

JOB: dict[str, Any] = {
    "apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "prices"},
    "spec": {"operator": {"name": "Shop Watch", "establishment": "DE"}, "purpose": {"category": "price_monitoring"},
             "user_agent": "PriceBot/1.0", "data_categories": ["non_personal"],
             "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["https://shop.example.com/"]},
}
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers, nothing is contacted at build time


def test_engine_precedence_argument_environment_settings_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.engine_choice().kind == "embedded"
    settings = {"SCRAPEGATE_ENGINE": "opa", "SCRAPEGATE_OPA_URL": "http://settings:8181"}
    assert (config.engine_choice(settings=settings).kind, config.engine_choice(settings=settings).opa_url) == \
        ("opa", "http://settings:8181")
    monkeypatch.setenv("SCRAPEGATE_OPA_URL", "http://env:8181")
    monkeypatch.setenv("SCRAPEGATE_ENGINE", "embedded")
    choice = config.engine_choice(settings=settings)
    assert (choice.kind, choice.opa_url) == ("embedded", "http://env:8181")  # the environment beats settings
    choice = config.engine_choice(kind="opa", opa_url="http://arg:8181", settings=settings)
    assert (choice.kind, choice.opa_url) == ("opa", "http://arg:8181")  # and arguments beat both
    monkeypatch.delenv("SCRAPEGATE_ENGINE")
    assert config.engine_choice().kind == "opa"  # a configured OPA server is the default engine


def test_an_unknown_engine_names_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_ENGINE", "wasm")
    with pytest.raises(PolicyError, match="SCRAPEGATE_ENGINE"):
        config.engine_choice()


def test_gate_reads_the_engine_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_ENGINE", "opa")
    with pytest.raises(PolicyError, match="--opa-url"):
        Gate(JOB, signals="static")
    monkeypatch.setenv("SCRAPEGATE_OPA_URL", NOWHERE)
    with Gate(JOB, signals="static") as gate:
        assert isinstance(gate.engine, OPAServerEngine) and gate.engine.url == "http://127.0.0.1:9"
        assert gate.check("https://shop.example.com/p/1").deny_codes == ["engine.unavailable"]  # fails closed
    with Gate(JOB, signals="static", opa_url=None, engine=EmbeddedEngine()) as gate:
        assert gate.engine.name == "embedded"  # an engine given is used as it is


def test_cli_reads_the_engine_from_the_environment(monkeypatch: pytest.MonkeyPatch, examples: Path) -> None:
    monkeypatch.setenv("SCRAPEGATE_ENGINE", "opa")
    result = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml")])
    assert result.exit_code == 2 and "--opa-url" in result.output
    result = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml"), "--engine", "embedded"])
    assert result.exit_code == 0, result.output  # the flag beats the environment


def test_signals_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.signals_choice() == "live"
    assert config.signals_choice(settings={"SCRAPEGATE_SIGNALS": "static"}) == "static"
    monkeypatch.setenv("SCRAPEGATE_SIGNALS", "live")
    assert config.signals_choice(settings={"SCRAPEGATE_SIGNALS": "static"}) == "live"
    assert config.signals_choice("static") == "static"
    monkeypatch.setenv("SCRAPEGATE_SIGNALS", "static")
    with Gate(JOB, engine=EmbeddedEngine()) as gate:
        assert isinstance(gate.signals, StaticSignals)
    with Gate(JOB, engine=EmbeddedEngine(), signals="live") as gate:
        assert isinstance(gate.signals, LiveSignals)
    monkeypatch.setenv("SCRAPEGATE_SIGNALS", "sometimes")
    with pytest.raises(ValueError, match="SCRAPEGATE_SIGNALS"):
        config.signals_choice()


def test_ledger_switch_and_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_path = tmp_path / "ledger.db"  # the autouse fixture's SCRAPEGATE_LEDGER
    assert config.make_ledger(False) is None
    assert config.make_ledger(settings={"SCRAPEGATE_LEDGER": False}) is None  # a setting's off beats the location
    for value, settings, expected in [
        (None, None, env_path),                                        # on by default: the environment's location
        (True, None, env_path),
        (tmp_path / "arg.db", {"SCRAPEGATE_LEDGER": str(tmp_path / "set.db")}, tmp_path / "arg.db"),
        (None, {"SCRAPEGATE_LEDGER": str(tmp_path / "set.db")}, env_path),  # a setting yields to the environment
        (None, {"SCRAPEGATE_LEDGER": True}, env_path),
    ]:
        ledger = config.make_ledger(value, settings=settings)
        assert isinstance(ledger, SQLiteLedger) and ledger.path == expected, (value, settings)
        ledger.close()
    monkeypatch.setenv("SCRAPEGATE_LEDGER", "off")  # the environment's off beats the default and a setting
    assert config.make_ledger() is None
    assert config.make_ledger(settings={"SCRAPEGATE_LEDGER": str(tmp_path / "set.db")}) is None
    monkeypatch.delenv("SCRAPEGATE_LEDGER")
    ledger = config.make_ledger(settings={"SCRAPEGATE_LEDGER": str(tmp_path / "set.db")})
    assert isinstance(ledger, SQLiteLedger) and ledger.path == tmp_path / "set.db"
    ledger.close()
    monkeypatch.chdir(tmp_path)  # nothing named anywhere: ./.scrapegate/ledger.db, as the CLI
    ledger = config.make_ledger()
    assert isinstance(ledger, SQLiteLedger) and ledger.path.resolve() == tmp_path / ".scrapegate" / "ledger.db"
    ledger.close()


def test_the_environment_may_name_a_postgresql_ledger(monkeypatch: pytest.MonkeyPatch, postgres_url: str) -> None:
    from gate.ledger.postgres.ledger import PostgresLedger

    monkeypatch.setenv("SCRAPEGATE_LEDGER", postgres_url)
    ledger = config.make_ledger(True)
    assert isinstance(ledger, PostgresLedger) and ledger.url == postgres_url
    ledger.close()


def test_from_settings_takes_the_same_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = tmp_path / "job.yaml"
    import yaml

    job.write_text(yaml.safe_dump(JOB))
    settings = {"SCRAPEGATE_JOB": str(job), "SCRAPEGATE_SIGNALS": "live", "SCRAPEGATE_LEDGER": False,
                "SCRAPEGATE_MODE": "audit"}
    monkeypatch.setenv("SCRAPEGATE_SIGNALS", "static")
    with Gate.from_settings(settings) as gate:
        assert isinstance(gate.signals, StaticSignals) and gate.ledger is None and gate.mode == "audit"
        assert isinstance(gate.engine, EmbeddedEngine)
    monkeypatch.setenv("SCRAPEGATE_ENGINE", "opa")
    with pytest.raises(PolicyError, match="--opa-url"):
        Gate.from_settings(settings)
