"""How a decision becomes a ledger row: the URL with query values masked, the jurisdictions
concerned, canonical JSON for lists and objects, and times in one UTC form.

The values repeated across a crawl (a job's legal basis and subjects, a host's signal hashes)
are rendered once and cached: recording stays cheap on the gate's hot path.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping as _MappingABC
from datetime import datetime, timezone
from typing import Any, Callable, Hashable, Mapping, Sequence

from gate.errors import LedgerError
from gate.model.decision import Decision, utc_stamp

__all__ = ["utc_time", "mask_url", "jurisdictions_of", "decision_values", "row_parts", "row_values", "QUERY_MASK"]

QUERY_MASK = "*"
CACHE_SIZE = 4096
_QUERY_VALUE = re.compile(r"=[^&]+")
_MASKED_VALUE = "=" + QUERY_MASK
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_canon = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def utc_time(value: str | None = None) -> str:
    """`value` (ISO 8601 / RFC 3339; naive means UTC) as 2026-11-26T10:00:00.000000Z."""
    if value is None:
        return utc_stamp()[1]
    if len(value) == 27 and value[10] == "T" and value[-1] == "Z":
        return value  # already the form Decision.evaluated_at uses
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except (TypeError, ValueError) as exc:
        raise LedgerError(f"not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime(_TIME_FORMAT)


def mask_url(url: str) -> str:
    """The URL as the ledger keeps it: query-string values masked (keys kept), userinfo
    replaced by '*', fragment dropped. Paths are kept: an erasure plan needs them."""
    if "@" in url or "#" in url:
        url = url.split("#", 1)[0]
        start = url.find("://")
        if start >= 0:
            start += 3
            end = min((i for i in (url.find("/", start), url.find("?", start)) if i >= 0), default=len(url))
            at = url.rfind("@", start, end)
            if at >= 0:
                url = url[:start] + "*@" + url[at + 1:]
    base, sep, query = url.partition("?")
    if not sep:
        return url
    return base + "?" + _QUERY_VALUE.sub(_MASKED_VALUE, query)


def jurisdictions_of(decision: Decision, policy_input: Mapping[str, Any]) -> list[str]:
    """Subjects declared and inferred in the input, plus every jurisdiction a deny or warn
    entry names (the policy judged those people concerned)."""
    found: set[str] = set()
    subjects = policy_input.get("subjects") or {}
    for key in ("declared", "inferred"):
        found.update(j.upper() for j in subjects.get(key) or () if isinstance(j, str))
    if not subjects:
        declared = ((policy_input.get("job") or {}).get("data_subjects") or {}).get("jurisdictions") or ()
        found.update(j.upper() for j in declared if isinstance(j, str))
    for entry in (*decision.deny, *decision.warn):
        if entry.jurisdiction:
            found.add(entry.jurisdiction.upper())
    return sorted(found)


class _ByIdentity:
    """Canonical JSON of an object a crawl shares across decisions (the job view's legal
    basis, the Gate's subjects), keyed by identity and re-checked against a copy, so that a
    dict changed in place is never served stale. An object is remembered from its second
    use on: inputs built afresh for every decision cost no copy."""

    def __init__(self, render: Callable[[Any], str], size: int = CACHE_SIZE) -> None:
        self._render, self._size = render, size
        self._entries: dict[int, tuple[Any, Any, str]] = {}
        self._last: Any = None  # the last object missed (held, so that its id is not reused)

    def encode(self, value: Any) -> str:
        hit = self._entries.get(id(value))
        if hit is not None and hit[0] is value and hit[1] == value:
            return hit[2]
        text = self._render(value)
        if value is self._last:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[id(value)] = (value, copy.deepcopy(value), text)
        self._last = value
        return text


class _ByContent:
    """Canonical JSON of small values rebuilt for every decision (subjects, signal hashes,
    deny codes), keyed by a hashable summary of their content."""

    def __init__(self, key: Callable[[Any], Hashable], render: Callable[[Any], str],
                 size: int = CACHE_SIZE) -> None:
        self._key, self._render, self._size = key, render, size
        self._entries: dict[Hashable, str] = {}

    def encode(self, value: Any) -> str:
        try:
            key = self._key(value)
            text = self._entries.get(key)
        except TypeError:  # unhashable content: render it every time
            return self._render(value)
        if text is None:
            text = self._render(value)
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = text
        return text


_SUBJECT_KEYS = ("declared", "inferred", "jurisdictions")


def _subject_codes(subjects: Mapping[str, Any]) -> str:
    codes = {j.upper() for key in _SUBJECT_KEYS for j in subjects.get(key) or () if isinstance(j, str)}
    return _canon(sorted(codes))


def _subject_key(subjects: Mapping[str, Any]) -> Hashable:
    return tuple(tuple(subjects.get(k) or ()) for k in _SUBJECT_KEYS)


_subjects = _ByContent(_subject_key, _subject_codes)
_legal_bases = _ByIdentity(_canon)
# The Gate hands the same subjects dict with every cached decision: identity first, then content.
_shared_subjects = _ByIdentity(_subjects.encode)
_signals = _ByContent(lambda docs: tuple(docs.items()), _canon)
_code_lists = _ByContent(tuple, lambda codes: _canon(sorted(set(codes))))


def _codes(entries: Sequence[Any]) -> str:
    return _code_lists.encode([e.code for e in entries]) if entries else "[]"


def decision_values(decision: Decision, policy_input: Mapping[str, Any], mode: str, job: str,
                     owner: str | None, signal_docs: Mapping[str, str | None] | None) -> list[Any]:
    """A decision row in DECISION_FIELDS order (the id is filled in under the lock)."""
    if type(policy_input) is not dict and not isinstance(policy_input, _MappingABC):
        policy_input = {}
    request = policy_input.get("request") or {}
    url = request.get("url") or decision.url or ""
    return row_values(row_parts(decision, policy_input, job, owner), decision.decision_id, decision.evaluated_at,
                      request.get("method"), url, request.get("site") or request.get("host"), mode, signal_docs)


def row_parts(decision: Decision, policy_input: Mapping[str, Any], job: str, owner: str | None) -> tuple[Any, ...]:
    """The values of a row that a cached decision repeats for every request (everything but
    the id, time, method, URL, site, mode and signal hashes), for `row_values`."""
    job_view = policy_input.get("job") or {}
    deny, warn, waived = decision.deny, decision.warn, decision.waived
    jurisdictions = None
    if deny or warn:  # most decisions have neither: skip the scan
        for entry in (*deny, *warn):
            if entry.jurisdiction:
                jurisdictions = _canon(jurisdictions_of(decision, policy_input))
                break
    if jurisdictions is None:
        subjects = policy_input.get("subjects") or job_view.get("data_subjects")
        jurisdictions = _shared_subjects.encode(subjects) if isinstance(subjects, (dict, _MappingABC)) else "[]"
    return (
        job if job.__class__ is str else str(job),
        owner if owner is not None else job_view.get("owner"),
        1 if decision.allow else 0,
        _codes(deny),
        _codes(warn),
        _code_lists.encode([str(w.get("code")) for w in waived]) if waived else "[]",
        jurisdictions,
        _legal_bases.encode(job_view.get("legal_basis")),
        decision.policy_revision,
        decision.engine,
        decision.error,
    )


def row_values(parts: tuple[Any, ...], decision_id: str, evaluated_at: str, method: Any, url: Any, site: Any,
               mode: str, signal_docs: Mapping[str, str | None] | None) -> list[Any]:
    """A decision row in DECISION_FIELDS order from `row_parts` and the per-request values."""
    job, owner, allow, deny, warn, waived, jurisdictions, legal_basis, revision, engine, error = parts
    return [
        decision_id,
        # The form Decision.evaluated_at uses needs no parsing.
        evaluated_at if (evaluated_at.__class__ is str and len(evaluated_at) == 27 and evaluated_at[10] == "T"
                         and evaluated_at[-1] == "Z") else utc_time(evaluated_at),
        job,
        owner,
        "GET" if method == "GET" or not method else str(method).upper(),
        mask_url(url if url.__class__ is str else str(url)),
        str(site or ""),
        allow,
        mode if mode.__class__ is str else str(mode),
        deny,
        warn,
        waived,
        jurisdictions,
        legal_basis,
        revision,
        engine,
        _signals.encode(signal_docs) if signal_docs else "{}",
        error,
    ]
