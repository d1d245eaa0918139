"""LiveSignals: the site's own signals, fetched and cached per origin, fail-closed.

robots.txt (RFC 9309, cached up to 24 h) for every request; the registered site signals
(gate.signals.base.SITE_SIGNALS: the machine-readable TDM / AI opt-outs) for the purposes
they govern. An unreachable robots.txt is a complete disallow; any unexpected failure while
gathering raises, and the Gate turns that into a deny.
"""

from __future__ import annotations

import http.cookiejar
import math
from typing import Any, NamedTuple

import requests

from gate.cluster import Cluster
from gate.model.url import NormalizedURL
from gate.signals.base import (
    ROBOTS_NOT_CHECKED,
    Gathered,
    SiteSignal,
    not_checked_signals,
    section,
    signals_key,
    site_signal_kinds,
)
from gate.signals.deadline import deadline_session
from gate.signals.optout_signal import TDM_PURPOSES
from gate.signals.robots import Rule, canonical_target
from gate.signals.robots_cache import RobotsCache
from gate.signals.robots_fetch import RobotsFetcher, RobotsResult
from gate.signals.robots_shared import SharedRobotsFetcher

__all__ = ["LiveSignals", "TDM_PURPOSES"]

_TAILS: dict[tuple[type, ...], tuple[Any, ...]] = {}


def _not_checked_tail() -> tuple[Any, ...]:
    """signals_key's tail when only robots.txt was gathered (site signals not checked, terms
    unknown, no login): the fast path builds the same key without building the dicts."""
    kinds = site_signal_kinds()
    tail = _TAILS.get(kinds)
    if tail is None:
        tail = _TAILS[kinds] = signals_key(not_checked_signals())[4:]
    return tail


class LiveSignals:
    """A SignalSource that fetches. One instance may serve many threads and many URLs.

    `purpose`: gather, beyond robots.txt, the site signals that govern it (the Gate passes
    the job's; for most purposes that is the site's terms alone, one per origin and cached
    for a day, which keeps a crawl's hot path to one robots lookup and one dict lookup).
    Without a purpose, `optout` says whether to gather every registered site signal (True)
    or robots.txt alone (False). `terms=False` leaves the terms out (SCRAPEGATE_TERMS_DISCOVERY=off).
    """

    live = True

    def __init__(self, *, timeout: float = 10.0, robots: RobotsCache | None = None, optout: bool = True,
                 verify: bool | str = True, purpose: str | None = None, cluster: Cluster | None = None,
                 terms: bool = True) -> None:
        """`verify`: TLS verification for the signal fetches, like requests' (True, or a CA
        bundle path for origins signed by a private CA). `cluster`: share robots.txt fetches
        with the other nodes through its Redis (gate.signals.robots_shared)."""
        if not (timeout > 0 and math.isfinite(timeout)):  # 0 would fail every fetch, and the failure be cached
            raise ValueError(f"LiveSignals: timeout must be a positive number of seconds, got {timeout!r}")
        self._verify = verify
        self._sessions: list[requests.Session] = []
        if robots is None:
            fetcher: Any = RobotsFetcher(timeout=timeout, session=self._session())
            if cluster is not None:
                fetcher = SharedRobotsFetcher(fetcher, cluster)
            robots = RobotsCache(fetcher=fetcher)
        self.robots = robots
        kinds = site_signal_kinds()
        if purpose is not None:
            kinds = tuple(kind for kind in kinds if kind.applies(purpose))
        elif not optout:
            kinds = ()
        if not terms:
            kinds = tuple(kind for kind in kinds if kind.name != "terms")
        self._site_signals: list[SiteSignal] = [kind(timeout=timeout, session=self._session) for kind in kinds]
        # Signals whose value is one per origin (the terms) ride the hot path; the others
        # (opt-outs: tdmrep.json location patterns vary by path) take the full one.
        self._per_origin: list[Any] = [s for s in self._site_signals if getattr(s, "per_origin", False)]
        for signal in self._site_signals:
            if hasattr(signal, "use_robots"):  # its own fetches obey robots.txt: one cache for all
                signal.use_robots(self.robots)
        self._per_path = [s for s in self._site_signals if not getattr(s, "per_origin", False)]
        self._tails: dict[tuple[Any, ...], _Origin] = {}

    def _session(self) -> requests.Session:
        session = deadline_session(_VerifyingSession(self._verify))  # wall-clock deadlines (signals.deadline)
        # Cookies set by one site's robots.txt (or its redirects) must not travel on.
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._sessions.append(session)
        return session

    def site_signal(self, name: str) -> SiteSignal | None:
        """The site signal gathered under input.signals.<name>, if this source gathers it."""
        return next((s for s in self._site_signals if s.name == name), None)

    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered:
        result = self.robots.fresh(url, user_agent) or self.robots.lookup(url, user_agent).result
        if not self._per_path:
            parts = tuple(s.gather(url, user_agent, result) for s in self._per_origin)
            return self._robots_only(result, url, user_agent, parts)
        robots = result.signal(url, user_agent)
        docs: dict[str, str | None] = {"robots": robots.pop("sha256", None)}
        site: dict[str, dict[str, Any]] = {}
        for signal in self._site_signals:
            site[signal.name], docs[signal.document] = signal.gather(url, user_agent, result)
        return Gathered(section(robots, site), docs)

    def gather_cached(self, url: NormalizedURL, user_agent: str) -> Gathered | None:
        """The signals when they are all cached (no I/O at all), else None: lets an event
        loop decide on the spot and send only cache misses to a thread."""
        if self._per_path:
            return None
        lookup = self.robots.peek(url, user_agent)
        if lookup is None:
            return None
        parts = []
        for signal in self._per_origin:
            part = signal.peek(url, user_agent)
            if part is None:
                return None
            parts.append(part)
        return self._robots_only(lookup.result, url, user_agent, tuple(parts))

    def _robots_only(self, result: RobotsResult, url: NormalizedURL, user_agent: str,
                     parts: tuple[tuple[dict[str, Any], str | None], ...] = ()) -> Gathered:
        # The hot path of most crawls: one robots verdict and the decision key from it (both
        # precomputed per robots.txt file and agent), plus the per-origin signals' part of
        # the key (built once per value); the policy-input dict only if the decision is not
        # cached.
        if result.status == "ok" and result.robots is not None:
            hot = result.robots.memo.get(user_agent)  # lives and dies with the cached file
            if hot is None:
                hot = result.robots.memo[user_agent] = _HotRobots(result, user_agent)
            key = hot.key_for(url)
            if not parts:
                return hot.gathered(key)
        else:
            cause = _cause(result.error) if result.status == "unreachable" else None
            key = (result.status, result.status == "unavailable", None, cause) + _not_checked_tail()
            hot = None
        docs = {"robots": result.sha256} if hot is None else hot.docs
        if not parts:
            return Gathered.lazy(key, docs, _RobotsSignals(key))
        origin = self._origin_part(parts, result.sha256)
        return Gathered.lazy(key[:4] + origin.tail, origin.docs, _RobotsSignals(key[:4] + origin.tail, origin.values))

    def _origin_part(self, parts: tuple[tuple[dict[str, Any], str | None], ...], robots_sha: str | None) -> "_Origin":
        """The per-origin signals' part of the key, their values and the documents' hashes,
        built once per value (the signals return the same objects while a value holds)."""
        ident = (robots_sha, *(id(value) for value, _ in parts))
        kept = self._tails.get(ident)
        if kept is not None and all(a is b for a, (b, _) in zip(kept.held, parts)):
            return kept
        values = {signal.name: value for signal, (value, _) in zip(self._per_origin, parts)}
        docs = {"robots": robots_sha, **{signal.document: sha for signal, (_, sha) in zip(self._per_origin, parts)}}
        origin = _Origin(tuple(value for value, _ in parts), signals_key(section(dict(ROBOTS_NOT_CHECKED), values))[4:],
                         values, docs)
        if len(self._tails) > 4096:
            self._tails.clear()
        self._tails[ident] = origin
        return origin

    def close(self) -> None:
        self.robots.close()
        for session in self._sessions:
            session.close()
        for signal in self._site_signals:
            signal.close()


class _Origin(NamedTuple):
    """One origin's per-origin signals as the hot path uses them (see _origin_part)."""

    held: tuple[dict[str, Any], ...]  # the value objects it was built from (identity check)
    tail: tuple[Any, ...]
    values: dict[str, dict[str, Any]]
    docs: dict[str, str | None]


class _VerifyingSession(requests.Session):
    """A session whose TLS verification setting wins over REQUESTS_CA_BUNDLE and friends
    (requests lets those override a session's own `verify`)."""

    def __init__(self, verify: bool | str) -> None:
        super().__init__()
        self._verify_setting = verify

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if self._verify_setting is not True:
            kwargs.setdefault("verify", self._verify_setting)
        return super().request(*args, **kwargs)


class _HotRobots:
    """One robots.txt file's verdicts for one agent, ready for the hot path: the group's
    matcher, its crawl-delay, and the decision-key part per deciding rule (built once, so a
    cached decision costs one match and a dict lookup)."""

    __slots__ = ("matcher", "delay", "docs", "tail", "allow_key", "rule_keys", "_gathered")

    def __init__(self, result: RobotsResult, user_agent: str) -> None:
        robots = result.robots
        assert robots is not None
        self.matcher = robots.matcher_for(user_agent)
        self.delay = robots.crawl_delay(user_agent)
        self.docs: dict[str, str | None] = {"robots": result.sha256}
        self.tail = _not_checked_tail()
        self.allow_key = ("ok", True, self.delay, None) + self.tail
        self.rule_keys: dict[str, tuple[Any, ...]] = {}
        self._gathered: dict[int, Gathered] = {}  # by id() of a key above, which lives as long

    def gathered(self, key: tuple[Any, ...]) -> Gathered:
        """The robots-only signals for `key` (one of this file's keys), built once: every
        reader only reads them (build_input and the response phase's overlay copy)."""
        found = self._gathered.get(id(key))
        if found is None:
            found = self._gathered[id(key)] = Gathered.lazy(key, self.docs, _RobotsSignals(key))
        return found

    def key_for(self, url: NormalizedURL) -> tuple[Any, ...]:
        matcher = self.matcher
        if matcher is None:
            return self.allow_key
        rule: Rule | None = matcher.gate_rule_for(canonical_target(url))
        if rule is None:
            return self.allow_key
        key = self.rule_keys.get(rule.text)
        if key is None:
            key = self.rule_keys[rule.text] = ("ok", rule.allow, self.delay, rule.text) + self.tail
        return key


def _cause(error: str | None) -> str:
    """Why robots.txt was unreachable, in a few words, for the denial's message (the `rule`
    field carries it: no rule matched, the whole site is disallowed)."""
    text = (error or "").lower()
    for needle, words in (("connection refused", "connection refused"), ("name or service not known", "unknown host"),
                          ("nodename nor servname", "unknown host"), ("timed out", "timed out"),
                          ("timeout", "timed out"), ("certificate", "TLS certificate not trusted"),
                          ("ssl", "TLS error"), ("connection reset", "connection reset")):
        if needle in text:
            return words
    return (error or "unknown cause")[:120]


class _RobotsSignals:
    """Builds the policy input's signals from a robots-only key, when a decision is not
    cached (a callable, not a closure, so the hot path allocates less)."""

    __slots__ = ("key", "site")

    def __init__(self, key: tuple[Any, ...], site: dict[str, dict[str, Any]] | None = None) -> None:
        self.key = key
        self.site = site

    def __call__(self) -> dict[str, Any]:
        status, allowed, delay, rule = self.key[:4]
        return section({"status": status, "allowed": allowed, "crawl_delay": delay, "rule": rule}, self.site)

