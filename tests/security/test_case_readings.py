"""Attack class 1, continued: a path's letter case. RFC 9309 compares paths case-sensitively,
so `Disallow: /private` did not cover `/Private/a`; IIS and any server on a Windows or macOS
file system serves the same file for both. The gate decides on both readings (the RFC's and
the case-insensitive one) in every adapter and in `scrapegate run`, and the origin, which
answers every path as a case-insensitive server would, must never see a spelling of a
disallowed path. The origin here is test_path_readings' stock http.server origin."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from origin import Origin

from gate.adapters.httpx import AsyncGatedTransport, GatedTransport
from gate.adapters.requests import GatedSession
from gate.errors import CollectionBlocked
from gate.signals.robots import parse

from local_site import ledger_rows

ROBOTS = "User-agent: *\nDisallow: /private\nDisallow: /Admin\nAllow: /private/Open\n"
SPELLINGS = ["/Private/a", "/PRIVATE", "/pRiVaTe/x?q=1", "/admin/users", "/ADMIN"]
# Paths both readings allow: capitals alone change nothing.
HARMLESS = ["/Public/A", "/private/Open/y", "/Private/Open/y", "/publicity/Private"]


@pytest.fixture
def ci_origin() -> Any:
    with Origin(robots=ROBOTS) as o:
        yield o


def test_the_rfc_reading_stays_case_sensitive_and_the_gate_reads_both() -> None:
    robots = parse(ROBOTS)
    assert robots.allowed("https://e.com/Private/a", "Bot/1")  # RFC 9309 2.2.2, as Google reads it
    verdict = robots.gate_verdict("https://e.com/Private/a", "Bot/1")
    assert not verdict.allowed
    assert verdict.rule is not None and verdict.rule.text.startswith("Disallow: /private (read case-insensitively")
    assert not robots.gate_verdict("https://e.com/admin/x", "Bot/1").allowed  # a capital in the rule
    assert not robots.gate_verdict("https://e.com/private/open/x", "Bot/1").allowed  # the RFC reading denies
    for path in ("/private/Open/x", "/Private/Open/y", "/Public/A", "/%7Ejoe", "/a%2Fb"):
        assert robots.gate_verdict("https://e.com" + path, "Bot/1").allowed, path
    # The hot path's matcher gives the same rule as the verdict.
    matcher = robots.matcher_for("Bot/1")
    assert matcher is not None
    for path in SPELLINGS + HARMLESS:
        target = path.split("?")[0] + ("?" + path.split("?")[1] if "?" in path else "")
        assert matcher.gate_rule_for(target) == robots.gate_verdict("https://e.com" + path, "Bot/1").rule


@pytest.mark.parametrize("path", SPELLINGS)
def test_requests_adapter_denies_a_case_insensitive_reading(ci_origin: Origin, make_gate: Any, tmp_path: Path,
                                                            path: str) -> None:
    with GatedSession(make_gate(ledger=tmp_path / "l.db")) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(ci_origin.base + path)
    assert blocked.value.decision.deny_codes == ["robots.disallowed"]
    assert "read case-insensitively" in blocked.value.decision.deny[0].message
    assert ci_origin.arrived() == []
    assert ledger_rows(tmp_path / "l.db")[-1]["allow"] == 0


@pytest.mark.parametrize("path", HARMLESS)
def test_capitals_alone_still_pass(ci_origin: Origin, make_gate: Any, path: str) -> None:
    with GatedSession(make_gate()) as s:
        assert s.get(ci_origin.base + path).status_code == 200
    assert ci_origin.arrived() == [path]


def test_httpx_sync_and_async_deny_a_case_insensitive_reading(ci_origin: Origin, make_gate: Any) -> None:
    g = make_gate()
    with httpx.Client(transport=GatedTransport(g)) as client:
        with pytest.raises(CollectionBlocked):
            client.get(ci_origin.base + "/Private/a")

    async def run() -> None:
        async with httpx.AsyncClient(transport=AsyncGatedTransport(g)) as client:
            with pytest.raises(CollectionBlocked):
                await client.get(ci_origin.base + "/ADMIN")

    asyncio.run(run())
    assert ci_origin.arrived() == []


def test_scrapegate_run_proxy_denies_a_case_insensitive_reading(gating_proxy: Any) -> None:
    # The gating proxy's gate reads the origin's robots.txt: the default origin's Disallow: /private.
    with Origin() as o:
        with socket.create_connection(gating_proxy.address, timeout=10) as s:
            s.sendall(f"GET {o.base}/Private/x HTTP/1.1\r\nHost: 127.0.0.1:{o.port}\r\n\r\n".encode())
            reply = s.recv(65536)
        assert reply.startswith(b"HTTP/1.1 451"), reply[:200]
        assert o.arrived() == []


def test_a_waiting_crawl_is_decided_the_same_way(ci_origin: Origin, make_gate: Any) -> None:
    """The cached hot path (the second request to an origin) reads both ways too."""
    g = make_gate()
    with GatedSession(g) as s:
        assert s.get(ci_origin.base + "/Public/A").status_code == 200
        for path in ("/Private/a", "/Private/b"):
            with pytest.raises(CollectionBlocked):
                s.get(ci_origin.base + path)
    assert ci_origin.arrived() == ["/Public/A"]
