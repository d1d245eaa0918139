"""What the cluster-wide rate limiter costs a request (issue 21), against a real redis-server
on loopback started here (Debian's /usr/bin/redis-server).

    python benchmarks/cluster_bench.py              # the figures in BENCHMARKS.md
    python benchmarks/cluster_bench.py --quick

0. The issue's case: 20 concurrent httpx requests (GatedTransport, one Client, 20 threads) to
   a local site with `Crawl-delay: 1`: the shortest interval in the origin's access log, with
   the node's own limiter and with SCRAPEGATE_REDIS (before issue 21: 0.964 s).
1. The limiter alone: one grant and its release (two EVALSHA round trips) per request, the
   origin's slot free (interval 1 us), one client; beside the node-local limiter.
2. A gated httpx request to a local site with `Crawl-delay: 0.000001` (a rate_limit obligation
   on every request, never a wait): the request's time with SCRAPEGATE_REDIS minus without,
   interleaved rounds of 200 requests.
3. Grants per second Redis gives P client processes at once (each on its own origins), the
   clients being Python (SharedRateLimiter).
4. What one Redis can execute of the acquire script: redis-benchmark, 50 connections,
   pipelined, random origins: the ceiling the projection in BENCHMARKS.md starts from.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO)]

from redis_server import RedisServer  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _get_together(job: tuple[Any, str, Any]) -> int:
    client, url, barrier = job
    barrier.wait()  # all n requests start at once
    return int(client.get(url).status_code)


def origin_gaps(url: str, n: int) -> dict[str, float]:
    import tempfile
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from timed_site import TimedSite

    from gate.adapters.httpx import GatedTransport
    from gate.cluster import Cluster
    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine

    from local_site import JOB, write_policy

    engine = EmbeddedEngine([write_policy(Path(tempfile.mkdtemp()) / "policy")], include_shipped=False)
    out: dict[str, float] = {}
    for name, cluster in (("node-local", None), ("redis", Cluster(url))):
        with TimedSite("User-agent: *\nCrawl-delay: 1\n", pages=n) as site:
            gate = Gate(JOB, engine=engine, ledger=False, cluster=cluster)
            with httpx.Client(transport=GatedTransport(gate)) as client:
                together = threading.Barrier(n)
                with ThreadPoolExecutor(n) as pool:
                    jobs = [(client, f"{site.base}/p/{i}", together) for i in range(n)]
                    assert set(pool.map(_get_together, jobs)) == {200}
            gaps = site.gaps()
            out[f"{name} shortest gap"] = min(gaps)
            out[f"{name} median gap"] = statistics.median(gaps)
    return out


def limiter_cost(url: str, n: int) -> dict[str, float]:
    from gate.cluster import Cluster
    from gate.enforce.ratelimit import Grant, HostRateLimiter, SharedRateLimiter

    out: dict[str, float] = {}
    for name, limiter in (("redis", SharedRateLimiter(Cluster(url))), ("local", HostRateLimiter())):
        times: list[float] = []
        for i in range(n + 200):
            start = time.perf_counter()
            grant = limiter.try_acquire("http://shop.example", 1e-6)
            while not isinstance(grant, Grant):  # the 1 us interval after the release
                grant = limiter.try_acquire("http://shop.example", 1e-6)
            limiter.release(grant)
            if i >= 200:  # warm-up: connection, script load
                times.append((time.perf_counter() - start) * 1e6)
        out[f"{name} median"] = statistics.median(times)
        out[f"{name} p90"] = _pct(times, 0.9)
        out[f"{name} p99"] = _pct(times, 0.99)
    return out


def request_cost(url: str, n: int, rounds: int) -> dict[str, float]:
    import tempfile

    import httpx
    from timed_site import TimedSite

    from gate.adapters.httpx import GatedTransport
    from gate.cluster import Cluster
    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine

    from local_site import JOB, write_policy

    policy = write_policy(Path(tempfile.mkdtemp()) / "policy")
    engine = EmbeddedEngine([policy], include_shipped=False)
    with TimedSite("User-agent: *\nCrawl-delay: 0.000001\n", pages=50) as site:
        gates = {"without": Gate(JOB, engine=engine, ledger=False),
                 "with": Gate(JOB, engine=engine, ledger=False, cluster=Cluster(url))}
        clients = {k: httpx.Client(transport=GatedTransport(g)) for k, g in gates.items()}
        for client in clients.values():  # robots.txt fetched, decisions cached
            for p in range(50):
                client.get(f"{site.base}/p/{p}")
        medians: dict[str, list[float]] = {"without": [], "with": []}
        for _ in range(rounds):
            for key, client in clients.items():
                times = []
                for i in range(n):
                    start = time.perf_counter()
                    client.get(f"{site.base}/p/{i % 50}")
                    times.append((time.perf_counter() - start) * 1e6)
                medians[key].append(statistics.median(times))
        for client in clients.values():
            client.close()
    without, with_ = statistics.median(medians["without"]), statistics.median(medians["with"])
    return {"request median without": without, "request median with": with_, "added": with_ - without}


def _hammer(url: str, worker: int, seconds: float, queue: Any) -> None:
    from gate.cluster import Cluster
    from gate.enforce.ratelimit import Grant, SharedRateLimiter

    limiter = SharedRateLimiter(Cluster(url))
    done, i = 0, 0
    ends = time.perf_counter() + seconds
    while time.perf_counter() < ends:
        grant = limiter.try_acquire(f"http://w{worker}-o{i % 100}.example", 1e-6)
        i += 1
        if isinstance(grant, Grant):
            limiter.release(grant)
            done += 1
    queue.put(done)


def throughput(url: str, processes: int, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(url, w, seconds, queue)) for w in range(processes)]
    for p in procs:
        p.start()
    total = sum(queue.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def server_capacity(server: RedisServer, n: int) -> str:
    import subprocess

    import redis

    from gate.cluster.pacing import ACQUIRE_LUA, RELEASE_LUA

    client = redis.Redis.from_url(server.url)
    lines = []
    for name, script, args in (("acquire", ACQUIRE_LUA, ["1", "30000000", "tok", "20000"]),
                               ("release", RELEASE_LUA, ["1", "tok"])):
        sha = client.script_load(script)
        out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-n", str(n), "-c", "50", "-P", "16",
                              "-r", "1000000", "-q", "EVALSHA", sha, "1", "pace:__rand_int__", *args],
                             capture_output=True, text=True, check=True).stdout
        lines.append(f"   {name}: {out.strip().splitlines()[-1].rsplit(': ', 1)[-1].strip()}")
    client.close()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, rounds, seconds = (500, 1, 1.0) if args.quick else (5000, 3, 5.0)
    with RedisServer() as server:
        print(f"0. {5 if args.quick else 20} concurrent httpx requests, Crawl-delay: 1, at the origin (s)")
        for key, value in origin_gaps(server.url, 5 if args.quick else 20).items():
            print(f"   {key:<26} {value:8.4f}")
        print("1. the limiter alone, one grant + release (us)")
        for key, value in limiter_cost(server.url, n).items():
            print(f"   {key:<14} {value:8.1f}")
        print("2. a gated httpx request to a local site (us, median of the rounds' medians)")
        for key, value in request_cost(server.url, n // 10, rounds).items():
            print(f"   {key:<26} {value:8.1f}")
        print("3. grants + releases per second, P processes")
        for processes in (1, 2, 4):
            print(f"   P={processes}  {throughput(server.url, processes, seconds):10.0f}/s")
        print("4. the scripts in one Redis (redis-benchmark, 50 connections, pipeline 16)")
        print(server_capacity(server, n * 40))


if __name__ == "__main__":
    main()
