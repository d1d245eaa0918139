"""The ledger's cost per decision: `measure(n)` for benchmarks/run.py, or run it alone:

    python benchmarks/ledger_bench.py [N]

Times `SQLiteLedger.record` only (the Decision objects and the policy input are built beforehand,
as the Gate builds them anyway), for the sync writer (a commit per decision) and the batched
writer (a queue append; a thread commits), on a fresh ledger file in a temporary directory.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.model.decision import Decision, Violation

__all__ = ["measure", "DEFAULT_N"]

DEFAULT_N = 20_000


# One job view shared by every input, as the Gate builds them (gate.model.input.build_input).
_JOB_VIEW: dict[str, Any] = {
    "name": "face-index", "owner": "data-team@example.com",
    "legal_basis": {"gdpr_art6": "legitimate_interests", "gdpr_art9": None,
                    "consent": {"kind": "none", "evidence": None},
                    "assessments": {"lia": None, "dpia": None}},
    "data_subjects": {"jurisdictions": ["*"], "minors": False},
}


def _policy_input(i: int) -> dict[str, Any]:
    host = f"www.site{i % 1000}.example"
    return {
        "request": {"url": f"https://{host}/photos/{i}?id={i}&ref=feed", "method": "GET", "scheme": "https",
                    "host": host, "port": 443, "site": f"site{i % 1000}.example", "path": f"/photos/{i}",
                    "authenticated": False},
        "job": _JOB_VIEW,
        "subjects": {"declared": list(_JOB_VIEW["data_subjects"]["jurisdictions"]), "inferred": []},
        "now": "2026-11-26T10:00:00Z",
    }


def _decision(i: int) -> Decision:
    if i % 4 == 0:
        return Decision(allow=False, deny=[Violation(code="robots.disallowed"),
                                           Violation(code="gdpr.art9_prohibited", jurisdiction="FR")],
                        policy_revision="rev-abc", engine="embedded")
    return Decision(allow=True, policy_revision="rev-abc", engine="embedded")


def _stats(prefix: str, samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        f"{prefix}_median_us": statistics.median(ordered) / 1000,
        f"{prefix}_p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000,
        f"{prefix}_mean_us": statistics.fmean(ordered) / 1000,
    }


def _run(path: Path, writer: str, decisions: list[Decision],
         inputs: list[dict[str, Any]]) -> tuple[list[int], dict[str, float]]:
    samples: list[int] = []
    clock = time.perf_counter_ns
    n = len(decisions)
    with SQLiteLedger(path, writer=writer) as ledger:
        docs = [{"robots": f"{h:064x}", "optout": None} for h in range(1000)]  # one robots.txt per host
        start, cpu, thread_cpu = clock(), time.process_time(), time.thread_time()
        for i, (decision, policy_input) in enumerate(zip(decisions, inputs)):
            signal_docs = docs[i % 1000]
            t0 = clock()
            ledger.record(decision, policy_input, mode="enforce", job="face-index",
                          owner="data-team@example.com", signal_docs=signal_docs)
            samples.append(clock() - t0)
        caller_cpu = time.thread_time() - thread_cpu
        ledger.flush()
        totals = {
            "wall_us": (clock() - start) / n / 1000,
            # CPU time is steadier than wall time on a shared machine: the caller's thread, and
            # the whole process (the batched writer's buffer threads; its process is not counted).
            "caller_cpu_us": caller_cpu / n * 1e6,
            "cpu_us": (time.process_time() - cpu) / n * 1e6,
        }
    return samples, totals


def measure(n: int = DEFAULT_N) -> dict[str, float]:
    """Per `SQLiteLedger.record`, for each writer ("sync_", "batched_"): median/p99/mean wall
    microseconds, wall time per decision including the final flush (wall_us), CPU time of the
    calling thread (caller_cpu_us) and of the whole process (cpu_us); and `verify`'s cost per
    row. Keys: n, {sync,batched}_{median,p99,mean,wall,caller_cpu,cpu}_us, verify_us_per_row."""
    from gate.ledger.sqlite.query import verify

    decisions = [_decision(i) for i in range(n)]
    inputs = [_policy_input(i) for i in range(n)]
    result: dict[str, float] = {"n": float(n)}
    with tempfile.TemporaryDirectory(prefix="scrapegate-ledger-bench-") as tmp:
        for writer in ("sync", "batched"):
            path = Path(tmp) / f"{writer}.db"
            samples, totals = _run(path, writer, decisions, inputs)
            result.update(_stats(writer, samples))
            result.update({f"{writer}_{key}": value for key, value in totals.items()})
            # A fresh id per run: the second writer must not see the first one's ids as reuse.
            decisions = [d.model_copy(update={"decision_id": f"{writer}-{i}"}) for i, d in enumerate(decisions)]
        t0 = time.perf_counter()
        report = verify(Path(tmp) / "batched.db")
        result["verify_us_per_row"] = (time.perf_counter() - t0) / max(1, report.decisions) * 1e6
        if not report.ok:
            raise RuntimeError(f"benchmark ledger does not verify: {report.problem}")
    return result


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else DEFAULT_N
    figures = measure(n)
    print(f"ledger: {n} decisions per writer")
    for key, value in figures.items():
        if key != "n":
            print(f"  {key:<22} {value:10.1f}")


if __name__ == "__main__":
    main(sys.argv)
