"""Attack class 11: the ledger records what reached the origin, the same way in every
adapter. A fetched 302 reached the origin, so it is collected (status 302) in requests,
httpx, Playwright and `scrapegate run` (Scrapy: tests/adapters/test_adapter_scrapy.py counts
`scrapegate/collected` against the access log)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from origin import Origin

from gate.adapters.httpx import AsyncGatedTransport, GatedTransport
from gate.adapters.requests import GatedSession

from local_site import ledger_rows


def _serve(origin: Origin) -> None:
    origin.route("/r", status=302, body="moved", headers={"Location": "/final"})
    origin.route("/final", body="<html>final</html>", content_type="text/html")


def _collected(path: Path) -> list[tuple[str, int | None]]:
    return [(r["url"].rsplit("/", 1)[-1], r["collected_status"]) for r in ledger_rows(path)]


def test_requests_and_httpx_record_the_fetched_302(origin: Origin, make_gate: Any, tmp_path: Path) -> None:
    _serve(origin)
    with GatedSession(make_gate(ledger=tmp_path / "a.db")) as s:
        s.get(origin.base + "/r")
    with httpx.Client(transport=GatedTransport(make_gate(ledger=tmp_path / "b.db")), follow_redirects=True) as c:
        c.get(origin.base + "/r")

    async def run() -> None:
        async with httpx.AsyncClient(transport=AsyncGatedTransport(make_gate(ledger=tmp_path / "c.db")),
                                     follow_redirects=True) as c:
            await c.get(origin.base + "/r")

    asyncio.run(run())
    assert origin.arrived() == ["/r", "/final"] * 3
    for db in ("a.db", "b.db", "c.db"):
        assert _collected(tmp_path / db) == [("r", 302), ("final", 200)], db


def test_playwright_records_the_fetched_302(origin: Origin, make_gate: Any, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from gate.adapters.playwright import gate_page

    _serve(origin)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(service_workers="block")
            gate_page(page, make_gate(ledger=tmp_path / "l.db"))
            page.goto(origin.base + "/r")
        finally:
            browser.close()
    fetched = origin.arrived()
    assert fetched[:2] == ["/r", "/final"]
    collected = _collected(tmp_path / "l.db")
    assert ("r", 302) in collected and ("final", 200) in collected


def test_scrapegate_run_records_the_fetched_302(origin: Origin, gating_proxy: Any, tmp_path: Path) -> None:
    _serve(origin)
    proxies = {"http": f"http://127.0.0.1:{gating_proxy.port}"}
    assert requests.get(origin.base + "/r", proxies=proxies, timeout=10).text == "<html>final</html>"
    gating_proxy.service.gate.ledger.flush()
    assert origin.arrived() == ["/r", "/final"]
    assert _collected(tmp_path / "proxy-ledger.db") == [("r", 302), ("final", 200)]
