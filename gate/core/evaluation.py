"""`Evaluation`: what deciding one request hands to recording it.

`Gate.decide` returns one; `Gate.check` records it in the ledger and the decision log. It
replaces an unnamed tuple whose slots meant different things on different paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from gate.model.decision import Decision
from gate.model.url import NormalizedURL
from gate.signals.base import Gathered

__all__ = ["Evaluation"]


@dataclass(slots=True)
class Evaluation:
    """One request, decided.

    `policy_input` is the input the policies were evaluated on for this request, or None
    when the decision came from the cache (`template` is then the cached decision this one
    was copied from) or when the request never reached the policies (an invalid URL or
    failed signals: `url` or `gathered` is then None and `decision` is the deny).
    `epoch_s` is when it was decided (time.time()); `clock_time` is the reading of the
    Gate's own clock when it was given one (tests pin time that way), else None.
    """

    decision: Decision
    policy_input: dict[str, Any] | None = None
    signal_docs: Mapping[str, str | None] | None = None
    url: NormalizedURL | None = None
    gathered: Gathered | None = None
    authenticated: bool = False
    template: Decision | None = None
    epoch_s: float = 0.0
    clock_time: datetime | None = None

    @property
    def cached(self) -> bool:
        """The decision is a copy of a cached one: the policies were not evaluated."""
        return self.policy_input is None and self.template is not None

    @property
    def moment(self) -> datetime:
        """When it was decided, as the policy input states it."""
        if self.clock_time is not None:
            return self.clock_time
        return datetime.fromtimestamp(self.epoch_s, timezone.utc)

    @property
    def docs(self) -> Mapping[str, str | None]:
        """The sha256 of each signal document the decision rests on ({} when none)."""
        return self.signal_docs if self.signal_docs is not None else {}
