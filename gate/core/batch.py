"""Batch decisions: every target of every job in a set of manifests (what `scrapegate check`
runs), as a `Report` of `Result`s that gate.report renders."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from gate.engines.base import Engine
from gate.errors import ManifestError
from gate.model.decision import Decision
from gate.model.manifest import LoadedJob, load_manifests

__all__ = ["Result", "Report", "decide_manifests", "decide_jobs", "PARALLEL_MIN_TARGETS"]

# Deny codes that mean the engine failed, not that the policies denied: unreachable, erred,
# or no decision at all (a policy without a decision rule, a decision that is not one).
ENGINE_FAILURE_CODES = frozenset({"engine.unavailable", "engine.error", "engine.undefined"})

# Below this many targets a second process costs more than it saves.
PARALLEL_MIN_TARGETS = 200

_worker_engine: Engine | None = None  # set in the parent before forking the workers


@dataclass
class Result:
    """One target of one job, and its decision."""

    file: str
    job: str
    target: str
    decision: Decision
    line: int = 1
    document: int = 1
    policy_input: dict[str, Any] | None = None


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    policy_revision: str = ""
    engine: str = ""
    fail_on_warn: bool = False

    @property
    def denied(self) -> list[Result]:
        return [r for r in self.results if not r.decision.allow]

    @property
    def warned(self) -> list[Result]:
        return [r for r in self.results if r.decision.warn]

    def summary(self) -> dict[str, int]:
        return {
            "jobs": len({(r.file, r.document, r.job) for r in self.results}),
            "targets": len(self.results),
            "allowed": sum(1 for r in self.results if r.decision.allow),
            "denied": len(self.denied),
            "warnings": sum(len(r.decision.warn) for r in self.results),
            "waived": sum(len(r.decision.waived) for r in self.results),
        }

    @property
    def failed(self) -> list[Result]:
        """Results denied because the engine could not decide (unreachable, erred, no decision):
        an outage or a broken policy, not a violation."""
        return [r for r in self.results if set(r.decision.deny_codes) & ENGINE_FAILURE_CODES]

    def exit_code(self) -> int:
        """3 when any decision failed in the engine, else 0 when everything is allowed, 1 on
        any deny (or any warning with fail_on_warn): CI tells an outage from a violation."""
        if self.failed:
            return 3
        if self.denied or (self.fail_on_warn and self.warned):
            return 1
        return 0


def _decide_one(loaded: LoadedJob, engine: Engine, signals: Any, include_input: bool) -> list[Result]:
    from gate.core.gate import Gate

    gate = Gate(loaded.job, engine=engine, signals=signals or "static", ledger=False)
    results = []
    for i, target in enumerate(loaded.job.target_list()):
        evaluation = gate.decide(target.url, authenticated=target.authenticated)
        policy_input = gate.input_for(evaluation) if include_input else None
        results.append(Result(loaded.file, loaded.job.name, target.url, evaluation.decision,
                              loaded.target_line(i), loaded.document, policy_input))
    return results


def _decide_chunk(chunk: list[LoadedJob]) -> list[Result]:
    assert _worker_engine is not None
    return [r for loaded in chunk for r in _decide_one(loaded, _worker_engine, None, False)]


def _parallel(jobs: list[LoadedJob], engine: Engine, workers: int,
              progress: Callable[[int, int], None] | None = None) -> list[Result]:
    """Static checks of many jobs in forked workers that inherit the compiled policies."""
    import multiprocessing

    global _worker_engine
    _worker_engine = engine
    chunks = [jobs[i::workers * 4] for i in range(workers * 4)]
    try:
        total = sum(len(j.job.spec.targets) for j in jobs)
        parts: list[list[Result]] = []
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(_decide_chunk, chunks):  # in order, as each chunk is done
                parts.append(part)
                if progress is not None:
                    progress(sum(len(p) for p in parts), total)
    finally:
        _worker_engine = None
    order = {id(loaded): n for n, loaded in enumerate(jobs)}
    by_job: dict[tuple[str, int], list[Result]] = {}
    for part in parts:
        for result in part:
            by_job.setdefault((result.file, result.document), []).append(result)
    return [r for loaded in sorted(jobs, key=lambda j: order[id(j)])
            for r in by_job.get((loaded.file, loaded.document), [])]


def decide_jobs(jobs: list[LoadedJob], engine: Engine, *, live: bool = False, include_input: bool = False,
               timeout: float = 10.0, workers: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> Report:
    """Static mode by default: no network, robots and opt-outs `not_checked`. Many targets
    are evaluated in `workers` forked processes (default: one per CPU) for the embedded
    engine; results keep the manifests' order. `progress(done, total)` is told the targets
    decided so far."""
    empty = [f"{j.file} (document {j.document}) spec.targets: job {j.job.name} has no targets; nothing to evaluate"
             for j in jobs if not j.job.spec.targets]
    if empty or not jobs:
        raise ManifestError("\n".join(empty) or "no job to check", errors=empty or ["no job to check"])
    report = Report(policy_revision=engine.revision, engine=engine.name)
    targets = sum(len(j.job.spec.targets) for j in jobs)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if (workers > 1 and not live and not include_input and engine.name == "embedded"
            and targets >= PARALLEL_MIN_TARGETS and len(jobs) > 1 and hasattr(os, "fork")):
        report.results = _parallel(jobs, engine, min(workers, len(jobs)), progress)
        return report
    signals = None
    if live:
        from gate.core.config import terms_discovery
        from gate.signals.live import LiveSignals

        signals = LiveSignals(timeout=timeout, terms=terms_discovery())
    try:
        for loaded in jobs:
            report.results += _decide_one(loaded, engine, signals, include_input)
            if progress is not None:
                progress(len(report.results), targets)
    finally:
        if signals is not None:
            signals.close()
    return report


def decide_manifests(paths: Iterable[str | Path], engine: Engine, **kw: object) -> Report:
    return decide_jobs(load_manifests(paths), engine, **kw)  # type: ignore[arg-type]
