"""Packed rows (PostgreSQL schema 4, issue 21.5): the decisions of one write transaction are ONE
tuple, a *block*, and so are its collections.

A heap tuple costs 28 bytes before its first column and every index entry 12 bytes plus its key,
so one tuple per decision could not go below ~250 bytes a decision. A block holds its rows as
parallel arrays (times, contexts, paths, ...) and fixed-width byte strings (16-byte ids, 32-byte
hashes), and its rows' seqs are ``first_seq`` + 0, 1, 2, ... unless a prune removed some (then
``seqs`` holds each kept row's offset). The views ``decision_rows`` / ``collection_rows``
unnest blocks back into schema 3's compact rows, ``decisions_v`` / ``collections_v`` into
schema 2's columns.

A decision id is found without a per-decision index: a gate's ids are a random per-process
10-byte prefix and a 6-byte counter (gate.model.decision), so the ids of a block form a few
*runs* (prefix, lo, hi) of consecutive counters, kept in ``decision_runs`` and indexed. Runs of
one prefix never overlap (ids are unique and a run holds only ids its block holds), so the run
with the greatest lo <= counter is the only candidate. An id that is not a UUID is its own run
(prefix: its encoded bytes, lo = hi = 0), and so is a random UUID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from gate.errors import LedgerError
from gate.ledger import encoding

__all__ = ["BLOCK_MAX", "DecisionBlock", "CollectionBlock", "id_key", "runs_of", "insert_decisions",
           "insert_collections", "find_decision", "read_blocks", "remove_rows", "merge_tail"]

S = "scrapegate"
BLOCK_MAX = 512  # rows in one block: a larger transaction writes several
MERGE_ROWS = 128  # small blocks at a chain's end are merged each time its head passes a multiple of this
_UUID = 16


def id_key(encoded: bytes) -> tuple[bytes, int]:
    """(prefix, counter) of an encoded decision id (gate.ledger.encoding.encode_id)."""
    if len(encoded) == _UUID:
        return encoded[:10], int.from_bytes(encoded[10:], "big")
    # A text id is its own prefix, never 10 bytes long (UTF-8 holds no 0xFF): it cannot share
    # a prefix with a UUID.
    return (encoded + b"\xff" if len(encoded) == 10 else encoded), 0


def runs_of(ids: Iterable[bytes]) -> list[tuple[bytes, int, int]]:
    """The maximal runs (prefix, lo, hi) of consecutive counters among `ids` (encoded)."""
    by_prefix: dict[bytes, list[int]] = {}
    for encoded in ids:
        prefix, counter = id_key(encoded)
        by_prefix.setdefault(prefix, []).append(counter)
    runs: list[tuple[bytes, int, int]] = []
    for prefix, counters in by_prefix.items():
        counters.sort()
        lo = hi = counters[0]
        for c in counters[1:]:
            if c != hi + 1:
                runs.append((prefix, lo, hi))
                lo = c
            hi = c
        runs.append((prefix, lo, hi))
    return runs


@dataclass
class DecisionBlock:
    """Compact decision rows (seq, time, context, encoded id, path, 32-byte hash), in seq order."""

    first_seq: int
    seqs: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    contexts: list[int] = field(default_factory=list)
    ids: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    hashes: list[bytes] = field(default_factory=list)

    def add(self, seq: int, time: int, context: int, ident: bytes, path: str, digest: bytes) -> None:
        self.seqs.append(seq)
        self.times.append(time)
        self.contexts.append(context)
        self.ids.append(ident)
        self.paths.append(path)
        self.hashes.append(digest)

    def params(self) -> tuple[Any, ...]:
        offsets = [s - self.first_seq for s in self.seqs]
        text_ids = [None if len(i) == _UUID else encoding.decode_id(i) for i in self.ids]
        return (self.first_seq, None if offsets == list(range(len(offsets))) else offsets, self.times, self.contexts,
                b"".join(i if len(i) == _UUID else bytes(_UUID) for i in self.ids),
                None if all(t is None for t in text_ids) else text_ids, self.paths, b"".join(self.hashes))


@dataclass
class CollectionBlock:
    """Compact collection rows (seq, decision seq, time, bytes, status, body sha256, 16-byte hash check)."""

    first_seq: int
    seqs: list[int] = field(default_factory=list)
    decisions: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    digests: list[bytes] = field(default_factory=list)
    hashes: list[bytes] = field(default_factory=list)

    def add(self, seq: int, decision: int, time: int, size: int, status: int, digest: bytes, check: bytes) -> None:
        self.seqs.append(seq)
        self.decisions.append(decision)
        self.times.append(time)
        self.sizes.append(size)
        self.statuses.append(status)
        self.digests.append(digest)
        self.hashes.append(check)

    def params(self) -> tuple[Any, ...]:
        offsets = [s - self.first_seq for s in self.seqs]
        return (self.first_seq, None if offsets == list(range(len(offsets))) else offsets, self.decisions,
                self.times, self.sizes, self.statuses, b"".join(self.digests), b"".join(self.hashes),
                max(self.decisions))


_INSERT_DECISIONS = (f"INSERT INTO {S}.decision_blocks (first_seq, seqs, times, contexts, ids, text_ids, paths, "
                     "hashes) VALUES (%s, %s::integer[], %s::bigint[], %s::integer[], %s, %s::text[], %s::text[], %s)")
# The block and its runs in one statement (one round trip: the sync writer pays it per decision).
_INSERT_BLOCK_AND_RUNS = (f"WITH block AS ({_INSERT_DECISIONS}) INSERT INTO {S}.decision_runs (prefix, lo, hi, block) "
                          "SELECT p, l, h, %s FROM unnest(%s::bytea[], %s::bigint[], %s::bigint[]) AS r(p, l, h)")
# The new runs that overlap a stored run: the one stored run with the greatest lo <= the new
# run's hi is the only candidate (stored runs never overlap each other).
_CLASH = (f"SELECT 1 FROM unnest(%s::bytea[], %s::bigint[], %s::bigint[]) AS k(p, l, h) WHERE EXISTS (SELECT 1 FROM "
          f"(SELECT hi FROM {S}.decision_runs r WHERE r.prefix = k.p AND r.lo <= k.h ORDER BY r.lo DESC LIMIT 1) z "
          "WHERE z.hi >= k.l)")
# The same, writing nothing (and returning no row) if an id is already stored: the writers'
# duplicate check rides in the insert.
_INSERT_CHECKED = (
    f"WITH clash AS ({_CLASH}), block AS (INSERT INTO {S}.decision_blocks (first_seq, seqs, times, contexts, ids, "
    "text_ids, paths, hashes) SELECT %s, %s::integer[], %s::bigint[], %s::integer[], %s, %s::text[], %s::text[], %s "
    f"WHERE NOT EXISTS (SELECT 1 FROM clash) RETURNING first_seq) INSERT INTO {S}.decision_runs (prefix, lo, hi, "
    "block) "
    "SELECT p, l, h, block.first_seq FROM block, unnest(%s::bytea[], %s::bigint[], %s::bigint[]) AS r(p, l, h) "
    "RETURNING 1")
_INSERT_COLLECTIONS = (f"INSERT INTO {S}.collection_blocks (first_seq, seqs, decisions, times, bytes, statuses, "
                       "digests, hashes, last_decision) VALUES (%s, %s::integer[], %s::bigint[], %s::bigint[], "
                       "%s::bigint[], %s::integer[], %s, %s, %s)")


def _split(rows: Sequence[tuple[Any, ...]]) -> Iterable[Sequence[tuple[Any, ...]]]:
    """`rows` (in seq order) cut where the seqs jump or a block is full."""
    start = 0
    for at in range(1, len(rows) + 1):
        if at == len(rows) or at - start >= BLOCK_MAX or rows[at][0] != rows[at - 1][0] + 1:
            yield rows[start:at]
            start = at


def insert_decisions(conn: Any, rows: Sequence[tuple[int, int, int, bytes, str, bytes]], *,
                     checked: bool = False) -> None:
    """Store compact decision rows (seq, time, context, id, path, hash), in seq order, as blocks
    with their id runs. `checked`: raise LedgerError, storing nothing, if a stored decision
    already carries one of the ids (ids repeated within `rows` are the caller's to refuse)."""
    for part in _split(rows):
        block = DecisionBlock(part[0][0])
        for row in part:
            block.add(*row)
        _write_decisions(conn, block, checked)


def _write_decisions(conn: Any, block: DecisionBlock, checked: bool = False) -> None:
    runs = runs_of(block.ids)
    arrays = ([r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs])
    if not checked:
        conn.execute(_INSERT_BLOCK_AND_RUNS, (*block.params(), block.first_seq, *arrays))
        return
    if conn.execute(_INSERT_CHECKED, (*arrays, *block.params(), *arrays)).fetchone() is None:
        names = [encoding.decode_id(i) for i in block.ids if find_decision(conn, i) is not None]
        raise LedgerError(f"decision id already recorded: {', '.join(names[:10])}")


def insert_collections(conn: Any, rows: Sequence[tuple[int, int, int, int, int, bytes, bytes]]) -> None:
    """Store compact collection rows (seq, decision, time, bytes, status, sha256, check), in seq order."""
    for part in _split(rows):
        block = CollectionBlock(part[0][0])
        for row in part:
            block.add(*row)
        conn.execute(_INSERT_COLLECTIONS, block.params())


# The block of the one run that can hold an id: the greatest lo <= counter of its prefix (runs
# never overlap). One statement, so one snapshot: a block merged meanwhile is seen whole.
_FIND = (f"SELECT b.first_seq, b.seqs, b.ids, b.text_ids, b.hashes FROM (SELECT block, hi FROM {S}.decision_runs "
         f"WHERE prefix = %s AND lo <= %s ORDER BY lo DESC LIMIT 1) r JOIN {S}.decision_blocks b "
         "ON b.first_seq = r.block WHERE r.hi >= %s")


def find_decision(conn: Any, encoded: bytes) -> tuple[int, bytes] | None:
    """(seq, 32-byte hash) of the decision whose encoded id is `encoded`, or None."""
    prefix, counter = id_key(encoded)
    row = conn.execute(_FIND, (prefix, counter, counter)).fetchone()
    if row is None:
        return None
    first, seqs, ids, text_ids, hashes = row
    index = _index_of(bytes(ids), text_ids, encoded)
    if index is None:
        return None
    seq = first + (seqs[index] if seqs is not None else index)
    return int(seq), bytes(hashes[index * 32:(index + 1) * 32])


def _index_of(ids: bytes, text_ids: Sequence[str | None] | None, encoded: bytes) -> int | None:
    if len(encoded) != _UUID:
        wanted = encoding.decode_id(encoded)
        return next((i for i, t in enumerate(text_ids or ()) if t == wanted), None)
    at = ids.find(encoded)
    while at >= 0:
        if at % _UUID == 0 and not (text_ids and text_ids[at // _UUID] is not None):
            return at // _UUID
        at = ids.find(encoded, at + 1)
    return None


def read_blocks(conn: Any, chain: str, firsts: Sequence[int]) -> list[DecisionBlock | CollectionBlock]:
    """The blocks of `chain` ("decisions" or "collections") whose first seqs are `firsts`."""
    out: list[DecisionBlock | CollectionBlock] = []
    if chain == "decisions":
        for first, seqs, times, contexts, ids, text_ids, paths, hashes in conn.execute(
                f"SELECT first_seq, seqs, times, contexts, ids, text_ids, paths, hashes FROM {S}.decision_blocks "
                "WHERE first_seq = ANY(%s) ORDER BY first_seq", (list(firsts),)):
            block = DecisionBlock(int(first))
            ids, hashes = bytes(ids), bytes(hashes)
            for i, (time, context, path) in enumerate(zip(times, contexts, paths)):
                text = text_ids[i] if text_ids is not None else None
                ident = encoding.encode_id(text) if text is not None else ids[i * _UUID:(i + 1) * _UUID]
                block.add(first + (seqs[i] if seqs is not None else i), time, context, ident, path,
                          hashes[i * 32:(i + 1) * 32])
            out.append(block)
        return out
    for first, seqs, decisions, times, sizes, statuses, digests, hashes in conn.execute(
            f"SELECT first_seq, seqs, decisions, times, bytes, statuses, digests, hashes FROM {S}.collection_blocks "
            "WHERE first_seq = ANY(%s) ORDER BY first_seq", (list(firsts),)):
        cblock = CollectionBlock(int(first))
        digests, hashes = bytes(digests), bytes(hashes)
        for i, (decision, time, size, status) in enumerate(zip(decisions, times, sizes, statuses)):
            cblock.add(first + (seqs[i] if seqs is not None else i), decision, time, size, status,
                       digests[i * 32:(i + 1) * 32], hashes[i * 16:(i + 1) * 16])
        out.append(cblock)
    return out


def remove_rows(conn: Any, chain: str, seqs: Sequence[int]) -> None:
    """Remove the rows `seqs` of `chain` (a prune): each block that held one is rewritten with
    the rows it keeps (their seqs as offsets), or dropped if it keeps none; a decision block's
    runs are rebuilt."""
    gone = set(seqs)
    table = "decision_blocks" if chain == "decisions" else "collection_blocks"
    firsts = {int(b) for (b,) in conn.execute(f"SELECT block FROM {S}.{chain[:-1]}_rows WHERE seq = ANY(%s)",
                                              (list(gone),))}
    for block in read_blocks(conn, chain, sorted(firsts)):
        conn.execute(f"DELETE FROM {S}.{table} WHERE first_seq = %s", (block.first_seq,))
        if chain == "decisions":
            conn.execute(f"DELETE FROM {S}.decision_runs WHERE block = %s", (block.first_seq,))
        keep = [i for i, s in enumerate(block.seqs) if s not in gone]
        if not keep:
            continue
        kept: DecisionBlock | CollectionBlock
        if isinstance(block, DecisionBlock):
            kept = DecisionBlock(block.seqs[keep[0]])
            for i in keep:
                kept.add(block.seqs[i], block.times[i], block.contexts[i], block.ids[i], block.paths[i],
                         block.hashes[i])
            _write_decisions(conn, kept)
        else:
            kept = CollectionBlock(block.seqs[keep[0]])
            for i in keep:
                kept.add(block.seqs[i], block.decisions[i], block.times[i], block.sizes[i], block.statuses[i],
                         block.digests[i], block.hashes[i])
            conn.execute(_INSERT_COLLECTIONS, kept.params())


def merge_tail(conn: Any, chain: str, before: int, head: int) -> None:
    """Merge the small blocks at the end of `chain` into one, when an append (under the chain's
    head lock) moved its head from `before` past a multiple of MERGE_ROWS. A transaction of one
    decision (the sync writer alone) writes a block of one, ~6x the bytes a row costs in a full
    block; merged, the old tuples are dead and (auto)vacuum gives their space back for reuse."""
    if head // MERGE_ROWS == before // MERGE_ROWS:
        return
    table, width = ("decision_blocks", 32) if chain == "decisions" else ("collection_blocks", 16)
    tail: list[int] = []
    after: int | None = None  # the first seq of the block after the one looked at
    for first, n, plain in conn.execute(
            f"SELECT first_seq, octet_length(hashes) / {width}, seqs IS NULL FROM {S}.{table} WHERE first_seq > %s "
            "ORDER BY first_seq DESC", (head - 2 * MERGE_ROWS,)):
        if not plain or n >= MERGE_ROWS // 4 or (after is not None and first + n != after):
            break  # a full enough block, a pruned one, or a gap: the merged run stops here
        tail.append(int(first))
        after = int(first)
    if len(tail) < 2:
        return
    merged = read_blocks(conn, chain, tail)
    conn.execute(f"DELETE FROM {S}.{table} WHERE first_seq = ANY(%s)", (tail,))
    if chain == "decisions":
        conn.execute(f"DELETE FROM {S}.decision_runs WHERE block = ANY(%s)", (tail,))
        insert_decisions(conn, [row for b in merged if isinstance(b, DecisionBlock)
                                for row in zip(b.seqs, b.times, b.contexts, b.ids, b.paths, b.hashes)])
    else:
        insert_collections(conn, [row for b in merged if isinstance(b, CollectionBlock)
                                  for row in zip(b.seqs, b.decisions, b.times, b.sizes, b.statuses, b.digests,
                                                 b.hashes)])
