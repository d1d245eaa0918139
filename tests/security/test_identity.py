"""Attack classes 2 and 10: the request that is sent must be the request that was checked.
A caller-supplied Host naming another authority is denied (`request.host_mismatch`); the
origin receives the job's user_agent, and a caller-set other agent is denied
(`request.agent_mismatch`). The origin's access log shows what arrived."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import urllib3
from origin import Origin

from gate.adapters.httpx import AsyncGatedTransport, GatedTransport
from gate.adapters.requests import GatedSession
from gate.errors import CollectionBlocked

from local_site import USER_AGENT, ledger_rows

OTHER_HOSTS = ["www.facebook.com", "WWW.FACEBOOK.COM.", "127.0.0.1:1", "localhost", "[::1]", "127.0.0.1:abc"]


def _codes(exc: pytest.ExceptionInfo[CollectionBlocked]) -> list[str]:
    return exc.value.decision.deny_codes


@pytest.mark.parametrize("host", OTHER_HOSTS)
def test_requests_adapter_denies_a_host_header_for_another_authority(origin: Origin, make_gate: Any,
                                                                    tmp_path: Path, host: str) -> None:
    with GatedSession(make_gate(ledger=tmp_path / "l.db")) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.base + "/x", headers={"Host": host})
    assert _codes(blocked) == ["request.host_mismatch"]
    assert origin.hits == []
    row = ledger_rows(tmp_path / "l.db")[-1]
    assert row["allow"] == 0 and row["deny_codes"] == '["request.host_mismatch"]'


def test_a_host_header_naming_the_same_authority_passes(origin: Origin, make_gate: Any) -> None:
    with GatedSession(make_gate()) as s:
        assert s.get(origin.base + "/x", headers={"Host": f"127.0.0.1:{origin.port}"}).status_code == 200
    assert origin.arrived() == ["/x"]


@pytest.mark.parametrize("host", OTHER_HOSTS[:3])
def test_httpx_sync_and_async_deny_a_foreign_host_header(origin: Origin, make_gate: Any, host: str) -> None:
    g = make_gate()
    with httpx.Client(transport=GatedTransport(g)) as client:
        with pytest.raises(CollectionBlocked) as blocked:
            client.get(origin.base + "/x", headers={"Host": host})
    assert _codes(blocked) == ["request.host_mismatch"]

    async def run() -> list[str]:
        async with httpx.AsyncClient(transport=AsyncGatedTransport(g)) as client:
            with pytest.raises(CollectionBlocked) as ablocked:
                await client.get(origin.base + "/x", headers={"Host": host})
        return _codes(ablocked)

    assert asyncio.run(run()) == ["request.host_mismatch"]
    assert origin.hits == []


def test_guard_denies_a_foreign_host_header_in_requests_urllib3_and_httpx(origin: Origin, make_gate: Any) -> None:
    g = make_gate()
    codes: list[list[str]] = []

    @g.guard
    def fetch() -> None:
        for send in (lambda: requests.get(origin.base + "/x", headers={"Host": "www.facebook.com"}, timeout=5),
                     lambda: urllib3.PoolManager().request("GET", origin.base + "/x",
                                                           headers={"Host": "www.facebook.com"}),
                     lambda: httpx.get(origin.base + "/x", headers={"Host": "www.facebook.com"})):
            with pytest.raises(CollectionBlocked) as blocked:
                send()
            codes.append(_codes(blocked))

    fetch()
    assert codes == [["request.host_mismatch"]] * 3
    assert origin.hits == []


def test_audit_mode_lets_a_host_mismatch_through_and_records_it(origin: Origin, make_gate: Any, tmp_path: Path) -> None:
    with GatedSession(make_gate(mode="audit", ledger=tmp_path / "l.db")) as s:
        s.get(origin.base + "/x", headers={"Host": "www.facebook.com"})
    assert origin.arrived() == ["/x"]
    assert ledger_rows(tmp_path / "l.db")[-1]["deny_codes"] == '["request.host_mismatch"]'


# -- the agent -------------------------------------------------------------------------------------

def test_guard_sends_the_job_agent_not_the_library_default(origin: Origin, make_gate: Any) -> None:
    """robots.txt disallows python-requests and python-httpx: the gate checked the job's agent,
    so that agent is what the origin sees (before: python-requests/2.x walked past)."""
    origin.route("/robots.txt", body="User-agent: python-requests\nUser-agent: python-httpx\n"
                                     "User-agent: python-urllib3\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    g = make_gate()

    @g.guard
    def fetch() -> None:
        requests.get(origin.base + "/r", timeout=5)
        urllib3.PoolManager().request("GET", origin.base + "/u")
        httpx.get(origin.base + "/h")

    fetch()
    with httpx.Client(transport=GatedTransport(g)) as client:
        client.get(origin.base + "/t")
    assert origin.arrived() == ["/r", "/u", "/h", "/t"]
    assert {h.headers.get("User-Agent") for h in origin.hits} == {USER_AGENT}


@pytest.mark.parametrize("agent", ["OtherBot/2.0", "Googlebot/2.1 (+http://www.google.com/bot.html)",
                                   "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"])
def test_a_caller_set_other_agent_is_denied(origin: Origin, make_gate: Any, agent: str) -> None:
    g = make_gate()
    with GatedSession(g) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.base + "/x", headers={"User-Agent": agent})
    assert _codes(blocked) == ["request.agent_mismatch"]
    with httpx.Client(transport=GatedTransport(g), headers={"User-Agent": agent}) as client:
        with pytest.raises(CollectionBlocked) as blocked:
            client.get(origin.base + "/x")
    assert _codes(blocked) == ["request.agent_mismatch"]

    @g.guard
    def fetch() -> None:
        urllib3.PoolManager(headers={"User-Agent": agent}).request("GET", origin.base + "/x")

    with pytest.raises(CollectionBlocked) as blocked:
        fetch()
    assert _codes(blocked) == ["request.agent_mismatch"]
    assert origin.arrived() == []


def test_playwright_sends_the_job_agent(origin: Origin, make_gate: Any, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from gate.adapters.playwright import gate_page

    origin.route("/", body="<html><body>hi</body></html>", content_type="text/html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(service_workers="block")
            gate_page(page, make_gate())
            page.goto(origin.base + "/")
        finally:
            browser.close()
    agents = {h.headers.get("User-Agent") for h in origin.hits}
    assert agents == {USER_AGENT}, agents
