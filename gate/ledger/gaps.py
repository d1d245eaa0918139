"""Gap records and the signed prune record (gate.ledger.prune writes them): what a chain's
verify needs to walk over rows a prune removed, and the check of the record that covers them."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Mapping

__all__ = ["CHAINS", "Gaps", "gaps_digest", "read_gaps", "expected_prev", "check_prune_record"]

CHAINS = ("decisions", "collections")

Gaps = dict[str, dict[int, tuple[int, str]]]  # chain -> kept seq -> (first removed seq, hash before the run)


def gaps_digest(gaps: Mapping[int, tuple[int, str]]) -> str:
    return hashlib.sha256(json.dumps(sorted([s, g[0], g[1]] for s, g in gaps.items())).encode()).hexdigest()


def read_gaps(conn: Any, table: str) -> Gaps:
    gaps: Gaps = {c: {} for c in CHAINS}
    for chain, seq, since, prev in conn.execute(f"SELECT chain, seq, since, prev_hash FROM {table}"):
        gaps.setdefault(chain, {})[int(seq)] = (int(since), bytes(prev).hex())
    return gaps


def expected_prev(gaps: Mapping[int, tuple[int, str]], seq: int, prev_seq: int) -> str | None:
    """The hash a row that does not follow its predecessor must chain after: its gap record's,
    if that record says the removed run starts right after the row before it."""
    gap = gaps.get(seq)
    return gap[1] if gap is not None and gap[0] == prev_seq + 1 else None


def check_prune_record(record: tuple[str, str] | None, gaps: Mapping[str, Mapping[int, tuple[int, str]]],
                       key: bytes | None,
                       valid: Callable[[bytes, Mapping[str, object], str], bool]) -> list[str]:
    """Problems with the latest signed prune record against the gap set (none when never pruned)."""
    if record is None:
        if any(gaps.get(c) for c in CHAINS):
            return ["gap records without a signed prune record: rows were deleted outside a prune"]
        return []
    if key is None:
        return ["the ledger was pruned: its signed prune record cannot be checked without the checkpoint key "
                "(SCRAPEGATE_LEDGER_KEY or SCRAPEGATE_LEDGER_KEY_FILE)"]
    try:
        body = json.loads(record[0])
    except ValueError:
        return ["the prune record is not JSON: it was edited"]
    if not isinstance(body, dict) or not valid(key, body, record[1]):
        return ["the prune record's signature does not hold: forged, edited, or signed with another key"]
    recorded = body.get("gaps") or {}
    return [f"{chain}: the gap records do not match the signed prune record of {body.get('time')}: rows were "
            "deleted, or gap records forged, after it" for chain in CHAINS
            if recorded.get(chain) != gaps_digest(gaps.get(chain, {}))]
