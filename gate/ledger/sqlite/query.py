"""Reading the ledger: verify the hash chains, filter and export rows, count, and plan erasures.

Everything here opens the file read-only and never creates it: a missing, corrupt or foreign
file is a LedgerError naming the file.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from gate.ledger.gaps import Gaps, expected_prev, read_gaps
from gate.ledger.rows import utc_time
from gate.ledger.sqlite import quarantine as quarantine_rows
from gate.ledger.sqlite.store import (
    COLLECTION_FIELDS,
    DECISION_FIELDS,
    GENESIS_HASH,
    connect,
    resolve_path,
    row_hash,
    sqlite_errors,
)

__all__ = [
    "quarantine",
    "Problem", "VerifyReport", "Filters", "EEA", "EXPORT_FIELDS",
    "verify", "rows", "stats", "erase_plan", "jurisdiction_terms", "normalize_site", "hashes_at", "missing_decisions",
    "PRUNED",
]
# What hashes_at answers for a checkpointed row that a signed prune removed.
from gate.ledger.checkpoints import PRUNED  # noqa: E402

# EU member states plus Iceland, Liechtenstein and Norway: the states "EU" stands for in a manifest.
EEA = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
})
_JSON_FIELDS = frozenset({"deny_codes", "warn_codes", "waived_codes", "jurisdictions", "legal_basis", "signals"})
EXPORT_FIELDS = (
    "seq", *DECISION_FIELDS, "collected", "collected_at", "status", "bytes", "content_sha256",
    "collections", "prev_hash", "hash",
)
_SELECT = (
    "SELECT d.seq, " + ", ".join(f"d.{f}" for f in DECISION_FIELDS) + ", d.prev_hash, d.hash, "
    "c.time, c.status, c.bytes, c.content_sha256, "
    "(SELECT count(*) FROM collections k WHERE k.decision = d.seq) "
    "FROM decisions_v d LEFT JOIN collections_v c "
    "ON c.seq = (SELECT max(seq) FROM collections k WHERE k.decision = d.seq)"
)


@dataclass(frozen=True)
class Problem:
    """The first row of a table whose chain does not verify."""

    table: str
    seq: int
    decision_id: str | None
    reason: str

    def __str__(self) -> str:
        if self.table in ("anchor", "checkpoint", "lost", "prune"):
            return self.reason
        return f"{self.table} row {self.seq} (decision {self.decision_id}): {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    path: Path | str  # the file, or a PostgreSQL URL with its password hidden
    decisions: int
    collections: int
    decisions_head: str
    collections_head: str
    problems: list[Problem] = field(default_factory=list)
    quarantine: int = 0
    quarantine_head: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


@dataclass(frozen=True)
class Filters:
    """Row filters, all combined with AND. `jurisdiction` matches rows whose data subjects may
    include people there (see jurisdiction_terms); `site` is a registrable domain."""

    since: str | None = None
    job: str | None = None
    site: str | None = None
    jurisdiction: str | None = None
    denied: bool = False
    collected: bool = False

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.since:
            clauses.append("d.time >= ?")
            params.append(utc_time(self.since))
        if self.job:
            clauses.append("d.job = ?")
            params.append(self.job)
        if self.site:
            clauses.append("d.site = ?")
            params.append(normalize_site(self.site))
        if self.jurisdiction:
            exact, prefixes = jurisdiction_terms(self.jurisdiction)
            tests = [f"j.value IN ({','.join('?' * len(exact))})"] + ["j.value LIKE ?"] * len(prefixes)
            clauses.append(f"EXISTS (SELECT 1 FROM json_each(d.jurisdictions) j WHERE {' OR '.join(tests)})")
            params += sorted(exact) + [p + "%" for p in prefixes]
        if self.denied:
            clauses.append("d.allow = 0")
        if self.collected:
            clauses.append("c.seq IS NOT NULL")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def normalize_site(value: str) -> str:
    """A site as the ledger stores it: the registrable domain of a host or URL."""
    from gate.model.url import normalize, normalize_host, registrable_domain

    value = value.strip()
    if "://" in value:
        return normalize(value).site
    return registrable_domain(normalize_host(value))


def jurisdiction_terms(code: str) -> tuple[set[str], list[str]]:
    """Stored jurisdiction values that may concern people in `code`: the code itself, '*'
    (unknown or worldwide), the whole country for a subdivision, 'EU' for an EEA state, and
    (as prefixes) its subdivisions, or every EEA state for 'EU'. Wider is safer for erasure."""
    code = code.strip().upper()
    if not code:
        raise ValueError("empty jurisdiction")
    country = code.split("-", 1)[0]
    exact = {code, "*", country}
    prefixes = [code + "-"]
    if country in EEA:
        exact.add("EU")
    if code == "EU":
        exact |= EEA
        prefixes += [c + "-" for c in sorted(EEA)]
    return exact, prefixes


@contextmanager
def _reading(path: str | Path | None, doing: str) -> Iterator[tuple[sqlite3.Connection, Path]]:
    resolved = resolve_path(path)
    conn = connect(resolved, readonly=True)
    try:
        with sqlite_errors(resolved, doing):
            # One snapshot for the whole read, even while writers append.
            conn.execute("BEGIN")
            yield conn, resolved
    finally:
        conn.close()


def verify(path: str | Path | None = None, anchors: Iterable[str] = ()) -> VerifyReport:
    """Recompute the three chains (decisions, collections, quarantine); report the first broken
    row of each. A hash chain cannot show that rows were cut from its end: `anchors` (heads
    printed by an earlier verify and kept elsewhere) must each still be a row of one of the
    chains. After a prune, a kept row whose predecessor went is checked against the gap record
    (whose signature gate.ledger.query.verify checks)."""
    wanted = {a.strip().lower() for a in anchors if a.strip()}
    seen: set[str] = set()
    with _reading(path, "verifying") as (conn, resolved):
        gaps = _gaps(conn)
        n_dec, head_dec, dec_problem = _verify_table(
            conn, "decisions", wanted, seen,
            f"SELECT seq, {', '.join(DECISION_FIELDS)}, hash, 1 FROM decisions_v ORDER BY seq", gaps["decisions"])
        n_col, head_col, col_problem = _verify_table(
            conn, "collections", wanted, seen,
            f"SELECT c.seq, {', '.join('c.' + f for f in COLLECTION_FIELDS)}, c.hash, "
            "(SELECT 1 FROM decisions d WHERE d.seq = c.decision_seq) FROM collections_v c ORDER BY c.seq",
            gaps["collections"])
        n_q, head_q, q_problem = _verify_table(
            conn, "quarantine", wanted, seen,
            f"SELECT seq, {', '.join(quarantine_rows.QUARANTINE_FIELDS)}, prev_hash, hash, 1 FROM quarantine "
            "ORDER BY seq", {}, stored_prev=True)
        recorded = conn.execute("SELECT seq, hash FROM heads WHERE chain = 'collections'").fetchone()
    problems = [p for p in (dec_problem, col_problem, q_problem) if p is not None]
    recorded_head = bytes(recorded[1]).hex() if recorded is not None else None
    if col_problem is None and (recorded is not None or n_col) and recorded_head != head_col:
        problems.append(Problem("collections", int(recorded[0]) if recorded else 0, None,
                                f"the chain ends at {head_col} after {n_col} rows, but its head row says "
                                f"{'nothing' if recorded is None else f'row {recorded[0]}'}: rows were cut from "
                                "the end"))
    problems += [Problem("anchor", 0, None, f"anchor {a} is in no chain: rows were cut from the end of the "
                         "ledger, or the anchored row was rewritten") for a in sorted(wanted - seen)]
    return VerifyReport(resolved, n_dec, n_col, head_dec, head_col, problems, n_q, head_q)


def _gaps(conn: sqlite3.Connection) -> Gaps:
    return read_gaps(conn, "gaps")


def _verify_table(conn: Any, table: str, anchors: set[str], seen: set[str], query: str,
                  gaps: dict[int, tuple[int, str]], stored_prev: bool = False) -> tuple[int, str, Problem | None]:
    """Walk one chain in seq order. Each row: seq, values, [stored prev_hash,] hash, and a
    marker that is NULL when the decision a collection belongs to is gone."""
    prev, prev_seq, count = GENESIS_HASH, 0, 0
    problem: Problem | None = None
    tail = 3 if stored_prev else 2
    for row in conn.execute(query):
        count += 1
        seq, values, stored_hash, bound = int(row[0]), list(row[1:-tail]), str(row[-2]), row[-1]
        expected = prev if seq == prev_seq + 1 else expected_prev(gaps, seq, prev_seq)
        # A collection row keeps a 128-bit prefix of its hash; the chain goes on with the full one.
        computed = row_hash(table, seq, expected, values) if expected is not None else stored_hash
        digest = computed if computed.startswith(stored_hash) else stored_hash
        if digest in anchors:
            seen.add(digest)
        if problem is None:
            if expected is None or (stored_prev and row[-3] != expected):
                gap = f" (seq jumps from {prev_seq} to {seq}: rows deleted)" if seq != prev_seq + 1 else ""
                problem = Problem(table, seq, values[0] if values else None,
                                  "it does not follow the hash of the row before it: that row was rewritten, or "
                                  f"rows were deleted or inserted{gap}")
            elif bound is None:
                problem = Problem(table, seq, values[0], "the decision it belongs to no longer exists")
            elif digest != computed or len(stored_hash) < 32:
                problem = Problem(table, seq, values[0], "its fields do not match its hash: the row (or a value "
                                  "it shares with other rows) was edited")
        prev, prev_seq = digest, seq
    return count, prev, problem


def _decode(row: tuple[Any, ...]) -> dict[str, Any]:
    names = ("seq", *DECISION_FIELDS, "prev_hash", "hash", "collected_at", "status", "bytes",
             "content_sha256", "collections")
    record = dict(zip(names, row))
    for name in _JSON_FIELDS:
        try:
            record[name] = json.loads(record[name])
        except (TypeError, ValueError):
            pass  # an edited row: show what is there; verify reports it
    record["allow"] = bool(record["allow"])
    record["collected"] = record["collected_at"] is not None
    return {name: record[name] for name in EXPORT_FIELDS}


def _select(filters: Filters | None, limit: int | None = None) -> tuple[str, list[Any]]:
    where, params = (filters or Filters()).where()
    if limit is None:
        return _SELECT + where + " ORDER BY d.seq", params
    return f"SELECT * FROM ({_SELECT}{where} ORDER BY d.seq DESC LIMIT {int(limit)}) ORDER BY 1", params


def rows(path: str | Path | None = None, filters: Filters | None = None,
         limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Decision rows in ledger order (the last `limit` if given), each with its latest
    collection if any."""
    sql, params = _select(filters, limit)
    with _reading(path, "reading") as (conn, _):
        for row in conn.execute(sql, params):
            yield _decode(row)


def stats(path: str | Path | None = None, filters: Filters | None = None) -> dict[str, Any]:
    """Counts: totals; denials and warnings by code; allowed/denied/collected by site."""
    where, params = (filters or Filters()).where()
    base = f"SELECT d.* , c.seq AS collection FROM decisions_v d LEFT JOIN collections c ON c.seq = " \
           f"(SELECT max(seq) FROM collections k WHERE k.decision = d.seq){where}"
    with _reading(path, "reading") as (conn, _):
        total, allowed, collected = conn.execute(
            f"SELECT count(*), coalesce(sum(allow), 0), count(collection) FROM ({base})", params).fetchone()
        by_code: dict[str, dict[str, Any]] = {}
        for column, key in (("deny_codes", "denied"), ("warn_codes", "warned")):
            for code, n in conn.execute(
                    f"SELECT j.value, count(*) FROM ({base}) r, json_each(r.{column}) j GROUP BY j.value", params):
                by_code.setdefault(code, {"code": code, "denied": 0, "warned": 0})[key] = n
        by_site = [
            {"site": site, "allowed": a, "denied": n - a, "collected": c}
            for site, n, a, c in conn.execute(
                f"SELECT site, count(*), sum(allow), count(collection) FROM ({base}) GROUP BY site "
                "ORDER BY count(*) DESC, site", params)
        ]
    return {
        "decisions": total, "allowed": allowed, "denied": total - allowed, "collected": collected,
        "by_code": sorted(by_code.values(), key=lambda c: (-c["denied"], -c["warned"], c["code"])),
        "by_site": by_site,
    }


def erase_plan(path: str | Path | None = None, *, site: str | None = None, jurisdiction: str | None = None,
               job: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
    """Every collected URL matching the scope, with its decision id and the sha256 of every
    copy fetched: what an erasure order or a data subject's request must delete."""
    if not (site or jurisdiction or job):
        raise ValueError("an erasure plan needs a scope: --site, --jurisdiction or --job")
    sql, params = _select(Filters(since=since, job=job, site=site, jurisdiction=jurisdiction, collected=True))
    plan: dict[str, dict[str, Any]] = {}
    with _reading(path, "reading") as (conn, _):
        for record in map(_decode, conn.execute(sql, params)):
            plan[record["decision_id"]] = {
                "decision_id": record["decision_id"], "url": record["url"], "site": record["site"],
                "job": record["job"], "jurisdictions": record["jurisdictions"], "decided_at": record["time"],
                "collected_at": record["collected_at"], "collections": record["collections"],
                "content_sha256": [],
            }
        if plan:
            stored: set[str] = set()  # decisions with at least one copy of more than 0 bytes
            for decision_id, digest, size in conn.execute(
                    "SELECT decision_id, content_sha256, bytes FROM collections_v ORDER BY seq"):
                entry = plan.get(decision_id)
                if entry is None or not size:  # a redirect hop or an empty body kept nothing
                    continue
                stored.add(decision_id)
                if digest not in entry["content_sha256"]:
                    entry["content_sha256"].append(digest)
            plan = {k: v for k, v in plan.items() if k in stored}
        for entry in plan.values():
            entry["quarantined"] = []
        _add_quarantine(plan, quarantine_rows.entries(conn, job=job), site, jurisdiction is not None, since)
    return list(plan.values())


def hashes_at(path: str | Path | None, wanted: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored hash of each (chain, seq) asked for that exists (for the signed checkpoints);
    PRUNED for a row a signed prune removed (gate.ledger.prune), or its hash when the gap
    record of the next kept row holds it."""
    found: dict[tuple[str, int], str] = {}
    with _reading(path, "reading") as (conn, _):
        gaps = _gaps(conn)
        for chain, seq in wanted:
            if chain in ("decisions", "collections"):
                row = conn.execute(f"SELECT hash FROM {chain} WHERE seq = ?", (seq,)).fetchone()
                if row is not None:
                    found[(chain, seq)] = bytes(row[0]).hex()
                    continue
                after = conn.execute(f"SELECT min(seq) FROM {chain} WHERE seq > ?", (seq,)).fetchone()[0]
                gap = gaps[chain].get(after) if after is not None else None
                if gap is not None and gap[0] <= seq:
                    found[(chain, seq)] = gap[1] if after == seq + 1 else PRUNED
    return found


def missing_decisions(path: str | Path | None, ids: Iterable[str]) -> list[str]:
    """The ids in `ids` that no decision row carries."""
    from gate.ledger.sqlite.store import decision_ref

    ids = list(dict.fromkeys(ids))
    with _reading(path, "reading") as (conn, _):
        return [i for i in ids if decision_ref(conn, i) is None]


def _add_quarantine(plan: dict[str, dict[str, Any]], entries: list[dict[str, Any]], site: str | None,
                    by_jurisdiction: bool, since: str | None) -> None:
    """The quarantined URLs join the plan: a collected URL is marked, and one the plan does
    not hold yet (its response was inspected under its own decision) is added."""
    by_url = {e["url"]: e for e in plan.values()}
    wanted_site = normalize_site(site) if site else None
    for q in entries:
        if wanted_site is not None and q["site"] != wanted_site:
            continue
        if since is not None and q["time"] < since:
            continue
        mark = q["category"] or q["reason"]
        entry = by_url.get(q["url"])
        if entry is None:
            if by_jurisdiction and wanted_site is None:
                continue  # a quarantine row names no jurisdiction: only URLs the plan holds are marked
            evidence = (q["evidence"] or {}).get("findings", [])
            entry = by_url[q["url"]] = plan[q["decision_id"] or q["url"]] = {
                "decision_id": q["decision_id"], "url": q["url"], "site": q["site"], "job": q["job"],
                "jurisdictions": [], "decided_at": q["time"], "collected_at": q["time"], "collections": 0,
                "content_sha256": sorted({f["sha256"] for f in evidence if f.get("sha256")}), "quarantined": []}
        if mark not in entry["quarantined"]:
            entry["quarantined"].append(mark)


def quarantine(path: str | Path | None = None, *, job: str | None = None,
               site: str | None = None) -> list[dict[str, Any]]:
    """The quarantine's open entries (what `scrapegate ledger quarantine` lists)."""
    with _reading(path, "reading the quarantine of") as (conn, _):
        return quarantine_rows.entries(conn, job=job, site=normalize_site(site) if site else None)


def prune_state(path: str | Path | None) -> tuple[tuple[str, str] | None, Gaps]:
    """The latest signed prune record (body, signature) if any, and the gap records by chain."""
    with _reading(path, "reading") as (conn, _):
        row = conn.execute("SELECT body, mac FROM prunes ORDER BY id DESC LIMIT 1").fetchone()
        return (None if row is None else (str(row[0]), str(row[1]))), _gaps(conn)
