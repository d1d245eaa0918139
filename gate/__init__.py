"""scrapegate: a policy-as-code compliance gate for web scraping.

    import gate
    decision = gate.check("https://shop.example/p/1", "jobs/prices.yaml")

    g = gate.Gate("jobs/prices.yaml")
    @g.guard
    def crawl(): ...            # every HTTP request inside is gated

The import package is `gate`; the distribution is `scrapegate`. Names are loaded lazily so
the command line starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gate.core.extensions import provide_guard, provide_response_phase
from gate.errors import (
    CollectionBlocked,
    EngineError,
    EngineUnavailable,
    GateError,
    InvalidURL,
    LedgerError,
    ManifestError,
    PolicyError,
)

__all__ = [
    "Gate", "check", "guard", "Decision", "CollectionJob", "load_job", "Ledger",
    "GateError", "CollectionBlocked", "ManifestError", "PolicyError", "InvalidURL",
    "LedgerError", "EngineError", "EngineUnavailable",
]

_LAZY = {
    "Gate": ("gate.core.gate", "Gate"),
    "Decision": ("gate.model.decision", "Decision"),
    "CollectionJob": ("gate.model.job", "CollectionJob"),
    "load_job": ("gate.model.manifest", "load_job"),
    "guard": ("gate.enforce.guard", "guard"),
    "Ledger": ("gate.ledger", "Ledger"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'gate' has no attribute {name!r}")


if TYPE_CHECKING:
    from gate.model.decision import Decision


def check(url: str, job: Any, method: str = "GET", **kwargs: Any) -> "Decision":
    """Decide on one URL for one job, opening and closing a Gate (like requests.get). The
    decision is recorded as Gate() records (pass ledger=False for none)."""
    from gate.core.gate import Gate

    with Gate(job, **kwargs) as g:
        return g.check(url, method)


def _guard_with(gate: Any, func: Any, strict: bool = False) -> Any:
    # This package is the composition root: it plugs the enforcement stage into the core's
    # Gate.guard (see gate.core.extensions), so that the core never imports gate.enforce.
    from gate.enforce.guard import guard_with

    return guard_with(gate, func, strict=strict)


provide_guard(_guard_with)


def _inspect_with(gate: Any, decision: Any, response: Any) -> Any:
    # Likewise the response phase (gate.inspect.phase) behind Gate.inspect.
    from gate.inspect.phase import run_response_phase

    return run_response_phase(gate, decision, response)


provide_response_phase(_inspect_with)
