"""Fetching robots.txt (gate.signals.robots_fetch) against real local HTTP servers."""

from __future__ import annotations

import gzip
import hashlib
import socket
import time
from typing import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gate.signals.robots_fetch import ROBOTS_MAX_BYTES, RobotsFetcher, RobotsResult

UA = "ExampleBot/1.0 (+https://example.com/bot)"
ROBOTS = "User-agent: *\nDisallow: /private/\n\nUser-agent: ExampleBot\nDisallow: /photos\nCrawl-delay: 3\n"


@pytest.fixture
def fetcher() -> Iterator[RobotsFetcher]:
    with RobotsFetcher(timeout=5.0) as f:
        yield f


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


def _redirect(location: str, status: int = 301) -> Response:
    return Response(status=status, headers={"Location": location})


def test_200_parses_and_applies_the_rules(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS, content_type="text/plain")
    result = fetcher.fetch(httpserver.url_for("/some/page"), UA)
    assert (result.status, result.http_status, result.redirects, result.error) == ("ok", 200, 0, None)
    assert result.final_url == httpserver.url_for("/robots.txt")
    assert result.sha256 == hashlib.sha256(ROBOTS.encode()).hexdigest()
    assert result.text == ROBOTS
    assert result.signal(httpserver.url_for("/photos/1"), UA) == {
        "status": "ok", "allowed": False, "crawl_delay": 3.0, "rule": "Disallow: /photos",
        "sha256": result.sha256,
    }
    assert result.allowed(httpserver.url_for("/private/x"), UA)  # the * group is not ExampleBot's
    assert not result.allowed(httpserver.url_for("/private/x"), "OtherBot")
    # robots.txt is fetched with the job's own user agent, once.
    assert len(httpserver.log) == 1
    assert httpserver.log[0][0].headers["User-Agent"] == UA


@pytest.mark.parametrize("status", [404, 403, 401, 410])
def test_4xx_is_unavailable_and_allows_everything(httpserver: HTTPServer, fetcher: RobotsFetcher,
                                                   status: int) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n", status=status)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert (result.status, result.http_status, result.robots) == ("unavailable", status, None)
    assert result.signal(httpserver.url_for("/anything"), UA) == {
        "status": "unavailable", "allowed": True, "crawl_delay": None, "rule": None, "sha256": None,
    }


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_5xx_and_429_are_unreachable_and_disallow_everything(httpserver: HTTPServer, fetcher: RobotsFetcher,
                                                             status: int) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", status=status)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert (result.status, result.http_status) == ("unreachable", status)
    assert str(status) in (result.error or "")
    assert result.signal(httpserver.url_for("/anything"), UA) == {
        "status": "unreachable", "allowed": False, "crawl_delay": None, "rule": None, "sha256": None,
    }


def test_timeout_is_unreachable(other_server: HTTPServer) -> None:
    # Its own server: the sleeping handler must not hold up the shared one.
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("User-agent: *\nAllow: /\n")

    other_server.expect_request("/robots.txt").respond_with_handler(slow)
    started = time.monotonic()
    with RobotsFetcher(timeout=0.2) as fetcher:
        result = fetcher.fetch(other_server.url_for("/"), UA)
    assert result.status == "unreachable"
    assert "timeout" in (result.error or "").lower()
    assert not result.allowed(other_server.url_for("/x"), UA)
    assert time.monotonic() - started < 0.9  # did not wait for the server


def test_connection_refused_is_unreachable(fetcher: RobotsFetcher) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = fetcher.fetch(f"http://127.0.0.1:{port}/x", UA)
    assert (result.status, result.http_status) == ("unreachable", None)
    assert "ConnectionError" in (result.error or "")


def test_redirect_chain_of_3_hops_across_hosts(httpserver: HTTPServer, other_server: HTTPServer,
                                               fetcher: RobotsFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_response(_redirect("/hop1", 301))
    httpserver.expect_request("/hop1").respond_with_response(_redirect(httpserver.url_for("/hop2"), 302))
    httpserver.expect_request("/hop2").respond_with_response(_redirect(other_server.url_for("/real-robots.txt"), 307))
    other_server.expect_request("/real-robots.txt").respond_with_data(ROBOTS)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert (result.status, result.redirects) == ("ok", 3)
    assert result.final_url == other_server.url_for("/real-robots.txt")
    assert result.origin == httpserver.url_for("/").rstrip("/")  # rules apply to the first origin
    assert not result.allowed(httpserver.url_for("/photos/1"), UA)
    assert len(httpserver.log) == 3 and len(other_server.log) == 1
    assert all(req.headers["User-Agent"] == UA for req, _ in httpserver.log + other_server.log)


def _chain(server: HTTPServer, hops: int) -> None:
    server.expect_request("/robots.txt").respond_with_response(_redirect("/r1"))
    for i in range(1, hops):
        server.expect_request(f"/r{i}").respond_with_response(_redirect(f"/r{i + 1}", 308))
    server.expect_request(f"/r{hops}").respond_with_data("User-agent: *\nDisallow: /x\n")


def test_redirect_chain_of_5_hops_is_followed(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    _chain(httpserver, 5)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert (result.status, result.redirects) == ("ok", 5)
    assert not result.allowed(httpserver.url_for("/x"), UA)


def test_redirect_chain_of_6_hops_is_unreachable(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    _chain(httpserver, 6)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert (result.status, result.redirects, result.http_status) == ("unreachable", 5, 308)
    assert "more than 5 redirects" in (result.error or "")
    assert len(httpserver.log) == 6  # the sixth redirect is seen, never followed
    assert not result.allowed(httpserver.url_for("/y"), UA)


@pytest.mark.parametrize(
    "response, error",
    [
        (Response(status=302), "without a Location"),
        (_redirect("ftp://example.com/robots.txt"), "non-HTTP"),
        (_redirect("/robots.txt"), "more than 5 redirects"),  # a loop
    ],
)
def test_unusable_redirects_are_unreachable(httpserver: HTTPServer, fetcher: RobotsFetcher,
                                            response: Response, error: str) -> None:
    httpserver.expect_request("/robots.txt").respond_with_response(response)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert result.status == "unreachable"
    assert error in (result.error or "")


def test_2_mb_file_is_read_up_to_the_limit(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    head = "User-agent: *\nDisallow: /first\n"
    filler = "".join(f"Disallow: /archive/{i:07d}/\n" for i in range(80_000))  # ~2.2 MB
    cut = filler.index("\n", 470 * 1024) + 1
    body = head + filler[:cut] + "Disallow: /at-470k\n" + filler[cut:] + "Disallow: /at-the-end\n"
    assert len(body) > 2 * 1024 * 1024
    httpserver.expect_request("/robots.txt").respond_with_data(body)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert (result.status, result.truncated) == ("ok", True)
    assert 500 * 1024 <= result.size <= ROBOTS_MAX_BYTES
    assert not result.allowed(httpserver.url_for("/first/x"), UA)
    assert not result.allowed(httpserver.url_for("/at-470k"), UA)
    assert result.allowed(httpserver.url_for("/at-the-end"), UA)  # beyond the limit: ignored
    assert result.allowed(httpserver.url_for("/public"), UA)
    # The body was cut after its last complete line: no half rule was parsed.
    assert result.robots is not None
    values = [r.value for g in result.robots.groups for r in g.rules]
    assert all(v.endswith("/") or v in ("/first", "/at-470k") for v in values)


def test_binary_body_does_not_crash(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    body = bytes(range(256)) * 4096 + b"\x00\xff\xfe" * 1000
    httpserver.expect_request("/robots.txt").respond_with_data(body, content_type="application/octet-stream")
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert result.status == "ok"
    assert result.allowed(httpserver.url_for("/x"), UA)


def test_bom_and_crlf(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    body = b"\xef\xbb\xbfUser-agent: ExampleBot\r\nDisallow: /private\r\n"
    httpserver.expect_request("/robots.txt").respond_with_data(body)
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert result.status == "ok"
    assert result.signal(httpserver.url_for("/private/a"), UA)["rule"] == "Disallow: /private"


def test_gzip_encoded_body_is_decoded(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        gzip.compress(ROBOTS.encode()), headers={"Content-Encoding": "gzip"})
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert result.status == "ok"
    assert not result.allowed(httpserver.url_for("/photos"), UA)


def test_empty_and_html_bodies_have_no_rules(httpserver: HTTPServer, fetcher: RobotsFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("<html><body>Not here</body></html>",
                                                               content_type="text/html")
    assert fetcher.fetch(httpserver.url_for("/"), UA).allowed(httpserver.url_for("/x"), UA)
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("")
    result = fetcher.fetch(httpserver.url_for("/"), UA)
    assert (result.status, result.size) == ("ok", 0)


def test_not_checked_result() -> None:
    result = RobotsResult.not_checked("https://example.com")
    assert result.signal("https://example.com/x", UA) == {
        "status": "not_checked", "allowed": None, "crawl_delay": None, "rule": None, "sha256": None,
    }
    assert not result.allowed("https://example.com/x", UA)  # asked directly: fail closed


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan")])
def test_a_timeout_that_fails_every_fetch_is_refused_at_construction(bad: float) -> None:
    """0 or less would fail every fetch, and the failure would be cached as the site's."""
    from gate.signals.live import LiveSignals

    with pytest.raises(ValueError, match="timeout"):
        RobotsFetcher(timeout=bad)
    with pytest.raises(ValueError, match="timeout"):
        LiveSignals(timeout=bad)
