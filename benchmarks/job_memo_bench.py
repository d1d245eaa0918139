"""The job memo's worth, step by step (BENCHMARKS.md, "Issue 16.5"): cold decisions of the
price-monitoring job (each URL a new host, static signals) through three engines measured
interleaved, batch by batch, in one process:

- whole: `EmbeddedEngine(use_job_memo=False)`, decision evaluated whole (the memo's fallback);
- memo, one bundle: the memo with site.host_findings queried in the full bundle (the whole job
  in its input);
- memo: as shipped (the site part in its own bundle, its input holding only the job fields
  the site modules read).

    python benchmarks/job_memo_bench.py [--rounds 8] [--samples 200]
    python benchmarks/job_memo_bench.py --whole-only --repo PATH   # another checkout's decision,
                                                                   # for before/after in turn
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def _cold_ms(gate: Any, urls: list[str]) -> float:
    """The median of one check per URL (each a new host), in ms."""
    times = []
    for url in urls:
        t = time.perf_counter()
        gate.check(url)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def first_host_ms(engine: Any, job: Any, n: int) -> float:
    """A job's first host: the job memo emptied before each check (benchmark c)."""
    from gate.core.gate import Gate

    gate = Gate(job, engine=engine, signals="static", ledger=False)
    times = []
    for i in range(n):
        if engine.job_memo is not None:
            engine.job_memo.clear()
        times.append(_cold_ms(gate, [f"https://first{i}.example.fr/photos/{i}"]))
    return statistics.median(times)


def memo_off_on_ms(engine: Any, job: Any, rounds: int, samples: int) -> tuple[float, float]:
    """The job memo's worth (benchmark c): `engine` against one that evaluates decision
    whole, batch by batch in turn, so that the machine's drift cannot skew the ratio."""
    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine

    gates = {"off": Gate(job, engine=EmbeddedEngine(use_job_memo=False), signals="static", ledger=False),
             "on": Gate(job, engine=engine, signals="static", ledger=False)}
    medians: dict[str, list[float]] = {"off": [], "on": []}
    for r in range(rounds):
        for mode, gate in gates.items():
            medians[mode].append(_cold_ms(gate, [f"https://{mode}{r}-{i}.example.com/photos/{i}"
                                                 for i in range(samples)]))
    return statistics.median(medians["off"]), statistics.median(medians["on"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--whole-only", action="store_true", help="only the whole decision (any checkout)")
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]))
    args = parser.parse_args(argv)
    sys.path[:0] = [str(Path(args.repo) / "benchmarks"), args.repo]

    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine

    from bench_common import price_job

    has_memo = "use_job_memo" in inspect.signature(EmbeddedEngine).parameters
    engines: dict[str, Any] = {"whole": EmbeddedEngine(use_job_memo=False) if has_memo else EmbeddedEngine()}
    if has_memo and not args.whole_only:
        one = EmbeddedEngine()
        one._site_bundle, one._site_shape = one._bundle, None
        engines["memo, one bundle"] = one
        engines["memo"] = EmbeddedEngine()
    gates = {name: Gate(price_job(), engine=e, signals="static", ledger=False) for name, e in engines.items()}
    medians: dict[str, list[float]] = {name: [] for name in gates}
    n = 0
    for _ in range(args.rounds):
        for name, gate in gates.items():
            times = []
            for _ in range(args.samples):
                n += 1
                t = time.perf_counter()
                gate.check(f"https://shop{n}.example.com/photos/{n}")
                times.append((time.perf_counter() - t) * 1e3)
            medians[name].append(statistics.median(times))
    print(f"{args.repo} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), cold decision of the price job, "
          f"median of {args.rounds} rounds x {args.samples}:")
    for name, values in medians.items():
        print(f"  {name:<18} {statistics.median(values):.3f} ms   rounds: {' '.join(f'{v:.2f}' for v in values)}")


if __name__ == "__main__":
    main()
