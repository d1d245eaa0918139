"""Four crawler processes (Scrapy on scrapy-redis, examples/distributed/node.py exactly as the
recipe in docs/distributed.md runs it) crawl one local site with Crawl-delay: 1 through one real
redis-server. The origin's access log, with arrival times, is the evidence:

- robots.txt was fetched once for the whole cluster;
- no two page requests, from whichever node, arrived less than the crawl-delay apart;
- all four record into one PostgreSQL ledger (issue 21.1); one node killed mid-crawl (SIGKILL)
  lost nothing it had acknowledged: every page the origin served is a decision in it, each
  once; `scrapegate ledger verify` passes on it, and catches an edit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from timed_site import TimedSite

from local_site import write_job, write_policy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

REPO = Path(__file__).resolve().parents[2]
NODE = REPO / "examples" / "distributed" / "node.py"
NODES = 4
PAGES = 9
DELAY = 1.0
LEASE_S = 3.0  # a killed node's slot frees itself after this


class Node:
    """One crawler process; its output is read as it comes (to see the spider open)."""

    def __init__(self, i: int, args: list[str], env: dict[str, str], stats: Path) -> None:
        self.i, self.stats = i, stats
        self.opened = threading.Event()
        self.lines: list[str] = []
        self.proc = subprocess.Popen([sys.executable, str(NODE), *args], env=env, cwd=REPO, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "Spider opened" in line:
                self.opened.set()

    def made_decisions(self) -> bool:
        return any("scrapegate: slot of" in line or "Crawled (200)" in line for line in self.lines)


def ledger_urls(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT url FROM scrapegate.decisions_v ORDER BY seq")]


def verify(url: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", "ledger", "verify", "--ledger", url],
                          capture_output=True, text=True, cwd=REPO, env=env)


@pytest.fixture(autouse=True)
def _scrapy_redis() -> None:
    try:
        import scrapy_redis  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("scrapy-redis is required in CI (the dev extra)")
        pytest.skip("scrapy-redis is not installed (pip install scrapy-redis)")


@pytest.fixture
def site() -> Iterator[TimedSite]:
    with TimedSite(f"User-agent: *\nCrawl-delay: {DELAY:g}\n", pages=PAGES - 1, links_per_page=3) as s:
        yield s


def test_four_nodes_hold_the_crawl_delay_cluster_wide_and_a_killed_node_loses_nothing(
        redis_url: str, postgres_url: str, site: TimedSite, tmp_path: Path) -> None:
    import psycopg
    import redis

    policy, job = write_policy(tmp_path / "policy"), write_job(tmp_path / "job.yaml")
    env = {**os.environ, "SCRAPEGATE_REDIS_LEASE": str(LEASE_S), "SCRAPEGATE_HOME": str(tmp_path / "home")}
    env.pop("SCRAPEGATE_LEDGER", None)  # each node's --ledger, not the test's default
    nodes = []
    for i in range(NODES):
        stats = tmp_path / f"stats-{i}.json"
        args = ["--job", str(job), "--redis", redis_url, "--nodes", str(NODES), "--ledger", postgres_url,
                "--policy", str(policy), "--no-shipped", "--idle", "4", "--concurrency", "1", "--stats", str(stats), "--log-level", "DEBUG"]
        nodes.append(Node(i, args, env, stats))
    try:
        for node in nodes:
            assert node.opened.wait(90), "".join(node.lines[-30:])
        redis.Redis.from_url(redis_url).lpush("gated:start_urls", site.base + "/")
        # Kill a node that has decided something, once the crawl is under way.
        victim = None
        ends = time.monotonic() + 60
        while victim is None and time.monotonic() < ends:
            if len(site.page_times()) >= 3:
                victim = next((n for n in nodes if n.made_decisions()), None)
            time.sleep(0.05)
        assert victim is not None, (len(site.page_times()), [n.lines[-15:] for n in nodes])
        victim.proc.send_signal(signal.SIGKILL)
        for node in nodes:
            node.proc.wait(120)
    finally:
        for node in nodes:
            if node.proc.poll() is None:
                node.proc.kill()
                node.proc.wait()

    # robots.txt: one fetch for the whole cluster.
    assert site.robots_fetches() == 1
    # The crawl-delay held as the origin saw it, across every node.
    times = site.page_times()
    assert len(times) >= 4
    gaps = site.gaps()
    assert min(gaps) >= DELAY, gaps
    # More than one node did the crawling, all through the shared pacer.
    survivors = [n for n in nodes if n is not victim]
    stats = [json.loads(n.stats.read_text()) for n in survivors]
    assert all(n.proc.returncode == 0 for n in survivors), [n.lines[-20:] for n in survivors]
    assert sum(s.get("scrapegate/cluster/fallback", 0) for s in stats) == 0
    assert all(s["scrapegate/cluster/redis_outages"] == 0 for s in stats)
    assert sum(s["scrapegate/cluster/robots_shared_fetches"] for s in stats) <= 1  # the victim may have fetched
    shared = sum(s.get("scrapegate/cluster/shared", 0) for s in stats)
    assert shared >= 1 and sum(s.get("scrapegate/cluster/shared", 0) > 0 for s in stats) + 1 >= 2
    # Nothing acknowledged was lost: every page the origin served was decided and recorded
    # before it was sent, by a node alive or killed, in the one shared ledger.
    served = {f"{site.base}{path}" for _, path, _ in site.arrivals() if path != "/robots.txt"}
    recorded = ledger_urls(postgres_url)
    assert served <= set(recorded), served - set(recorded)
    assert len(recorded) == len(set(recorded))  # the shared dupe filter: each page decided once
    done = verify(postgres_url, env)
    assert done.returncode == 0, done.stdout + done.stderr
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE scrapegate.decision_blocks b SET paths[r.i] = r.path || '-edited' "
                     "FROM scrapegate.decision_rows r WHERE r.block = b.first_seq AND r.seq = 2")
    done = verify(postgres_url, env)
    assert done.returncode == 1 and "decisions row 2" in done.stdout + done.stderr, done.stdout + done.stderr
