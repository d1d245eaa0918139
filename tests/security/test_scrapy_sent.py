"""What the middlewares around the gate do to a request is read again: the headers as they are
sent, and a response a middleware ahead of the gate answered (a real Scrapy crawl against a
real origin whose access log shows what arrived).

Found by probing from outside (2026-12-03): the gate decides at priority 100; with
DEFAULT_REQUEST_HEADERS = {"X-Original-URL": ..., "X-Forwarded-Host": ...} (added at 400 by
DefaultHeadersMiddleware) or a random-agent middleware at 400, every request reached the
origin with the rewrite header, the foreign host or a browser's agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from origin import Origin
from scrapy_crawl import GATE_MIDDLEWARES, gate_settings, run_crawl, spider_script

from local_site import USER_AGENT, write_job, write_policy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SPIDER = spider_script('''
class RandomAgent:  # what scrapy-fake-useragent and its kind do, at 400
    def process_request(self, request, spider=None):
        request.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"

class Site(Spider):
    name = "site"
    start_urls = [base + "/"]

    def parse(self, response):
        yield response.follow("/ok", self.parse)
''', "Site", RETRY_ENABLED=False, LOG_LEVEL="INFO")
LATER: dict[str, tuple[dict[str, Any], str]] = {
    "default-rewrite-header": ({"DEFAULT_REQUEST_HEADERS": {"X-Original-URL": "/private/rewritten"}},
                               "request.rewrite_header"),
    "default-forwarded-host": ({"DEFAULT_REQUEST_HEADERS": {"X-Forwarded-Host": "evil.example"}},
                               "request.host_mismatch"),
    "random-agent-middleware": ({"DOWNLOADER_MIDDLEWARES": {**GATE_MIDDLEWARES["DOWNLOADER_MIDDLEWARES"],
                                                            "__main__.RandomAgent": 400}}, "request.agent_mismatch"),
}


@pytest.mark.parametrize("case", list(LATER))
def test_headers_set_after_the_gate_are_checked_as_sent(tmp_path: Path, case: str) -> None:
    extra, code = LATER[case]
    settings = gate_settings(tmp_path, **extra)
    with Origin() as origin:
        origin.route("/", body='<html><a href="/ok">ok</a></html>', content_type="text/html")
        proc, stats, _ = run_crawl(tmp_path, SPIDER, origin.base, settings)
        assert proc.returncode == 0, proc.stderr[-3000:]
        hits = list(origin.hits)
    assert [h.target for h in hits] == ["/robots.txt"], [(h.target, h.headers) for h in hits]
    assert {h.headers.get("User-Agent") for h in hits} == {USER_AGENT}
    assert stats[f"scrapegate/denied/{code}"] == 1 and stats["scrapegate/denied_as_sent"] == 1


CACHE_SPIDER = spider_script('''
class Site(Spider):
    name = "site"
    start_urls = [base + "/", base + "/private/p"]

    def parse(self, response):
        seen.append(response.url.split("/", 3)[-1])
''', "Site", RETRY_ENABLED=False, LOG_LEVEL="INFO", HTTPCACHE_ENABLED=True, HTTPCACHE_DIR="cache")


def test_a_page_answered_ahead_of_the_gate_is_decided_before_the_spider_gets_it(tmp_path: Path) -> None:
    """Found 2026-12-03: with the middleware listed above HttpCacheMiddleware (900), a page
    cached by an earlier crawl without the gate reached the spider undecided and uninspected."""
    gated = {"DOWNLOADER_MIDDLEWARES": {"gate.adapters.scrapy.ScrapegateMiddleware": 950,
                                        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None},
             "SCRAPEGATE_JOB": str(write_job(tmp_path / "job.yaml")),
             "SCRAPEGATE_POLICIES": [str(write_policy(tmp_path / "policies"))],
             "SCRAPEGATE_SHIPPED_POLICIES": False, "SCRAPEGATE_LEDGER": str(tmp_path / "ledger.db")}
    runs = []
    with Origin() as origin:
        for settings in ({**gated, "SCRAPEGATE_ENABLED": False}, gated):  # the first crawl fills the cache
            proc, stats, seen = run_crawl(tmp_path, CACHE_SPIDER, origin.base, settings)
            assert proc.returncode == 0, proc.stderr[-3000:]
            runs.append((origin.arrived(), {"seen": seen, "stats": stats}))
            origin.hits.clear()
    (first_arrived, first), (arrived, second) = runs
    assert first["seen"] == ["", "private/p"] and sorted(first_arrived) == ["/", "/private/p"]
    assert arrived == []  # the second crawl is served from the cache
    assert second["seen"] == [""], second["stats"]
    assert second["stats"]["scrapegate/denied/robots.disallowed"] == 1
