"""Which responses to inspect: every one until a (job, site) is trusted, then one in N.

A (job, site) becomes trusted after `trust_after` consecutive clean inspections ("clean":
what was found matches the declared data categories, whatever was found). Once trusted,
one response in `one_in` is inspected. A mismatch makes it untrusted again at once, so
every response is inspected until it has earned trust anew. An inconclusive inspection
(a detector could not look: too large, truncated, unavailable) neither builds nor breaks
trust.

Once trusted, each response is drawn for inspection with probability 1/N by default, so a
site cannot tell which ones are looked at (with every N-th, a site that served faces on
all the others delivered 180 of 250 unseen). `draw="every_nth"` samples every N-th instead,
reproducibly; `rng` seeds the draws.

State is kept for at most `max_keys` (job, site) pairs, least recently used evicted first;
an evicted pair starts untrusted, the safe direction. Thread-safe: one lock, held for a
dictionary update only.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

__all__ = ["SamplingPolicy", "SamplerState", "Sampler", "Outcome"]

Outcome = Literal["clean", "mismatch", "inconclusive"]


@dataclass(frozen=True)
class SamplingPolicy:
    trust_after: int = 50  # consecutive clean inspections before sampling starts
    one_in: int = 10  # once trusted, inspect one response in this many
    max_keys: int = 100_000
    draw: Literal["random", "every_nth"] = "random"  # how the one in N is chosen

    def __post_init__(self) -> None:
        if self.trust_after < 1 or self.one_in < 1 or self.max_keys < 1:
            raise ValueError("SamplingPolicy: trust_after, one_in and max_keys must be >= 1, "
                             f"got {self.trust_after}, {self.one_in}, {self.max_keys}")
        if self.draw not in ("random", "every_nth"):
            raise ValueError(f"SamplingPolicy: draw must be 'random' or 'every_nth', got {self.draw!r}")


@dataclass(frozen=True)
class SamplerState:
    trusted: bool = False
    clean_streak: int = 0  # consecutive clean inspections
    since_inspected: int = 0  # responses skipped since the last one inspected (trusted only)
    responses: int = 0  # responses seen
    inspected: int = 0  # responses chosen for inspection
    mismatches: int = 0


class Sampler:
    """Usage: `if sampler.should_inspect(job, site): ...; sampler.record(job, site, "clean")`"""

    def __init__(self, policy: SamplingPolicy | None = None, *, rng: random.Random | None = None) -> None:
        self.policy = policy or SamplingPolicy()
        # Seeded from the OS: unpredictable to a site, the point of drawing.
        self._rng = rng if rng is not None or self.policy.draw == "every_nth" else random.Random()
        self._lock = threading.Lock()
        self._states: OrderedDict[tuple[str, str], SamplerState] = OrderedDict()

    def should_inspect(self, job: str, site: str) -> bool:
        """Count one response of `job` from `site`; True when it must be inspected."""
        key = (job, site)
        with self._lock:
            state = self._get(key)
            inspect = not state.trusted or self._sampled(state)
            self._put(key, SamplerState(
                trusted=state.trusted, clean_streak=state.clean_streak,
                since_inspected=0 if inspect else state.since_inspected + 1,
                responses=state.responses + 1, inspected=state.inspected + int(inspect),
                mismatches=state.mismatches))
        return inspect

    def would_inspect(self, job: str, site: str) -> bool:
        """What `should_inspect` would answer now, counting nothing (a caller deciding where
        to run the phase: inline when no classifier runs, else in a worker thread)."""
        with self._lock:
            state = self._states.get((job, site))
            if state is None or not state.trusted:
                return True
            return self._rng is not None or state.since_inspected + 1 >= self.policy.one_in

    def record(self, job: str, site: str, outcome: Outcome) -> SamplerState:
        """The outcome of an inspection that `should_inspect` asked for."""
        if outcome not in ("clean", "mismatch", "inconclusive"):
            raise ValueError(f"Sampler.record: outcome must be clean, mismatch or inconclusive, got {outcome!r}")
        key = (job, site)
        with self._lock:
            state = self._get(key)
            if outcome == "mismatch":
                new = SamplerState(False, 0, 0, state.responses, state.inspected, state.mismatches + 1)
            elif outcome == "clean":
                streak = state.clean_streak + 1
                new = SamplerState(state.trusted or streak >= self.policy.trust_after, streak,
                                   state.since_inspected, state.responses, state.inspected, state.mismatches)
            else:
                new = state
            self._put(key, new)
            return new

    def state(self, job: str, site: str) -> SamplerState:
        with self._lock:
            return self._states.get((job, site), SamplerState())

    def reset(self, job: str, site: str) -> None:
        """Forget a pair (after a waiver or a corrected manifest, say): it starts untrusted."""
        with self._lock:
            self._states.pop((job, site), None)

    def _sampled(self, state: SamplerState) -> bool:
        if self._rng is not None:
            return self._rng.random() * self.policy.one_in < 1.0
        return state.since_inspected + 1 >= self.policy.one_in

    def _get(self, key: tuple[str, str]) -> SamplerState:
        state = self._states.get(key)
        if state is None:
            return SamplerState()
        self._states.move_to_end(key)
        return state

    def _put(self, key: tuple[str, str], state: SamplerState) -> None:
        self._states[key] = state
        self._states.move_to_end(key)
        while len(self._states) > self.policy.max_keys:
            self._states.popitem(last=False)
