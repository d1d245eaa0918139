"""@guard: requests made through requests, httpx and urllib3 inside a guarded call are
gated; the same requests outside it, in other threads or in other tasks are not."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import urllib3

from gate.errors import CollectionBlocked

from local_site import JOB, PROHIBITED_HOST, Site, ledger_rows, signals_source


def serve(site: Site) -> None:
    site.robots()
    site.page("/a", "page a")
    for path in ("/private/x", "/private/y", "/private/outside", "/b"):
        site.page(path, "private")
    site.redirect("/r-other", f"{site.other_base}/b")
    site.redirect("/r-private", "/private/y")


def _pool_get(url: str) -> int:
    """urllib3's connection pool following a redirect itself (a recursive urlopen)."""
    parts = urllib3.util.parse_url(url)
    with urllib3.HTTPConnectionPool(parts.host, parts.port) as pool:
        return pool.request("GET", parts.request_uri, redirect=True).status


_HTTPX = httpx.Client(follow_redirects=True)  # made before the hooks exist: hooked all the same

CLIENTS = {
    "requests": lambda url: requests.get(url, timeout=5).status_code,
    "requests-session": lambda url: requests.Session().get(url, timeout=5).status_code,
    "httpx": lambda url: _HTTPX.get(url).status_code,
    "urllib3": lambda url: urllib3.PoolManager().request("GET", url).status,
    "urllib3-toplevel": lambda url: urllib3.request("GET", url).status,
    "urllib3-pool": _pool_get,
}


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_every_client_is_gated_inside_the_call_only(site: Site, make_gate: Any, client: str) -> None:
    serve(site)
    get = CLIENTS[client]

    @make_gate().guard
    def crawl() -> list[Any]:
        out: list[Any] = [get(site.base + "/a")]
        for path in ("/private/x", "/r-other", "/r-private"):
            try:
                out.append(get(site.base + path))
            except CollectionBlocked as exc:
                out.append(exc.decision.deny_codes[0])
        return out

    assert crawl() == [200, "robots.disallowed", "terms.automated_collection_prohibited", "robots.disallowed"]
    assert get(site.base + "/private/outside") == 200  # after the call: not gated
    log = site.log()
    assert ("127.0.0.1", "/a") in log and ("127.0.0.1", "/private/outside") in log
    assert not {("127.0.0.1", "/private/x"), ("127.0.0.1", "/private/y"), (PROHIBITED_HOST, "/b")} & set(log)


def test_one_decision_per_hop_and_none_for_the_gates_own_robots_fetch(site: Site, make_gate: Any,
                                                                     tmp_path: Path) -> None:
    from gate.adapters.requests import GatedSession

    serve(site)
    gate = make_gate(ledger=tmp_path / "l.db")

    @gate.guard
    def crawl() -> None:
        requests.get(site.base + "/a")
        with GatedSession(gate) as s:  # the adapter and the hooks share the gate: decided once
            s.get(site.base + "/a")

    crawl()
    rows = ledger_rows(tmp_path / "l.db")
    assert [r["url"].rsplit("/", 1)[-1] for r in rows] == ["a", "a"]
    assert all(r["collected_status"] == 200 for r in rows)


def test_an_adapter_with_another_gate_is_also_consulted(site: Site, make_gate: Any) -> None:
    from gate.adapters.requests import GatedSession

    serve(site)
    outer = make_gate()
    audit = make_gate(mode="audit")

    @outer.guard
    def crawl() -> None:
        with GatedSession(audit) as s:  # the audit session would let it through; the guard does not
            s.get(site.base + "/private/x")

    with pytest.raises(CollectionBlocked):
        crawl()
    assert "/private/x" not in site.paths()


def test_other_threads_are_not_gated(site: Site, make_gate: Any) -> None:
    serve(site)
    inside, done = threading.Event(), threading.Event()
    seen: list[int] = []

    def other_thread() -> None:
        inside.wait(10)
        seen.append(requests.get(site.base + "/private/outside").status_code)
        done.set()

    @make_gate().guard
    def crawl() -> None:
        inside.set()
        assert done.wait(10)
        with pytest.raises(CollectionBlocked):
            requests.get(site.base + "/private/x")

    t = threading.Thread(target=other_thread)
    t.start()
    crawl()
    t.join()
    assert seen == [200]
    assert "/private/x" not in site.paths()


async def test_async_function_and_other_tasks(site: Site, make_gate: Any) -> None:
    serve(site)
    started = asyncio.Event()

    @make_gate().guard
    async def crawl() -> tuple[int, list[str]]:
        started.set()
        codes = []
        async with httpx.AsyncClient(follow_redirects=True) as c:
            ok = (await c.get(site.base + "/a")).status_code
            for path in ("/private/x", "/r-other"):
                try:
                    await c.get(site.base + path)
                except CollectionBlocked as exc:
                    codes.append(exc.decision.deny_codes[0])
            await asyncio.sleep(0.05)  # let the other task run while this call is active
        return ok, codes

    async def bystander() -> int:
        await started.wait()
        async with httpx.AsyncClient() as c:
            return (await c.get(site.base + "/private/outside")).status_code

    (ok, codes), other = await asyncio.gather(crawl(), bystander())
    assert (ok, codes, other) == (200, ["robots.disallowed", "terms.automated_collection_prohibited"], 200)
    assert "/private/x" not in site.paths() and (PROHIBITED_HOST, "/b") not in site.log()


async def test_sync_client_inside_async_function(site: Site, make_gate: Any) -> None:
    serve(site)

    @make_gate().guard
    async def crawl() -> None:
        requests.get(site.base + "/private/x")

    with pytest.raises(CollectionBlocked):
        await crawl()
    assert site.paths() == []


def test_generator_is_gated_while_it_runs_not_between_items(site: Site, make_gate: Any) -> None:
    serve(site)

    @make_gate().guard
    def pages(paths: list[str]) -> Any:
        for path in paths:
            try:
                yield requests.get(site.base + path).status_code
            except CollectionBlocked as exc:
                yield exc.decision.deny_codes[0]
        return "done"

    got = []
    gen = pages(["/a", "/private/x"])
    for item in gen:
        got.append(item)
        got.append(requests.get(site.base + "/private/outside").status_code)  # the consumer: not gated
    assert got == [200, 200, "robots.disallowed", 200]
    assert "/private/x" not in site.paths()


def test_generator_close_and_throw_reach_the_generator(site: Site, make_gate: Any) -> None:
    serve(site)
    events: list[str] = []

    @make_gate().guard
    def pages() -> Any:
        try:
            while True:
                try:
                    yield 1
                except ValueError:
                    events.append("thrown")
                    yield 2
        finally:
            try:
                requests.get(site.base + "/private/x")  # cleanup code is gated too
            except CollectionBlocked:
                events.append("blocked in finally")

    gen = pages()
    assert next(gen) == 1 and gen.throw(ValueError) == 2
    gen.close()
    assert events == ["thrown", "blocked in finally"]


async def test_async_generator(site: Site, make_gate: Any) -> None:
    serve(site)

    @make_gate().guard
    async def pages(paths: list[str]) -> Any:
        async with httpx.AsyncClient() as c:
            for path in paths:
                try:
                    yield (await c.get(site.base + path)).status_code
                except CollectionBlocked as exc:
                    yield exc.decision.deny_codes[0]

    got = []
    async for item in pages(["/a", "/private/x"]):
        got.append(item)
        async with httpx.AsyncClient() as c:  # the consumer: not gated
            got.append((await c.get(site.base + "/private/outside")).status_code)
    assert got == [200, 200, "robots.disallowed", 200]


def test_guard_factory_in_audit_mode(site: Site, engine: Any, tmp_path: Path) -> None:
    import gate

    serve(site)

    @gate.guard(JOB, mode="audit", engine=engine, ledger=tmp_path / "l.db", signals=signals_source())
    def crawl() -> int:
        return requests.get(site.base + "/private/x").status_code

    try:
        assert crawl() == 200
    finally:
        crawl.gate.close()
    assert site.paths() == ["/private/x"]
    (row,) = ledger_rows(tmp_path / "l.db")
    assert (row["allow"], row["mode"], row["deny_codes"], row["collected_status"]) == (
        0, "audit", '["robots.disallowed"]', 200)


def test_crawl_delay_applies_under_guard(site: Site, make_gate: Any) -> None:
    import time

    site.robots("User-agent: *\nCrawl-delay: 0.2\n")
    site.page("/p", "ok")

    @make_gate().guard
    def crawl() -> float:
        start = time.monotonic()
        for _ in range(3):
            httpx.get(site.base + "/p")
        return time.monotonic() - start

    assert crawl() >= 0.2 * 2 * 0.9


@pytest.mark.parametrize("host, port, path, expected", [
    ("[::1]", 8443, "/x?y=1", "https://[::1]:8443/x?y=1"),
    ("example.com", None, "/", "https://example.com/"),
    ("proxy.internal", 3128, "http://other.example/abs", "http://other.example/abs"),  # an HTTP proxy's pool
])
def test_the_url_a_connection_pool_is_asked_for(host: str, port: Any, path: str, expected: str) -> None:
    from gate.enforce.hooks import pool_url

    assert pool_url(urllib3.HTTPSConnectionPool(host, port), path) == expected


def test_hooks_install_once_and_report_what_they_cover() -> None:
    from gate.enforce.hooks import install

    first = install()
    assert install() == first >= {"urllib3", "requests", "httpx"}
    assert getattr(urllib3.connectionpool.HTTPConnectionPool.urlopen, "__wrapped__", None) is not None
    assert not hasattr(urllib3.connectionpool.HTTPConnectionPool.urlopen.__wrapped__, "__wrapped__")
