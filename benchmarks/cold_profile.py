"""Where a cold decision's time goes (BENCHMARKS.md, section c): a cProfile of cold checks,
then regopy's own costs measured piece by piece.

    python benchmarks/cold_profile.py [--job examples/jobs/clearview-like.yaml]

1. cProfile of 300 cold `Gate.check` calls (each URL a new host, static signals).
2. The policy input handed to regopy (gate.engines.rego_binding) and the compiled query.
3. regopy's floor: a trivial policy, what one more Rego expression costs, and the same
   trivial policy compiled into a bundle beside the shipped modules.
4. The shipped bundle's parts, each compiled as an entrypoint of its own and queried alone
   with the same input (a part's figure includes the query floor).
5. The same decision on the real OPA engine in-process, when opa-golib-python-bindings is
   installed.
6. rego-cpp's unit costs, each measured as 10 copies in one rule body against an empty one:
   what an expression, a ref level, a rule, a function argument, a set entry and a missed
   data lookup cost (BENCHMARKS.md, section c, explains them with a perf profile).
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

PARTS = ["scrapegate/input_well_formed", "scrapegate/site/waivers_for_site", "scrapegate/derive/personal",
         "scrapegate/request/deny", "scrapegate/signals/deny", "scrapegate/signals/warn",
         "scrapegate/signals/obligations", "scrapegate/terms/deny", "scrapegate/terms/warn", "scrapegate/content/deny",
         "scrapegate/rsl/deny", "scrapegate/rsl/warn", "scrapegate/declaration/warn", "scrapegate/team/deny",
         "scrapegate/gdpr/deny", "scrapegate/eu_ai_act/deny", "scrapegate/eu_ai_act/obligations",
         "scrapegate/us_biometric/deny", "scrapegate/ca/deny", "scrapegate/review/warn", "scrapegate/_raw_deny",
         "scrapegate/_raw_warn", "scrapegate/_raw_obligations", "scrapegate/decision",
         "scrapegate/site/host_findings", "scrapegate/job_findings"]


def median_ms(fn: Callable[[int], Any], n: int) -> float:
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def _query_ms(bundle: Any, entrypoint: str, policy_input: dict[str, Any], n: int = 100) -> float:
    import regopy

    from gate.engines.rego_binding import set_input

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


def derive_codes(engine: Any, interp: Any) -> list[Any]:
    """The host codes site.host_findings reports for the interpreter's input."""
    import json

    from gate.engines.job_memo import site_part

    value = json.loads(str(interp.query_bundle_entrypoint(engine._site_bundle, "scrapegate/site/host_findings")))
    part = site_part(value["expressions"][0])
    return list(part["host_codes"]) if part else []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--job", help="a job manifest (default: the benchmarks' price-monitoring job)")
    args = parser.parse_args(argv)

    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine, new_interpreter
    from gate.engines.input_projection import project
    from gate.engines.job_memo import JOB_ENTRYPOINT, SITE_ENTRYPOINT, job_input
    from gate.engines.rego_binding import set_input
    from gate.model.input import build_input
    from gate.model.url import normalize

    engine = EmbeddedEngine()
    gate = Gate(args.job or price_job(), engine=engine, signals="static", ledger=False)
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
            ("set_input: the whole input handed to regopy", median_ms(lambda _: set_input(interp, policy_input), 200)),
            ("the compiled decision query alone (the job memo's fallback)",
             median_ms(lambda _: str(interp.query_bundle_entrypoint(engine._bundle, engine.entrypoint)), 200)),
            ("set_input: the site query's input (cut to what the site modules read)",
             median_ms(lambda _: set_input(interp, project(policy_input, engine._site_shape)), 200)),
            ("site.host_findings alone, in its own bundle (every new host)",
             median_ms(lambda _: str(interp.query_bundle_entrypoint(engine._site_bundle, SITE_ENTRYPOINT)), 200))]
    job_in = job_input(policy_input, list(derive_codes(engine, interp)))
    if job_in is not None:
        rows.append(("job_findings alone, its own input (a job memo miss)",
                     _query_ms(engine._bundle, JOB_ENTRYPOINT, job_in, 20)))
    set_input(interp, policy_input)
    rows += _floor(policy_input, engine.policy_set.policy_modules())
    parts = new_interpreter(engine.policy_set).build(None, PARTS)
    rows += [(f"part {p}", _query_ms(parts, p, policy_input)) for p in PARTS]
    rows += _real_opa(engine.policy_set, policy_input)
    print("\n2-5. medians:")
    for label, ms in rows:
        print(f"  {label:<62} {ms:8.3f} ms")
    print("\n6. rego-cpp unit costs (the fastest of 200 runs, per copy):")
    for label, us in _unit_costs():
        print(f"  {label:<62} {us:8.1f} us")


_ENTRY = ('{"code": "x", "jurisdiction": j, "law": "GDPR Art. 9(1)", "message": concat("", ["subjects in ", j]), '
          '"precedents": ["CNIL SAN-2022-019"]}')
_UNITS = {  # label: (rule body repeated 10 times, or a whole module with `r`; the input)
    "an expression, input.s == \"ok\"": ('input.s == "ok"', None),
    "a ref four levels deep, input.o.a.b.c": ("input.o.a.b.c", None),
    "a rule (another rule, a memoized call)": ("_rule", None),
    "a function called with a string": ("_f(input.s)", None),
    "a function called with a 30-entry object": ("_f(input.big)", None),
    "a lookup that misses in a 30-entry data object": ("not data.units.big[input.s]", None),
    "a lookup that misses in a 300-entry data object": ("not data.units.huge[input.s]", None),
    "40 objects built as an array (whole rule)": (f"r := count([v | some j in input.js; v := {_ENTRY}])", 1),
    "40 objects built as a set (whole rule)": (
        f"s contains v if {{ some j in input.js; v := {_ENTRY} }}\nr := count(s)", 1),
}


def _unit_costs() -> list[tuple[str, float]]:
    import json

    import regopy

    policy_input = {"s": "ok", "o": {"a": {"b": {"c": True}}}, "js": [f"J{i}" for i in range(40)],
                    "big": {f"k{i}": {"v": [i, str(i)]} for i in range(30)}}
    data = {"units": {"big": {f"k{i}": i for i in range(30)}, "huge": {f"k{i}": i for i in range(300)}}}
    helpers = "_rule := true\n_f(x) := true if x\n"

    def best_us(body: str) -> float:
        interp = regopy.Interpreter()
        interp.add_module("units.rego", f"package units\n{helpers}{body}\n")
        interp.add_data_json(json.dumps(data))
        bundle = interp.build(None, ["units/r"])
        query = regopy.Interpreter()
        query.set_input(policy_input)
        times = []
        for _ in range(200):
            t = time.perf_counter()
            str(query.query_bundle_entrypoint(bundle, "units/r"))
            times.append(time.perf_counter() - t)
        return min(times) * 1e6

    empty = best_us("r if { true }")
    rows = []
    for label, (body, whole) in _UNITS.items():
        us = best_us(body) - empty if whole else (best_us("r if {\n" + "\n".join([body] * 10) + "\n}") - empty) / 10
        rows.append((label, us))
    return rows


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
