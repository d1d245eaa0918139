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
