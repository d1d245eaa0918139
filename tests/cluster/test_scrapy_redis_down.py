"""A Scrapy crawl whose SCRAPEGATE_REDIS cannot be reached fails closed: every request is
paced by the node alone at crawl-delay x SCRAPEGATE_CLUSTER_NODES (the origin's access log
shows it), robots.txt is fetched by the node itself, and the log and the stats say so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from redis_server import free_port
from timed_site import TimedSite

from local_site import write_job, write_policy

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from scrapy_bench import GATE_MIDDLEWARES, SPIDER  # noqa: E402 - the benchmark's crawl script

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

DELAY = 0.15
NODES = 3


@pytest.fixture
def site() -> Iterator[TimedSite]:
    with TimedSite(f"User-agent: *\nCrawl-delay: {DELAY}\n", pages=4, links_per_page=1) as s:
        yield s


def test_redis_unreachable_the_node_keeps_its_share_and_says_so(site: TimedSite, tmp_path: Path) -> None:
    script = tmp_path / "crawl.py"
    script.write_text(SPIDER)
    out = tmp_path / "stats.json"
    settings = {
        **GATE_MIDDLEWARES,
        "LOG_LEVEL": "INFO",
        "SCRAPEGATE_JOB": str(write_job(tmp_path / "job.yaml")),
        "SCRAPEGATE_POLICIES": [str(write_policy(tmp_path / "policy"))],
        "SCRAPEGATE_SHIPPED_POLICIES": False,
        "SCRAPEGATE_LEDGER": False,
        "SCRAPEGATE_REDIS": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "SCRAPEGATE_CLUSTER_NODES": NODES,
    }
    proc = subprocess.run([sys.executable, str(script), site.base + "/", str(out), json.dumps(settings)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    stats = json.loads(out.read_text())
    assert stats["scrapegate/allowed"] == 5
    assert stats["scrapegate/cluster/fallback"] == 5 and "scrapegate/cluster/shared" not in stats
    assert stats["scrapegate/cluster/redis_outages"] == 1
    assert stats["scrapegate/cluster/robots_local_fetches"] == 1 and site.robots_fetches() == 1
    assert min(site.gaps()) >= DELAY * NODES, site.gaps()
    warnings = [line for line in proc.stderr.splitlines() if "unreachable while" in line]
    assert len(warnings) == 1 and "1/3 of each rate limit" in warnings[0], warnings
