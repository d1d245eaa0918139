"""Where a Gate's signals come from, and the shape of `input.signals` they fill.

A `SignalSource` gathers the signals for one URL: `StaticSignals` (gate.signals.static:
nothing fetched) or `LiveSignals` (gate.signals.live: robots.txt, fetched and cached per
origin, and the site signals the job's purpose calls for).

    input.signals = {"robots": {...}, <each site signal>: {...}, "login_required": bool}

robots.txt is gathered for every request. Every other signal a site states (the
machine-readable opt-outs today; an ai.txt tomorrow) is a `SiteSignal`, registered in
SITE_SIGNALS (the opt-outs; the site's own terms): a new one is one module holding its
class, and its line there. Its value
when not checked, the fields the decision cache keys on and the purposes it applies to
come from the class, so the static section, the cache key and the policy lint's input
contract follow from the registry.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Protocol

from gate.model.url import NormalizedURL

if TYPE_CHECKING:
    import requests

    from gate.signals.robots_fetch import RobotsResult

__all__ = [
    "Gathered", "SignalSource", "SiteSignal", "SITE_SIGNALS", "ROBOTS_NOT_CHECKED", "TERMS_UNKNOWN",
    "site_signal_kinds", "section", "not_checked_signals", "signals_key",
]

# name -> "module:Class", in the order their facts enter the decision key.
SITE_SIGNALS: dict[str, str] = {
    "optout": "gate.signals.optout_signal:OptOutSignal",
    "terms": "gate.signals.terms_signal:TermsSignal",
    "rsl": "gate.signals.rsl_signal:RslSignal",
}
ROBOTS_NOT_CHECKED: dict[str, Any] = {"status": "not_checked", "allowed": None, "crawl_delay": None, "rule": None}
ROBOTS_KEY_FIELDS = ("status", "allowed", "crawl_delay", "rule")
# The terms signal's value when not gathered (static mode): "terms unknown". The terms
# registry is data the policies read, and applies either way.
TERMS_UNKNOWN: dict[str, Any] = {"known": False, "status": "not_checked"}


_new = object.__new__


class Gathered:
    """The signals for one URL, and the sha256 of each document they were read from.

    `key` holds the facts a decision depends on (see signals_key); the policy-input dict is
    built only when asked for, since a crawl's decisions mostly come from the cache.
    """

    __slots__ = ("_signals", "_build", "key", "docs")

    def __init__(self, signals: dict[str, Any] | None = None, docs: dict[str, str | None] | None = None, *,
                 key: tuple[Any, ...] | None = None, build: Callable[[], dict[str, Any]] | None = None) -> None:
        self._signals = signals
        self._build = build
        self.docs = docs if docs is not None else {}
        self.key = key if key is not None else signals_key(self.signals)

    @classmethod
    def lazy(cls, key: tuple[Any, ...], docs: dict[str, str | None], build: Callable[[], dict[str, Any]]) -> "Gathered":
        """A Gathered whose signals dict is built only if asked for (the hot path's form)."""
        new = _new(cls)
        new._signals = None
        new._build = build
        new.docs = docs
        new.key = key
        return new

    @property
    def signals(self) -> dict[str, Any]:
        if self._signals is None:
            assert self._build is not None
            self._signals = self._build()
        return self._signals


class SignalSource(Protocol):
    """What a Gate gathers from: the signals of one URL for one user agent."""

    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered: ...

    def close(self) -> None: ...


class SiteSignal(Protocol):
    """One kind of fact a site states about being collected, gathered live after robots.txt
    (it may read it) and placed at `input.signals.<name>`.

    name        its key under input.signals
    document    its key among the sha256 of the documents the ledger keeps
    key_fields  the fields of its value a decision depends on (the decision cache's key)
    enums       the closed sets some of its fields take (the policy lint checks comparisons)
    """

    name: ClassVar[str]
    document: ClassVar[str]
    key_fields: ClassVar[tuple[str, ...]]
    enums: ClassVar[dict[str, tuple[str, ...]]]

    def __init__(self, *, timeout: float, session: Callable[[], "requests.Session"]) -> None: ...

    @staticmethod
    def applies(purpose: str) -> bool:
        """Whether this signal governs collection for `purpose`."""

    @staticmethod
    def not_checked() -> dict[str, Any]:
        """Its value when it was not gathered (static mode, or a purpose it does not govern)."""

    def gather(self, url: NormalizedURL, user_agent: str, robots: "RobotsResult") -> tuple[dict[str, Any], str | None]:
        """(its value for `url`, the sha256 of the document it read or None)."""

    def close(self) -> None: ...

    # Optional: `per_origin = True` says the value is the same for every path of an origin,
    # and `peek(url, user_agent)` returns it without I/O when cached (else None); LiveSignals
    # then keeps the signal on its hot path (gate.signals.terms_signal does).


@lru_cache(maxsize=1)
def site_signal_kinds() -> tuple[type[SiteSignal], ...]:
    """The registered site signals, imported on first use."""
    kinds = []
    for target in SITE_SIGNALS.values():
        module, cls = target.split(":")
        kinds.append(getattr(importlib.import_module(module), cls))
    return tuple(kinds)


def section(robots: dict[str, Any], site: dict[str, dict[str, Any]] | None = None,
            login_required: bool = False) -> dict[str, Any]:
    """`input.signals`: robots.txt's part, each site signal's (its not-checked value when
    absent from `site`), the terms and the login wall."""
    signals: dict[str, Any] = {"robots": robots}
    for kind in site_signal_kinds():
        value = (site or {}).get(kind.name)
        signals[kind.name] = value if value is not None else kind.not_checked()
    signals.setdefault("terms", dict(TERMS_UNKNOWN))  # when no terms signal is registered
    signals["login_required"] = login_required
    return signals


def not_checked_signals(login_required: bool = False) -> dict[str, Any]:
    """`input.signals` when nothing was fetched: nothing from the site denies; the terms
    registry and the job's declarations still apply."""
    return section(dict(ROBOTS_NOT_CHECKED), None, login_required)


def signals_key(signals: dict[str, Any]) -> tuple[Any, ...]:
    """The facts of `signals` a decision depends on, as a hashable cache key part. The
    robots verdict and its deciding rule stay in the key: two paths of a host share a
    decision only when robots.txt treats them alike."""
    robots = signals.get("robots") or {}
    key: list[Any] = [robots.get(f) for f in ROBOTS_KEY_FIELDS]
    for kind in site_signal_kinds():
        part = signals.get(kind.name) or {}
        key += [part.get(f) for f in kind.key_fields]
    key.append(bool(signals.get("login_required")))
    return tuple(key)
