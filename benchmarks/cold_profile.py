"""Where a cold decision's time goes (BENCHMARKS.md, section c): a cProfile of cold checks,
then regopy's own costs measured piece by piece.

    python benchmarks/cold_profile.py [--job examples/jobs/clearview-like.yaml]

1. cProfile of 300 cold `Gate.check` calls (each URL a new host, static signals).
2. The policy input handed to regopy (gate.engines.regopy_ffi) and the compiled query.
3. regopy's floor: a trivial policy, what one more Rego expression costs, and the same
   trivial policy compiled into a bundle beside the shipped modules.
4. The shipped bundle's parts, each compiled as an entrypoint of its own and queried alone
   with the same input (a part's figure includes the query floor).
5. The same decision on the real OPA engine in-process, when opa-golib-python-bindings is
   installed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bench_common import price_job  # noqa: E402

PARTS = ["scrapegate/_well_formed", "scrapegate/_relevant_exceptions", "scrapegate/derive/personal",
         "scrapegate/signals/deny", "scrapegate/signals/warn", "scrapegate/signals/obligations",
         "scrapegate/terms/deny", "scrapegate/gdpr/deny", "scrapegate/eu_ai_act/deny", "scrapegate/us_biometric/deny",
         "scrapegate/ca/deny", "scrapegate/review/warn", "scrapegate/_raw_deny", "scrapegate/decision"]


def median_ms(fn: Callable[[int], Any], n: int) -> float:
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def _query_ms(bundle: Any, entrypoint: str, policy_input: dict[str, Any], n: int = 100) -> float:
    import regopy

    from gate.engines.regopy_ffi import set_input

    interp = regopy.Interpreter()
    interp.strict_built_in_errors = True
    set_input(interp, policy_input)
    return median_ms(lambda _: str(interp.query_bundle_entrypoint(bundle, entrypoint)), n)


def _floor(policy_input: dict[str, Any], modules: list[Any]) -> list[tuple[str, float]]:
    import regopy

    checks = ["is_string(input.request.host)", "is_object(input.job.purpose)", "is_array(input.job.data_categories)",
              "is_array(input.subjects.declared)", "is_object(input.signals)"]
    rows = []
    for label, body in (("a constant", "r := true"), ("1 expression", f"r if {{\n{checks[0]}\n}}"),
                        ("5 expressions", "r if {\n" + "\n".join(checks) + "\n}")):
        interp = regopy.Interpreter()
        interp.add_module("floor.rego", f"package floor\n{body}\n")
        bundle = interp.build(None, ["floor/r"])
        rows.append((f"trivial policy, {label}, the same input", _query_ms(bundle, "floor/r", policy_input, 300)))
    # The same constant compiled beside the shipped modules (which it never calls): rego-cpp's
    # per-query cost grows with the bundle, whatever the query evaluates.
    interp = regopy.Interpreter()
    for module in modules:
        interp.add_module(module.name, module.source)
    interp.add_module("floor.rego", "package floor\nr := true\n")
    bundle = interp.build(None, ["floor/r"])
    rows.append(("trivial policy, a constant, in the shipped bundle", _query_ms(bundle, "floor/r", policy_input, 300)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--job", help="a job manifest (default: the benchmarks' price-monitoring job)")
    args = parser.parse_args(argv)

    from gate.engines.embedded import EmbeddedEngine, new_interpreter
    from gate.engines.regopy_ffi import set_input
    from gate.gate import Gate
    from gate.policy_input import build_input
    from gate.url import normalize

    engine = EmbeddedEngine()
    gate = Gate(args.job or price_job(), engine=engine, signals="static", ledger=None)
    for i in range(20):
        gate.check(f"https://warm{i}.example.com/x")

    print("1. cProfile of 300 cold checks (tottime):")
    profile = cProfile.Profile()
    profile.enable()
    for i in range(300):
        gate.check(f"https://cold{i}.example.com/photos/{i}")
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(8)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:2500])

    nurl = normalize("https://x.example.com/p")
    signals = gate.signals.gather(nurl, gate._user_agent).signals
    policy_input = build_input(gate.job, nurl, signals=signals, job_view=gate._job_view)
    interp = engine._local.interp
    rows = [("cold Gate.check, whole", median_ms(lambda i: gate.check(f"https://c{i}.example.com/p"), 200)),
            ("engine.evaluate (input + query + output)", median_ms(lambda _: engine.evaluate(policy_input), 200)),
            ("set_input: the input handed to regopy", median_ms(lambda _: set_input(interp, policy_input), 200)),
            ("the compiled decision query alone",
             median_ms(lambda _: str(interp.query_bundle_entrypoint(engine._bundle, engine.entrypoint)), 200))]
    rows += _floor(policy_input, engine.policy_set.policy_modules())
    parts = new_interpreter(engine.policy_set).build(None, PARTS)
    rows += [(f"part {p}", _query_ms(parts, p, policy_input)) for p in PARTS]
    rows += _real_opa(engine.policy_set, policy_input)
    print("\n2-5. medians:")
    for label, ms in rows:
        print(f"  {label:<62} {ms:8.3f} ms")


def _real_opa(policy_set: Any, policy_input: dict[str, Any]) -> list[tuple[str, float]]:
    """The same decision on the real OPA engine, in-process, when its bindings are installed
    (opa-golib-python-bindings, as .ci/run installs them): the floor of another engine."""
    try:
        from opa_bindings import OpaEngine
    except ImportError:
        return []
    opa = OpaEngine()
    for module in policy_set.policy_modules():
        opa.add_policy(module.name, module.source)
    opa.add_data(policy_set.data)
    opa.eval_document("scrapegate.decision", policy_input)
    return [("5. real OPA in-process (opa_bindings), the same decision",
             median_ms(lambda _: opa.eval_document("scrapegate.decision", policy_input), 200))]


if __name__ == "__main__":
    main()
