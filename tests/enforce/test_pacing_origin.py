"""The crawl-delay holds as the origin sees it: its access log's arrival times are the evidence.

Before issue 21 a slot was booked at decision time and the request slept until it, so any
delay after the booking (connection set-up, a busy thread) shifted one request and not the
next: 20 concurrent httpx requests reached the origin 0.964 s apart for Crawl-delay: 1. Here
the inner transport delays every other request by 40 ms before sending it; a slot booked ahead
shows a gap of 0.16 s at the origin, the held slot never less than the crawl-delay.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import httpx
import pytest
from timed_site import TimedSite

DELAY = 0.2
JITTER = 0.04
REQUESTS = 8


@pytest.fixture
def timed_site() -> Iterator[TimedSite]:
    with TimedSite(f"User-agent: *\nCrawl-delay: {DELAY}\n", pages=REQUESTS) as site:
        yield site


class JitterTransport(httpx.BaseTransport):
    """Sends through a real HTTPTransport, after a pause on the even pages (a slow connect)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/p/") and int(request.url.path[3:]) % 2 == 0:
            time.sleep(JITTER)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncJitterTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/p/") and int(request.url.path[3:]) % 2 == 0:
            await asyncio.sleep(JITTER)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_concurrent_httpx_requests_reach_the_origin_a_full_crawl_delay_apart(
        timed_site: TimedSite, make_gate: Any) -> None:
    from gate.adapters.httpx import GatedTransport

    gate = make_gate()
    start = threading.Barrier(REQUESTS)
    with httpx.Client(transport=GatedTransport(gate, JitterTransport())) as client:
        def get(n: int) -> int:
            start.wait()
            return client.get(f"{timed_site.base}/p/{n}").status_code

        with ThreadPoolExecutor(REQUESTS) as pool:
            assert list(pool.map(get, range(REQUESTS))) == [200] * REQUESTS
    gaps = timed_site.gaps()
    assert len(gaps) == REQUESTS - 1
    assert min(gaps) >= DELAY, gaps


async def test_async_httpx_requests_reach_the_origin_a_full_crawl_delay_apart(
        timed_site: TimedSite, make_gate: Any) -> None:
    from gate.adapters.httpx import AsyncGatedTransport

    gate = make_gate()
    async with httpx.AsyncClient(transport=AsyncGatedTransport(gate, AsyncJitterTransport())) as client:
        responses = await asyncio.gather(*(client.get(f"{timed_site.base}/p/{n}") for n in range(REQUESTS)))
    assert [r.status_code for r in responses] == [200] * REQUESTS
    assert min(timed_site.gaps()) >= DELAY, timed_site.gaps()


def test_concurrent_requests_hops_reach_the_origin_a_full_crawl_delay_apart(
        timed_site: TimedSite, make_gate: Any) -> None:
    import requests

    from gate.enforce.requests_hop import send_gated

    gate = make_gate()
    adapter = requests.adapters.HTTPAdapter()

    def slow_connect_send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if int((request.path_url or "/p/1")[3:]) % 2 == 0:
            time.sleep(JITTER)
        return adapter.send(request, **kwargs)

    start = threading.Barrier(REQUESTS)

    def get(n: int) -> int:
        prepared = requests.Request("GET", f"{timed_site.base}/p/{n}").prepare()
        start.wait()
        return send_gated(gate, slow_connect_send, prepared, timeout=10).status_code

    with ThreadPoolExecutor(REQUESTS) as pool:
        assert list(pool.map(get, range(REQUESTS))) == [200] * REQUESTS
    adapter.close()
    assert min(timed_site.gaps()) >= DELAY, timed_site.gaps()
