"""The Scrapy middleware in a real crawl: CrawlerProcess in a subprocess, a real local site
in this process. The access log proves what was never requested; the crawl's stats,
dumped to JSON by the subprocess, prove what the middleware counted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from local_site import PROHIBITED_HOST, USER_AGENT, Site, ledger_rows, write_job

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from scrapy_bench import GATE_MIDDLEWARES, SPIDER  # noqa: E402 - the benchmark's crawl script

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CRAWL_TIMEOUT_S = 60
CRAWL_DELAY_S = 0.2


@pytest.fixture(scope="module")
def broken_site() -> Iterator[HTTPServer]:
    """A second origin whose robots.txt answers 503: RFC 9309 makes that a complete disallow
    (Scrapy's RobotsTxtMiddleware would crawl it)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/robots.txt").respond_with_data("busy", status=503)
    server.expect_request("/page").respond_with_data("never")
    server.start()
    yield server
    server.stop()


def build_site(site: Site, robots: str, broken: HTTPServer) -> dict[str, float]:
    """/ links to an allowed page, a robots-disallowed page, a redirect into the disallowed
    path, a redirect to the prohibited host and a page on an origin whose robots.txt fails.
    Returns the arrival times of the pages."""
    broken.clear_log()
    arrivals: dict[str, float] = {}
    links = ["/a", "/private/p", "/r-private", "/r-other", "/b", f"http://127.0.0.1:{broken.port}/page"]

    def page(request: Request) -> Response:
        arrivals[request.path] = time.monotonic()
        body = "".join(f'<a href="{href}">x</a>' for href in links) if request.path == "/" else "leaf"
        return Response(body, content_type="text/html")

    site.page("/robots.txt", robots, content_type="text/plain")
    for path in ("/", "/a", "/b", "/private/p", "/private/q"):
        site.server.expect_request(path).respond_with_handler(page)
    site.redirect("/r-private", "/private/q")
    site.redirect("/r-other", f"{site.other_base}/b-other")
    site.page("/b-other", "never")
    return arrivals


def crawl(tmp_path: Path, site: Site, policy_dir: Path, **settings: Any) -> dict[str, Any]:
    script = tmp_path / "crawl.py"
    script.write_text(SPIDER)
    out = tmp_path / "stats.json"
    base = {
        **GATE_MIDDLEWARES,
        "LOG_LEVEL": "INFO",
        "SCRAPEGATE_JOB": str(write_job(tmp_path / "job.yaml")),
        "SCRAPEGATE_POLICIES": [str(policy_dir)],
        "SCRAPEGATE_SHIPPED_POLICIES": False,
        "SCRAPEGATE_LEDGER": str(tmp_path / "ledger.db"),
    }
    base.update(settings)
    proc = subprocess.run([sys.executable, str(script), site.base + "/", str(out), json.dumps(base)],
                          capture_output=True, text=True, timeout=CRAWL_TIMEOUT_S, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return {"stats": json.loads(out.read_text()), "log": proc.stderr}


def test_crawl_denied_pages_never_requested_and_counted(tmp_path: Path, site: Site, policy_dir: Path,
                                                       broken_site: HTTPServer) -> None:
    arrivals = build_site(site, f"User-agent: *\nDisallow: /private\nCrawl-delay: {CRAWL_DELAY_S}\n", broken_site)
    result = crawl(tmp_path, site, policy_dir)
    stats = result["stats"]

    requested = site.log()
    assert ("127.0.0.1", "/a") in requested and ("127.0.0.1", "/b") in requested
    assert ("127.0.0.1", "/r-private") in requested and ("127.0.0.1", "/r-other") in requested
    # the robots-disallowed page, the redirect into it and the redirect to the prohibited host
    assert not [p for _, p in requested if p.startswith("/private")], requested
    assert (PROHIBITED_HOST, "/b-other") not in requested
    assert [req.path for req, _ in broken_site.log] == ["/robots.txt"]  # fail closed: /page never asked
    assert set(site.user_agents()) == {USER_AGENT}  # the agent robots.txt was read for is the one sent

    assert stats["scrapegate/denied/robots.disallowed"] == 2  # /private/p and the hop to /private/q
    assert stats["scrapegate/denied/terms.automated_collection_prohibited"] == 1
    assert stats["scrapegate/denied/robots.unreachable"] == 1
    assert stats["scrapegate/denied"] == 4
    # /, /a, /b and the two redirecting pages
    assert stats["scrapegate/allowed"] == 5
    # every allowed request reached the origin, the two 302s included (issue 17.11)
    assert stats["scrapegate/collected"] == stats["scrapegate/allowed"] == 5
    assert "robotstxt/request_count" not in stats  # Scrapy's own robots middleware is off

    # crawl-delay through the download slot: the delay is raised and pages arrive spaced out
    assert stats["scrapegate/delay/127.0.0.1"] >= CRAWL_DELAY_S
    times = sorted(arrivals.values())
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps and min(gaps) >= CRAWL_DELAY_S * 0.9, gaps

    rows = ledger_rows(tmp_path / "ledger.db")
    denied = [r for r in rows if not r["allow"]]
    assert len(denied) == 4 and all(r["collected_status"] is None for r in denied)
    assert sum(1 for r in rows if r["collected_status"] == 200) == 3
    assert sum(1 for r in rows if r["collected_status"] == 302) == 2


def test_crawl_audit_mode_fetches_and_records(tmp_path: Path, site: Site, policy_dir: Path,
                                              broken_site: HTTPServer) -> None:
    build_site(site, "User-agent: *\nDisallow: /private\n", broken_site)
    stats = crawl(tmp_path, site, policy_dir, SCRAPEGATE_MODE="audit")["stats"]

    requested = site.log()
    assert ("127.0.0.1", "/private/p") in requested and ("127.0.0.1", "/private/q") in requested
    assert stats["scrapegate/denied/robots.disallowed"] == 2
    assert stats["scrapegate/audit/let_through"] >= 2

    rows = ledger_rows(tmp_path / "ledger.db")
    private = [r for r in rows if "/private/p" in r["url"]]
    assert private and private[0]["allow"] == 0 and private[0]["mode"] == "audit"
    assert private[0]["deny_codes"] == '["robots.disallowed"]'
    assert private[0]["collected_status"] == 200


def test_middleware_is_off_only_when_switched_off() -> None:
    """Listed without a job is an error (tests/security/test_scrapy_attacks.py crawls it);
    SCRAPEGATE_ENABLED = False is the one way to list it and crawl without the gate."""
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from gate.adapters.scrapy import ScrapegateMiddleware
    from gate.errors import ManifestError

    with pytest.raises(NotConfigured):
        ScrapegateMiddleware.from_crawler(get_crawler(settings_dict={"SCRAPEGATE_ENABLED": False}))
    with pytest.raises(ManifestError, match="SCRAPEGATE_JOB"):
        ScrapegateMiddleware.from_crawler(get_crawler())


def test_enabled_without_a_job_fails_instead_of_crawling_ungated() -> None:
    from scrapy.utils.test import get_crawler

    from gate.adapters.scrapy import ScrapegateMiddleware
    from gate.errors import ManifestError

    with pytest.raises(ManifestError, match="SCRAPEGATE_JOB"):
        ScrapegateMiddleware.from_crawler(get_crawler(settings_dict={"SCRAPEGATE_ENABLED": True}))


def test_settings_go_through_the_one_factory_and_yield_to_the_environment(
        tmp_path: Path, policy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scrapy.settings import Settings

    from gate.adapters.scrapy import gate_from_settings, scrapegate_settings
    from gate.errors import PolicyError
    from gate.signals.static import StaticSignals

    job = write_job(tmp_path / "job.yaml")
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers: []\n")
    settings = Settings({"SCRAPEGATE_JOB": str(job), "SCRAPEGATE_POLICIES": str(policy_dir),
                         "SCRAPEGATE_SHIPPED_POLICIES": "False", "SCRAPEGATE_SIGNALS": "static",
                         "SCRAPEGATE_LEDGER": "off", "SCRAPEGATE_EXCEPTIONS": str(waivers), "SCRAPEGATE_TIMEOUT": "2"})
    typed = scrapegate_settings(settings)
    assert typed["SCRAPEGATE_POLICIES"] == [str(policy_dir)] and typed["SCRAPEGATE_SHIPPED_POLICIES"] is False
    assert typed["SCRAPEGATE_LEDGER"] is False and typed["SCRAPEGATE_TIMEOUT"] == 2.0
    gate = gate_from_settings(settings)
    try:
        assert isinstance(gate.signals, StaticSignals) and gate.ledger is None
        assert [r.name for r in gate.engine.policy_set.roots] == [policy_dir.name]  # type: ignore[attr-defined]
        assert gate.engine.policy_set.data["scrapegate"]["granted_waivers"] == []  # type: ignore[attr-defined]
    finally:
        gate.close()
    monkeypatch.setenv("SCRAPEGATE_ENGINE", "opa")  # the environment wins over the settings
    with pytest.raises(PolicyError, match="--opa-url"):
        gate_from_settings(settings)


def test_a_relative_job_is_found_from_the_project_root_and_user_agent_replacement_warns(
        tmp_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 20.11: `scrapy crawl` from a sub-folder of the project with SCRAPEGATE_JOB
    relative to the project root; a USER_AGENT setting the job's agent replaces is named."""
    import logging

    from scrapy.utils.test import get_crawler

    from gate.adapters.scrapy import ScrapegateMiddleware
    from gate.errors import GateError

    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = project.settings\n")
    (tmp_path / "jobs").mkdir()
    shutil.copy(examples / "price-monitoring.yaml", tmp_path / "jobs" / "prices.yaml")
    (tmp_path / "project" / "spiders").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "project" / "spiders")
    caplog.set_level(logging.WARNING, logger="gate.adapters.scrapy")
    crawler = get_crawler(settings_dict={"SCRAPEGATE_JOB": "jobs/prices.yaml", "USER_AGENT": "OtherBot/1.0"})
    mw = ScrapegateMiddleware.from_crawler(crawler)
    try:
        assert mw.gate.job.metadata.name == "shop-prices"
        assert "USER_AGENT setting 'OtherBot/1.0' is replaced by the job's user_agent" in caplog.text
    finally:
        mw.gate.close()
    caplog.clear()
    with pytest.raises(GateError, match="missing.yaml"):
        ScrapegateMiddleware.from_crawler(get_crawler(settings_dict={"SCRAPEGATE_JOB": "jobs/missing.yaml"}))
    assert "scrapegate: the gate could not start" in caplog.text and "missing.yaml" in caplog.text
