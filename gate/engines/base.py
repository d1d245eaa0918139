"""The engine contract: one method, `evaluate(policy_input) -> dict`, like httpx's transports."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Engine", "BaseEngine", "DECISION_PATH", "DECISION_ENTRYPOINT"]

DECISION_PATH = "scrapegate.decision"
DECISION_ENTRYPOINT = "scrapegate/decision"


@runtime_checkable
class Engine(Protocol):
    """Evaluates `data.scrapegate.decision` for one policy input.

    `evaluate` returns the raw decision document (None when undefined) and raises
    `EngineError` when evaluation fails; the gate turns both into a deny.
    """

    name: str

    @property
    def revision(self) -> str: ...

    def evaluate(self, policy_input: dict[str, Any]) -> dict[str, Any] | None: ...

    def close(self) -> None: ...


class BaseEngine:
    """Shared defaults: `close`, and a context manager that closes. (The gate evaluates in a
    worker thread where it must not block a loop: `Gate.acheck`.)"""

    name = "base"

    @property
    def revision(self) -> str:
        raise NotImplementedError("Engine.revision must be implemented.")

    def evaluate(self, policy_input: dict[str, Any]) -> dict[str, Any] | None:
        raise NotImplementedError("Engine.evaluate must be implemented.")

    def close(self) -> None:
        """Release what the engine holds."""

    def __enter__(self) -> "BaseEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
