"""Hand a policy input to regopy with as few foreign calls as possible.

regopy's own `Input(value)` walks the document in Python and crosses into C through a
checking wrapper per node; on this machine that is ~0.5 ms for a 117-node policy input,
more than evaluating the policies. This walks it once with the C functions bound
directly: the same calls to rego-cpp, without the per-call wrapper overhead.
"""

from __future__ import annotations

from typing import Any

__all__ = ["set_input"]

_MIN_INT, _MAX_INT = -(2**63), 2**63 - 1
_calls: tuple[Any, ...] | None = None


def _bind() -> tuple[Any, ...]:
    global _calls
    from regopy import rego_shared as rs

    lib = rs.rego
    _calls = (rs.rego_new_input, rs.rego_free_input, rs.rego_set_input, lib.regoInputString, lib.regoInputBoolean,
              lib.regoInputInt, lib.regoInputFloat, lib.regoInputNull, lib.regoInputObjectItem,
              lib.regoInputObject, lib.regoInputArray)
    return _calls


def set_input(interpreter: Any, value: Any) -> None:
    """`interpreter.set_input(value)`, faster. Raises ValueError for what rego-cpp cannot
    represent faithfully (a NUL inside a string, an integer beyond 64 bits, a non-string key)."""
    new, free, set_, string, boolean, integer, floating, null, item, obj, array = _calls or _bind()
    handle = new()

    def add(v: Any) -> None:
        t = type(v)
        if t is str:
            if "\x00" in v:
                raise ValueError("a string in the policy input contains NUL")
            if string(handle, v.encode("utf-8")):
                raise ValueError("rego-cpp refused a string")
        elif t is dict:
            for k, x in v.items():
                if type(k) is not str:
                    raise ValueError(f"policy input keys must be strings, not {type(k).__name__}")
                add(k)
                add(x)
                item(handle)
            obj(handle, len(v))
        elif t is list or t is tuple:
            for x in v:
                add(x)
            array(handle, len(v))
        elif v is None:
            null(handle)
        elif t is bool:
            boolean(handle, v)
        elif t is int:
            if not _MIN_INT <= v <= _MAX_INT:
                raise ValueError(f"integer {v} does not fit in 64 bits")
            integer(handle, v)
        elif t is float:
            floating(handle, v)
        else:
            raise ValueError(f"a policy input holds only JSON values, not {t.__name__}")

    try:
        add(value)
        set_(interpreter._impl, handle)  # rego-cpp copies the document
    finally:
        free(handle)
