"""What the middlewares around the gate do to a request is read again: the headers as they are
sent, and a response a middleware ahead of the gate answered (a real Scrapy crawl against a
real origin whose access log shows what arrived).

Found by probing from outside (2026-12-03): the gate decides at priority 100; with
DEFAULT_REQUEST_HEADERS = {"X-Original-URL": ..., "X-Forwarded-Host": ...} (added at 400 by
DefaultHeadersMiddleware) or a random-agent middleware at 400, every request reached the
origin with the rewrite header, the foreign host or a browser's agent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from origin import Origin

from local_site import USER_AGENT, write_job, write_policy

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from scrapy_bench import GATE_MIDDLEWARES  # noqa: E402 - the benchmark's settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SPIDER = '''
import json, sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess

base, out, settings_json = sys.argv[1], sys.argv[2], sys.argv[3]

class RandomAgent:  # what scrapy-fake-useragent and its kind do, at 400
    def process_request(self, request, spider=None):
        request.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"

class Site(Spider):
    name = "site"
    start_urls = [base + "/"]

    def parse(self, response):
        yield response.follow("/ok", self.parse)

settings = {"ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "RETRY_ENABLED": False, "LOG_LEVEL": "INFO"}
settings.update(json.loads(settings_json))
process = CrawlerProcess(settings=settings)
crawler = process.create_crawler(Site)
process.crawl(crawler)
process.start()
with open(out, "w") as fh:
    json.dump(crawler.stats.get_stats(), fh, default=str)
'''
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
    settings = {**GATE_MIDDLEWARES, **extra, "SCRAPEGATE_JOB": str(write_job(tmp_path / "job.yaml")),
                "SCRAPEGATE_POLICIES": [str(write_policy(tmp_path / "policies"))],
                "SCRAPEGATE_SHIPPED_POLICIES": False, "SCRAPEGATE_LEDGER": str(tmp_path / "ledger.db")}
    with Origin() as origin:
        origin.route("/", body='<html><a href="/ok">ok</a></html>', content_type="text/html")
        (tmp_path / "crawl.py").write_text(SPIDER)
        proc = subprocess.run([sys.executable, str(tmp_path / "crawl.py"), origin.base, str(tmp_path / "stats.json"),
                               json.dumps(settings)], capture_output=True, text=True, timeout=90, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        hits = list(origin.hits)
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert [h.target for h in hits] == ["/robots.txt"], [(h.target, h.headers) for h in hits]
    assert {h.headers.get("User-Agent") for h in hits} == {USER_AGENT}
    assert stats[f"scrapegate/denied/{code}"] == 1 and stats["scrapegate/denied_as_sent"] == 1


CACHE_SPIDER = '''
import json, sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess

base, out, settings_json = sys.argv[1], sys.argv[2], sys.argv[3]
seen = []

class Site(Spider):
    name = "site"
    start_urls = [base + "/", base + "/private/p"]

    def parse(self, response):
        seen.append(response.url.split("/", 3)[-1])

settings = {"ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "RETRY_ENABLED": False, "LOG_LEVEL": "INFO",
            "HTTPCACHE_ENABLED": True, "HTTPCACHE_DIR": "cache"}
settings.update(json.loads(settings_json))
process = CrawlerProcess(settings=settings)
crawler = process.create_crawler(Site)
process.crawl(crawler)
process.start()
with open(out, "w") as fh:
    json.dump({"seen": sorted(seen), "stats": crawler.stats.get_stats()}, fh, default=str)
'''


def test_a_page_answered_ahead_of_the_gate_is_decided_before_the_spider_gets_it(tmp_path: Path) -> None:
    """Found 2026-12-03: with the middleware listed above HttpCacheMiddleware (900), a page
    cached by an earlier crawl without the gate reached the spider undecided and uninspected."""
    gated = {"DOWNLOADER_MIDDLEWARES": {"gate.adapters.scrapy.ScrapegateMiddleware": 950,
                                        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None},
             "SCRAPEGATE_JOB": str(write_job(tmp_path / "job.yaml")),
             "SCRAPEGATE_POLICIES": [str(write_policy(tmp_path / "policies"))],
             "SCRAPEGATE_SHIPPED_POLICIES": False, "SCRAPEGATE_LEDGER": str(tmp_path / "ledger.db")}
    (tmp_path / "crawl.py").write_text(CACHE_SPIDER)
    runs = []
    with Origin() as origin:
        for settings in ({**gated, "SCRAPEGATE_ENABLED": False}, gated):  # the first crawl fills the cache
            proc = subprocess.run([sys.executable, str(tmp_path / "crawl.py"), origin.base, str(tmp_path / "out.json"),
                                   json.dumps(settings)], capture_output=True, text=True, timeout=90, cwd=tmp_path)
            assert proc.returncode == 0, proc.stderr[-3000:]
            runs.append((origin.arrived(), json.loads((tmp_path / "out.json").read_text())))
            origin.hits.clear()
    (first_arrived, first), (arrived, second) = runs
    assert first["seen"] == ["", "private/p"] and sorted(first_arrived) == ["/", "/private/p"]
    assert arrived == []  # the second crawl is served from the cache
    assert second["seen"] == [""], second["stats"]
    assert second["stats"]["scrapegate/denied/robots.disallowed"] == 1
