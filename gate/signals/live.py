"""LiveSignals: the site's own signals, fetched and cached per origin, fail-closed.

robots.txt (RFC 9309, cached up to 24 h) for every request; the machine-readable TDM / AI
opt-outs (TDMRep, robots.txt Content-Signal / Content-Usage) for the purposes the opt-outs
govern. An unreachable robots.txt is a complete disallow; any unexpected failure while
gathering raises, and the Gate turns that into a deny.
"""

from __future__ import annotations

import http.cookiejar
import threading
from collections import OrderedDict
from typing import Any

import requests

from gate.signals.optout import OptOut, OptOutFetcher, assess
from gate.signals.robots_cache import RobotsCache
from gate.signals.robots import Rule, canonical_target
from gate.signals.robots_fetch import RobotsFetcher, RobotsResult
from gate.signals.base import Gathered, signals_key
from gate.model.url import NormalizedURL

__all__ = ["LiveSignals", "TDM_PURPOSES"]

# The purposes DSM Directive Art. 3/4 opt-outs apply to (academic research gets a warning).
TDM_PURPOSES = frozenset({"ai_training", "text_and_data_mining", "academic_research"})
OPTOUT_ORIGIN_CACHE_SIZE = 4096
_NOT_CHECKED = OptOut.not_checked().to_signal()
# signals_key's tail for "opt-outs not checked, terms unknown, no login": the fast path
# builds the same key without building the dicts.
_NO_OPTOUT_KEY = signals_key({"robots": {}, "optout": _NOT_CHECKED, "terms": {"known": False},
                              "login_required": False})[4:]


class LiveSignals:
    """A SignalSource that fetches. One instance may serve many threads and many URLs.

    `optout=False` skips the opt-out checks (the Gate passes False for purposes the
    opt-outs do not govern, which keeps a crawl's hot path to one robots lookup).
    """

    live = True

    def __init__(self, *, timeout: float = 10.0, robots: RobotsCache | None = None, optout: bool = True,
                 verify: bool | str = True) -> None:
        """`verify`: TLS verification for the signal fetches, like requests' (True, or a CA
        bundle path for origins signed by a private CA)."""
        self._verify = verify
        self._sessions: list[requests.Session] = []
        self.robots = robots if robots is not None else RobotsCache(
            fetcher=RobotsFetcher(timeout=timeout, session=self._session()))
        self._timeout = timeout
        self._want_optout = optout
        self._optout: dict[str, OptOutFetcher] = {}
        # Per (origin, agent, robots hash): the opt-out result when it cannot vary by path
        # (no tdmrep.json on the origin), so a crawl assesses it once per site.
        self._origin_optout: OrderedDict[tuple[str, str, str | None], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _optout_fetcher(self, user_agent: str) -> OptOutFetcher:
        with self._lock:
            fetcher = self._optout.get(user_agent)
            if fetcher is None:
                fetcher = self._optout[user_agent] = OptOutFetcher(user_agent, timeout=self._timeout,
                                                                   session=self._session())
            return fetcher

    def _session(self) -> requests.Session:
        session = _VerifyingSession(self._verify)
        # Cookies set by one site's robots.txt (or its redirects) must not travel on.
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._sessions.append(session)
        return session

    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered:
        result = self.robots.fresh(url, user_agent) or self.robots.lookup(url, user_agent).result
        if self._want_optout:
            robots = result.signal(url, user_agent)
            docs: dict[str, str | None] = {"robots": robots.pop("sha256", None)}
            optout, docs["tdmrep"] = self._optout_signal(url, user_agent, result)
            signals = {"robots": robots, "optout": optout, "terms": {"known": False}, "login_required": False}
            return Gathered(signals, docs)
        return self._robots_only(result, url, user_agent)

    def gather_cached(self, url: NormalizedURL, user_agent: str) -> Gathered | None:
        """The signals when they are all cached (no I/O at all), else None: lets an event
        loop decide on the spot and send only cache misses to a thread."""
        if self._want_optout:
            return None
        lookup = self.robots.peek(url, user_agent)
        return None if lookup is None else self._robots_only(lookup.result, url, user_agent)

    def _robots_only(self, result: RobotsResult, url: NormalizedURL, user_agent: str) -> Gathered:
        # The hot path of most crawls: one robots verdict and the decision key from it (both
        # precomputed per robots.txt file and agent); the policy-input dict only if the
        # decision is not cached.
        if result.status == "ok" and result.robots is not None:
            hot = result.robots.memo.get(user_agent)  # lives and dies with the cached file
            if hot is None:
                hot = result.robots.memo[user_agent] = _HotRobots(result, user_agent)
            key = hot.key_for(url)
        else:
            key = (result.status, result.status == "unavailable", None, None) + _NO_OPTOUT_KEY
            hot = None
        return Gathered.lazy(key, {"robots": result.sha256} if hot is None else hot.docs, _RobotsSignals(key))

    def _optout_signal(self, url: NormalizedURL, user_agent: str, robots: RobotsResult) -> tuple[dict[str, Any], str | None]:
        fetcher = self._optout_fetcher(user_agent)
        tdm = fetcher.tdmrep(url.url)
        robots_txt = _signal_lines_text(robots, user_agent)
        where = url.origin + "/robots.txt"
        if tdm.status == "ok":  # location patterns make it depend on the path
            opt = assess(url.url, user_agent=user_agent, tdmrep=tdm, robots_txt=robots_txt, robots_where=where)
            return opt.to_signal(), tdm.sha256
        key = (url.origin, user_agent, robots.sha256, tdm.status)
        with self._lock:
            cached = self._origin_optout.get(key)
        if cached is None:
            cached = assess(url.url, user_agent=user_agent, tdmrep=tdm, robots_txt=robots_txt,
                            robots_where=where).to_signal()
            with self._lock:
                self._origin_optout[key] = cached
                while len(self._origin_optout) > OPTOUT_ORIGIN_CACHE_SIZE:
                    self._origin_optout.popitem(last=False)
        return cached, tdm.sha256

    def close(self) -> None:
        self.robots.close()
        for session in self._sessions:
            session.close()
        for fetcher in self._optout.values():
            fetcher.close()


class _VerifyingSession(requests.Session):
    """A session whose TLS verification setting wins over REQUESTS_CA_BUNDLE and friends
    (requests lets those override a session's own `verify`)."""

    def __init__(self, verify: bool | str) -> None:
        super().__init__()
        self._verify_setting = verify

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self._verify_setting is not True:
            kwargs.setdefault("verify", self._verify_setting)
        return super().request(*args, **kwargs)


def _signal_lines_text(robots: RobotsResult, user_agent: str) -> str | None:
    """The Content-Signal / Content-Usage lines that apply to `user_agent`, as robots.txt
    text for the opt-out parser (the matcher already chose the group)."""
    if robots.robots is None:
        return None
    lines = robots.robots.content_signals(user_agent)
    if not lines:
        return ""
    # Each line keeps its own line number (blank lines between), so the sources the
    # opt-out parser reports point at the real line of the file.
    text = [""] * max(line.line for line in lines)
    for line in lines:
        text[line.line - 1] = str(line)
    return "\n".join(text) + "\n"


class _HotRobots:
    """One robots.txt file's verdicts for one agent, ready for the hot path: the group's
    matcher, its crawl-delay, and the decision-key part per deciding rule (built once, so a
    cached decision costs one match and a dict lookup)."""

    __slots__ = ("matcher", "delay", "docs", "allow_key", "rule_keys")

    def __init__(self, result: RobotsResult, user_agent: str) -> None:
        robots = result.robots
        assert robots is not None
        self.matcher = robots.matcher_for(user_agent)
        self.delay = robots.crawl_delay(user_agent)
        self.docs: dict[str, str | None] = {"robots": result.sha256}
        self.allow_key = ("ok", True, self.delay, None) + _NO_OPTOUT_KEY
        self.rule_keys: dict[str, tuple[Any, ...]] = {}

    def key_for(self, url: NormalizedURL) -> tuple[Any, ...]:
        matcher = self.matcher
        if matcher is None:
            return self.allow_key
        rule: Rule | None = matcher.rule_for(canonical_target(url))
        if rule is None:
            return self.allow_key
        key = self.rule_keys.get(rule.text)
        if key is None:
            key = self.rule_keys[rule.text] = ("ok", rule.allow, self.delay, rule.text) + _NO_OPTOUT_KEY
        return key


class _RobotsSignals:
    """Builds the policy input's signals from a robots-only key, when a decision is not
    cached (a callable, not a closure, so the hot path allocates less)."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __call__(self) -> dict[str, Any]:
        status, allowed, delay, rule = self.key[:4]
        robots = {"status": status, "allowed": allowed, "crawl_delay": delay, "rule": rule}
        return {"robots": robots, "optout": dict(_NOT_CHECKED), "terms": {"known": False}, "login_required": False}

