"""The compact row form both backends store (SQLite schema 2, PostgreSQL schema 3, packed into
blocks by PostgreSQL migration 4: gate.ledger.postgres.blocks; issue 21.5).

A row's hash is still taken over the same canonical text as in schema 1
(gate.ledger.sqlite.canonical): every stored value decodes back exactly, so a migrated
row keeps its hash, and signed checkpoints and anchors taken before the upgrade still hold.

- a decision id is bytes: a canonical UUID its 16 bytes, any other id 0xFF + its UTF-8
  (0xFF 0xFF + UTF-8 when that would make 16 bytes; UTF-8 never holds 0xFF);
- a time in the ledger's form (2026-11-26T10:00:00.000000Z) is microseconds since the epoch
  (SQLite keeps it relative to a per-file base, which fits six bytes for four years);
- a SHA-256 digest is its 32 bytes;
- the values a crawl repeats are interned: a *profile* holds job, owner, method, allow, mode,
  the three code lists, jurisdictions, legal basis, policy revision, engine and error; a
  *context* holds a profile, the site, the URL's origin (scheme://authority), its masked query
  (keys only) and the signal hashes. A decision row is (seq, id, time, context, URL path, hash);
- a collection row keeps the first 16 bytes of its hash (a 128-bit check: verify recomputes
  the full chain, the full head is kept in the ``heads`` row); SQLite keeps its time as
  microseconds after its decision's;
- a row's prev_hash is not stored: it is the hash of the row before it in seq order (or, after
  a prune, the gap record that a signed prune record covers: gate.ledger.gaps).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from gate.errors import LedgerError

__all__ = [
    "encode_id", "decode_id", "encode_time", "decode_time", "encode_hash", "decode_hash", "split_url",
    "split_decision", "join_decision", "intern_key", "PROFILE_FIELDS", "CONTEXT_FIELDS", "Interner",
]

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_TEXT_MARK = b"\xff"
# DECISION_FIELDS minus decision_id, time, url, site and signals: what a profile interns.
PROFILE_FIELDS = ("job", "owner", "method", "allow", "mode", "deny_codes", "warn_codes", "waived_codes",
                  "jurisdictions", "legal_basis", "policy_revision", "engine", "error")
# What a context interns: its profile's id and the parts of a decision a site repeats.
CONTEXT_FIELDS = ("profile", "site", "origin", "query", "signals")


_HEX = frozenset("0123456789abcdef")


def encode_id(value: str) -> bytes:
    # The canonical (lower-case, dashed) UUID form only: anything else must decode back as text.
    if len(value) == 36 and value[8] == value[13] == value[18] == value[23] == "-":
        digits = value[:8] + value[9:13] + value[14:18] + value[19:23] + value[24:]
        if _HEX.issuperset(digits):
            return bytes.fromhex(digits)
    raw = _TEXT_MARK + value.encode("utf-8")
    return _TEXT_MARK + raw if len(raw) == 16 else raw


def decode_id(value: Any) -> str:
    raw = bytes(value)
    if len(raw) == 16:
        return str(uuid.UUID(bytes=raw))
    return raw.lstrip(_TEXT_MARK).decode("utf-8", "replace")


_seconds: dict[str, int] = {}  # "2026-11-26T10:00:00" -> epoch seconds: a crawl's rows share few seconds


def encode_time(value: str, base: int = 0) -> int:
    """Microseconds since the epoch (minus `base`) of a time in the ledger's form."""
    head = value[:19]
    seconds = _seconds.get(head)
    if seconds is None or len(value) != 27 or value[19] != "." or value[26] != "Z" or not value[20:26].isdigit():
        try:
            parsed = datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=timezone.utc)
        except (TypeError, ValueError) as exc:
            raise LedgerError(f"not a ledger time: {value!r}") from exc
        seconds = int(parsed.timestamp())
        if len(_seconds) >= 4096:
            _seconds.clear()
        _seconds[head] = seconds
        return seconds * 1_000_000 + parsed.microsecond - base
    return seconds * 1_000_000 + int(value[20:26]) - base


def decode_time(value: int, base: int = 0) -> str:
    seconds, micros = divmod(int(value) + base, 1_000_000)
    return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=micros).strftime(_TIME_FORMAT)


def encode_hash(value: str) -> bytes:
    return bytes.fromhex(value)


def decode_hash(value: Any) -> str:
    return bytes(value).hex()


def split_url(url: str) -> tuple[str, str, str]:
    """(origin, path, query): scheme://authority, the path, and the query from its "?" on;
    origin + path + query == url. The ledger's query strings hold keys only (values are masked):
    the origin and the query repeat across a crawl and are interned, the path is stored."""
    start = url.find("://")
    if start < 0:
        end = 0
    else:
        ends = [i for i in (url.find("/", start + 3), url.find("?", start + 3)) if i >= 0]
        end = min(ends) if ends else len(url)
    query = url.find("?", end)
    if query < 0:
        return url[:end], url[end:], ""
    return url[:end], url[end:query], url[query:]


def split_decision(values: Sequence[Any]) -> tuple[tuple[Any, ...], str, str, str, str, str]:
    """(profile, site, origin, query, signals, path) of DECISION_FIELDS values."""
    profile = (*values[2:5], *values[7:16], values[17])
    origin, path, query = split_url(values[5])
    return profile, values[6], origin, query, values[16], path


def join_decision(decision_id: str, time: str, url: str, profile: Sequence[Any], site: Any,
                  signals: Any) -> list[Any]:
    """The DECISION_FIELDS values back from their parts."""
    return [decision_id, time, *profile[0:3], url, site, *profile[3:12], signals, profile[12]]


def intern_key(values: Sequence[Any]) -> bytes:
    """The unique key of an interned row: SHA-256 of its values' JSON (NULL-safe, unlike a
    UNIQUE over nullable columns)."""
    return hashlib.sha256(json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode()).digest()


class Interner:
    """The ids of the profiles and contexts one ledger connection has interned, both backends.
    `store(conn, table, fields, values)` finds or writes the row in the backend's SQL and returns
    its id. `pending`: a transaction of this connection used these ids and has not committed
    (the store forgets them when it rolls back)."""

    def __init__(self, store: Callable[[Any, str, Sequence[str], Sequence[Any]], int]) -> None:
        self._store = store
        # profile tuples (13 values) and context keys (5 values) never collide
        self.ids: dict[tuple[Any, ...], int] = {}
        self.pending = False

    def context(self, conn: Any, profile: tuple[Any, ...], site: str, origin: str, query: str, signals: str) -> int:
        key = (profile, site, origin, query, signals)
        found = self.ids.get(key)
        if found is None:
            pid = self.ids.get(profile)
            if pid is None:
                pid = self.ids[profile] = self._store(conn, "profiles", PROFILE_FIELDS, profile)
            found = self.ids[key] = self._store(conn, "contexts", CONTEXT_FIELDS, (pid, site, origin, query, signals))
        return found
