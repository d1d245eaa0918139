"""The compact row form both backends store (schema 2, issue 21.5): what repeats is interned,
ids, times and hashes are binary, and every value decodes back exactly, so a row's hash is
still taken over the same canonical text as before (gate.ledger.sqlite.store.canonical).

- a decision id that is a canonical UUID is its 16 bytes; any other id stays text;
- a time in the ledger's form (2026-11-26T10:00:00.000000Z) is microseconds since the epoch;
  any other text stays text;
- a SHA-256 hex digest is its 32 bytes;
- the fields a crawl repeats (job, owner, method, allow, mode, codes, jurisdictions, legal
  basis, policy revision, engine, error), the site and the signal hashes are each a row of
  the ``interned`` table, referenced by id.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Sequence

__all__ = [
    "encode_id", "decode_id", "encode_time", "decode_time", "encode_hash", "decode_hash",
    "split_decision", "join_decision", "PROFILE_SLICE",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def encode_id(value: str) -> bytes | str:
    if len(value) == 36:
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            return value
        if str(parsed) == value:
            return parsed.bytes
    return value


def decode_id(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return str(uuid.UUID(bytes=bytes(value)))
    return str(value)


def encode_time(value: str) -> int | str:
    if len(value) == 27 and value[10] == "T" and value[-1] == "Z":
        try:
            parsed = datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            return value
        delta = parsed - _EPOCH
        micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        if decode_time(micros) == value:
            return micros
    return value


def decode_time(value: Any) -> str:
    if isinstance(value, int):
        seconds, micros = divmod(value, 1_000_000)
        stamp = datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=micros)
        return stamp.strftime(_TIME_FORMAT)
    return str(value)


def encode_hash(value: str) -> bytes:
    return bytes.fromhex(value)


def decode_hash(value: Any) -> str:
    return bytes(value).hex()


# DECISION_FIELDS: decision_id, time, job, owner, method, url, site, allow, mode, deny_codes,
# warn_codes, waived_codes, jurisdictions, legal_basis, policy_revision, engine, signals, error.
# The profile: everything but the id, time, url, site and signals.
PROFILE_SLICE = ((2, 5), (7, 16), (17, 18))


def split_decision(values: Sequence[Any]) -> tuple[tuple[Any, ...], Any, Any]:
    """(profile, site, signals): the three interned parts of a decision's values."""
    profile = (*values[2:5], *values[7:16], values[17])
    return profile, values[6], values[16]


def join_decision(decision_id: str, time: str, url: str, profile: Sequence[Any], site: Any,
                  signals: Any) -> list[Any]:
    """The DECISION_FIELDS values back from their parts."""
    return [decision_id, time, *profile[0:3], url, site, *profile[3:12], signals, profile[12]]
