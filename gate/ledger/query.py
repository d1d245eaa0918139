"""Reading whichever ledger a location names: the SQLite file (gate.ledger.sqlite.query) or the
PostgreSQL database (gate.ledger.postgres.query), with the same functions and results. The
CLI's `scrapegate ledger` commands read through here."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from gate.ledger import is_postgres, ledger_location, sqlite_path
from gate.ledger.sqlite.query import EXPORT_FIELDS, Filters, VerifyReport

__all__ = ["verify", "rows", "stats", "erase_plan", "Filters", "EXPORT_FIELDS"]


def _backend(location: str | None) -> tuple[Any, str]:
    where = ledger_location(location)
    if is_postgres(where):
        from gate.ledger.postgres import query as pg_query

        return pg_query, where
    from gate.ledger.sqlite import query as sqlite_query

    return sqlite_query, sqlite_path(where)


def verify(location: str | None = None, anchors: Iterable[str] = ()) -> VerifyReport:
    backend, where = _backend(location)
    report: VerifyReport = backend.verify(where, anchors)
    return report


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
