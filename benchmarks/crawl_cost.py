"""What the gate and its ledger cost a Scrapy crawl (issue 21.6), side by side in one run:

    python benchmarks/crawl_cost.py [PAGES] [--rounds 3] [--concurrency 32] [--configs a,b,...]

benchmarks/scrapy_bench.py's local site and spider; each crawl in its own process. Every round
runs each configuration once, the order rotated from round to round (the machine's speed
drifts within minutes). Per configuration: pages/s (responses / Scrapy's elapsed time), the
crawl process's CPU time per page (user + system, every thread and the ledger's writer
process, start-up included), and each round's pages/s as a share of the round's
"scrapy+robotstxt" crawl (the median of those shares is the figure: crawls made under the
same conditions are compared).

Configurations: scrapy+robotstxt (Scrapy's RobotsTxtMiddleware, no gate), gate-noledger,
gate-default (SCRAPEGATE_LEDGER_WRITER unset: the default writer), gate-default-nofreeze (the
same with SCRAPEGATE_GC_FREEZE = False), gate-batched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from scrapy_bench import _BENCH_SETTINGS, GATE_MIDDLEWARES, crawl_site  # noqa: E402

__all__ = ["crawl_costs", "CONFIGS"]

_SMALL_START = "/p/60"  # its subtree holds 6 pages of the 1,500-page site

BASE = "scrapy+robotstxt"
CONFIGS = (BASE, "gate-noledger", "gate-default", "gate-default-nofreeze", "gate-batched")
ALL_CONFIGS = CONFIGS


def _one(config: str, base: str, tmp: Path, job: Path, round_: int, concurrency: int,
         start: str = "/p/0") -> tuple[float, float, int]:
    """(pages/s, CPU µs per page, responses) of one crawl."""
    settings: dict[str, Any] = {**_BENCH_SETTINGS, "CONCURRENT_REQUESTS": concurrency,
                                "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency}
    env = {k: v for k, v in os.environ.items() if k not in ("SCRAPEGATE_LEDGER", "SCRAPEGATE_LEDGER_WRITER")}
    if config == BASE:
        settings["ROBOTSTXT_OBEY"] = True
    else:
        ledger = config.split("-")[1]
        if config.endswith("-nofreeze"):
            settings["SCRAPEGATE_GC_FREEZE"] = False
        where: Any = False if ledger == "noledger" else str(tmp / f"{round_}-{ledger}.db")
        settings.update(GATE_MIDDLEWARES, SCRAPEGATE_JOB=str(job), SCRAPEGATE_LEDGER=where)
        if ledger not in ("noledger", "default"):
            env["SCRAPEGATE_LEDGER_WRITER"] = ledger
    out = tmp / "stats.json"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, str(tmp / "crawl.py"), base + start, str(out), json.dumps(settings)],
                   check=True, cwd=tmp, timeout=900, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stats = json.loads(out.read_text())
    got = int(stats.get("response_received_count", 0))
    return got / float(stats["elapsed_time_seconds"]), used / max(got, 1) * 1e6, got


def crawl_costs(pages: int = 1500, rounds: int = 3, concurrency: int = 32,
                configs: tuple[str, ...] = CONFIGS) -> dict[str, dict[str, list[float]]]:
    """Each configuration's rounds: {"rate": pages/s, "cpu": µs/page, "marginal": µs/page less the
    start-up, "share": rate / BASE's}."""
    if BASE not in configs:
        configs = (BASE, *configs)
    out: dict[str, dict[str, list[float]]] = {c: {"rate": [], "cpu": [], "marginal": [], "share": []}
                                              for c in configs}
    with crawl_site(pages) as (base, tmp, job):
        for round_ in range(rounds):
            shift = round_ % len(configs)
            order = configs[shift:] + configs[:shift]
            rates: dict[str, float] = {}
            for config in order:
                rate, cpu, got = _one(config, base, tmp, job, round_, concurrency)
                if got < pages * 0.95:
                    raise RuntimeError(f"{config}: the crawl fetched only {got} of {pages} pages")
                # The same crawl started deep in the tree (a handful of pages): its CPU is the
                # start-up (imports, building the gate), which pages/s does not see.
                _, small_cpu, small_got = _one(config, base, tmp, job, round_, concurrency, _SMALL_START)
                rates[config] = rate
                out[config]["rate"].append(rate)
                out[config]["cpu"].append(cpu)
                out[config]["marginal"].append((cpu * got - small_cpu * small_got) / (got - small_got))
            for config in configs:
                out[config]["share"].append(rates[config] / rates[BASE])
    return out


def report(result: dict[str, dict[str, list[float]]], rounds: int) -> str:
    base_cpu = statistics.median(result[BASE]["cpu"])
    base_marginal = statistics.median(result[BASE]["marginal"])
    lines = [f"median of {rounds} rounds (each round's figures in brackets); 'marginal': CPU per page less the "
             "start-up (the CPU of a crawl of a few pages)",
             f"{'configuration':16s} {'pages/s':>8s} {'share':>6s} {'CPU/page':>9s} {'CPU %':>6s} "
             f"{'marginal':>9s} {'marg. %':>7s}"]
    for config, got in result.items():
        cpu, marginal = statistics.median(got["cpu"]), statistics.median(got["marginal"])
        lines.append(f"{config:16s} {statistics.median(got['rate']):8.0f} {statistics.median(got['share']):6.0%} "
                     f"{cpu:7.0f}us {cpu / base_cpu:6.0%} {marginal:7.0f}us {marginal / base_marginal:7.0%}  "
                     "rates [" + ", ".join(f"{r:.0f}" for r in got["rate"])
                     + "] shares [" + ", ".join(f"{s:.0%}" for s in got["share"])
                     + "] marginal [" + ", ".join(f"{m:.0f}" for m in got["marginal"]) + "]")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="?", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated, of: " + ", ".join(ALL_CONFIGS))
    args = parser.parse_args(argv)
    configs = tuple(c.strip() for c in args.configs.split(",") if c.strip())
    unknown = set(configs) - set(ALL_CONFIGS)
    if unknown:
        parser.error(f"unknown configuration(s): {', '.join(sorted(unknown))}")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    result = crawl_costs(args.pages, args.rounds, args.concurrency, configs)
    print(f"{started}, {args.pages} pages, {args.concurrency} concurrent requests, load {os.getloadavg()[0]:.1f}")
    print(report(result, args.rounds))


if __name__ == "__main__":
    main(sys.argv[1:])
