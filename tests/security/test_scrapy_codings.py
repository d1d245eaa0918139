"""The Scrapy middleware's response phase reads the body the spider reads, whatever the
middleware order (a real crawl against a real origin, under the shipped policies).

Found by probing from outside (2026-12-03): with the middleware at priority 800 (its
process_response then runs before HttpCompressionMiddleware's, at 590) or with
COMPRESSION_ENABLED = False, a gzip-encoded staff page (names, e-mail addresses, phone
numbers) reached a `non_personal` job's spider: the classifiers read compressed bytes."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import brotli
import pytest
import yaml
from origin import Origin
from scrapy_crawl import run_crawl, spider_script

from local_site import JOB

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

TEAM = ("<!doctype html><html><body><h1>Our team</h1><ul>"
        "<li>Ana López, <a href='mailto:ana.lopez@correo-ejemplo.es'>ana.lopez@correo-ejemplo.es</a>, +34 912 345 678</li>"
        "<li>Jan Novak, <a href='mailto:jan.novak@posta-priklad.cz'>jan.novak@posta-priklad.cz</a>, +420 601 123 456</li>"
        "</ul></body></html>").encode()
SPIDER = spider_script('''
class Team(Spider):
    name = "team"
    start_urls = [base + "/team-gzip", base + "/team-br-gzip"]

    def parse(self, response):
        seen.append(response.url)
''', "Team", RETRY_ENABLED=False, LOG_LEVEL="INFO")
ORDERS: dict[str, dict[str, Any]] = {
    "priority-100": {"DOWNLOADER_MIDDLEWARES": {"gate.adapters.scrapy.ScrapegateMiddleware": 100}},
    "priority-800": {"DOWNLOADER_MIDDLEWARES": {"gate.adapters.scrapy.ScrapegateMiddleware": 800}},
    "compression-off": {"DOWNLOADER_MIDDLEWARES": {"gate.adapters.scrapy.ScrapegateMiddleware": 100},
                        "COMPRESSION_ENABLED": False},
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_an_encoded_page_is_inspected_as_the_spider_reads_it(tmp_path: Path, order: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    job = {**JOB, "spec": {**JOB["spec"], "targeting": "targeted"}}
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(job))
    monkeypatch.setenv("SCRAPEGATE_LEDGER", str(tmp_path / "ledger.db"))
    settings = {**ORDERS[order], "SCRAPEGATE_JOB": str(tmp_path / "job.yaml")}
    settings["DOWNLOADER_MIDDLEWARES"] = {**settings["DOWNLOADER_MIDDLEWARES"],
                                          "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None}
    with Origin(robots="User-agent: *\nAllow: /\n") as origin:
        html = "text/html; charset=utf-8"
        origin.route("/team-gzip", body=gzip.compress(TEAM), content_type=html, headers={"Content-Encoding": "gzip"})
        origin.route("/team-br-gzip", body=gzip.compress(brotli.compress(TEAM)), content_type=html,
                     headers={"Content-Encoding": "br, gzip"})
        proc, stats, seen = run_crawl(tmp_path, SPIDER, origin.base, settings, timeout=150)
        assert proc.returncode == 0, proc.stderr[-3000:]
        arrived = origin.arrived()
    out = {"seen": seen, "stats": stats}
    assert sorted(arrived) == ["/team-br-gzip", "/team-gzip"]  # fetched, then withheld
    assert out["seen"] == [], out["stats"]
    assert out["stats"]["scrapegate/withheld/content.undeclared_category"] == 2
