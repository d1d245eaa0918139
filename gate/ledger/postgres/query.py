"""Reading the PostgreSQL ledger: verify the chains, filter and export rows, count, plan erasures.

The same functions, arguments and results as gate.ledger.sqlite.query (whose row decoding,
chain check and report types are reused), over a read-only connection and one snapshot
(REPEATABLE READ) per call, so a verify is consistent while other nodes append.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from gate.ledger.checkpoints import PRUNED
from gate.ledger.gaps import Gaps, read_gaps
from gate.ledger.postgres import quarantine as quarantine_rows
from gate.ledger.postgres.compact import _time
from gate.ledger.postgres.schema import SCHEMA, connect, pg_errors, redact
from gate.ledger.rows import utc_time
from gate.ledger.sqlite.quarantine import QUARANTINE_FIELDS
from gate.ledger.sqlite.query import (
    EXPORT_FIELDS,
    Filters,
    Problem,
    VerifyReport,
    _add_quarantine,
    _decode,
    _verify_table,
    jurisdiction_terms,
    normalize_site,
)
from gate.ledger.sqlite.store import COLLECTION_FIELDS, DECISION_FIELDS

__all__ = ["verify", "rows", "stats", "erase_plan", "quarantine", "hashes_at", "missing_decisions", "EXPORT_FIELDS"]

_D, _C = f"{SCHEMA}.decisions_v", f"{SCHEMA}.collections_v"
_CR = f"{SCHEMA}.collection_rows"
# Each decision's latest collection and how many it has: one pass over the collection blocks
# (they are packed, so a per-decision probe would unpack a block each time).


def _latest(where: str = "true") -> str:
    return (f"(SELECT DISTINCT ON (k.decision) k.decision, k.seq, {_time('k.time')} AS time, k.status, k.bytes, "
            "encode(k.content_sha256, 'hex') AS content_sha256, count(*) OVER (PARTITION BY k.decision) AS n "
            f"FROM {_CR} k WHERE {where} ORDER BY k.decision, k.seq DESC)")


_LATEST = _latest()
_SELECT = (
    "SELECT d.seq, " + ", ".join(f"d.{f}" for f in DECISION_FIELDS) + ", d.prev_hash, d.hash, "
    "c.time, c.status, c.bytes, c.content_sha256, coalesce(c.n, 0) "
    f"FROM {_D} d LEFT JOIN {_LATEST} c ON c.decision = d.seq"
)


def _where(filters: Filters | None) -> tuple[str, list[Any]]:
    """Filters.where in PostgreSQL's terms (jsonb for the JSON text columns)."""
    f = filters or Filters()
    clauses: list[str] = []
    params: list[Any] = []
    if f.since:
        clauses.append("d.time >= %s")
        params.append(utc_time(f.since))
    if f.job:
        clauses.append("d.job = %s")
        params.append(f.job)
    if f.site:
        clauses.append("d.site = %s")
        params.append(normalize_site(f.site))
    if f.jurisdiction:
        exact, prefixes = jurisdiction_terms(f.jurisdiction)
        tests = ["j.value = ANY(%s)"] + ["j.value LIKE %s"] * len(prefixes)
        clauses.append("EXISTS (SELECT 1 FROM jsonb_array_elements_text(d.jurisdictions::jsonb) j(value) "
                       f"WHERE {' OR '.join(tests)})")
        params += [sorted(exact), *(p + "%" for p in prefixes)]
    if f.denied:
        clauses.append("d.allow = 0")
    if f.collected:
        clauses.append("c.seq IS NOT NULL")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


@contextmanager
def _reading(url: str, doing: str) -> Iterator[Any]:
    conn = connect(url, readonly=True)
    try:
        with pg_errors(url, doing):
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot for the whole read
            yield conn
            conn.execute("COMMIT")
    finally:
        conn.close()


def verify(url: str, anchors: Iterable[str] = ()) -> VerifyReport:
    """Recompute both chains (see gate.ledger.sqlite.query.verify); also check that each
    chain ends where its head row says: rows cut from the end without moving the head show."""
    wanted = {a.strip().lower() for a in anchors if a.strip()}
    seen: set[str] = set()
    with _reading(url, "verifying") as conn:
        gaps = read_gaps(conn, f"{SCHEMA}.gaps")
        n_dec, head_dec, dec_problem = _verify_table(
            conn, "decisions", wanted, seen,
            f"SELECT seq, {', '.join(DECISION_FIELDS)}, hash, 1 FROM {_D} ORDER BY seq", gaps["decisions"])
        n_col, head_col, col_problem = _verify_table(
            conn, "collections", wanted, seen,
            f"SELECT c.seq, {', '.join('c.' + f for f in COLLECTION_FIELDS)}, c.hash, "
            f"CASE WHEN c.decision_hash IS NOT NULL THEN 1 END FROM {_C} c ORDER BY c.seq",
            gaps["collections"])
        n_q, head_q, q_problem = _verify_table(
            conn, "quarantine", wanted, seen,
            f"SELECT seq, {', '.join(QUARANTINE_FIELDS)}, prev_hash, hash, 1 FROM {SCHEMA}.quarantine ORDER BY seq",
            {}, stored_prev=True)
        heads = dict((chain, (seq, digest)) for chain, seq, digest in
                     conn.execute(f"SELECT chain, seq, hash FROM {SCHEMA}.heads"))
    problems = [p for p in (dec_problem, col_problem, q_problem) if p is not None]
    for table, count, head, broken in (("decisions", n_dec, head_dec, dec_problem),
                                       ("collections", n_col, head_col, col_problem),
                                       ("quarantine", n_q, head_q, q_problem)):
        recorded = heads.get(table)
        if broken is None and recorded is not None and recorded[1] != head:
            problems.append(Problem(table, int(recorded[0]), None,
                                    f"the chain ends at {head} after {count} rows, but its head row says row "
                                    f"{recorded[0]} with hash {recorded[1]}: rows were cut from the end"))
    problems += [Problem("anchor", 0, None, f"anchor {a} is in no chain: rows were cut from the end of the "
                         "ledger, or the anchored row was rewritten") for a in sorted(wanted - seen)]
    return VerifyReport(redact(url), n_dec, n_col, head_dec, head_col, problems, n_q, head_q)


def _select(filters: Filters | None, limit: int | None = None) -> tuple[str, list[Any]]:
    where, params = _where(filters)
    if limit is None:
        return _SELECT + where + " ORDER BY d.seq", params
    if filters is None or not filters.collected:
        # The last N matching decisions first, newest blocks first (an index scan that stops
        # early), then the collections of those alone: they are in the blocks written after the
        # oldest of them (collection_blocks_by_last_decision).
        cols = ", ".join(f"d.{f}" for f in DECISION_FIELDS)
        recent = _latest(f"k.block IN (SELECT first_seq FROM {SCHEMA}.collection_blocks WHERE last_decision >= "
                         "(SELECT min(seq) FROM last))")
        return (f"WITH last AS (SELECT d.seq, {cols}, d.prev_hash, d.hash FROM {SCHEMA}.decisions_b d{where} "
                f"ORDER BY d.block DESC, d.i DESC LIMIT {int(limit)}) "
                f"SELECT d.*, c.time, c.status, c.bytes, c.content_sha256, coalesce(c.n, 0) FROM last d "
                f"LEFT JOIN {recent} c ON c.decision = d.seq ORDER BY d.seq"), params
    return f"SELECT * FROM ({_SELECT}{where} ORDER BY d.seq DESC LIMIT {int(limit)}) r ORDER BY 1", params


def rows(url: str, filters: Filters | None = None, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Decision rows in ledger order (the last `limit` if given), each with its latest collection."""
    sql, params = _select(filters, limit)
    with _reading(url, "reading") as conn:
        for row in conn.execute(sql, params):
            yield _decode(tuple(row))


def stats(url: str, filters: Filters | None = None) -> dict[str, Any]:
    """Counts: totals; denials and warnings by code; allowed/denied/collected by site."""
    where, params = _where(filters)
    base = (f"SELECT d.*, c.seq AS collection FROM {_D} d LEFT JOIN (SELECT decision, max(seq) AS seq FROM {_CR} "
            f"GROUP BY decision) c ON c.decision = d.seq{where}")
    with _reading(url, "reading") as conn:
        total, allowed, collected = conn.execute(
            f"SELECT count(*), coalesce(sum(allow), 0), count(collection) FROM ({base}) r", params).fetchone()
        by_code: dict[str, dict[str, Any]] = {}
        for column, key in (("deny_codes", "denied"), ("warn_codes", "warned")):
            for code, n in conn.execute(
                    f"SELECT j.value, count(*) FROM ({base}) r, jsonb_array_elements_text(r.{column}::jsonb) j(value) "
                    "GROUP BY j.value", params):
                by_code.setdefault(code, {"code": code, "denied": 0, "warned": 0})[key] = n
        by_site = [
            {"site": site, "allowed": int(a), "denied": n - int(a), "collected": c}
            for site, n, a, c in conn.execute(
                f"SELECT site, count(*), sum(allow), count(collection) FROM ({base}) r GROUP BY site "
                "ORDER BY count(*) DESC, site", params)
        ]
    return {
        "decisions": total, "allowed": int(allowed), "denied": total - int(allowed), "collected": collected,
        "by_code": sorted(by_code.values(), key=lambda c: (-c["denied"], -c["warned"], c["code"])),
        "by_site": by_site,
    }


def erase_plan(url: str, *, site: str | None = None, jurisdiction: str | None = None, job: str | None = None,
               since: str | None = None) -> list[dict[str, Any]]:
    """Every collected URL matching the scope, with its decision id and every copy's sha256."""
    if not (site or jurisdiction or job):
        raise ValueError("an erasure plan needs a scope: --site, --jurisdiction or --job")
    sql, params = _select(Filters(since=since, job=job, site=site, jurisdiction=jurisdiction, collected=True))
    plan: dict[str, dict[str, Any]] = {}
    with _reading(url, "reading") as conn:
        for record in (_decode(tuple(r)) for r in conn.execute(sql, params)):
            plan[record["decision_id"]] = {
                "decision_id": record["decision_id"], "url": record["url"], "site": record["site"],
                "job": record["job"], "jurisdictions": record["jurisdictions"], "decided_at": record["time"],
                "collected_at": record["collected_at"], "collections": record["collections"],
                "content_sha256": [],
            }
        if plan:
            stored: set[str] = set()  # decisions with at least one copy of more than 0 bytes
            for decision_id, digest, size in conn.execute(
                    f"SELECT decision_id, content_sha256, bytes FROM {_C} WHERE decision_id = ANY(%s) ORDER BY seq",
                    (list(plan),)):
                if not size:  # a redirect hop or an empty body kept nothing
                    continue
                stored.add(decision_id)
                entry = plan[decision_id]
                if digest not in entry["content_sha256"]:
                    entry["content_sha256"].append(digest)
            plan = {k: v for k, v in plan.items() if k in stored}
        for entry in plan.values():
            entry["quarantined"] = []
        _add_quarantine(plan, quarantine_rows.entries(conn, job=job), site, jurisdiction is not None, since)
    return list(plan.values())


def quarantine(url: str, *, job: str | None = None, site: str | None = None) -> list[dict[str, Any]]:
    """The quarantine's open entries (what `scrapegate ledger quarantine` lists)."""
    with _reading(url, "reading the quarantine of") as conn:
        return quarantine_rows.entries(conn, job=job, site=normalize_site(site) if site else None)


def hashes_at(url: str, wanted: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored hash (a collection's: its 128-bit prefix) of each (chain, seq) asked for that
    exists, for the signed checkpoints; PRUNED for a row a signed prune removed."""
    found: dict[tuple[str, int], str] = {}
    with _reading(url, "reading") as conn:
        gaps = read_gaps(conn, f"{SCHEMA}.gaps")
        for chain, seq in wanted:
            if chain not in ("decisions", "collections"):
                continue
            rows_view, blocks_table = f"{SCHEMA}.{chain[:-1]}_rows", f"{SCHEMA}.{chain[:-1]}_blocks"
            # The block that holds seq if any: the last one starting at or before it.
            row = conn.execute(f"SELECT hash FROM {rows_view} WHERE seq = %s AND block = (SELECT max(first_seq) "
                               f"FROM {blocks_table} WHERE first_seq <= %s)", (seq, seq)).fetchone()
            if row is not None:
                found[(chain, seq)] = bytes(row[0]).hex()
                continue
            # The next row is in that block or the one after it.
            after = conn.execute(f"SELECT min(seq) FROM {rows_view} WHERE seq > %s AND block BETWEEN coalesce((SELECT "
                                 f"max(first_seq) FROM {blocks_table} WHERE first_seq <= %s), 0) AND coalesce((SELECT "
                                 f"min(first_seq) FROM {blocks_table} WHERE first_seq > %s), %s)",
                                 (seq, seq, seq, seq)).fetchone()[0]
            gap = gaps[chain].get(int(after)) if after is not None else None
            if gap is not None and gap[0] <= seq:
                found[(chain, seq)] = gap[1] if after == seq + 1 else PRUNED
    return found


def missing_decisions(url: str, ids: Iterable[str]) -> list[str]:
    """The ids in `ids` that no decision row carries."""
    from gate.ledger.postgres.store import decision_ref

    ids = list(dict.fromkeys(ids))
    with _reading(url, "reading") as conn:
        return [i for i in ids if decision_ref(conn, i) is None]


def prune_state(url: str) -> tuple[tuple[str, str] | None, Gaps]:
    """The latest signed prune record (body, signature) if any, and the gap records by chain."""
    with _reading(url, "reading") as conn:
        row = conn.execute(f"SELECT body, mac FROM {SCHEMA}.prunes ORDER BY id DESC LIMIT 1").fetchone()
        gaps = read_gaps(conn, f"{SCHEMA}.gaps")
    return (None if row is None else (str(row[0]), str(row[1]))), gaps
