"""Shared fixtures: every test gets its own ledger and state directory under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_LEDGER", str(tmp_path / "ledger.db"))
    monkeypatch.setenv("SCRAPEGATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("SCRAPEGATE_OPA_URL", raising=False)
    monkeypatch.delenv("SCRAPEGATE_ENGINE", raising=False)
    monkeypatch.delenv("SCRAPEGATE_OPA_TOKEN", raising=False)
    monkeypatch.delenv("SCRAPEGATE_OPA_TIMEOUT", raising=False)
    monkeypatch.delenv("SCRAPEGATE_SIGNALS", raising=False)
    monkeypatch.delenv("SCRAPEGATE_LEDGER_WRITER", raising=False)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def examples() -> Path:
    return REPO / "examples" / "jobs"
