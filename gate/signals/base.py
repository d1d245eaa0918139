"""Where a Gate's signals come from: `StaticSignals` (no network) or `LiveSignals` (robots.txt,
opt-outs, fetched and cached per origin)."""

from __future__ import annotations

from typing import Any, Callable, Protocol

from gate.model.input import static_signals
from gate.model.url import NormalizedURL

__all__ = ["Gathered", "SignalSource", "StaticSignals", "signals_key"]


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
    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered: ...

    def close(self) -> None: ...


class StaticSignals:
    """Static mode: nothing fetched; robots and opt-outs are `not_checked`."""

    live = False

    def __init__(self) -> None:
        self._signals = static_signals()
        self._key = signals_key(self._signals)

    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered:
        return Gathered(self._signals, key=self._key)

    gather_cached = gather

    def close(self) -> None:
        pass


def signals_key(signals: dict[str, Any]) -> tuple[Any, ...]:
    """The facts of `signals` a decision depends on, as a hashable cache key part. The
    robots verdict and its deciding rule stay in the key: two paths of a host share a
    decision only when robots.txt treats them alike."""
    robots = signals.get("robots") or {}
    optout = signals.get("optout") or {}
    terms = signals.get("terms") or {}
    return (
        robots.get("status"), robots.get("allowed"), robots.get("crawl_delay"), robots.get("rule"),
        optout.get("status"), optout.get("tdm_reserved"), optout.get("ai_train"),
        tuple(sorted((k, str(v)) for k, v in terms.items())),
        bool(signals.get("login_required")),
    )
