"""Issue 20.10: the library's defaults are what the README says: every decision lands in the
ledger. `Gate()`, `gate.check`, `gate.guard()`, `GatedSession()` and the httpx transport on
such a gate record by default, where the CLI does ($SCRAPEGATE_LEDGER, else
./.scrapegate/ledger.db), and `ledger=False` / SCRAPEGATE_LEDGER=off record nothing.

The last test follows the README's requests journey in a child process (`python -I`, a real
local server, no SCRAPEGATE_LEDGER), then runs `scrapegate ledger stats` where it ran."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
import yaml
from pytest_httpserver import HTTPServer

import gate
from gate.adapters.httpx import GatedTransport
from gate.adapters.requests import GatedSession
from gate.core.gate import Gate
from gate.engines.static import StaticEngine
from gate.signals.static import StaticSignals

from local_site import JOB

README = Path(__file__).resolve().parents[2] / "README.md"
URL = "https://shop.example.com/a"


def allow_all(_: dict) -> dict:
    return {"allow": True, "deny": [], "warn": [], "obligations": [], "waived": []}


def decisions(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [url for (url,) in conn.execute("select url from decisions_v order by seq")]


def quiet_kwargs() -> dict[str, Any]:
    return {"engine": StaticEngine(allow_all), "signals": StaticSignals()}


def through_gate() -> None:
    with Gate(JOB, **quiet_kwargs()) as g:
        g.check(URL)


def through_module_check() -> None:
    gate.check(URL, JOB, **quiet_kwargs())


def through_guard() -> None:
    g = gate.guard(JOB, **quiet_kwargs())(lambda: None).gate
    try:
        g.check(URL)
    finally:
        g.close()


def through_session() -> None:
    with GatedSession(JOB, **quiet_kwargs()) as s:
        s.gate.check(URL)


def through_httpx(site: Any) -> Callable[[], None]:
    def run() -> None:
        site.page("/a")
        with Gate(JOB, **quiet_kwargs()) as g, httpx.Client(transport=GatedTransport(g)) as client:
            assert client.get(site.base + "/a").text == "ok"
    return run


ENTRY_POINTS = {"Gate()": through_gate, "gate.check": through_module_check, "gate.guard()": through_guard,
                "GatedSession()": through_session}


def test_the_readme_promises_the_ledger_and_its_opt_out() -> None:
    text = " ".join(README.read_text().split())
    assert "every decision lands in a tamper-evident ledger" in text
    assert "records nothing unless asked" not in text
    assert "SCRAPEGATE_LEDGER=off" in text and "ledger=False" in text


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_every_entry_point_records_where_scrapegate_ledger_says(entry: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    location = tmp_path / "env-ledger.db"
    monkeypatch.setenv("SCRAPEGATE_LEDGER", str(location))
    ENTRY_POINTS[entry]()
    assert decisions(location) == [URL]


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_without_scrapegate_ledger_the_cli_default_location(entry: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCRAPEGATE_LEDGER")
    monkeypatch.chdir(tmp_path)
    ENTRY_POINTS[entry]()
    assert decisions(tmp_path / ".scrapegate" / "ledger.db") == [URL]


def test_the_httpx_transport_records_its_fetch(site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = tmp_path / "env-ledger.db"
    monkeypatch.setenv("SCRAPEGATE_LEDGER", str(location))
    through_httpx(site)()
    assert decisions(location) == [site.base + "/a"]
    with sqlite3.connect(location) as conn:
        assert conn.execute("select count(*) from collections").fetchone()[0] == 1


@pytest.mark.parametrize("word", ["off", "OFF", "false", "0", "none", "no"])
def test_scrapegate_ledger_off_records_nothing(word: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_LEDGER", word)
    monkeypatch.chdir(tmp_path)
    for entry in ENTRY_POINTS.values():
        entry()
    with Gate(JOB, **quiet_kwargs()) as g:
        assert g.ledger is None
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no ledger, no file named "off"


def test_ledger_false_records_nothing_and_ledger_true_overrides_off(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    location = tmp_path / "env-ledger.db"
    monkeypatch.setenv("SCRAPEGATE_LEDGER", str(location))
    with Gate(JOB, ledger=False, **quiet_kwargs()) as g:
        assert g.ledger is None
        g.check(URL)
    with GatedSession(JOB, ledger=False, **quiet_kwargs()) as s:
        assert s.gate.ledger is None
    assert not location.exists()
    monkeypatch.setenv("SCRAPEGATE_LEDGER", "off")
    monkeypatch.chdir(tmp_path)
    with Gate(JOB, ledger=True, **quiet_kwargs()) as g:  # asked for in the code: the default location
        g.check(URL)
    assert decisions(tmp_path / ".scrapegate" / "ledger.db") == [URL]


def test_ledger_commands_say_the_ledger_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "SCRAPEGATE_LEDGER": "off"}
    result = subprocess.run([sys.executable, "-m", "gate", "ledger", "stats"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert "SCRAPEGATE_LEDGER=off switches the ledger off" in result.stderr
    report = subprocess.run([sys.executable, "-m", "gate", "report", "-o", "r.html"], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=120)
    assert report.returncode == 2
    assert "SCRAPEGATE_LEDGER=off switches the ledger off" in report.stderr
    assert list(tmp_path.iterdir()) == []


# The README's Journey 1, as written there, on a local site (the job's only target).
JOURNEY = """\
import gate
import requests

g = gate.Gate("jobs/prices.yaml")            # compiles the policies once

@g.guard                                      # requests, urllib3 and httpx calls inside are gated
def crawl(url: str) -> str:
    return requests.get(url, timeout=10).text  # raises gate.CollectionBlocked on a deny

print(crawl(BASE + "/products/1"))
try:
    crawl(BASE + "/private/2")
except gate.CollectionBlocked as exc:
    print("blocked", exc.decision.deny_codes)
decision = g.check(BASE + "/products/42")   # or ask directly
print(decision.allow, decision.deny_codes, decision.obligations)
"""


@pytest.mark.slow
def test_the_readme_requests_journey_then_ledger_stats(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    httpserver.expect_request("/products/1").respond_with_data("price: 12 EUR")
    base = httpserver.url_for("").rstrip("/")
    (tmp_path / "jobs").mkdir()
    job = {"apiVersion": "scrapegate/v1", "kind": "CollectionJob",
           "metadata": {"name": "shop-prices", "owner": "pricing@example.com"},
           "spec": {"operator": {"name": "Example Corp", "establishment": "DE", "markets": ["EU"]},
                    "purpose": {"category": "price_monitoring"},
                    "user_agent": "ExamplePriceBot/2.1 (+https://example.com/pricebot)",
                    "data_categories": ["non_personal"], "data_subjects": {"jurisdictions": ["EU"]},
                    "targets": [base + "/"]}}
    (tmp_path / "jobs" / "prices.yaml").write_text(yaml.safe_dump(job))
    (tmp_path / "crawl.py").write_text(f"BASE = {base!r}\n" + JOURNEY)
    # the user's shell: no SCRAPEGATE_LEDGER, no test settings; the site's terms are not read
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPEGATE_")}
    env.update(SCRAPEGATE_HOME=str(tmp_path / "state"), SCRAPEGATE_TERMS_DISCOVERY="off")

    crawl = subprocess.run([sys.executable, "-I", "crawl.py"], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=300)
    assert crawl.returncode == 0, crawl.stderr
    assert crawl.stdout.splitlines() == ["price: 12 EUR", "blocked ['robots.disallowed']", "True [] ()"]
    assert (tmp_path / ".scrapegate" / "ledger.db").is_file()

    stats = subprocess.run([sys.executable, "-I", "-m", "gate", "ledger", "stats", "--format", "json"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert stats.returncode == 0, stats.stderr
    figures = json.loads(stats.stdout)
    assert (figures["decisions"], figures["allowed"], figures["denied"], figures["collected"]) == (3, 2, 1, 1)
    assert figures["by_code"] == [{"code": "robots.disallowed", "denied": 1, "warned": 0}]
    text = subprocess.run([sys.executable, "-I", "-m", "gate", "ledger", "stats"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert text.returncode == 0 and "robots.disallowed" in text.stdout, text.stdout + text.stderr
