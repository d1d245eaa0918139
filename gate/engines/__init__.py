"""Policy engines: `EmbeddedEngine` (regopy, in-process), `OPAServerEngine` (an OPA server)
and `StaticEngine` (a callable, for tests). gate.core.config chooses and builds them;
`policy_set` finds and loads a bundle's files, `waivers` a waivers file."""

from __future__ import annotations

import ctypes
from typing import Any

from gate.engines.base import DECISION_ENTRYPOINT, DECISION_PATH, BaseEngine, Engine

__all__ = ["Engine", "BaseEngine", "EmbeddedEngine", "StaticEngine", "OPAServerEngine",
           "DECISION_PATH", "DECISION_ENTRYPOINT"]


def _load_libstdcxx_first() -> None:
    """Load the C++ runtime into the process before regopy's library.

    rego-cpp's shared library exports its own `operator new` and `operator delete`. When it is
    the first library to pull in libstdc++, libstdc++'s relocations bind to those, and a C++
    extension loaded later (OpenCV, for the face detector of gate.inspect) then allocates with
    one allocator and frees with the other: `free(): invalid size`, and the process aborts.
    Loaded first and globally, libstdc++ binds to its own. Every import of regopy in scrapegate
    goes through this package, so this runs before it (tests/engines/test_native_order.py).
    """
    try:
        ctypes.CDLL("libstdc++.so.6", mode=ctypes.RTLD_GLOBAL)
    except OSError:  # not glibc/Linux: no such soname, and no such interposition either
        pass


_load_libstdcxx_first()


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
