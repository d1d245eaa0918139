"""StaticSignals: nothing fetched. robots.txt and the site signals are `not_checked`, which
denies nothing; the terms registry and the job's declarations still apply (`scrapegate
check` without --live, and Gate(signals="static"))."""

from __future__ import annotations

from typing import Any

from gate.model.url import NormalizedURL
from gate.signals.base import Gathered, not_checked_signals, signals_key

__all__ = ["StaticSignals", "static_signals"]


def static_signals(login_required: bool = False) -> dict[str, Any]:
    """`input.signals` in static mode (see gate.signals.base.not_checked_signals)."""
    return not_checked_signals(login_required)


class StaticSignals:
    """A SignalSource that fetches nothing: every URL gets the same not-checked signals."""

    live = False

    def __init__(self) -> None:
        self._signals = static_signals()
        self._key = signals_key(self._signals)

    def gather(self, url: NormalizedURL, user_agent: str) -> Gathered:
        return Gathered(self._signals, key=self._key)

    gather_cached = gather

    def close(self) -> None:
        pass
