"""Policy engines: `EmbeddedEngine` (regopy, in-process), `OPAServerEngine` (an OPA server)
and `StaticEngine` (a callable, for tests)."""

from __future__ import annotations

from typing import Any

from gate.engines.base import DECISION_ENTRYPOINT, DECISION_PATH, BaseEngine, Engine

__all__ = ["Engine", "BaseEngine", "EmbeddedEngine", "StaticEngine", "OPAServerEngine",
           "DECISION_PATH", "DECISION_ENTRYPOINT", "make_engine"]


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


def make_engine(kind: str = "embedded", *, policy_dirs: Any = None, opa_url: str | None = None,
                extra_data: dict[str, Any] | None = None, include_shipped: bool = True, **kw: Any) -> Engine:
    """Build the engine a CLI flag or a Scrapy setting names."""
    if kind == "embedded":
        from gate.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(policy_dirs, include_shipped=include_shipped, extra_data=extra_data)
    if kind == "opa":
        from gate.engines.opa import OPAServerEngine

        from gate.errors import PolicyError

        if not opa_url:
            raise PolicyError("--engine opa needs --opa-url (or SCRAPEGATE_OPA_URL)")
        if policy_dirs or extra_data:
            # The server evaluates what it was given; silently ignoring flags would mislead.
            raise PolicyError("--policy/--waivers apply to the embedded engine; build them into the "
                              "bundle instead: scrapegate bundle build --policy DIR --waivers FILE")
        return OPAServerEngine(opa_url, **kw)
    from gate.errors import PolicyError

    raise PolicyError(f"unknown engine {kind!r}; choose from embedded, opa")
