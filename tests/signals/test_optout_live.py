"""OptOutFetcher against a real local HTTP server (pytest-httpserver): tdmrep.json with location
patterns, the fetch outcomes (404, 403, 429, 5xx, timeout, refused, redirects, soft 404,
oversized), the per-origin cache (TTL, LRU bound, single flight) and the page-response path."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gate.signals.optout import TDMREP_PATH, OptOutFetcher
from gate.signals.optout_parse import MAX_TDMREP_BYTES

UA = "ExampleBot/1.0 (+https://example.com/bot)"
FILE = json.dumps([
    {"location": "/articles/free/", "tdm-reservation": 0},
    {"location": "/articles/", "tdm-reservation": 1, "tdm-policy": "https://p.example/policy.json"},
    {"location": "/*.pdf$", "tdm-reservation": 1},
])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fetcher(clock: Clock):
    with OptOutFetcher(UA, timeout=2.0, clock=clock) as f:
        yield f


def base(server: HTTPServer, host: str = "localhost") -> str:
    return f"http://{host}:{server.port}"


def tdmrep_hits(server: HTTPServer) -> int:
    return sum(1 for req, _ in server.log if req.path == TDMREP_PATH)


def test_file_with_location_patterns(httpserver: HTTPServer, fetcher: OptOutFetcher) -> None:
    httpserver.expect_request(TDMREP_PATH).respond_with_data(FILE, content_type="application/json")
    b = base(httpserver)
    cases = {
        "/articles/2026/a.html": (True, "https://p.example/policy.json"),
        "/articles/free/b.html": (False, None),
        "/docs/x.pdf": (True, None),
        "/docs/x.pdf?download=1": (False, None),
        "/": (False, None),
    }
    for path, (reserved, policy) in cases.items():
        s = fetcher.check(b + path).to_signal()
        assert (s["status"], s["tdm_reserved"], s["tdm_policy"]) == ("ok", reserved, policy), path
    s = fetcher.check(b + "/articles/x").to_signal()
    assert s["sources"] == [{"signal": "tdmrep.json", "value": "1", "reserves_tdm": True,
                             "where": f"{b}{TDMREP_PATH} (rule 2, location '/articles/')"}]
    assert tdmrep_hits(httpserver) == 1 and fetcher.fetch_count == 1
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == UA
    result = fetcher.tdmrep(b + "/x")
    assert result.from_cache and result.sha256 and result.http_status == 200


@pytest.mark.parametrize("status, outcome", [(404, "absent"), (410, "absent"), (403, "absent"),
                                             (429, "unreachable"), (500, "unreachable"), (503, "unreachable")])
def test_status_codes(httpserver: HTTPServer, fetcher: OptOutFetcher, status: int, outcome: str) -> None:
    httpserver.expect_request(TDMREP_PATH).respond_with_data("x", status=status)
    result = fetcher.tdmrep(base(httpserver) + "/page")
    assert (result.status, result.http_status) == (outcome, status)
    s = fetcher.check(base(httpserver) + "/page").to_signal()
    assert s["status"] == ("ok" if outcome == "absent" else "unreachable")
    assert s["tdm_reserved"] is False and s["ai_train"] == "unknown"


def test_unreachable_is_cached_briefly_then_retried(httpserver: HTTPServer, fetcher: OptOutFetcher,
                                                    clock: Clock) -> None:
    httpserver.expect_ordered_request(TDMREP_PATH).respond_with_data("down", status=503)
    httpserver.expect_ordered_request(TDMREP_PATH).respond_with_data(FILE, content_type="application/json")
    url = base(httpserver) + "/articles/a"
    assert fetcher.check(url).status == "unreachable"
    assert fetcher.check(url).status == "unreachable"  # cached
    assert tdmrep_hits(httpserver) == 1 and fetcher.cache_state(url) == "fresh"
    clock.now += fetcher.unreachable_ttl + 1
    assert fetcher.cache_state(url) == "expired"
    s = fetcher.check(url)
    assert (s.status, s.tdm_reserved) == ("ok", True)
    assert tdmrep_hits(httpserver) == 2


def test_file_cached_for_ttl(httpserver: HTTPServer, fetcher: OptOutFetcher, clock: Clock) -> None:
    httpserver.expect_request(TDMREP_PATH).respond_with_data(FILE, content_type="application/json")
    url = base(httpserver) + "/articles/a"
    for _ in range(5):
        fetcher.check(url)
    clock.now += fetcher.ttl - 1
    fetcher.check(url)
    assert tdmrep_hits(httpserver) == 1
    clock.now += 2
    fetcher.check(url)
    assert tdmrep_hits(httpserver) == 2


def test_timeout_is_unreachable(httpserver: HTTPServer, clock: Clock) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(FILE, content_type="application/json")

    httpserver.expect_request(TDMREP_PATH).respond_with_handler(slow)
    with OptOutFetcher(UA, timeout=0.2, clock=clock) as f:
        result = f.tdmrep(base(httpserver) + "/")
    assert result.status == "unreachable" and "Timeout" in (result.error or "")


def test_connection_refused_is_unreachable(fetcher: OptOutFetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = fetcher.check(f"http://127.0.0.1:{port}/a").to_signal()
    assert s["status"] == "unreachable" and s["errors"] and "ConnectionError" in s["errors"][0]


@pytest.mark.parametrize("hops, status", [(3, "ok"), (5, "ok"), (6, "unreachable")])
def test_redirect_chains(httpserver: HTTPServer, fetcher: OptOutFetcher, hops: int, status: str) -> None:
    chain = [TDMREP_PATH] + [f"/hop{i}" for i in range(1, hops + 1)]
    for here, there in zip(chain, chain[1:]):
        httpserver.expect_request(here).respond_with_data("", status=302, headers={"Location": there})
    httpserver.expect_request(chain[-1]).respond_with_data(FILE, content_type="application/json")
    result = fetcher.tdmrep(base(httpserver) + "/articles/a")
    assert result.status == status
    if status == "ok":
        assert fetcher.check(base(httpserver) + "/articles/a").tdm_reserved is True


def test_soft_404_html_is_absent(httpserver: HTTPServer, fetcher: OptOutFetcher) -> None:
    httpserver.expect_request(TDMREP_PATH).respond_with_data("<html>Not here</html>", content_type="text/html")
    s = fetcher.check(base(httpserver) + "/a").to_signal()
    assert s["status"] == "ok" and s["tdm_reserved"] is False
    assert s["errors"] and "not JSON" in s["errors"][0]


def test_oversized_file_is_unreachable(httpserver: HTTPServer, fetcher: OptOutFetcher) -> None:
    big = json.dumps([{"location": "/", "tdm-reservation": 1, "pad": "x" * MAX_TDMREP_BYTES}])
    httpserver.expect_request(TDMREP_PATH).respond_with_data(big, content_type="application/json")
    result = fetcher.tdmrep(base(httpserver) + "/")
    assert result.status == "unreachable" and "larger than" in (result.error or "")


def test_cache_is_bounded_lru(httpserver: HTTPServer, clock: Clock) -> None:
    httpserver.expect_request(TDMREP_PATH).respond_with_data(FILE, content_type="application/json")
    a, b = base(httpserver, "localhost") + "/", base(httpserver, "127.0.0.1") + "/"
    with OptOutFetcher(UA, max_entries=1, clock=clock) as f:
        for url in (a, a, b, b, a):
            f.tdmrep(url)
        assert f.fetch_count == 3
        assert f.cache_state(a) == "fresh" and f.cache_state(b) == "missing"


def test_single_flight(httpserver: HTTPServer, fetcher: OptOutFetcher) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response(FILE, content_type="application/json")

    httpserver.expect_request(TDMREP_PATH).respond_with_handler(slow)
    url = base(httpserver) + "/articles/x"
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(fetcher.check(url).tdm_reserved)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [True] * 8
    assert tdmrep_hits(httpserver) == 1 and fetcher.fetch_count == 1


def test_from_response_of_a_real_page_fetch(httpserver: HTTPServer, fetcher: OptOutFetcher) -> None:
    httpserver.expect_request(TDMREP_PATH).respond_with_data(FILE, content_type="application/json")
    html = ('<html><head><meta name="tdm-policy" content="https://p.example/meta-policy">'
            '<meta name="robots" content="index, follow"></head><body>hi</body></html>')
    headers = [("tdm-reservation", "0"), ("X-Robots-Tag", "otherbot: noindex"),
               ("X-Robots-Tag", "examplebot: noai"), ("X-Robots-Tag", "noimageai")]
    httpserver.expect_request("/articles/a.html").respond_with_response(
        Response(html, headers=headers, content_type="text/html; charset=utf-8"))
    url = base(httpserver) + "/articles/a.html"
    resp = requests.get(url, headers={"User-Agent": UA}, timeout=5)
    s = fetcher.from_response(url, resp.raw.headers, resp.content).to_signal()
    # TDMRep: the header (0) supersedes the file (1) ...
    assert s["sources"][:2] == [
        {"signal": "tdmrep.json", "value": "1 (superseded by tdm-reservation header)", "reserves_tdm": False,
         "where": f"{base(httpserver)}{TDMREP_PATH} (rule 2, location '/articles/')"},
        {"signal": "tdm-reservation header", "value": "0", "where": "header tdm-reservation", "reserves_tdm": False},
    ]
    assert s["tdm_policy"] is None
    # ... but X-Robots-Tag, read line by line, still reserves.
    assert s["sources"][2:] == [
        {"signal": "x-robots-tag", "value": "examplebot: noai", "where": "header X-Robots-Tag", "reserves_tdm": True},
        {"signal": "x-robots-tag", "value": "noimageai", "where": "header X-Robots-Tag", "reserves_tdm": True},
    ]
    assert (s["status"], s["tdm_reserved"], s["ai_train"], s["search"]) == ("ok", True, "reserved", "unknown")


def test_from_response_meta_overrides_and_robots_txt(httpserver: HTTPServer, fetcher: OptOutFetcher) -> None:
    httpserver.expect_request(TDMREP_PATH).respond_with_data("nope", status=404)
    html = '<html><head><meta name="tdm-reservation" content="1"></head></html>'
    httpserver.expect_request("/p").respond_with_data(html, content_type="text/html",
                                                      headers={"tdm-reservation": "0"})
    url = base(httpserver) + "/p"
    resp = requests.get(url, timeout=5)
    robots = "User-agent: *\nContent-Signal: search=yes, ai-input=no\n"
    s = fetcher.from_response(url, resp.headers, resp.text, robots_txt=robots).to_signal()
    assert (s["tdm_reserved"], s["ai_input"], s["search"]) == (True, "reserved", "allowed")
    assert s["sources"][-1] == {"signal": "content-signal", "value": "search=yes, ai-input=no",
                                "where": f"{base(httpserver)}/robots.txt line 2", "reserves_tdm": False}
