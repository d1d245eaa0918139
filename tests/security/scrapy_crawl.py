"""A real Scrapy crawl in a subprocess for the attack tests (a fresh Twisted reactor each
time, as tests/adapters/test_adapter_scrapy.py runs its crawl).

    script = spider_script(BODY, "Site", RETRY_ENABLED=False)   # BODY defines class Site
    crawl = run_crawl(tmp_path, script, origin.base, gate_settings(tmp_path))
    crawl.proc.returncode, crawl.stats["scrapegate/collected"], crawl.seen

The spider body sees `base` (the origin), `Request`, `Spider` and a `seen` list its
callbacks may append to; the crawl's stats and `sorted(seen)` are read back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

from local_site import write_job, write_policy

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from scrapy_bench import GATE_MIDDLEWARES  # noqa: E402 - the benchmark's settings

__all__ = ["GATE_MIDDLEWARES", "Crawl", "gate_settings", "run_crawl", "spider_script"]

_HEAD = '''
import json, sys
from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess

base, out, settings_json = sys.argv[1], sys.argv[2], sys.argv[3]
seen = []
'''

_TAIL = '''
settings = {defaults!r}
settings.update(json.loads(settings_json))
process = CrawlerProcess(settings=settings)
crawler = process.create_crawler({spider})
process.crawl(crawler)
process.start()
with open(out, "w") as fh:
    json.dump({{"seen": sorted(seen), "stats": crawler.stats.get_stats()}}, fh, default=str)
'''


class Crawl(NamedTuple):
    proc: subprocess.CompletedProcess[str]
    stats: dict[str, Any]  # empty when the crawl wrote none (it stopped before the end)
    seen: list[str]


def spider_script(body: str, spider: str, **defaults: Any) -> str:
    """A crawl script: `body` (which defines the class `spider`), run with Scrapy's robots.txt
    middleware and telnet console off plus `defaults`; the test's settings go on top."""
    settings = {"ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, **defaults}
    return _HEAD + body + _TAIL.format(defaults=settings, spider=spider)


def gate_settings(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    """The gate's middleware on the small test policy and job, with a ledger in `tmp_path`."""
    return {**GATE_MIDDLEWARES, "LOG_LEVEL": "INFO", "SCRAPEGATE_JOB": str(write_job(tmp_path / "job.yaml")),
            "SCRAPEGATE_POLICIES": [str(write_policy(tmp_path / "policies"))],
            "SCRAPEGATE_SHIPPED_POLICIES": False, "SCRAPEGATE_LEDGER": str(tmp_path / "ledger.db"), **extra}


def run_crawl(tmp_path: Path, script: str, base: str, settings: dict[str, Any], timeout: float = 90) -> Crawl:
    path, out = tmp_path / "crawl.py", tmp_path / "out.json"
    path.write_text(script)
    out.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, str(path), base, str(out), json.dumps(settings)],
                          capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    result = json.loads(out.read_text()) if out.exists() else {"stats": {}, "seen": []}
    return Crawl(proc, result["stats"], result["seen"])


# A spider that follows every link from `base` (the benchmark's crawl, benchmarks/scrapy_bench.py).
FOLLOW_LINKS = spider_script('''
class Site(Spider):
    name = "site"
    start_urls = [base]

    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, self.parse)
''', "Site", RETRY_ENABLED=False)
