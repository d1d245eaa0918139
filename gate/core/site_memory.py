"""What responses taught a Gate about a site, so that the next requests are decided with it.

The response phase (gate.inspect.phase) writes two kinds of facts here:

- a page-level reservation (X-Robots-Tag noai, robots meta, TDMRep header/meta,
  Content-Usage, an RSL licence's prohibition) seen on a response of an origin: the next
  requests to that origin carry it in `input.signals.optout` (and `input.signals.rsl`);
- a data category a response of a site held that the job did not declare: the next
  requests to that site carry it in `input.signals.content.undeclared`, and the policy
  denies them until a waiver or a corrected manifest (one declaring it) clears them.

`overlay` merges them into the gathered signals and extends the decision cache key, so a
cached decision taken before a fact was learnt is never reused after it. Empty memory costs
one truthiness test per request. Thread-safe.
"""

from __future__ import annotations

import threading
from typing import Any, Iterable, Mapping

from gate.model.url import NormalizedURL
from gate.signals.base import Gathered
from gate.signals.robots import canonical_target
from gate.signals.rsl import RslDocument, licence_signal

__all__ = ["SiteMemory", "merge_optout"]

MAX_SOURCES_KEPT = 8  # per origin: enough to cite, bounded against a hostile site


def merge_optout(optout: Mapping[str, Any] | None, sources: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`input.signals.optout` with page-level reservations added: any reservation reserves
    (most restrictive wins, as across signals in gate.signals.optout)."""
    merged = dict(optout or {})
    added = [dict(s) for s in sources]
    if not added:
        return merged
    merged["tdm_reserved"] = True
    merged["ai_train"] = "reserved"
    if merged.get("status") in (None, "not_checked"):
        merged["status"] = "ok"
    merged["sources"] = list(merged.get("sources") or []) + added
    return merged


class SiteMemory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reserved: dict[str, tuple[dict[str, Any], ...]] = {}  # origin -> reserving sources
        self._rsl: dict[str, tuple[Any, ...]] = {}  # origin -> (status, licence URL, document, errors) a response named
        self._undeclared: dict[str, dict[str, set[str]]] = {}  # site -> category -> URLs

    def __bool__(self) -> bool:
        return bool(self._reserved or self._undeclared or self._rsl)

    def note_reservation(self, origin: str, sources: Iterable[Mapping[str, Any]]) -> None:
        new = [dict(s) for s in sources]
        if not new:
            return
        with self._lock:
            kept = list(self._reserved.get(origin, ()))
            for s in new:
                if s not in kept and len(kept) < MAX_SOURCES_KEPT:
                    kept.append(s)
            self._reserved[origin] = tuple(kept)

    def note_rsl(self, origin: str, status: str, licence_url: str, document: RslDocument | None,
                 errors: Iterable[str] = ()) -> None:
        """An RSL licence a response of `origin` named: every URL of the origin is decided
        with what it says for that URL."""
        with self._lock:
            self._rsl[origin] = (status, licence_url, document, tuple(errors))

    def note_undeclared(self, site: str, category: str, url: str) -> None:
        with self._lock:
            self._undeclared.setdefault(site, {}).setdefault(category, set()).add(url)

    def forget(self, site: str) -> None:
        """Drop what was learnt about `site` (its origins' reservations stay: the site said them)."""
        with self._lock:
            self._undeclared.pop(site, None)

    def undeclared(self, site: str) -> dict[str, int]:
        with self._lock:
            return {c: len(urls) for c, urls in self._undeclared.get(site, {}).items()}

    def overlay(self, url: NormalizedURL, gathered: Gathered) -> Gathered:
        """`gathered` with what is known of `url`'s origin and site merged in (itself when
        nothing is)."""
        with self._lock:
            reserved = self._reserved.get(url.origin, ())
            rsl = self._rsl.get(url.origin)
            seen = {c: len(urls) for c, urls in self._undeclared.get(url.site, {}).items()}
        if not reserved and not seen and rsl is None:
            return gathered
        licence = None if rsl is None else licence_signal(rsl[0], rsl[1], rsl[2], url.host, canonical_target(url),
                                                          rsl[3])
        key = gathered.key + (("learnt", bool(reserved), tuple(sorted(seen)),
                                None if licence is None else (licence["status"], licence["terms_key"])),)

        def build() -> dict[str, Any]:
            signals = dict(gathered.signals)
            if reserved:
                signals["optout"] = merge_optout(signals.get("optout"), reserved)
            if licence is not None:
                signals["rsl"] = licence
            if seen:
                signals["content"] = {"undeclared": [{"category": c, "urls": n} for c, n in sorted(seen.items())]}
            return signals

        return Gathered.lazy(key, dict(gathered.docs), build)
