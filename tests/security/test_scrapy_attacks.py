"""Classes 1 and 11 in a real Scrapy crawl (a subprocess, as tests/adapters/test_adapter_scrapy.py
runs it): links spelled to reach a robots-disallowed path never arrive, and every allowed
request the origin logged - its 302 included - is counted as collected."""

from __future__ import annotations

from pathlib import Path

import pytest
from origin import Origin
from scrapy_crawl import FOLLOW_LINKS, GATE_MIDDLEWARES, gate_settings, run_crawl, spider_script

from local_site import USER_AGENT, ledger_rows, write_job, write_policy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
SPELLED = ["//private/a", "/%2Fprivate/b", "/x/..%2Fprivate/c", "/;/private/d", "/..;/private/e"]


def test_scrapy_crawl_never_sends_a_spelled_private_path(tmp_path: Path) -> None:
    with Origin() as origin:
        links = "".join(f'<a href="{origin.base}{p}">x</a>' for p in [*SPELLED, "/ok", "/r"])
        origin.route("/", body=f"<html>{links}</html>", content_type="text/html")
        origin.route("/r", status=302, body="", headers={"Location": "/final"})
        origin.route("/ok", body="<html>ok</html>", content_type="text/html")
        origin.route("/final", body="<html>final</html>", content_type="text/html")
        proc, stats, _ = run_crawl(tmp_path, FOLLOW_LINKS, origin.base + "/", gate_settings(tmp_path))
        assert proc.returncode == 0, proc.stderr[-3000:]
        arrived = origin.arrived()
    assert not [p for p in arrived if "private" in p], arrived
    assert sorted(arrived) == ["/", "/final", "/ok", "/r"]
    assert stats["scrapegate/denied/robots.disallowed"] == len(SPELLED)
    assert stats["scrapegate/collected"] == stats["scrapegate/allowed"] == len(arrived)
    assert sum(1 for r in ledger_rows(tmp_path / "ledger.db") if r["collected_status"] == 302) == 1


HEADER_SPIDER = spider_script('''
class Headers(Spider):
    name = "headers"

    async def start(self):
        yield Request(base + "/h", headers={"Host": "www.facebook.com"}, dont_filter=True)
        yield Request(base + "/u", headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
        yield Request(base + "/ok")

    def start_requests(self):  # Scrapy < 2.13
        yield Request(base + "/h", headers={"Host": "www.facebook.com"}, dont_filter=True)
        yield Request(base + "/u", headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
        yield Request(base + "/ok")

    def parse(self, response):
        return None
''', "Headers", RETRY_ENABLED=False)


def test_scrapy_denies_a_foreign_host_and_a_caller_set_agent(tmp_path: Path) -> None:
    with Origin() as origin:
        proc, stats, _ = run_crawl(tmp_path, HEADER_SPIDER, origin.base, gate_settings(tmp_path))
        assert proc.returncode == 0, proc.stderr[-3000:]
        arrived, agents = origin.arrived(), {h.headers.get("User-Agent") for h in origin.hits}
    assert arrived == ["/ok"]
    assert agents == {USER_AGENT}
    assert stats["scrapegate/denied/request.host_mismatch"] == 1
    assert stats["scrapegate/denied/request.agent_mismatch"] == 1


# Found by probing from outside (2026-12-03): each of these crawled /private with the gate off,
# under one WARNING line (or none, for the spider middleware).
MISCONFIGURED = {
    "typo": ({**GATE_MIDDLEWARES, "SCRAPEGATE_JOBS": "job.yaml"}, "SCRAPEGATE_JOBS (did you mean SCRAPEGATE_JOB?)"),
    "no-job": (GATE_MIDDLEWARES, "SCRAPEGATE_JOB names no job manifest"),
    "policies-typo": ({**GATE_MIDDLEWARES, "SCRAPEGATE_JOB": "job.yaml", "SCRAPEGATE_POLICY": ["policies"]},
                      "SCRAPEGATE_POLICY (did you mean SCRAPEGATE_POLICIES?)"),
    "spider-middleware": ({"SPIDER_MIDDLEWARES": GATE_MIDDLEWARES["DOWNLOADER_MIDDLEWARES"],
                           "SCRAPEGATE_JOB": "job.yaml"}, "listed in SPIDER_MIDDLEWARES"),
}


@pytest.mark.parametrize("case", list(MISCONFIGURED))
def test_a_misconfigured_middleware_stops_the_crawl_instead_of_crawling_ungated(tmp_path: Path, case: str) -> None:
    settings, message = MISCONFIGURED[case]
    write_job(tmp_path / "job.yaml")
    write_policy(tmp_path / "policies")
    with Origin() as origin:
        origin.route("/", body='<html><a href="/private/a">x</a><a href="/ok">y</a></html>', content_type="text/html")
        settings = {**settings, "LOG_LEVEL": "INFO", "SCRAPEGATE_SHIPPED_POLICIES": False,
                    "SCRAPEGATE_LEDGER": str(tmp_path / "ledger.db")}
        proc = run_crawl(tmp_path, FOLLOW_LINKS, origin.base + "/", settings).proc
        arrived = origin.arrived()
    assert arrived == [], proc.stderr[-3000:]
    assert message in proc.stderr, proc.stderr[-3000:]


SLOT_SPIDER = spider_script('''
class Slots(Spider):
    name = "slots"

    async def start(self):
        for request in self.requests():
            yield request

    def start_requests(self):  # Scrapy < 2.13
        return self.requests()

    def requests(self):  # each in a download slot of its own, as a crawl may spread its load
        return [Request(f"{base}/p{i}", meta={"download_slot": f"slot-{i}"}) for i in range(4)]

    def parse(self, response):
        return None
''', "Slots", RANDOMIZE_DOWNLOAD_DELAY=False)


def test_a_download_slot_per_request_does_not_escape_the_crawl_delay(tmp_path: Path) -> None:
    """Found 2026-12-03: the crawl-delay raised the delay of the request's download slot, so
    four requests in four `meta['download_slot']`s reached the origin together (0.0 s apart
    for Crawl-delay: 0.5)."""
    delay = 0.5
    with Origin(robots=f"User-agent: *\nCrawl-delay: {delay}\n") as origin:
        proc, stats, _ = run_crawl(tmp_path, SLOT_SPIDER, origin.base, gate_settings(tmp_path))
        assert proc.returncode == 0, proc.stderr[-3000:]
        arrived = origin.arrived()
        arrivals = [h.at for h in origin.hits if h.target != "/robots.txt"]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert sorted(arrived) == ["/p0", "/p1", "/p2", "/p3"]
    assert len(gaps) == 3 and min(gaps) >= delay * 0.9, gaps
    assert stats["scrapegate/delay/download_slot_ignored"] == 4
    assert "meta['download_slot'] = 'slot-0' is ignored" in proc.stderr


def test_audit_mode_records_a_refused_header_once(tmp_path: Path) -> None:
    """Audit mode sends a request the gate refused for its headers; the check at send time
    read the same headers again and recorded and counted a second refusal."""
    with Origin() as origin:
        proc, stats, _ = run_crawl(tmp_path, HEADER_SPIDER, origin.base,
                                   gate_settings(tmp_path, SCRAPEGATE_MODE="audit"))
        assert proc.returncode == 0, proc.stderr[-3000:]
        arrived = origin.arrived()
    assert sorted(arrived) == ["/h", "/ok", "/u"]  # audit: sent, and recorded as refused
    assert stats["scrapegate/denied/request.host_mismatch"] == 1
    assert stats["scrapegate/denied/request.agent_mismatch"] == 1
    assert "scrapegate/denied_as_sent" not in stats
    refused = [r for r in ledger_rows(tmp_path / "ledger.db") if not r["allow"]]
    assert sorted(r["url"].rsplit("/", 1)[-1] for r in refused) == ["h", "u"]
