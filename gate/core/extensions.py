"""The places where a later stage plugs into the core, so that the core never imports it.

`Gate.guard` needs the enforcement stage (the context that marks a gate active and the
process-wide library hooks in gate.enforce), which itself builds on the Gate. The core
declares what it needs here; the `gate` package wires gate.enforce in when it is imported
(gate/__init__.py), which happens before any gate.* module is loaded.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["GuardProvider", "provide_guard", "guard_provider", "ResponsePhaseProvider", "provide_response_phase",
           "response_phase_provider"]

# (gate, func or None, strict) -> the guarded func, or a decorator when func is None.
GuardProvider = Callable[[Any, Any, bool], Any]

_guard: GuardProvider | None = None


def provide_guard(provider: GuardProvider) -> None:
    """Install what `Gate.guard` delegates to (gate/__init__.py installs gate.enforce's)."""
    global _guard
    _guard = provider


def guard_provider() -> GuardProvider:
    """What `Gate.guard` delegates to. Missing only if the `gate` package's own __init__ did
    not run, which Python never allows: failing loudly beats a guard that gates nothing."""
    if _guard is None:
        raise RuntimeError("no guard provider: gate/__init__.py wires gate.enforce.guard in")
    return _guard


# (gate, decision, ResponseFacts) -> Decision: the response phase (gate.inspect.phase), which
# builds on the core's decisions and so cannot be imported by it.
ResponsePhaseProvider = Callable[[Any, Any, Any], Any]

_response_phase: ResponsePhaseProvider | None = None


def provide_response_phase(provider: ResponsePhaseProvider) -> None:
    """Install what `Gate.inspect` delegates to (gate/__init__.py installs gate.inspect's)."""
    global _response_phase
    _response_phase = provider


def response_phase_provider() -> ResponsePhaseProvider:
    if _response_phase is None:
        raise RuntimeError("no response phase: gate/__init__.py wires gate.inspect.phase in")
    return _response_phase
