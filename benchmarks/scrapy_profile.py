"""Where a gated Scrapy crawl's time goes (issue 21.6: "find where the no-ledger 12% goes"):

    python benchmarks/scrapy_profile.py [PAGES] [--ledger none|sync|batched]
    python benchmarks/scrapy_profile.py [PAGES] --cpu [--rounds 3]

Runs benchmarks/scrapy_bench.py's crawl of its local site once under cProfile, in the crawl's
own process, with the scrapegate middleware in place of Scrapy's RobotsTxtMiddleware (ledger
off by default), and prints the CPU time of the crawl process that went to the gate - the
middleware's hooks with everything below them (the decision cache, the signals, Rego, the
ledger) - as a share of the process's total, then the gate's biggest own-time functions.
A CPU share is what the gate takes from a crawl bound by one core, whatever the machine's load.

--cpu runs, without the profiler, alternating crawls of Scrapy with its RobotsTxtMiddleware and
of the gate (no ledger, sync, batched), and prints each crawl process's CPU time (user + system,
every thread) per page: the gate's cost per page is the difference, free of the machine's load
that moves wall-clock pages/s by more than the gate costs.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from scrapy_bench import _BENCH_SETTINGS, GATE_MIDDLEWARES, crawl_site  # noqa: E402

# The gate's entry points in a Scrapy crawl: everything the middleware does happens below them.
ENTRY = ("adapters/scrapy.py", "gate/adapters/scrapy.py")


def profile(pages: int, ledger: str) -> None:
    with crawl_site(pages) as (base, tmp, job):
        settings: dict[str, object] = {**_BENCH_SETTINGS, **GATE_MIDDLEWARES, "SCRAPEGATE_JOB": str(job),
                                       "SCRAPEGATE_LEDGER": False if ledger == "none" else str(tmp / "l.db")}
        env = {k: v for k, v in os.environ.items() if k != "SCRAPEGATE_LEDGER"}
        if ledger != "none":
            env["SCRAPEGATE_LEDGER_WRITER"] = ledger
        prof = tmp / "crawl.prof"
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), str(tmp / "crawl.py"),
                        base + "/p/0", str(tmp / "stats.json"), json.dumps(settings)],
                       check=True, cwd=tmp, timeout=900, env=env)
        stats = json.loads((tmp / "stats.json").read_text())
        _report(pstats.Stats(str(prof)), int(stats.get("response_received_count", 0)))


def _report(stats: pstats.Stats, responses: int) -> None:
    raw = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    hooks = {k: v for k, v in raw.items() if k[0].endswith(ENTRY) and k[2].startswith(("process_", "_"))}
    # Only the outermost hooks (those not called by another middleware function) count, once each.
    outer = {k: v for k, v in hooks.items() if not any(c[0].endswith(ENTRY) for c in v[4])}
    gate_s = sum(v[3] for v in outer.values())
    print(f"{responses} responses; crawl process CPU {total:.2f} s; under the scrapegate middleware "
          f"{gate_s:.2f} s = {gate_s / total:.1%} ({gate_s / max(responses, 1) * 1e6:.0f} us a page)")
    for (path, line, name), v in sorted(outer.items(), key=lambda kv: -kv[1][3]):
        print(f"  {name:28s} {v[3]:7.3f} s cumulative, {v[1]:6d} calls  ({Path(path).name}:{line})")
    setup = [(k, v) for k, v in raw.items() if k[0].endswith(ENTRY) and k[2] in ("from_crawler", "__init__")]
    for (path, line, name), v in setup:
        print(f"  setup: {name:21s} {v[3]:7.3f} s cumulative ({Path(path).name}:{line}): building the Gate "
              "(importing, compiling the policies) before the first request")
    print("gate functions by own time:")
    mine = [(k, v) for k, v in raw.items() if "/gate/" in k[0] or k[0].endswith(ENTRY)]
    for (path, line, name), v in sorted(mine, key=lambda kv: -kv[1][2])[:15]:
        where = path.split("/gate/", 1)[-1] if "/gate/" in path else Path(path).name
        print(f"  {v[2]:7.3f} s own {v[3]:7.3f} s cum {v[1]:7d} calls  {where}:{line} {name}")


_ROBOTS = {"ROBOTSTXT_OBEY": True}


def cpu_per_page(pages: int, rounds: int) -> None:
    configs = ("scrapy+robotstxt", "gate, no ledger", "gate, sync ledger", "gate, batched ledger")
    cpu: dict[str, list[float]] = {c: [] for c in configs}
    with crawl_site(pages) as (base, tmp, job):
        for round_ in range(rounds):
            for config in (configs if round_ % 2 == 0 else tuple(reversed(configs))):
                settings: dict[str, object] = {**_BENCH_SETTINGS}
                env = {k: v for k, v in os.environ.items() if k != "SCRAPEGATE_LEDGER"}
                if config == "scrapy+robotstxt":
                    settings.update(_ROBOTS)
                else:
                    ledger = config.split()[1].rstrip(",")
                    where = False if ledger == "no" else str(tmp / f"{round_}-{ledger}.db")
                    settings.update(GATE_MIDDLEWARES, SCRAPEGATE_JOB=str(job), SCRAPEGATE_LEDGER=where)
                    env["SCRAPEGATE_LEDGER_WRITER"] = "batched" if ledger == "batched" else "sync"
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([sys.executable, str(tmp / "crawl.py"), base + "/p/0", str(tmp / "s.json"),
                                json.dumps(settings)], check=True, cwd=tmp, timeout=900, env=env)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                got = int(json.loads((tmp / "s.json").read_text()).get("response_received_count", 0))
                cpu[config].append(used / max(got, 1) * 1e6)
    base_us = statistics.median(cpu[configs[0]])
    print(f"CPU per page of the crawl process (user + system, all threads, incl. start-up), median of {rounds}:")
    for config in configs:
        med = statistics.median(cpu[config])
        print(f"  {config:22s} {med:7.0f} us  ({med / base_us:.0%} of scrapy+robotstxt; rounds "
              + ", ".join(f"{v:.0f}" for v in cpu[config]) + ")")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="?", type=int, default=1500)
    parser.add_argument("--ledger", choices=("none", "sync", "batched"), default="none")
    parser.add_argument("--cpu", action="store_true", help="CPU per page of each configuration, no profiler")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.cpu:
        cpu_per_page(args.pages, args.rounds)
    else:
        profile(args.pages, args.ledger)


if __name__ == "__main__":
    main(sys.argv[1:])
