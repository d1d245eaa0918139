"""Releasing a quarantined (job, site) on a ledger the crawl nodes are still writing to: a
release closes what its releaser saw, never an entry a node quarantined meanwhile. Before, a
`released` row closed every earlier entry of its (job, site): an entry appended between the
release's read and its row (or after the DPO listed what to delete) was closed unseen, and
`release` reported fewer entries than it closed. Both backends; PostgreSQL is the shared one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli.ledger import ledger as ledger_cli
from gate.ledger import open_ledger


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "ledger.db")


def _quarantine(ledger: Any, page: str) -> None:
    ledger.quarantine(None, job="prices", site="example.org", url=f"https://example.org/{page}",
                      reason="content.undeclared_category", category="facial_images", evidence=None,
                      handed_over=True)


def test_an_entry_quarantined_during_a_release_stays_open(location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from gate.ledger.postgres import quarantine as pg_rows
    from gate.ledger.sqlite import quarantine as sqlite_rows

    releaser, node = open_ledger(location), open_ledger(location)
    _quarantine(node, "team")
    _quarantine(node, "about")
    writing = threading.Thread(target=_quarantine, args=(node, "staff"))  # another crawl node
    for rows in (pg_rows, sqlite_rows):
        def read_then_node_writes(*args: Any, _real: Any = rows.entries, **scope: Any) -> Any:
            seen = _real(*args, **scope)
            if not writing.is_alive() and writing.ident is None:  # once: right after the release's read
                writing.start()
                writing.join(1.0)  # it lands now, unless the release holds the chain
            return seen

        monkeypatch.setattr(rows, "entries", read_then_node_writes)
    closed = releaser.release(job="prices", site="example.org", by="dpo@example.com", reason="deleted")
    writing.join(30)
    monkeypatch.undo()
    still = [e["url"] for e in releaser.quarantined(job="prices", site="example.org")]
    releaser.close()
    node.close()
    assert still == ["https://example.org/staff"] and closed == 2


def test_the_cli_releases_through_the_entry_the_dpo_reviewed(location: str) -> None:
    with open_ledger(location) as node:  # type: ignore[attr-defined]
        _quarantine(node, "team")
        _quarantine(node, "about")
    listed = CliRunner().invoke(ledger_cli, ["quarantine", "--ledger", location, "--format", "jsonl"])
    reviewed = [json.loads(line) for line in listed.output.splitlines()]
    text = CliRunner().invoke(ledger_cli, ["quarantine", "--ledger", location])
    assert text.output.splitlines()[1].split()[0] == "SEQ", text.output  # the bound to give --through
    with open_ledger(location) as node:  # type: ignore[attr-defined]
        _quarantine(node, "staff")  # the crawl goes on while the DPO deletes what was listed
    released = CliRunner().invoke(ledger_cli, [
        "quarantine", "--ledger", location, "--release", "--job", "prices", "--site", "example.org",
        "--through", str(reviewed[-1]["seq"]), "--by", "dpo@example.com", "--reason", "deleted, PRIV-12"])
    assert released.exit_code == 0, released.output
    assert "released 2 entries" in released.output
    left = CliRunner().invoke(ledger_cli, ["quarantine", "--ledger", location, "--format", "jsonl"])
    assert [json.loads(line)["url"] for line in left.output.splitlines()] == ["https://example.org/staff"]
    verified = CliRunner().invoke(ledger_cli, ["verify", "--ledger", location])
    assert verified.exit_code == 0, verified.output
