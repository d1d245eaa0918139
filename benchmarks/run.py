"""scrapegate's cost, measured on this machine: one command, plain output, a table.

    python benchmarks/run.py            # every figure (a few minutes)
    python benchmarks/run.py --quick    # small sizes, for a smoke run
    python benchmarks/run.py --only a,c,g

a  warm Gate.check (robots and decision cached, no ledger), 100,000 URLs over 1,000 hosts,
   beside Protego's can_fetch on the same robots.txt files
b  the same with the SQLite ledger on
c  a cold decision (new host, embedded engine) and the policy compile time
d  `scrapegate check` on 1,000 manifests of 10 targets: wall time and peak memory
e  a Scrapy crawl of a local 2,000-page site with and without the middleware
s  a 1,500-page Scrapy crawl, 32 concurrent requests: Scrapy with RobotsTxtMiddleware beside the
   gate without a ledger, with the default writer and with the batched writer (issue 21.6)
f  the OPA-server engine's latency through the local OPA stand-in (tests/opa_fake.py)
g  `scrapegate --help` and `scrapegate check` start-up
t  `scrapegate policy test` on the shipped library, one test with -r, and a library twice as big
m  memory: 100,000 hosts through the robots.txt cache
l  ledger bytes per decision, SQLite and PostgreSQL (benchmarks/ledger_size_bench.py)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

from job_memo_bench import first_host_ms, memo_off_on_ms  # noqa: E402

from bench_common import (  # noqa: E402
    USER_AGENT,
    MemoryRobotsFetcher,
    interleaved_medians_us,
    per_call_median_us,
    price_job,
    robots_for,
)

Row = tuple[str, str, str, str]  # (what, figure, target, verdict)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def _warm_gate(n_hosts: int, ledger: Path | None) -> tuple[Any, list[str], dict[str, str]]:
    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine
    from gate.signals.live import LiveSignals
    from gate.signals.robots_cache import RobotsCache

    files = {f"https://shop{h}.example.com": robots_for(h) for h in range(n_hosts)}
    signals = LiveSignals(robots=RobotsCache(fetcher=MemoryRobotsFetcher(files)), optout=False)
    gate = Gate(price_job(), engine=EmbeddedEngine(), signals=signals,
                ledger=ledger if ledger is not None else False)  # None would be the default ledger
    return gate, list(files), files


def _urls(n_urls: int, n_hosts: int) -> list[str]:
    paths = ["/products/{i}", "/products/{i}?colour=red", "/category/garden/{i}", "/internal/prices/{i}",
             "/search/help/{i}", "/cart3/{i}", "/p/{i}.json", "/blog/{i}/comments"]
    return [f"https://shop{i % n_hosts}.example.com" + paths[i % len(paths)].format(i=i) for i in range(n_urls)]


def _warm_up(gate: Any, urls: list[str], files: dict[str, str]) -> None:
    """Robots fetched (from memory) and every decision key evaluated once; and a check that
    the figures measure what they claim: real robots verdicts, both allow and deny, no
    network (a robots.unreachable here would mean a fetch escaped to the network)."""
    codes: set[str] = set()
    allowed = 0
    for url in urls:
        decision = gate.check(url)
        allowed += decision.allow
        codes.update(decision.deny_codes)
    if codes - {"robots.disallowed"} or not allowed or "robots.disallowed" not in codes:
        raise RuntimeError(f"benchmark gate is not deciding on the in-memory robots.txt files: {sorted(codes)}")


def bench_a_b(n_urls: int, n_hosts: int, with_ledger: bool) -> list[Row]:
    from protego import Protego

    urls = _urls(n_urls, n_hosts)
    if with_ledger:
        return _bench_b(urls, n_hosts)
    rows: list[Row] = []
    gate, origins, files = _warm_gate(n_hosts, None)
    _warm_up(gate, urls, files)
    parsers = {origin: Protego.parse(text) for origin, text in files.items()}
    pairs = [(parsers[u[: u.index("/", 8)]], u) for u in urls]
    protego = lambda p: p[0].can_fetch(p[1], USER_AGENT)  # noqa: E731
    for pair in pairs:
        protego(pair)
    gate_us, protego_us = interleaved_medians_us([(gate.check, urls), (protego, pairs)])
    stats = gate.cache_stats
    gate.close()
    ratio = gate_us / protego_us
    rows.append(("a  warm Gate.check, median/URL (no ledger)", f"{gate_us:.1f} us", "", ""))
    rows.append(("a  bare Protego can_fetch, median/URL", f"{protego_us:.1f} us", "", ""))
    rows.append(("a  ratio gate / Protego", f"{ratio:.2f}x", "<= 3x", _verdict(ratio <= 3)))
    rows.append(("a  decision cache hits / misses", f"{stats['hits']} / {stats['misses']}", "", ""))
    return rows


def _bench_b(urls: list[str], n_hosts: int) -> list[Row]:
    """Both ledger writers. The target is the batched writer's (the one for high-throughput
    crawls); the sync writer, a commit per decision, is shown for information."""
    from gate.ledger.sqlite.ledger import SQLiteLedger

    rows: list[Row] = []
    for writer in ("sync", "batched"):
        with tempfile.TemporaryDirectory() as tmp:
            gate, _, files = _warm_gate(n_hosts, SQLiteLedger(Path(tmp) / "ledger.db", writer=writer))  # type: ignore[arg-type]
            _warm_up(gate, urls, files)
            gate.ledger.flush()  # the warm-up's rows are not the measured loop's work
            t0 = time.perf_counter()
            gate_us = per_call_median_us(gate.check, urls)
            gate.ledger.flush()
            wall_us = (time.perf_counter() - t0) / len(urls) * 1e6
            gate.close()
        if writer == "sync":
            rows.append(("b  warm Gate.check + SQLite ledger, sync writer, median/URL", f"{gate_us:.1f} us", "", ""))
            continue
        rows.append(("b  warm Gate.check + SQLite ledger, batched writer, median/URL", f"{gate_us:.1f} us",
                     "<= 60 us", _verdict(gate_us <= 60)))
        rows.append(("b  batched writer: wall/URL until all committed", f"{wall_us:.1f} us", "", ""))
    return rows


def bench_c(samples: int, rounds: int = 5) -> list[Row]:
    """Cold decisions of the price job in `rounds` rounds a second apart: the verdict is on
    the median of every sample; the quietest and the noisiest round's medians show how much
    of the spread is the machine (on the shared VM it moves 2x within a minute)."""
    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine

    t0 = time.perf_counter()
    engine = EmbeddedEngine()
    compile_ms = (time.perf_counter() - t0) * 1e3
    rows: list[Row] = [("c  policy load + compile (shipped bundle)", f"{compile_ms:.0f} ms", "", "")]

    def cold_ms(job: Any, host: str, first: int, n: int) -> list[float]:
        gate = Gate(job, engine=engine, signals="static", ledger=False)
        times = []
        for i in range(first, first + n):  # each URL a new host: the decision cache cannot help
            t = time.perf_counter()
            gate.check(f"https://{host.format(i=i)}/photos/{i}")
            times.append((time.perf_counter() - t) * 1e3)
        return times

    by_round = []
    for r in range(rounds):
        if r:
            time.sleep(1)
        by_round.append(cold_ms(price_job(), "shop{i}.example.com", r * samples, samples))
    cold = statistics.median([t for times in by_round for t in times])
    medians = sorted(statistics.median(times) for times in by_round)
    rows.append((f"c  cold decision, price-monitoring job, median of {rounds}x{samples}", f"{cold:.2f} ms", "< 1 ms",
                 _verdict(cold < 1)))
    rows.append(("c  the same: quietest / noisiest round's median", f"{medians[0]:.2f} / {medians[-1]:.2f} ms", "", ""))
    clearview = REPO / "examples" / "jobs" / "clearview-like.yaml"
    # >25 denials under 13 laws. The job memo evaluates its data protection part once per job
    # and subject codes (the first .fr host), so the first host costs what the whole decision
    # did and every later new host only the site part; the first host is measured with the
    # memo emptied before each check.
    n_heavy = max(10, samples // 4)
    heavy = statistics.median(cold_ms(clearview, "news{i}.example.fr", 0, n_heavy))
    rows.append(("c  cold decision, Clearview-like job (>25 denials), median", f"{heavy:.1f} ms", "< 5 ms",
                 _verdict(heavy < 5)))
    first = first_host_ms(engine, clearview, max(5, n_heavy // 2))
    rows.append(("c  the same, the job's first host (job memo empty), median", f"{first:.1f} ms", "", "info"))
    off, on = memo_off_on_ms(engine, price_job(), rounds, samples)
    rows.append(("c  price job, job memo off / on, interleaved rounds' median", f"{off:.2f} / {on:.2f} ms", "",
                 f"{on / off:.2f}x"))
    return rows


def bench_d(n_manifests: int, n_targets: int) -> list[Row]:
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        jobs = Path(tmp) / "jobs"
        jobs.mkdir()
        for m in range(n_manifests):
            targets = [f"https://shop{m}-{t}.example.com/products/{t}" for t in range(n_targets)]
            (jobs / f"job{m:04d}.yaml").write_text(yaml.safe_dump(price_job(f"job-{m}", targets)))
        code = ("import resource, subprocess, sys, time; t=time.perf_counter(); "
                "p=subprocess.run([sys.executable, '-m', 'gate.cli', 'check', sys.argv[1], '-f', 'json', "
                "'-o', '/dev/null']); "
                "print(p.returncode, time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", code, str(jobs)], capture_output=True, text=True,
                             check=True).stdout.split()
    rc, wall, rss_kb = int(out[0]), float(out[1]), int(out[2])
    return [(f"d  check {n_manifests} manifests x {n_targets} targets: wall", f"{wall:.1f} s", "< 30 s",
             _verdict(wall < 30 and rc == 0)),
            ("d  check: peak memory (RSS)", f"{rss_kb / 1024:.0f} MB", "", "")]


def bench_e(pages: int) -> list[Row]:
    from scrapy_bench import crawl_rates

    without, with_gate, paired = crawl_rates(pages)
    ratio = statistics.median(paired)
    return [("e  Scrapy crawl without the gate, median", f"{without:.0f} pages/s", "", ""),
            ("e  Scrapy crawl with the middleware (live robots, ledger), median", f"{with_gate:.0f} pages/s", "", ""),
            ("e  ratio with / without, median of the rounds' ratios", f"{ratio:.0%}", ">= 90%", _verdict(ratio >= 0.9)),
            ("e  the rounds' ratios, lowest / highest", f"{min(paired):.0%} / {max(paired):.0%}", "", "")]


def bench_s(pages: int, rounds: int) -> list[Row]:
    from crawl_cost import BASE, crawl_costs

    result = crawl_costs(pages, rounds)
    base_marginal = statistics.median(result[BASE]["marginal"])
    rows: list[Row] = []
    for config, got in result.items():
        if config == BASE:
            rows.append((f"s  {config}, median", f"{statistics.median(got['rate']):.0f} pages/s", "", ""))
            continue
        share = statistics.median(got["share"])
        target = ">= 95%" if config == "gate-default" else ""
        rows.append((f"s  {config}: pages/s as a share of {BASE}'s, median", f"{share:.0%}", target,
                     _verdict(share >= 0.95) if target else ""))
        rows.append((f"s  {config}: CPU per page less start-up, vs {BASE}",
                     f"{statistics.median(got['marginal']) / base_marginal:.0%}", "", ""))
    return rows


def bench_f(samples: int) -> list[Row]:
    sys.path.insert(0, str(REPO / "tests"))
    import logging

    from opa_fake import FakeOPA

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the stand-in's access log
    from gate.engines.opa import OPAServerEngine
    from gate.engines.policy_set import load_policy_set, shipped_policies_dir
    from gate.model.input import build_input
    from gate.model.manifest import load_job
    from gate.model.url import normalize
    from gate.signals.static import static_signals

    policy_set = load_policy_set([shipped_policies_dir()])
    job = load_job(price_job())
    try:  # the real OPA engine behind the stand-in's REST API, when its bindings are installed
        import opa_bindings  # noqa: F401

        evaluator = "opa"
    except ImportError:
        evaluator = "regopy"
    from gate.policy.bundle import build_bundle

    with FakeOPA(evaluator=evaluator) as opa, tempfile.TemporaryDirectory() as tmp:
        build_bundle(policy_set, Path(tmp) / "bundle.tar.gz")  # served as `opa run -s -b` would
        opa.load_bundle(Path(tmp) / "bundle.tar.gz")
        engine = OPAServerEngine(opa.url)
        inputs = [build_input(job, normalize(f"https://shop{i}.example.com/p"), signals=static_signals())
                  for i in range(samples)]
        engine.evaluate(inputs[0])
        times = []
        for policy_input in inputs:
            t = time.perf_counter()
            engine.evaluate(policy_input)
            times.append((time.perf_counter() - t) * 1e3)
        engine.close()
    return [(f"f  OPA-server engine via local REST stand-in ({evaluator}), median",
             f"{statistics.median(times):.2f} ms", "", "")]


def _time_cmd(args: list[str], runs: int, expect: int = 0, output: str = "") -> float:
    """Median wall time of a command; a run that exits otherwise or lacks `output` is no figure."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
        times.append((time.perf_counter() - t) * 1e3)
        if done.returncode != expect or output not in done.stdout:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-200:]}")
    return statistics.median(times)


def bench_g(runs: int) -> list[Row]:
    exe = str(Path(sys.executable).with_name("scrapegate"))
    exe = exe if Path(exe).exists() else "scrapegate"
    help_ms = _time_cmd([exe, "--help"], runs, 0, "Usage: scrapegate")
    check_ms = _time_cmd([exe, "check", "examples/jobs/price-monitoring.yaml"], runs, 0, "2 allowed")
    return [("g  scrapegate --help start-up, median", f"{help_ms:.0f} ms", "< 300 ms", _verdict(help_ms < 300)),
            ("g  scrapegate check (one job, 2 targets), median", f"{check_ms:.0f} ms", "", "")]


def _doubled_library(tmp: Path) -> Path:
    """The shipped policies plus a copy of every test file under a new package name: twice
    the tests (what the library grows to as tests are added)."""
    import re
    import shutil

    root = tmp / "policies"
    shutil.copytree(REPO / "policies", root)
    for test in sorted((root / "scrapegate").glob("*_test.rego")):
        text = test.read_text()
        package = re.search(r"^package (\S+)_test$", text, re.MULTILINE)
        if package:
            copy = text.replace(f"package {package.group(1)}_test", f"package {package.group(1)}_copy_test", 1)
            test.with_name(test.name.replace("_test.rego", "_copy_test.rego")).write_text(copy)
    return root


def bench_t(runs: int) -> list[Row]:
    import resource

    exe = str(Path(sys.executable).with_name("scrapegate"))
    exe = exe if Path(exe).exists() else "scrapegate"
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        doubled = _doubled_library(Path(tmp))
        cases = [("shipped library", [exe, "policy", "test"], "PASS: "),
                 ("one test (-r)", [exe, "policy", "test", "-r", "gdpr_test.test_non_personal_data_needs_no_basis$"],
                  "PASS: 1/1"),
                 ("library twice as big", [exe, "policy", "test", str(doubled)], "PASS: ")]
        for label, args, output in cases:
            ms = _time_cmd(args, runs, 0, output)
            count = subprocess.run(args, capture_output=True, text=True, cwd=REPO).stdout.strip().splitlines()[-1]
            target = "< 10 s" if label == "shipped library" else ""
            rows.append((f"t  policy test, {label} ({count}), median", f"{ms / 1e3:.2f} s", target,
                         _verdict(ms < 10_000) if target else ""))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows.append(("t  peak RSS of any command above", f"{peak_mb:.0f} MB", "", ""))
    return rows


def bench_m(hosts: int) -> list[Row]:
    code = f"""
import resource, sys, time
sys.path[:0] = {[str(HERE), str(REPO)]!r}
from bench_common import MemoryRobotsFetcher, robots_for, USER_AGENT
from gate.signals.robots_cache import RobotsCache
files = {{f"https://shop{{h}}.example.com": robots_for(h) for h in range({hosts})}}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cache = RobotsCache(fetcher=MemoryRobotsFetcher(files))
for origin in files:
    cache.allowed(origin + "/products/1", USER_AGENT)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(cache), after - before, after)
"""
    size, delta_kb, peak_kb = map(int, subprocess.run([sys.executable, "-c", code], capture_output=True,
                                                       text=True, check=True).stdout.split())
    mb = delta_kb / 1024
    return [(f"m  robots cache after {hosts} hosts: entries kept", str(size), "", ""),
            ("m  robots cache memory (RSS growth)", f"{mb:.0f} MB", "< 300 MB", _verdict(mb < 300))]


def bench_l(n: int) -> list[Row]:
    """Ledger bytes per decision in both backends (issue 21.5's target: 150)."""
    code = f"""
import sys
sys.path[:0] = {[str(HERE), str(REPO)]!r}
from ledger_size_bench import postgres_bytes, sqlite_bytes
print(sqlite_bytes({n}), postgres_bytes({n}))
"""
    lite, pg = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout.split()
    rows: list[Row] = [(f"l  ledger bytes per decision, SQLite ({n:,} decisions)", f"{float(lite):.0f} B", "<= 150 B",
                        _verdict(float(lite) <= 150))]
    if pg != "None":
        rows.append((f"l  ledger bytes per decision, PostgreSQL ({n:,} decisions)", f"{float(pg):.0f} B", "<= 150 B",
                     _verdict(float(pg) <= 150)))
    return rows


SECTIONS: dict[str, Callable[[bool], list[Row]]] = {
    "a": lambda q: bench_a_b(10_000 if q else 100_000, 100 if q else 1_000, False),
    "b": lambda q: bench_a_b(10_000 if q else 100_000, 100 if q else 1_000, True),
    "c": lambda q: bench_c(20 if q else 200),
    "d": lambda q: bench_d(50 if q else 1_000, 10),
    "e": lambda q: bench_e(200 if q else 2_000),
    "s": lambda q: bench_s(200 if q else 1_500, 1 if q else 3),
    "f": lambda q: bench_f(20 if q else 300),
    "g": lambda q: bench_g(3 if q else 7),
    "t": lambda q: bench_t(1 if q else 5),
    "m": lambda q: bench_m(10_000 if q else 100_000),
    "l": lambda q: bench_l(5_000 if q else 50_000),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections, e.g. a,c,g")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    print(f"scrapegate benchmarks, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{platform.machine()} x{os.cpu_count()}, Python {platform.python_version()}"
          + (" (quick sizes)" if args.quick else ""))
    rows: list[Row] = []
    for name in args.only.split(","):
        try:
            new = SECTIONS[name.strip()](args.quick)
        except Exception as exc:  # a section that cannot run says so; the others still run
            new = [(f"{name}  failed: {type(exc).__name__}: {exc}"[:100], "", "", "ERROR")]
        rows += new
        for row in new:
            print(f"  {row[0]:<62} {row[1]:>16} {row[2]:>10} {row[3]:>7}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 1 if any(r[3] in ("MISSED", "ERROR") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
