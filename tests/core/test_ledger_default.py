"""Issue 20.10: what the README says about the ledger is what the library does. `Gate()`
records nothing unless asked; `Gate(ledger=True)` records to SCRAPEGATE_LEDGER, the one
location every entry point reads through gate.core.config."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gate.core.gate import Gate
from gate.engines.static import StaticEngine
from gate.signals.static import StaticSignals

from local_site import JOB

README = Path(__file__).resolve().parents[2] / "README.md"


def allow_all(_: dict) -> dict:
    return {"allow": True, "deny": [], "warn": [], "obligations": [], "waived": []}


def test_the_readme_says_plainly_that_the_library_records_only_when_asked() -> None:
    text = " ".join(README.read_text().split())
    assert "every decision lands in a tamper-evident ledger" not in text
    assert "The library does not record by default" in text


def test_gate_records_nothing_by_default_and_to_scrapegate_ledger_when_asked(tmp_path: Path, monkeypatch) -> None:
    location = tmp_path / "env-ledger.db"
    monkeypatch.setenv("SCRAPEGATE_LEDGER", str(location))
    with Gate(JOB, engine=StaticEngine(allow_all), signals=StaticSignals()) as gate:
        assert gate.ledger is None
        gate.check("https://shop.example.com/a")
    assert not location.exists()
    with Gate(JOB, engine=StaticEngine(allow_all), signals=StaticSignals(), ledger=True) as gate:
        gate.check("https://shop.example.com/a")
    rows = sqlite3.connect(location).execute("select count(*) from decisions").fetchone()[0]
    assert rows == 1
