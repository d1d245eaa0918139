"""Direct calls into rego-cpp (regopy's library): hand it the input, run the compiled query.

Input: regopy's own `Input(value)` walks the document in Python and crosses into C through a
checking wrapper per node; on this machine that is ~0.5 ms for a 117-node policy input,
more than evaluating the policies. This walks it once and calls rego-cpp's C functions
through a handle of our own on the library, without argument types: ctypes then passes
bytes and ints as they are instead of converting each argument. The handle and the
numbers are wrapped explicitly, which the argument types did before.

Output: regopy's `Output` reads the answer's JSON twice and parses it, and the engine then
read and parsed it again; `query_entrypoint` reads it once and the engine parses it once.
"""

from __future__ import annotations

import ctypes
import json
import re
from typing import Any, Callable

__all__ = ["query_entrypoint", "set_input"]

_MIN_INT, _MAX_INT = -(2**63), 2**63 - 1
# rego-cpp keeps a string as its JSON token, escapes and all (so do literals and data), but
# regoInputString wraps its argument in quotes as it is: a string holding one of these is
# sent JSON-escaped, or it would never equal the same text in a policy.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_calls: tuple[Callable[..., Any], ...] | None = None
# Strings as rego-cpp takes them, by the string: keys and the job's values recur in every
# input. Cleared when full, so a crawl of many hosts does not grow it.
_encoded: dict[str, bytes] = {}
_ENCODED_MAX = 8192


def _bind() -> tuple[Callable[..., Any], ...]:
    global _calls
    from regopy import rego_shared as rs

    # A separate CDLL object: the same loaded library, but function objects whose
    # argument types regopy has not set (setting ours on regopy's would change regopy).
    lib = ctypes.CDLL(rs.rego._name)
    lib.regoNewInput.restype = ctypes.c_void_p
    lib.regoNewInput.argtypes = []
    lib.regoFreeInput.restype = None
    lib.regoBundleQueryEntrypoint.restype = ctypes.c_void_p
    lib.regoOutputOk.restype = ctypes.c_bool
    lib.regoOutputJSONSize.restype = ctypes.c_uint32
    lib.regoFreeOutput.restype = None
    _calls = tuple(getattr(lib, name) for name in (
        "regoNewInput", "regoFreeInput", "regoSetInput", "regoInputString", "regoInputBoolean",
        "regoInputInt", "regoInputFloat", "regoInputNull", "regoInputObjectItem", "regoInputObject",
        "regoInputArray", "regoBundleQueryEntrypoint", "regoOutputOk", "regoOutputJSONSize", "regoOutputJSON",
        "regoFreeOutput"))
    return _calls


def _pointer(impl: Any) -> Any:
    return ctypes.c_void_p(impl) if isinstance(impl, int) else impl


def set_input(interpreter: Any, value: Any) -> None:
    """`interpreter.set_input(value)`, faster. Raises ValueError for what rego-cpp cannot
    represent faithfully (a NUL inside a string, an integer beyond 64 bits, a non-string key)."""
    new, free, set_, string, boolean, integer, floating, null, item, obj, array = (_calls or _bind())[:11]
    address = new()
    if not address:
        raise MemoryError("rego-cpp could not allocate an input")
    handle = ctypes.c_void_p(address)
    int64, double, needs_escape, cache = ctypes.c_int64, ctypes.c_double, _NEEDS_ESCAPE.search, _encoded

    def add(v: Any) -> None:
        t = type(v)
        if t is str:
            encoded = cache.get(v)
            if encoded is None:
                if "\x00" in v:
                    raise ValueError("a string in the policy input contains NUL")
                encoded = (json.dumps(v, ensure_ascii=False)[1:-1] if needs_escape(v) else v).encode("utf-8")
                if len(cache) >= _ENCODED_MAX:
                    cache.clear()
                cache[v] = encoded
            if string(handle, encoded):
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
            boolean(handle, 1 if v else 0)
        elif t is int:
            if not _MIN_INT <= v <= _MAX_INT:
                raise ValueError(f"integer {v} does not fit in 64 bits")
            integer(handle, int64(v))
        elif t is float:
            floating(handle, double(v))
        else:
            raise ValueError(f"a policy input holds only JSON values, not {t.__name__}")

    try:
        add(value)
        impl = interpreter._impl
        if set_(_pointer(impl), handle):  # rego-cpp copies the document
            from regopy import rego_shared as rs

            raise ValueError(f"rego-cpp refused the input: {rs.rego_get_error(impl)}")
    finally:
        free(handle)


def query_entrypoint(interpreter: Any, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
    """Run the bundle's compiled `entrypoint` on the interpreter's input: (ok, the answer's
    JSON text, or the engine's error text when not ok). Raises RuntimeError when rego-cpp
    returns no output at all."""
    query, ok, size, read, free = (_calls or _bind())[11:]
    impl = _pointer(interpreter._impl)
    output = query(impl, _pointer(bundle._impl), entrypoint)
    if not output:
        from regopy import rego_shared as rs

        raise RuntimeError(rs.rego_get_error(interpreter._impl) or "rego-cpp returned no output")
    output = ctypes.c_void_p(output)
    try:
        length = size(output)
        buffer = ctypes.create_string_buffer(length)
        if read(output, buffer, length):
            raise RuntimeError("rego-cpp could not write its output")
        return bool(ok(output)), buffer.value.decode("utf-8", "replace")
    finally:
        free(output)
