"""The canonical form a ledger row's hash is taken over (both backends, every schema).

Each row's ``hash`` is the SHA-256 of a JSON array: the domain, the table, the row's ``seq``,
the previous row's hash, then its values in field order (DECISION_FIELDS, COLLECTION_FIELDS,
the quarantine's QUARANTINE_FIELDS); UTF-8, no whitespace, non-ASCII unescaped, text, integers
and nulls only. Anything that can read JSON can re-check a chain without scrapegate.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Sequence

__all__ = ["HASH_DOMAIN", "GENESIS_HASH", "DECISION_FIELDS", "COLLECTION_FIELDS", "canonical", "row_hash"]

HASH_DOMAIN = "scrapegate-ledger/1"
GENESIS_HASH = "0" * 64

# Stored fields between seq and prev_hash, in hash order. Lists and objects are JSON text.
DECISION_FIELDS = (
    "decision_id", "time", "job", "owner", "method", "url", "site", "allow", "mode",
    "deny_codes", "warn_codes", "waived_codes", "jurisdictions", "legal_basis",
    "policy_revision", "engine", "signals", "error",
)
COLLECTION_FIELDS = ("decision_id", "time", "status", "bytes", "content_sha256", "decision_hash")

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_dumps = _JSON.encode
_encode_str = json.encoder.encode_basestring  # what _dumps escapes text with

# json's C encoder built once: what _dumps runs, without its per-call setup (CPython has it).
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_flat_json: Callable[[list[Any]], str]
if _c_make_encoder is not None:
    _markers: dict[int, Any] = {}
    _c_encode = _c_make_encoder(_markers, _JSON.default, _encode_str, None, ":", ",", False, False, True)

    def _flat_json(row: list[Any]) -> str:  # noqa: F811 - the C path of the declaration above
        try:
            return "".join(_c_encode(row, 0))
        except BaseException:
            _markers.clear()  # a failed encode leaves its containers marked as "being encoded"
            raise
else:  # pragma: no cover
    _flat_json = _dumps


def canonical(table: str, seq: int, prev_hash: str, values: Sequence[Any]) -> bytes:
    """The bytes a row's hash is taken over."""
    if table == "decisions":
        return _decision_json(seq, prev_hash, values).encode("utf-8")
    return _flat_json([HASH_DOMAIN, table, seq, prev_hash, *values]).encode("utf-8")


def row_hash(table: str, seq: int, prev_hash: str, values: Sequence[Any]) -> str:
    return _sha256(canonical(table, seq, prev_hash, values)).hexdigest()


_sha256 = hashlib.sha256
# A crawl's decision rows differ mostly in id, time and URL: the JSON of their other columns
# is cached by content, so a row's canonical form costs four escapes and one lookup.
SEGMENT_CACHE_SIZE = 4096
_SEGMENT_TYPES = frozenset({str, int, type(None)})  # no two of them compare equal across types
_DECISIONS_OPEN = _dumps([HASH_DOMAIN, "decisions"])[:-1] + ","
_segments: dict[tuple[Any, ...], tuple[str, str]] = {}
_N_DECISION = len(DECISION_FIELDS)


def _decision_json(seq: int, prev_hash: str, values: Sequence[Any]) -> str:
    """`_flat_json([HASH_DOMAIN, "decisions", seq, prev_hash, *values])`, the same text."""
    if len(values) == _N_DECISION and seq.__class__ is int:
        key = (*values[2:5], *values[6:])  # all but decision_id, time and url
        ident, when, url = values[0], values[1], values[5]
        if (ident.__class__ is str and when.__class__ is str and url.__class__ is str
                and prev_hash.__class__ is str and _SEGMENT_TYPES.issuperset(map(type, key))):
            segment = _segments.get(key)
            if segment is None:
                if len(_segments) >= SEGMENT_CACHE_SIZE:
                    _segments.clear()
                segment = _segments[key] = (_flat_json(list(key[:3]))[1:-1], _flat_json(list(key[3:]))[1:-1])
            return (f"{_DECISIONS_OPEN}{seq},{_encode_str(prev_hash)},{_encode_str(ident)},{_encode_str(when)},"
                    f"{segment[0]},{_encode_str(url)},{segment[1]}]")
    return _flat_json([HASH_DOMAIN, "decisions", seq, prev_hash, *values])

