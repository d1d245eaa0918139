"""`scrapegate check` as a library call: evaluate every target of every job."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from gate.engines.base import Engine
from gate.manifest import LoadedJob, load_manifests
from gate.report import Report, Result

__all__ = ["run_check", "check_jobs"]


def check_jobs(jobs: list[LoadedJob], engine: Engine, *, live: bool = False, include_input: bool = False,
               timeout: float = 10.0) -> Report:
    """Static mode by default: no network, robots and opt-outs `not_checked`."""
    from gate.gate import Gate

    report = Report(policy_revision=engine.revision, engine=engine.name)
    signals = None
    if live:
        from gate.signals.live import LiveSignals

        signals = LiveSignals(timeout=timeout)
    from gate.errors import ManifestError

    empty = [f"{j.file} (document {j.document}) spec.targets: job {j.job.name} has no targets; nothing to evaluate"
             for j in jobs if not j.job.spec.targets]
    if empty or not jobs:
        raise ManifestError("\n".join(empty) or "no job to check", errors=empty or ["no job to check"])
    for loaded in jobs:
        gate = Gate(loaded.job, engine=engine, signals=signals or "static", ledger=None)
        for i, target in enumerate(loaded.job.target_list()):
            decision, policy_input, _ = gate.decide(target.url, authenticated=target.authenticated)
            if include_input and policy_input is None:
                # a cached decision: rebuild the exact input it stands for
                from gate.policy_input import build_input
                from gate.url import normalize

                sig = signals.gather(normalize(target.url), loaded.job.spec.user_agent).signals if signals else None
                policy_input = build_input(loaded.job, normalize(target.url), authenticated=target.authenticated, signals=sig)
            report.results.append(Result(loaded.file, loaded.job.name, target.url, decision,
                                         loaded.target_line(i), loaded.document, policy_input if include_input else None))
    if signals is not None:
        signals.close()
    return report


def run_check(paths: Iterable[str | Path], engine: Engine, **kw: object) -> Report:
    return check_jobs(load_manifests(paths), engine, **kw)  # type: ignore[arg-type]
