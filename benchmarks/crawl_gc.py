"""Garbage collection in a 1,500-page Scrapy crawl (issue 21.6): how many collections of each
generation ran in the crawl process and the CPU they took, for Scrapy with RobotsTxtMiddleware,
the gate (no ledger) with SCRAPEGATE_GC_FREEZE off, and the gate with it on (the default).

    python benchmarks/crawl_gc.py [PAGES] [--rounds 3]

benchmarks/scrapy_bench.py's local site and spider, 32 concurrent requests; each crawl runs in
its own process with a gc.callbacks hook that times every collection (start-up included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_common import price_job  # noqa: E402
from scrapy_bench import _BENCH_SETTINGS, GATE_MIDDLEWARES, SPIDER, _serve  # noqa: E402

# Runs the crawl script given as argv[1] with a hook timing every collection; prints a JSON line.
_HOOK = """
import atexit, gc, json, runpy, sys, time
counts, spent, started = [0, 0, 0], [0.0, 0.0, 0.0], {}
def hook(phase, info):
    g = info["generation"]
    if phase == "start":
        started[g] = time.process_time()
    else:
        counts[g] += 1
        spent[g] += time.process_time() - started[g]
gc.callbacks.append(hook)
atexit.register(lambda: print("GCSTATS " + json.dumps({"counts": counts, "seconds": spent,
                                                        "tracked": len(gc.get_objects())}), file=sys.stderr))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

CONFIGS = {"scrapy+robotstxt": {"ROBOTSTXT_OBEY": True},
           "gate, no freeze": {**GATE_MIDDLEWARES, "SCRAPEGATE_GC_FREEZE": False},
           "gate, freeze (default)": dict(GATE_MIDDLEWARES)}


def gc_costs(pages: int, rounds: int) -> dict[str, list[dict[str, Any]]]:
    server, base = _serve(pages)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in CONFIGS}
    try:
        with tempfile.TemporaryDirectory() as tmp_text:
            tmp = Path(tmp_text)
            (tmp / "crawl.py").write_text(SPIDER)
            (tmp / "hook.py").write_text(_HOOK)
            job = tmp / "job.yaml"
            job.write_text(yaml.safe_dump(price_job("bench-crawl", [base + "/p/0"])))
            for round_ in range(rounds):
                names = list(CONFIGS)
                names = names[round_ % len(names):] + names[:round_ % len(names)]
                for name in names:
                    settings = {**_BENCH_SETTINGS, "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
                                **CONFIGS[name]}
                    if name != "scrapy+robotstxt":
                        settings.update(SCRAPEGATE_JOB=str(job), SCRAPEGATE_LEDGER=False)
                    proc = subprocess.run([sys.executable, str(tmp / "hook.py"), str(tmp / "crawl.py"), base + "/p/0",
                                           str(tmp / "s.json"), json.dumps(settings)],
                                          cwd=tmp, capture_output=True, text=True, timeout=900, check=True)
                    line = next(x for x in proc.stderr.splitlines() if x.startswith("GCSTATS "))
                    out[name].append(json.loads(line.split(" ", 1)[1]))
    finally:
        server.shutdown()  # type: ignore[attr-defined]
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="?", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    result = gc_costs(args.pages, args.rounds)
    print(f"garbage collection in a {args.pages}-page crawl, median of {args.rounds} "
          "(collections of generations 0/1/2, CPU seconds, objects tracked at the end)")
    for name, runs in result.items():
        gen2 = statistics.median(r["seconds"][2] for r in runs)
        total = statistics.median(sum(r["seconds"]) for r in runs)
        counts = "/".join(str(int(statistics.median(r["counts"][g] for r in runs))) for g in range(3))
        tracked = statistics.median(r["tracked"] for r in runs)
        print(f"  {name:24s} {counts:>14s}  full collections {gen2:.2f} s, all {total:.2f} s, "
              f"{tracked:,.0f} objects tracked")


if __name__ == "__main__":
    main(sys.argv[1:])
