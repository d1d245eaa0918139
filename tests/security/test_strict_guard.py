"""Attack class 7: ways around `@guard`. The hooks reach requests, urllib3 and httpx; with
`strict=True` every other outgoing TCP connection in the call - http.client, urllib.request,
a raw socket, asyncio streams, threads the call starts - raises CollectionBlocked before it
is opened, while gated requests still go through. The origin's log shows what arrived."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import pytest
import requests
from origin import Origin

from gate.errors import CollectionBlocked


def _http_client(origin: Origin) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", origin.port, timeout=5)
    conn.request("GET", "/private/hc")
    conn.getresponse().read()


def _urllib(origin: Origin) -> None:
    urllib.request.urlopen(origin.base + "/private/ul", timeout=5).read()


def _raw_socket(origin: Origin) -> None:
    with socket.create_connection(("127.0.0.1", origin.port), timeout=5) as s:
        s.sendall(b"GET /private/raw HTTP/1.0\r\n\r\n")
        s.recv(100)


def _asyncio_stream(origin: Origin) -> None:
    async def go() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", origin.port)
        writer.write(b"GET /private/aio HTTP/1.0\r\n\r\n")
        await reader.read()
        writer.close()

    asyncio.run(go())


UNGATED: list[Callable[[Origin], None]] = [_http_client, _urllib, _raw_socket, _asyncio_stream]


@pytest.mark.parametrize("send", UNGATED, ids=lambda f: f.__name__)
def test_strict_guard_blocks_connections_that_bypass_the_hooks(origin: Origin, make_gate: Any,
                                                              send: Callable[[Origin], None]) -> None:
    g = make_gate()

    @g.guard(strict=True)
    def crawl() -> None:
        send(origin)

    with pytest.raises(CollectionBlocked) as blocked:
        crawl()
    assert blocked.value.decision.deny_codes == ["guard.ungated_connection"]
    assert origin.arrived() == []


@pytest.mark.parametrize("send", UNGATED[:3], ids=lambda f: f.__name__)
def test_without_strict_the_same_connections_go_out(origin: Origin, make_gate: Any,
                                                    send: Callable[[Origin], None]) -> None:
    """What the docs say: the plain guard reaches requests, urllib3 and httpx only."""
    g = make_gate()
    g.guard(lambda: send(origin))()
    assert len(origin.arrived()) == 1


def test_strict_guard_lets_gated_requests_through_and_still_denies(origin: Origin, make_gate: Any) -> None:
    g = make_gate()

    @g.guard(strict=True)
    def crawl() -> str:
        with pytest.raises(CollectionBlocked):
            requests.get(origin.base + "/private/x", timeout=5)
        return requests.get(origin.base + "/ok", timeout=5).text

    assert crawl() == "ok"
    assert origin.arrived() == ["/ok"]


def test_strict_guard_reaches_threads_the_call_starts(origin: Origin, make_gate: Any) -> None:
    g = make_gate()
    outcomes: dict[str, Any] = {}

    def worker() -> None:
        for name, send in (("denied", lambda: requests.get(origin.base + "/private/t", timeout=5)),
                           ("allowed", lambda: requests.get(origin.base + "/t-ok", timeout=5).status_code),
                           ("raw", lambda: _raw_socket(origin))):
            try:
                outcomes[name] = send()
            except CollectionBlocked as exc:
                outcomes[name] = exc.decision.deny_codes

    @g.guard(strict=True)
    def crawl() -> list[Any]:
        t = threading.Thread(target=worker)
        t.start()
        t.join(10)
        with ThreadPoolExecutor(2) as pool:
            pooled = [pool.submit(requests.get, origin.base + "/pool", timeout=5),
                      pool.submit(requests.get, origin.base + "/private/pool", timeout=5)]
        return [f.exception() or f.result().status_code for f in pooled]

    pooled = crawl()
    assert outcomes == {"denied": ["robots.disallowed"], "allowed": 200, "raw": ["guard.ungated_connection"]}
    assert pooled[0] == 200 and isinstance(pooled[1], CollectionBlocked)
    assert sorted(origin.arrived()) == ["/pool", "/t-ok"]


def test_strict_scope_ends_with_the_call(origin: Origin, make_gate: Any) -> None:
    g = make_gate()
    g.guard(lambda: None, strict=True)()
    _raw_socket(origin)  # outside the call: untouched
    assert origin.arrived() == ["/private/raw"]


def test_strict_async_guard(origin: Origin, make_gate: Any) -> None:
    g = make_gate()

    @g.guard(strict=True)
    async def crawl() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", origin.port)
        writer.close()

    with pytest.raises(CollectionBlocked):
        asyncio.run(crawl())
    assert origin.hits == []


def test_strict_audit_mode_logs_and_lets_go(origin: Origin, make_gate: Any, caplog: pytest.LogCaptureFixture) -> None:
    g = make_gate(mode="audit")
    g.guard(lambda: _raw_socket(origin), strict=True)()
    assert origin.arrived() == ["/private/raw"]
    assert "did not pass the gate" in caplog.text


def test_strict_guard_blocks_aiohttp(origin: Origin, make_gate: Any) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    g = make_gate()

    @g.guard(strict=True)
    async def crawl() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(origin.base + "/private/aiohttp") as response:
                await response.read()

    with pytest.raises(CollectionBlocked):
        asyncio.run(crawl())
    assert origin.hits == []
