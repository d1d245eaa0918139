"""Issue 19's done-when: a real local site serves faces, e-mail addresses, phone numbers,
`X-Robots-Tag: noai` and an RSL licence (tests/inspect/response_site.py); each client drives
it - requests, httpx (sync and async), a real Scrapy crawl, Playwright in a real Chromium,
and curl behind `scrapegate run` - under the shipped policies:

- each mismatch (faces, personal data in a non_personal job) and each reservation (noai,
  RSL) is blocked, and recorded;
- `scrapegate ledger quarantine` lists every affected URL;
- a correctly declared job collects the same pages unblocked.

One job per case (a quarantined site stops its job's later requests, by design)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
import response_site as rs
import yaml
from click.testing import CliRunner

from gate.adapters.httpx import AsyncGatedTransport, GatedTransport
from gate.adapters.requests import GatedSession
from gate.cli import cli
from gate.errors import CollectionBlocked

pytestmark = [pytest.mark.slow]

# (job, path, what the response phase must do); the site's mismatches and reservations
CASES = [
    (rs.job("faces", "price_monitoring", ["non_personal"]), "/img/portrait.jpg", "content.undeclared_category"),
    (rs.job("staff", "price_monitoring", ["non_personal"]), "/team", "content.undeclared_category"),
    (rs.job("noai", "ai_training", ["non_personal"]), "/essay-noai", "tdm.reserved"),
    (rs.job("rsl", "ai_training", ["non_personal"]), "/licensed", "tdm.reserved"),
]
DECLARED_PATHS = ["/products/kettle", "/contact", "/team", "/img/portrait.jpg", "/essay-noai", "/licensed"]
# what the quarantine must list: (job, page, why)
QUARANTINE = {("faces", "portrait.jpg", "facial_images"), ("staff", "team", "personal"),
              ("noai", "essay-noai", "tdm.reserved"), ("rsl", "licensed", "tdm.reserved")}
Fetch = Callable[[Any, str], tuple[str, Any]]


def _requests(gate: Any, url: str) -> tuple[str, Any]:
    with GatedSession(gate) as s:
        try:
            return "ok", s.get(url, timeout=10).scrapegate_decision
        except CollectionBlocked as blocked:
            return "blocked", blocked.decision


def _httpx(gate: Any, url: str) -> tuple[str, Any]:
    with httpx.Client(transport=GatedTransport(gate), timeout=10) as client:
        try:
            return "ok", client.get(url).extensions["scrapegate_decision"]
        except CollectionBlocked as blocked:
            return "blocked", blocked.decision


def _httpx_async(gate: Any, url: str) -> tuple[str, Any]:
    async def get() -> tuple[str, Any]:
        async with httpx.AsyncClient(transport=AsyncGatedTransport(gate), timeout=10) as client:
            try:
                return "ok", (await client.get(url)).extensions["scrapegate_decision"]
            except CollectionBlocked as blocked:
                return "blocked", blocked.decision
    return asyncio.run(get())


def _quarantine(db: Path) -> set[tuple[str, str, str]]:
    result = CliRunner().invoke(cli, ["ledger", "quarantine", "--ledger", str(db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.output.splitlines()]
    return {(e["job"], e["url"].rsplit("/", 1)[-1], e["category"] or e["reason"]) for e in entries}


@pytest.mark.parametrize("fetch", [_requests, _httpx, _httpx_async], ids=["requests", "httpx", "httpx-async"])
def test_clients_block_record_and_quarantine(fetch: Fetch, response_site: Any, gate_for: Any, tmp_path: Path) -> None:
    for job, path, code in CASES:
        outcome, decision = fetch(gate_for(job), response_site.url_for(path))
        assert (outcome, decision.deny_codes) == ("blocked", [code]), (job["metadata"]["name"], path)
    assert _quarantine(tmp_path / "ledger.db") == QUARANTINE
    declared = gate_for(rs.DECLARED)
    for path in DECLARED_PATHS:
        outcome, decision = fetch(declared, response_site.url_for(path))
        assert outcome == "ok" and decision.allow, path


CRAWLS = '''
import json, sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess

base, out, jobs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
process = CrawlerProcess(settings={"ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "RETRY_ENABLED": False,
                                   "LOG_LEVEL": "WARNING", "DOWNLOADER_MIDDLEWARES": {
                                       "gate.adapters.scrapy.ScrapegateMiddleware": 100,
                                       "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None}})
crawlers = []
for name, (job, ledger, start) in jobs.items():
    class Site(Spider):
        start_urls = [base + start]
        custom_settings = {"SCRAPEGATE_JOB": job, "SCRAPEGATE_LEDGER": ledger}
        seen = []

        def parse(self, response):
            self.seen.append(response.url)
            if b"<a " in response.body:
                for href in response.css("a::attr(href)").getall():
                    yield response.follow(href, self.parse)
    Site.name = name
    crawler = process.create_crawler(Site)
    crawlers.append((name, crawler, Site))
    process.crawl(crawler)
process.start()
json.dump({name: {"stats": c.stats.get_stats(), "seen": s.seen} for name, c, s in crawlers}, open(out, "w"),
          default=str)
'''


def test_scrapy_crawl_blocks_records_and_quarantines(response_site: Any, tmp_path: Path) -> None:
    rs.serve_index(response_site)
    jobs: dict[str, Any] = {}
    for job, path, _ in [*CASES, (rs.DECLARED, "/", None)]:
        name = job["metadata"]["name"]
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(job))
        jobs[name] = (str(tmp_path / f"{name}.yaml"), str(tmp_path / "ledger.db"), path)
    (tmp_path / "crawl.py").write_text(CRAWLS)
    proc = subprocess.run([sys.executable, str(tmp_path / "crawl.py"), response_site.url_for("")[:-1],
                           str(tmp_path / "out.json"), json.dumps(jobs)],
                          capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads((tmp_path / "out.json").read_text())
    for job, _, code in CASES:
        stats = out[job["metadata"]["name"]]["stats"]
        summary = {n: ({k: v for k, v in o["stats"].items() if k.startswith("scrapegate")}, o["seen"])
                   for n, o in out.items()}
        assert stats.get(f"scrapegate/withheld/{code}") == 1 and out[job["metadata"]["name"]]["seen"] == [], summary
    assert _quarantine(tmp_path / "ledger.db") == QUARANTINE
    declared = out[rs.DECLARED["metadata"]["name"]]
    assert "scrapegate/withheld" not in declared["stats"] and "scrapegate/denied" not in declared["stats"]
    assert {u.split("/", 3)[-1] for u in declared["seen"]} >= {p.lstrip("/") for p in DECLARED_PATHS}


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def threaded_site(hopper_jpeg: bytes) -> Any:
    """The same site on a threaded server: Chromium keeps idle connections open, which would
    stall a one-thread server (and the gate's robots.txt fetch behind them)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="localhost", port=0, threaded=True)
    server.start()
    rs.serve(server, hopper_jpeg)
    yield server
    server.stop()


def test_playwright_blocks_records_and_quarantines(threaded_site: Any, gate_for: Any, tmp_path: Path) -> None:
    response_site = threaded_site
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    from gate.adapters.playwright import gate_page

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            def visit(gate: Any, path: str) -> tuple[str, Any]:
                context = browser.new_context()
                page = context.new_page()
                pg = gate_page(page, gate)
                try:
                    page.goto(response_site.url_for(path), timeout=15000)
                    outcome = "blocked" if pg.blocked else "ok"
                except sync_api.Error:
                    outcome = "blocked"
                finally:
                    context.close()
                return outcome, (pg.blocked or pg.decisions)[-1]

            for job, path, code in CASES:
                outcome, decision = visit(gate_for(job), path)
                assert (outcome, decision.deny_codes) == ("blocked", [code]), (path, decision.deny[0].message)
            declared = gate_for(rs.DECLARED)
            for path in DECLARED_PATHS:
                assert visit(declared, path)[0] == "ok", path
        finally:
            browser.close()
    assert _quarantine(tmp_path / "ledger.db") == QUARANTINE


CURL = shutil.which("curl")


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_scrapegate_run_with_curl_blocks_records_and_quarantines(response_site: Any, tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"

    def run(job: dict[str, Any], paths: list[str]) -> list[int]:
        manifest = tmp_path / f"{job['metadata']['name']}.yaml"
        manifest.write_text(yaml.safe_dump(job))
        out = tmp_path / "curl.out"
        urls = " ".join(f"-o /dev/null '{response_site.url_for(p)}'" for p in paths)
        command = ["sh", "-c", f"exec '{CURL}' -sS -w '%{{http_code}}\\n' {urls} > '{out}'"]
        result = CliRunner().invoke(cli, ["run", "--job", str(manifest), "--ledger", str(db), "--", *command])
        assert result.exit_code == 0, result.output
        return [int(line) for line in out.read_text().split()]

    for job, path, code in CASES:
        assert run(job, [path]) == [451], (job["metadata"]["name"], code)
    assert _quarantine(db) == QUARANTINE
    assert run(rs.DECLARED, DECLARED_PATHS) == [200] * len(DECLARED_PATHS)


def test_scrapegate_run_inspects_brotli_and_stacked_codings(response_site: Any, hopper_jpeg: bytes,
                                                             tmp_path: Path) -> None:
    """The proxy undid only a single gzip or deflate: a portrait sent as br, or a team page
    as `gzip, gzip` or as gzip then br on two header lines, reached curl uninspected (found
    from outside). The proxy also asks origins only for codings it can undo."""
    import gzip

    import brotli
    from werkzeug.wrappers import Response

    response_site.expect_request("/br.jpg").respond_with_response(Response(
        brotli.compress(hopper_jpeg), headers={"Content-Encoding": "br", "Content-Type": "image/jpeg"}))
    response_site.expect_request("/gzgz").respond_with_response(Response(
        gzip.compress(gzip.compress(rs.TEAM.encode())), headers={"Content-Encoding": "gzip, gzip",
                                                                  "Content-Type": "text/html"}))
    response_site.expect_request("/two-lines").respond_with_response(Response(
        brotli.compress(gzip.compress(rs.TEAM.encode())),
        headers=[("Content-Encoding", "gzip"), ("Content-Encoding", "br"), ("Content-Type", "text/html")]))
    manifest = tmp_path / "prices.yaml"
    manifest.write_text(yaml.safe_dump(rs.PRICES))
    codes = []
    for path in ("/br.jpg", "/gzgz", "/two-lines"):
        out = tmp_path / "curl.out"
        command = ["sh", "-c", f"exec '{CURL}' -sS -H 'Accept-Encoding: zstd, br, gzip' -w '%{{http_code}}' "
                               f"-o /dev/null '{response_site.url_for(path)}' > '{out}'"]
        db = tmp_path / f"{path[1:]}.db"  # a ledger each: a first quarantine would deny the site before a fetch
        result = CliRunner().invoke(cli, ["run", "--job", str(manifest), "--ledger", str(db), "--", *command])
        assert result.exit_code == 0, result.output
        codes.append(int(out.read_text()))
        assert {(job, url) for job, url, _ in _quarantine(db)} == {("prices", path[1:])}, path  # for what it held
    assert codes == [451, 451, 451]
    asked = {request.headers.get("Accept-Encoding") for request, _ in response_site.log if request.path == "/br.jpg"}
    assert asked == {"br, gzip"}


BOMB_CLIENT = r"""
import resource, sys
import httpx
from gate.adapters.httpx import GatedTransport
from gate.core.gate import Gate
from gate.errors import CollectionBlocked
sys.path.insert(0, sys.argv[2])
import response_site as rs
gate = Gate(rs.PRICES, ledger=False)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with httpx.Client(transport=GatedTransport(gate)) as client:
    try:
        with client.stream("GET", sys.argv[1]) as r:
            next(r.iter_raw(1024))
    except CollectionBlocked:
        pass
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_a_gzip_bomb_costs_the_httpx_adapter_a_bounded_prefix(response_site: Any, tmp_path: Path) -> None:
    """httpx's own decoder inflated a whole 2 MiB gzip bomb (6.4 GiB) to inspect it, though
    the caller read 1 KiB (found from outside). Now the gate inflates MAX_INSPECT_BYTES."""
    import zlib

    from werkzeug.wrappers import Response

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1 << 20)
    bomb = b"".join(packer.compress(zeros) for _ in range(1024)) + packer.flush()  # 1 GiB in ~1 MB
    response_site.expect_request("/bomb").respond_with_response(Response(
        bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}))
    here = str(Path(__file__).parent)
    done = subprocess.run([sys.executable, "-c", BOMB_CLIENT, response_site.url_for("/bomb"), here],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) < 200, done.stdout  # MiB more at the peak than before the request
