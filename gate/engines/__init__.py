"""Policy engines: `EmbeddedEngine` (regopy, in-process), `OPAServerEngine` (an OPA server)
and `StaticEngine` (a callable, for tests). gate.core.config chooses and builds them;
`policy_set` finds and loads a bundle's files, `waivers` a waivers file."""

from __future__ import annotations

from typing import Any

from gate.engines.base import DECISION_ENTRYPOINT, DECISION_PATH, BaseEngine, Engine

__all__ = ["Engine", "BaseEngine", "EmbeddedEngine", "StaticEngine", "OPAServerEngine",
           "DECISION_PATH", "DECISION_ENTRYPOINT"]


def __getattr__(name: str) -> Any:
    # Engines import their libraries lazily: `scrapegate --help` must not load regopy.
    if name == "EmbeddedEngine":
        from gate.engines.embedded import EmbeddedEngine

        return EmbeddedEngine
    if name == "StaticEngine":
        from gate.engines.static import StaticEngine

        return StaticEngine
    if name == "OPAServerEngine":
        from gate.engines.opa import OPAServerEngine

        return OPAServerEngine
    raise AttributeError(name)
