"""Reading whichever ledger a location names: the SQLite file (gate.ledger.sqlite.query) or the
PostgreSQL database (gate.ledger.postgres.query), with the same functions and results. The
CLI's `scrapegate ledger` commands read through here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from gate.ledger import is_postgres, ledger_location, sqlite_path
from gate.ledger.checkpoints import (
    Checkpoint,
    _valid,
    check_checkpoints,
    checkpoints_path,
    load_key,
    pending_journals,
    process_alive,
    read_checkpoints,
)
from gate.ledger.gaps import check_prune_record
from gate.ledger.sqlite.query import EXPORT_FIELDS, Filters, Problem, VerifyReport

__all__ = ["verify", "rows", "stats", "erase_plan", "quarantine", "Filters", "EXPORT_FIELDS"]


def _backend(location: str | None) -> tuple[Any, str]:
    where = ledger_location(location)
    if is_postgres(where):
        from gate.ledger.postgres import query as pg_query

        return pg_query, where
    from gate.ledger.sqlite import query as sqlite_query

    return sqlite_query, sqlite_path(where)


def verify(location: str | None = None, anchors: Iterable[str] = (),
           checkpoints: str | Sequence[str] | None = None) -> VerifyReport:
    """The backend's chain check, then, with a key configured, the signed checkpoints
    (gate.ledger.checkpoints; `checkpoints` names their file, or one file per node of a
    shared ledger), and the journals of batched writers that died: decisions they
    acknowledged and never committed are lost."""
    backend, where = _backend(location)
    report: VerifyReport = backend.verify(where, anchors)
    bases = _checkpoint_files(where, checkpoints)
    problems: list[Problem] = []
    key = load_key()
    record, gaps = backend.prune_state(where)
    problems += [Problem("prune", 0, None, text) for text in check_prune_record(record, gaps, key, _valid)]
    if key is not None:
        found: list[Checkpoint] = []
        for base in bases:
            good, bad = read_checkpoints(base, key)
            found += good
            problems += [Problem("checkpoint", 0, None, text) for text in bad]
        if not found and not problems and (report.decisions or report.collections):
            problems.append(Problem("checkpoint", 0, None, f"no signed checkpoint at {', '.join(map(str, bases))}, "
                                    "though the ledger has rows: the checkpoints were deleted, or kept elsewhere "
                                    "(--checkpoints)"))
        wanted = {(chain, head[0]) for cp in found for chain, head in cp.heads.items()}
        hashes = backend.hashes_at(where, wanted) if wanted else {}
        counts = {"decisions": report.decisions, "collections": report.collections}
        problems += [Problem("checkpoint", 0, None, text)
                     for text in check_checkpoints(found, counts, lambda chain, seq: hashes.get((chain, seq)))]
    for pid, journal in (j for base in bases for j in pending_journals(base)):
        if process_alive(pid):
            continue  # a running writer: its rows may still be on their way
        try:
            ids = [line for line in journal.read_text(encoding="utf-8").splitlines() if line]
        except OSError:
            continue
        lost = backend.missing_decisions(where, ids) if ids else []
        if lost:
            problems.append(Problem("lost", 0, lost[0], f"{len(lost)} decision(s) that writer process {pid} "
                                    f"acknowledged were never committed (it died first), e.g. {', '.join(lost[:3])}; "
                                    f"journal {journal}"))
    if problems:
        report = replace(report, problems=[*report.problems, *problems])
    return report


def unchecked_checkpoints(location: str | None = None, checkpoints: str | Sequence[str] | None = None) -> list[Path]:
    """The signed checkpoint files `verify` left unread because no key is configured."""
    if load_key() is not None:
        return []
    _, where = _backend(location)
    return [base for base in _checkpoint_files(where, checkpoints) if base.exists()]


def _checkpoint_files(where: str, checkpoints: str | Sequence[str] | None) -> list[Path]:
    """The checkpoint files named (one per node of a shared ledger), else the one beside the ledger."""
    if isinstance(checkpoints, str):
        checkpoints = [checkpoints]
    return [Path(c) for c in checkpoints] if checkpoints else [checkpoints_path(where)]


def rows(location: str | None = None, filters: Filters | None = None,
         limit: int | None = None) -> Iterator[dict[str, Any]]:
    backend, where = _backend(location)
    return backend.rows(where, filters, limit=limit)  # type: ignore[no-any-return]


def stats(location: str | None = None, filters: Filters | None = None) -> dict[str, Any]:
    backend, where = _backend(location)
    return backend.stats(where, filters)  # type: ignore[no-any-return]


def erase_plan(location: str | None = None, **scope: Any) -> list[dict[str, Any]]:
    backend, where = _backend(location)
    return backend.erase_plan(where, **scope)  # type: ignore[no-any-return]


def quarantine(location: str | None = None, **scope: Any) -> list[dict[str, Any]]:
    backend, where = _backend(location)
    return backend.quarantine(where, **scope)  # type: ignore[no-any-return]
