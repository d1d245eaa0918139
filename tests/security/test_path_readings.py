"""Attack class 1: path spellings a server reads differently from the gate. robots.txt says
`Disallow: /private`; every spelling below reaches /private on some server, so the gate must
deny it in every adapter and in `scrapegate run`, and the origin must never see it."""

from __future__ import annotations

import asyncio
import socket
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
from gate.model.readings import path_readings

from local_site import ledger_rows

# The spellings, then ours.
ATTACKS = [
    "//private/x", "/.//private/x", "/%2Fprivate/x", "/a/..%2Fprivate/x", "/;/private",
    "/..;/private", "/a/..;/private/x", "/%252Fprivate/x", "/a%5C..%5Cprivate/x", "/%2fprivate/x",
    "///private/x", "/public/%2E%2E%2Fprivate", "/;x=1/private/x", "/%5Cprivate/x",
]
# Paths with the same characters that every reading allows: they must still go through.
HARMLESS = ["/ok;v=1", "/a//b", "/a/%2Fb", "/files/a%252Fb"]


def test_the_quick_test_for_readings_is_the_trigger_list() -> None:
    import itertools

    from gate.model.readings import _TRIGGERS, needs_readings

    pieces = ["/", "a", "%", "2F", "5C", "25", ";", "%2F", "%5C", "%25", "%2f", "//", "x%41"]
    for n in range(1, 5):
        for parts in itertools.product(pieces, repeat=n):
            path = "/" + "".join(parts)
            assert needs_readings(path) == any(t in path for t in _TRIGGERS), path


def test_every_reading_is_listed() -> None:
    assert "/private/x" in path_readings("/a/..%2Fprivate/x")
    assert "/private" in path_readings("/;/private")
    assert "/private/x" in path_readings("/%252Fprivate/x")
    assert path_readings("/ordinary/path") == ()


@pytest.mark.parametrize("path", ATTACKS)
def test_requests_adapter_denies_every_reading(origin: Origin, make_gate: Any, tmp_path: Path, path: str) -> None:
    with GatedSession(make_gate(ledger=tmp_path / "l.db")) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.base + path)
    assert blocked.value.decision.deny_codes == ["robots.disallowed"]
    assert origin.arrived() == []
    row = ledger_rows(tmp_path / "l.db")[-1]
    assert row["allow"] == 0 and "/private" not in (row["url"].split("?")[0].rsplit("/", 3)[0])


@pytest.mark.parametrize("path", HARMLESS)
def test_harmless_spellings_still_pass(origin: Origin, make_gate: Any, path: str) -> None:
    with GatedSession(make_gate()) as s:
        assert s.get(origin.base + path).status_code == 200
    assert origin.arrived() == [path]


@pytest.mark.parametrize("path", ATTACKS[:6])
def test_httpx_sync_and_async_deny_every_reading(origin: Origin, make_gate: Any, path: str) -> None:
    g = make_gate()
    with httpx.Client(transport=GatedTransport(g)) as client:
        with pytest.raises(CollectionBlocked):
            client.get(origin.base + path)

    async def run() -> None:
        async with httpx.AsyncClient(transport=AsyncGatedTransport(g)) as client:
            with pytest.raises(CollectionBlocked):
                await client.get(origin.base + path)

    asyncio.run(run())
    assert origin.arrived() == []


@pytest.mark.parametrize("path", ATTACKS[:6])
def test_guard_denies_every_reading_for_requests_and_urllib3(origin: Origin, make_gate: Any, path: str) -> None:
    g = make_gate()

    @g.guard
    def fetch() -> None:
        with pytest.raises(CollectionBlocked):
            requests.get(origin.base + path, timeout=5)
        with pytest.raises(CollectionBlocked):
            urllib3.PoolManager().request("GET", origin.base + path)

    fetch()
    assert origin.arrived() == []


def _through_proxy(proxy: Any, target: str, extra: bytes = b"") -> bytes:
    with socket.create_connection(proxy.address, timeout=10) as s:
        host = target.split("/")[2]
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n".encode() + extra + b"\r\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("path", ATTACKS[:6])
def test_scrapegate_run_proxy_denies_every_reading(origin: Origin, gating_proxy: Any, path: str) -> None:
    reply = _through_proxy(gating_proxy, origin.base + path)
    assert reply.startswith(b"HTTP/1.1 451"), reply[:200]
    assert origin.arrived() == []


def test_proxy_never_forwards_a_fragment_the_gate_did_not_see(origin: Origin, gating_proxy: Any) -> None:
    reply = _through_proxy(gating_proxy, origin.base + "/a#/../private/x")
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert origin.arrived() == ["/a"]


def test_proxy_refuses_content_length_with_transfer_encoding(origin: Origin, gating_proxy: Any) -> None:
    """Request smuggling: the proxy and the origin could disagree on where the body ends."""
    smuggled = b"GET /private/x HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    with socket.create_connection(gating_proxy.address, timeout=10) as s:
        s.sendall(f"POST {origin.base}/form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode() + body)
        reply = s.recv(65536)
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert origin.arrived() == []


PATH_SCOPED = """package scrapegate

# A path-scoped terms entry and a path-scoped waiver, as data: /members is prohibited,
# /members/open is waived. Each reading of the path is evaluated against both.
deny contains {"code": "terms.automated_collection_prohibited", "jurisdiction": null, "law": "site terms",
               "message": sprintf("terms prohibit %v", [input.request.path]), "precedents": []} if {
	some prefix in data.testterms.prohibited_paths
	startswith(input.request.path, prefix)
	not _waived
}

_waived if {
	some prefix in data.testterms.waived_paths
	startswith(input.request.path, prefix)
}

decision := {"allow": count(deny) == 0, "deny": [v | some v in deny], "warn": [], "obligations": [], "waived": []}
"""


@pytest.mark.parametrize("path, allowed", [
    ("/members/x", False), ("//members/x", False), ("/%2Fmembers/x", False), ("/;/members/x", False),
    ("/members/open/x", True),
    # the waiver's path spelled so that only some readings reach it: one reading is not waived
    ("/members/open/..%2F..%2Fmembers/x", False), ("/members/open;/../x", False),
])
def test_path_scoped_terms_and_waivers_see_every_reading(origin: Origin, tmp_path: Path, path: str,
                                                         allowed: bool) -> None:
    import json

    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine

    from local_site import JOB

    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.rego").write_text(PATH_SCOPED)
    (tmp_path / "p" / "data.json").write_text(json.dumps(
        {"testterms": {"prohibited_paths": ["/members"], "waived_paths": ["/members/open"]}}))
    engine = EmbeddedEngine([tmp_path / "p"], include_shipped=False)
    # Path-scoped rules are not in the decision cache's key (it holds the robots verdict, not
    # the path): such a rule needs its verdict in the key, or no cache, as here.
    with Gate(JOB, engine=engine, signals="static", ledger=False, decision_cache_size=0) as g:
        assert g.check(origin.base + path).allow is allowed, path
    engine.close()


def test_playwright_denies_every_reading(origin: Origin, make_gate: Any) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from gate.adapters.playwright import gate_page

    page_html = "".join(f'<img src="{p}">' for p in ("/%2Fprivate/x", "/a/..%2Fprivate/y", "/;/private", "/ok.png"))
    origin.route("/", body=f"<html><body>{page_html}</body></html>", content_type="text/html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(service_workers="block")
            pg = gate_page(page, make_gate())
            page.goto(origin.base + "/")
            page.wait_for_load_state("load")
        finally:
            browser.close()
    assert sorted(origin.arrived()) == ["/", "/ok.png"]
    assert len(pg.blocked) == 3
