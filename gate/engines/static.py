"""StaticEngine: the test double, a real engine around a callable (like httpx.MockTransport)."""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from gate.engines.base import BaseEngine

__all__ = ["StaticEngine"]


class StaticEngine(BaseEngine):
    """Answers every evaluation with `handler(policy_input)`.

    Usage: `StaticEngine(lambda policy_input: {"allow": True, "deny": []})`
    """

    name = "static"

    def __init__(self, handler: Callable[[dict[str, Any]], dict[str, Any] | None], revision: str | None = None) -> None:
        self._handler = handler
        self._revision = revision or "static-" + hashlib.sha256(repr(handler).encode()).hexdigest()[:12]
        self.calls = 0

    @property
    def revision(self) -> str:
        return self._revision

    def evaluate(self, policy_input: dict[str, Any]) -> dict[str, Any] | None:
        self.calls += 1
        return self._handler(policy_input)
