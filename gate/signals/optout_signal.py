"""The machine-readable opt-outs as a site signal (`input.signals.optout`, registered in
gate.signals.base.SITE_SIGNALS): for the purposes the DSM Directive's Art. 3/4 opt-outs
govern, the origin's tdmrep.json and robots.txt's Content-Signal / Content-Usage lines,
combined by gate.signals.optout.assess. The page's own headers and meta tags are read after
the fetch, in the response phase.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, ClassVar, get_args

from gate.model.url import NormalizedURL
from gate.signals.optout import OptOut, OptOutFetcher, Status, assess
from gate.signals.optout_parse import ALLOWED, RESERVED, UNKNOWN

if TYPE_CHECKING:
    import requests

    from gate.signals.robots_fetch import RobotsResult

__all__ = ["OptOutSignal", "TDM_PURPOSES", "OPTOUT_ORIGIN_CACHE_SIZE"]

# The purposes DSM Directive Art. 3/4 opt-outs apply to (academic research gets a warning).
TDM_PURPOSES = frozenset({"ai_training", "text_and_data_mining", "academic_research"})
OPTOUT_ORIGIN_CACHE_SIZE = 4096
_CATEGORY_VALUES = (RESERVED, ALLOWED, UNKNOWN)


class OptOutSignal:
    """Gathers `input.signals.optout` for URLs, one tdmrep.json fetcher per user agent."""

    name: ClassVar[str] = "optout"
    document: ClassVar[str] = "tdmrep"
    key_fields: ClassVar[tuple[str, ...]] = ("status", "tdm_reserved", "ai_train")
    enums: ClassVar[dict[str, tuple[str, ...]]] = {
        "status": get_args(Status), "ai_train": _CATEGORY_VALUES, "ai_input": _CATEGORY_VALUES,
        "search": _CATEGORY_VALUES,
    }

    def __init__(self, *, timeout: float, session: Callable[[], "requests.Session"]) -> None:
        self._timeout = timeout
        self._new_session = session
        self._fetchers: dict[str, OptOutFetcher] = {}
        # Per (origin, agent, robots hash, tdmrep status): the result when it cannot vary by
        # path (no tdmrep.json on the origin), so a crawl assesses it once per site.
        self._by_origin: OrderedDict[tuple[str, str, str | None, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def applies(purpose: str) -> bool:
        return purpose in TDM_PURPOSES

    @staticmethod
    def not_checked() -> dict[str, Any]:
        return OptOut.not_checked().to_signal()

    def _fetcher(self, user_agent: str) -> OptOutFetcher:
        with self._lock:
            fetcher = self._fetchers.get(user_agent)
            if fetcher is None:
                fetcher = self._fetchers[user_agent] = OptOutFetcher(user_agent, timeout=self._timeout,
                                                                     session=self._new_session())
            return fetcher

    def gather(self, url: NormalizedURL, user_agent: str, robots: "RobotsResult") -> tuple[dict[str, Any], str | None]:
        tdm = self._fetcher(user_agent).tdmrep(url.url)
        where = url.origin + "/robots.txt"
        if tdm.status == "ok":  # location patterns make it depend on the path
            opt = assess(url.url, user_agent=user_agent, tdmrep=tdm, robots_txt=robots.robots, robots_where=where)
            return opt.to_signal(), tdm.sha256
        key = (url.origin, user_agent, robots.sha256, tdm.status)
        with self._lock:
            cached = self._by_origin.get(key)
        if cached is None:
            cached = assess(url.url, user_agent=user_agent, tdmrep=tdm, robots_txt=robots.robots,
                            robots_where=where).to_signal()
            with self._lock:
                self._by_origin[key] = cached
                while len(self._by_origin) > OPTOUT_ORIGIN_CACHE_SIZE:
                    self._by_origin.popitem(last=False)
        return cached, tdm.sha256

    def close(self) -> None:
        for fetcher in self._fetchers.values():
            fetcher.close()
