"""`scrapegate ledger prune --before DATE`: drop old decisions, keep the chain verifiable.

What goes: decisions made before DATE, with their collections, except

- a decision with a collection that kept bytes (an erasure plan must still find that copy: the
  ledger records no erasure, so a stored copy is never assumed deleted);
- a decision the quarantine names, or whose (job, site) has open quarantine entries;
- the last row of each chain (the writers chain the next row after it).

How the chain stays verifiable: a kept row whose predecessor went gets a *gap record*, the
hash of that predecessor (gaps table), and every prune appends a record signed with the
ledger's checkpoint key (gate.ledger.checkpoints; HMAC or Ed25519) that holds the digest of the
whole gap set. `verify` checks each kept row against its predecessor or its gap record, and the
latest signed record against the gap set: deleting rows outside a prune, forging a gap record,
or dropping the prune record all fail it. The ledger is verified before anything is removed: a
prune never launders an edited ledger. A prune needs the key (a dry run does not).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from gate.errors import LedgerError
from gate.ledger import encoding
from gate.ledger.gaps import CHAINS, Gaps, expected_prev, gaps_digest, read_gaps
from gate.ledger.sqlite.store import GENESIS_HASH, row_hash

__all__ = ["PrunePlan", "Dialect", "plan_prune", "apply_prune", "prune"]


@dataclass
class PrunePlan:
    before: str
    decisions: list[int] = field(default_factory=list)
    collections: list[int] = field(default_factory=list)
    kept_stored: int = 0       # older decisions kept: a collection kept bytes
    kept_quarantine: int = 0   # older decisions kept: the quarantine needs them
    gaps: dict[str, dict[int, tuple[int, str]]] = field(default_factory=dict)  # the gap set after the prune
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)  # each chain's end after the prune

    def summary(self) -> str:
        return (f"{len(self.decisions)} decision(s) and {len(self.collections)} collection(s) made before "
                f"{self.before}; kept: {self.kept_stored} older decision(s) with a stored copy, "
                f"{self.kept_quarantine} the quarantine needs, and the last row of each chain")


@dataclass(frozen=True)
class Dialect:
    """What differs between the backends: table names, the placeholder, stored times."""

    prefix: str  # "" or "scrapegate."
    mark: str    # "?" or "%s"
    time_base: int
    # PostgreSQL: the row views over its packed blocks, and how a row is removed from a block.
    views: Mapping[str, str] = field(default_factory=dict)
    remove: Callable[[Any, str, list[int]], None] | None = None

    def t(self, name: str) -> str:
        return self.prefix + self.views.get(name, name)


def plan_prune(conn: Any, d: Dialect, before: str, quarantine_all: list[dict[str, Any]],
               quarantine_open: list[dict[str, Any]]) -> PrunePlan:
    """What a prune before `before` (a ledger time) removes, and the gap set after it."""
    plan = PrunePlan(before)
    limit = encoding.encode_time(before, d.time_base)
    named = {e["decision_id"] for e in quarantine_all if e.get("decision_id")}
    open_sites = {(e["job"], e["site"]) for e in quarantine_open if e["action"] != "released"}
    m = d.mark
    # The collections that hold a decision back, counted in one pass (PostgreSQL's packed
    # collections have no index by decision: a per-decision probe would scan them all each time).
    rows = conn.execute(
        f"SELECT x.seq, x.id, p.job, c.site, coalesce(h.n, 0) "
        f"FROM {d.t('decisions')} x LEFT JOIN {d.t('contexts')} c ON c.id = x.context "
        f"LEFT JOIN {d.t('profiles')} p ON p.id = c.profile "
        f"LEFT JOIN (SELECT k.decision AS decision, count(*) AS n FROM {d.t('collections')} k WHERE k.bytes > 0 "
        f"OR k.seq = (SELECT max(seq) FROM {d.t('collections')}) GROUP BY k.decision) h ON h.decision = x.seq "
        f"WHERE x.time < {m} AND x.seq < (SELECT max(seq) FROM {d.t('decisions')}) ORDER BY x.seq", (limit,)).fetchall()
    for seq, ident, job, site, held in rows:
        if held:
            plan.kept_stored += 1
        elif encoding.decode_id(ident) in named or (job, site) in open_sites:
            plan.kept_quarantine += 1
        else:
            plan.decisions.append(int(seq))
    if plan.decisions:
        gone = set(plan.decisions)
        plan.collections = [int(s) for (s, dec) in conn.execute(
            f"SELECT seq, decision FROM {d.t('collections')} ORDER BY seq").fetchall() if int(dec) in gone]
    return plan


def _full_hashes(conn: Any, d: Dialect, chain: str, wanted: set[int],
                 gaps: Mapping[int, tuple[int, str]]) -> dict[int, str]:
    """The full hash of each row in `wanted` (a collection row stores a prefix): a walk of the chain."""
    from gate.ledger.sqlite.store import COLLECTION_FIELDS, DECISION_FIELDS

    fields = DECISION_FIELDS if chain == "decisions" else COLLECTION_FIELDS
    found: dict[int, str] = {}
    prev, prev_seq = GENESIS_HASH, 0
    for row in conn.execute(f"SELECT seq, {', '.join(fields)} FROM {d.t(chain + '_v')} ORDER BY seq"):
        seq = int(row[0])
        expected = prev if seq == prev_seq + 1 else expected_prev(gaps, seq, prev_seq)
        if expected is None:
            raise LedgerError(f"{chain} row {seq} follows no row and no gap record: verify the ledger")
        prev, prev_seq = row_hash(chain, seq, expected, list(row[1:])), seq
        if seq in wanted:
            found[seq] = prev
    return found


def apply_prune(conn: Any, d: Dialect, plan: PrunePlan, old_gaps: Gaps, key: bytes,
                sign: Callable[[bytes, Mapping[str, object]], str]) -> None:
    """Remove the plan's rows, write the gap records and the signed prune record (inside the
    caller's transaction, which holds the write lock)."""
    m = d.mark
    chains = (("decisions", plan.decisions), ("collections", plan.collections))
    for chain, seqs in chains:  # every gap record first: a collection's hash reads its decision
        gone = set(seqs)
        present = [int(s) for (s,) in conn.execute(f"SELECT seq FROM {d.t(chain)} ORDER BY seq").fetchall()]
        kept = [s for s in present if s not in gone]
        # A kept row after removed ones gets a gap record: where the removed run starts, and the
        # full hash of the row just before it (removed now, or named by its earlier gap record).
        wanted = {s - 1 for s in kept if s - 1 in gone}
        hashes = _full_hashes(conn, d, chain, wanted, old_gaps.get(chain, {})) if wanted else {}
        gaps: dict[int, tuple[int, str]] = {}
        last = 0
        for seq in kept:
            if seq != last + 1:
                gaps[seq] = (last + 1, hashes[seq - 1] if seq - 1 in gone else old_gaps[chain][seq][1])
            last = seq
        plan.gaps[chain] = gaps
    for chain, seqs in chains:
        if d.remove is not None:
            d.remove(conn, chain, seqs)
        for at in range(0, len(seqs), 500) if d.remove is None else ():
            part = seqs[at:at + 500]
            conn.execute(f"DELETE FROM {d.t(chain)} WHERE seq IN ({','.join([m] * len(part))})", part)
        conn.execute(f"DELETE FROM {d.t('gaps')} WHERE chain = {m}", (chain,))
        for seq, prev in sorted(plan.gaps[chain].items()):
            conn.execute(f"INSERT INTO {d.t('gaps')} (chain, seq, since, prev_hash) VALUES ({m}, {m}, {m}, {m})",
                         (chain, seq, prev[0], bytes.fromhex(prev[1])))
    body: dict[str, object] = {
        "v": 1, "kind": "prune", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "before": plan.before,
        "removed": {"decisions": len(plan.decisions), "collections": len(plan.collections)},
        "gaps": {chain: gaps_digest(plan.gaps.get(chain, {})) for chain in CHAINS},
    }
    conn.execute(f"INSERT INTO {d.t('prunes')} (body, mac) VALUES ({m}, {m})",
                 (json.dumps(body, sort_keys=True), sign(key, body)))


def prune(location: str | None, before: str, *, dry_run: bool = False) -> PrunePlan:
    """Prune the ledger at `location` (see the module doc); with `dry_run`, only plan."""
    from gate.ledger import is_postgres, ledger_location, sqlite_path
    from gate.ledger.checkpoints import Checkpointer, _mac, checkpoints_path, load_key
    from gate.ledger.query import verify
    from gate.ledger.rows import utc_time

    when = utc_time(before)
    key = load_key()
    if key is None and not dry_run:
        raise LedgerError("a prune is signed with the ledger's checkpoint key: set SCRAPEGATE_LEDGER_KEY or "
                          "SCRAPEGATE_LEDGER_KEY_FILE (or give --dry-run)")
    report = verify(location)
    # A ledger written before the key was configured has no checkpoint yet: that alone is no
    # sign of tampering (verify without the key passes it too); this prune writes the first.
    problems = [p for p in report.problems
                if not (p.table == "checkpoint" and p.reason.startswith("no signed checkpoint"))]
    if problems:
        raise LedgerError(f"the ledger does not verify ({problems[0]}): a prune would hide it; refused")
    where = ledger_location(location)
    if is_postgres(where):
        plan = _prune_postgres(where, when, key, dry_run, _mac)
    else:
        plan = _prune_sqlite(sqlite_path(where), when, key, dry_run, _mac)
    if not dry_run and key is not None and plan.heads:
        checkpointer = Checkpointer(checkpoints_path(where if is_postgres(where) else sqlite_path(where)), key)
        checkpointer.advance(plan.heads)
        checkpointer.write()  # the heads after the prune, signed: verify with the key finds them
    return plan


def _heads(conn: Any, d: Dialect) -> dict[str, tuple[int, str]]:
    """The full (seq, hash) at the end of each chain (a collection row keeps only a prefix)."""
    heads: dict[str, tuple[int, str]] = {}
    last = conn.execute(f"SELECT seq, hash FROM {d.t('decisions')} ORDER BY seq DESC LIMIT 1").fetchone()
    if last is not None:
        heads["decisions"] = (int(last[0]), bytes(last[1]).hex())
    head = conn.execute(f"SELECT seq, hash FROM {d.t('heads')} WHERE chain = 'collections'").fetchone()
    if head is not None and int(head[0]) > 0:
        value = head[1]
        heads["collections"] = (int(head[0]), value if isinstance(value, str) else bytes(value).hex())
    return heads


def _prune_sqlite(path: str, when: str, key: bytes | None, dry_run: bool, sign: Any) -> PrunePlan:
    from pathlib import Path

    from gate.ledger.sqlite import quarantine as q
    from gate.ledger.sqlite import store
    from gate.ledger.sqlite.schema import time_base

    file = Path(path)
    conn = store.connect(file)
    try:
        dialect = Dialect("", "?", time_base(conn))

        def body(conn: Any) -> PrunePlan:
            plan = plan_prune(conn, dialect, when, q.entries(conn, include_released=True), q.entries(conn))
            if not dry_run and plan.decisions:
                apply_prune(conn, dialect, plan, read_gaps(conn, "gaps"), key or b"", sign)
            plan.heads = _heads(conn, dialect)
            return plan

        result: PrunePlan = store.busy_retry(file, "pruning", store._transaction, conn, body)
        return result
    finally:
        conn.close()


def _prune_postgres(url: str, when: str, key: bytes | None, dry_run: bool, sign: Any) -> PrunePlan:
    from gate.ledger.postgres import quarantine as q
    from gate.ledger.postgres.blocks import remove_rows
    from gate.ledger.postgres.schema import SCHEMA, connect, pg_errors

    conn = connect(url)
    try:
        with pg_errors(url, "pruning"), conn.transaction():
            # The writers' chain locks, in their order: no row is appended while the prune runs.
            conn.execute(f"SELECT seq FROM {SCHEMA}.heads WHERE chain IN ('decisions', 'collections') "
                         "ORDER BY chain DESC FOR UPDATE")
            dialect = Dialect(SCHEMA + ".", "%s", 0, {"decisions": "decision_rows", "collections": "collection_rows"},
                              remove_rows)
            plan = plan_prune(conn, dialect, when, q.entries(conn, include_released=True), q.entries(conn))
            if not dry_run and plan.decisions:
                apply_prune(conn, dialect, plan, read_gaps(conn, f"{SCHEMA}.gaps"), key or b"", sign)
            plan.heads = _heads(conn, dialect)
        return plan
    finally:
        conn.close()
