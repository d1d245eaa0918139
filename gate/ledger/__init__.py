"""The decision ledger: a durable, tamper-evident record of every decision and of what was
collected.

    from gate.ledger import open_ledger

    ledger = open_ledger()                          # $SCRAPEGATE_LEDGER, else ./.scrapegate/ledger.db
    ledger = open_ledger("crawl.db", writer="batched")
    ledger.record(decision, policy_input, mode="enforce", job="prices", owner=None)
    ledger.record_collected(decision.decision_id, status=200, nbytes=512, sha256=digest)
    ledger.close()

`Ledger` is the contract every backend implements; `open_ledger` picks the backend from the
location: a file path (or ``sqlite:///path``) is the SQLite ledger in `gate.ledger.sqlite`;
a ``postgresql://`` (or ``postgres://``) URL is the PostgreSQL ledger in `gate.ledger.postgres`,
shared by many writers on many machines, and is never taken for a file name. A new backend is
a sub-package beside them and one branch of `open_ledger`; `gate.ledger.query` reads either.

`rows` renders a decision as a row (shared by every backend); `decision_log` ships
decisions in OPA's decision-log format.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping, Protocol, runtime_checkable

from gate.errors import LedgerError, redact_url
from gate.ledger.location import DEFAULT_LEDGER_PATH, LEDGER_ENV, ledger_location

if TYPE_CHECKING:
    from gate.model.decision import Decision

__all__ = ["Ledger", "QuarantineLedger", "open_ledger", "ledger_location", "is_postgres", "sqlite_path", "LEDGER_ENV",
           "DEFAULT_LEDGER_PATH", "POSTGRES_SCHEMES"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_SQLITE_SCHEME = "sqlite://"


@runtime_checkable
class Ledger(Protocol):
    """What the Gate and the adapters need of a ledger. `record` returns the id the decision
    was stored under (a fresh one when that Decision's id was already recorded); a failure
    raises LedgerError, which the Gate turns into a deny (enforce) or raises (audit).

    A backend may also offer `record_parts(parts, decision, method, site, mode, signal_docs)`,
    a cheaper `record` for the copies of a cached decision (see gate.ledger.rows.row_parts).

    A backend that keeps the response phase's quarantine also implements QuarantineLedger.
    """

    def record(self, decision: "Decision", policy_input: Mapping[str, Any], *, mode: str, job: str,
               owner: str | None, signal_docs: Mapping[str, str | None] | None = None) -> str: ...

    def record_collected(self, decision_id: str, *, status: int, nbytes: int, sha256: str) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class QuarantineLedger(Protocol):
    """The quarantine of issue 19's response phase: `quarantine` marks a URL whose response
    held an undeclared data category (or, without a category, one fetched and discarded),
    `quarantined` lists the entries still open, `release` closes those of a (job, site) up to
    seq `through` (all when None), never one quarantined while it ran. Both backends
    implement it."""

    def quarantine(self, decision_id: str | None, *, job: str, site: str, url: str, reason: str,
                   category: str | None, evidence: Mapping[str, Any] | None, handed_over: bool) -> None: ...

    def quarantined(self, *, job: str | None = None, site: str | None = None) -> list[dict[str, Any]]: ...

    def release(self, *, job: str, site: str, by: str, reason: str, through: int | None = None) -> int: ...


def open_ledger(location: str | os.PathLike[str] | None = None, **options: Any) -> Ledger:
    """The ledger at `location` (see `ledger_location`): a path or ``sqlite:///path`` opens the
    SQLite ledger, a ``postgresql://`` URL the PostgreSQL one (`options`: writer, durable,
    batch sizes)."""
    where = ledger_location(location)
    if is_postgres(where):
        from gate.ledger.postgres.ledger import PostgresLedger

        return PostgresLedger(where, **options)
    from gate.ledger.sqlite.ledger import SQLiteLedger

    return SQLiteLedger(sqlite_path(where), **options)


def is_postgres(location: str) -> bool:
    """Whether `location` names a PostgreSQL ledger."""
    return location.lower().startswith(POSTGRES_SCHEMES)


def sqlite_path(where: str) -> str:
    """The file a non-PostgreSQL location names; LedgerError for an unknown URL scheme."""
    if where.lower().startswith(_SQLITE_SCHEME):
        where = where[len(_SQLITE_SCHEME):]
        if where.startswith("/"):  # as SQLAlchemy reads it: sqlite:///rel.db is "rel.db", sqlite:////abs.db "/abs.db"
            where = where[1:]
        if not where:
            raise LedgerError("ledger sqlite://: the URL names no file")
    elif "://" in where:
        raise LedgerError(f"ledger {redact_url(where)}: unknown ledger URL scheme; give a file path, "
                          "sqlite:///path or postgresql://")
    return where


