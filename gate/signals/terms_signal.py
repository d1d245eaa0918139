"""The site's own terms as a site signal (`input.signals.terms`, registered in
gate.signals.base.SITE_SIGNALS; R22 of LEGAL-R2, issue 22).

For every purpose: a clause that forbids automated collection warns any job and denies
some (authenticated targets, sites that objected to the operator), a reservation of TDM
in prose denies AI and TDM jobs. The registry of known sites stays data the policies read;
this signal is what the site's page says today, which the policies also compare with the
registry's review.

Per site (origin) and user agent, discovery runs once a day at most: the TermsFinder's
budget (two fetches: the home page, then the terms page) through GatedTermsFetch (robots.txt
for every hop, the deadlines, the size bound), its result kept in memory and in the
TermsStore ($SCRAPEGATE_HOME/terms.db) with the page's hash and the date read. A site whose
terms cannot be found or read is `known: false`: "terms unknown", which allows nothing the
registry denies.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from gate.model.url import NormalizedURL, normalize
from gate.signals.terms.finder import (
    FOUND,
    MAX_FETCHES,
    NOT_FOUND,
    UNREADABLE,
    TermsFinder,
    TermsRecord,
    carry_forward,
)
from gate.signals.terms.store import KEEP_PER_SITE, TermsStore, default_store_path
from gate.signals.terms_fetch import GatedTermsFetch, TermsFetchRefused

if TYPE_CHECKING:
    import requests

    from gate.signals.robots_cache import RobotsCache
    from gate.signals.robots_fetch import RobotsResult

__all__ = ["TermsSignal", "TERMS_NOT_CHECKED", "TERMS_SIGNAL_CACHE_SIZE", "open_default_store"]

log = logging.getLogger(__name__)

TERMS_NOT_CHECKED: dict[str, Any] = {"known": False, "status": "not_checked"}
TERMS_SIGNAL_CACHE_SIZE = 4096
_STATUSES = (FOUND, NOT_FOUND, UNREADABLE, "not_checked")


def open_default_store() -> TermsStore:
    """The per-user store; in memory (with a warning) when the state directory cannot be written."""
    path = default_store_path()
    try:
        return TermsStore(path)
    except (OSError, sqlite3.Error) as exc:
        log.warning("terms store %s unusable (%s): terms reads are kept in memory only", path, exc)
        return TermsStore(None)


class TermsSignal:
    """Gathers `input.signals.terms`: the site's terms as last read (see the module doc)."""

    name: ClassVar[str] = "terms"
    document: ClassVar[str] = "terms"
    key_fields: ClassVar[tuple[str, ...]] = (
        "known", "status", "automated_collection", "tdm_reserved_in_prose", "clause", "source", "read_at",
        "sha256", "modified",
    )
    enums: ClassVar[dict[str, tuple[str, ...]]] = {
        "status": _STATUSES, "automated_collection": ("prohibited", "unknown"),
    }
    # Its value is the same for every path of an origin: LiveSignals keeps it on the hot path.
    per_origin: ClassVar[bool] = True

    def __init__(self, *, timeout: float, session: Callable[[], "requests.Session"],
                 store: TermsStore | None = None, max_fetches: int = MAX_FETCHES) -> None:
        self._timeout = timeout
        self._new_session = session
        self._max_fetches = max_fetches
        self._store = store if store is not None else open_default_store()
        self._owns_store = store is None
        self._session: requests.Session | None = None
        self._robots: "RobotsCache | None" = None  # for hops to another origin than the request's
        self._finders: dict[str, tuple[TermsFinder, GatedTermsFetch]] = {}
        self._values: OrderedDict[tuple[str, str], tuple[TermsRecord, tuple[dict[str, Any], str | None]]] = (
            OrderedDict())
        self._lock = threading.Lock()
        self._local = threading.local()  # the robots.txt result of the origin being discovered

    @staticmethod
    def applies(purpose: str) -> bool:
        return True  # a prohibition warns every job (R22)

    @staticmethod
    def not_checked() -> dict[str, Any]:
        return dict(TERMS_NOT_CHECKED)

    def peek(self, url: NormalizedURL, user_agent: str) -> tuple[dict[str, Any], str | None] | None:
        """The value when it is cached and fresh (no I/O), else None."""
        hit = self._values.get((url.origin, user_agent))  # a read: no lock (the hot path)
        if hit is None or not hit[0].is_fresh():
            return None
        return hit[1]

    def gather(self, url: NormalizedURL, user_agent: str, robots: "RobotsResult") -> tuple[dict[str, Any], str | None]:
        cached = self.peek(url, user_agent)
        if cached is not None:
            return cached
        record = self.record(url.url, user_agent, robots)
        part = (record.as_signal(), record.sha256)  # one object per read: LiveSignals memoises on it
        with self._lock:
            self._values[(url.origin, user_agent)] = (record, part)
            self._values.move_to_end((url.origin, user_agent))
            while len(self._values) > TERMS_SIGNAL_CACHE_SIZE:
                self._values.popitem(last=False)
        return part

    def record(self, url: str, user_agent: str, robots: "RobotsResult | None" = None, *,
               refresh: bool = False) -> TermsRecord:
        """The site's TermsRecord: fresh from memory or the store, else read now (and stored)."""
        finder = self._finder(user_agent)
        if not refresh:
            found = self.cached_record(url, user_agent)
            if found is not None:
                return found
        if finder.last(url) is None:
            # A new process: the last stored read that found the terms, however old, tells
            # discovery where they were and is kept if this read fails.
            found = next((r for r in self._store.history(self._site(url), user_agent, KEEP_PER_SITE)
                          if r.status == FOUND), None)
            if found is not None:
                finder.remember(found)
        self._local.robots = robots
        try:
            record = finder.find(url, refresh=refresh)
        finally:
            self._local.robots = None
        reads = self._store.history(record.site, user_agent, KEEP_PER_SITE)
        latest = reads[0] if reads else None
        # A failed read keeps the clauses the last stored read found (another process's,
        # or one older than the finder's memory): never "terms unknown" for a 503.
        if record.status == UNREADABLE:
            record = carry_forward(next((r for r in reads if r.status == FOUND), None), record)
            finder.remember(record)
        if latest is None or latest.read_at < record.read_at:  # another thread may have stored it
            self._store.save(record, user_agent)
        return record

    def cached_record(self, url: str, user_agent: str) -> TermsRecord | None:
        """The site's record when fresh in memory or in the store, without fetching."""
        finder = self._finder(user_agent)
        found = finder.cached(url)
        if found is not None:
            return found
        stored = self._store.latest(self._site(url), user_agent)
        if stored is not None and stored.is_fresh(ttl_s=finder.ttl_s):
            finder.remember(stored)
            return stored
        return None

    def history(self, url: str, user_agent: str, limit: int = 2) -> list[TermsRecord]:
        """The stored reads of `url`'s site, newest first."""
        return self._store.history(self._site(url), user_agent, limit)

    @staticmethod
    def _site(url: str) -> str:
        from gate.signals.terms.discover import origin_of

        return origin_of(url)

    def _finder(self, user_agent: str) -> TermsFinder:
        with self._lock:
            entry = self._finders.get(user_agent)
            if entry is None:
                if self._session is None:
                    self._session = self._new_session()
                fetch = GatedTermsFetch(self._session, user_agent, lambda u: self._robots_for(u, user_agent),
                                        timeout=self._timeout)
                entry = self._finders[user_agent] = (TermsFinder(fetch, max_fetches=self._max_fetches), fetch)
            return entry[0]

    def fetches(self, user_agent: str) -> int:
        """How many discovery GETs were sent for this agent (the benchmark counts them)."""
        with self._lock:
            entry = self._finders.get(user_agent)
        return entry[1].fetches if entry is not None else 0

    def use_robots(self, robots: "RobotsCache") -> None:
        """The robots.txt cache for hops to another origin than the request's (LiveSignals
        hands over its own, so each origin's file is fetched once for everything)."""
        self._robots = robots

    def _robots_for(self, url: str, user_agent: str) -> "RobotsResult":
        nurl = normalize(url)
        current: "RobotsResult | None" = getattr(self._local, "robots", None)
        if current is not None and current.origin == nurl.origin:
            return current
        if self._robots is None:
            raise TermsFetchRefused(f"{url}: no robots.txt source for {nurl.origin}")
        return self._robots.lookup(nurl, user_agent).result

    def close(self) -> None:
        if self._owns_store:
            self._store.close()
