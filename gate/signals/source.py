"""Where a Gate's signals come from: `StaticSignals` (no network) or `LiveSignals` (robots.txt,
opt-outs, fetched and cached per origin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from gate.policy_input import static_signals
from gate.url import NormalizedURL

__all__ = ["Gathered", "SignalSource", "StaticSignals", "signals_key"]


@dataclass
class Gathered:
    """The signals for one URL, and the sha256 of each document they were read from."""

    signals: dict[str, Any]
    docs: dict[str, str | None] = field(default_factory=dict)


class SignalSource(Protocol):
    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered: ...

    def close(self) -> None: ...


class StaticSignals:
    """Static mode: nothing fetched; robots and opt-outs are `not_checked`."""

    live = False

    def __init__(self) -> None:
        self._signals = static_signals()

    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered:
        return Gathered(self._signals)

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
