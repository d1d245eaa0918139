"""rego-cpp (the library under regopy) called for the two steps of every decision: hand it the
input, run the compiled query. Two ways in, chosen once per process when first used:

The direct binding (fast). regopy's own `Input(value)` walks the document in Python and
crosses into C through a checking wrapper per node (~0.5 ms for a 117-node policy input on
this machine, more than evaluating the policies); its `Output` reads the answer's JSON twice.
This walks the input once and calls rego-cpp's C functions through a handle of its own on
regopy's library, with the argument and return types of every function declared here and
every status checked, and reads the answer once. It relies on regopy internals: the
library's path (`regopy.rego_shared.rego._name`), `rego_shared.rego_get_error`, and the
`_impl` handle of an Interpreter and of a Bundle.

regopy's public API (the fallback): `Interpreter.set_input_term(json)` and
`Interpreter.query_bundle_entrypoint`. Slower, the same decisions.

`bind()` checks before it binds: regopy is a version this binding was checked against
(SUPPORTED_VERSIONS; pyproject pins regopy below its next minor release) and every internal
it uses is there and of the expected kind. Anything else logs a warning and selects the
public API. Either way, a string holding `"`, `\\` or a control character is sent the way
rego-cpp keeps strings of policies and data (as a JSON token, escapes and all), so it
equals the same text in a policy; and anything rego-cpp cannot represent faithfully (a NUL
in a string, an integer beyond 64 bits, a non-string key, a non-JSON value) is a ValueError.
"""

from __future__ import annotations

import ctypes
import json
import logging
import math
import re
from typing import Any, Callable, Protocol

__all__ = ["Backend", "DirectBinding", "PublicAPI", "BindingUnavailable", "bind", "backend", "set_input",
           "query_entrypoint", "SUPPORTED_VERSIONS"]

logger = logging.getLogger("scrapegate")

# regopy releases whose internals this binding was checked against (pyproject: <1.6).
SUPPORTED_VERSIONS = ("1.5.",)
_MIN_INT, _MAX_INT = -(2**63), 2**63 - 1
# rego-cpp keeps a string as its JSON token, escapes and all (so do literals and data), but
# regoInputString wraps its argument in quotes as it is: a string holding one of these is
# sent JSON-escaped, or it would never equal the same text in a policy.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
# Strings as rego-cpp takes them, by the string: keys and the job's values recur in every
# input. Cleared when full, so a crawl of many hosts does not grow it.
_encoded: dict[str, bytes] = {}
_ENCODED_MAX = 8192
_P, _U32, _I64, _F64, _BOOL, _STR = (ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int64, ctypes.c_double,
                                     ctypes.c_bool, ctypes.c_char_p)
# name -> (restype, argtypes): every function the binding calls, as rego-cpp's C API declares it.
C_FUNCTIONS: dict[str, tuple[Any, list[Any]]] = {
    "regoNewInput": (_P, []),
    "regoFreeInput": (None, [_P]),
    "regoSetInput": (_U32, [_P, _P]),
    "regoInputString": (_U32, [_P, _STR]),
    "regoInputBoolean": (_U32, [_P, _BOOL]),
    "regoInputInt": (_U32, [_P, _I64]),
    "regoInputFloat": (_U32, [_P, _F64]),
    "regoInputNull": (_U32, [_P]),
    "regoInputObjectItem": (_U32, [_P]),
    "regoInputObject": (_U32, [_P, _U32]),
    "regoInputArray": (_U32, [_P, _U32]),
    "regoBundleQueryEntrypoint": (_P, [_P, _P, _STR]),
    "regoOutputOk": (_BOOL, [_P]),
    "regoOutputJSONSize": (_U32, [_P]),
    "regoOutputJSON": (_U32, [_P, ctypes.c_char_p, _U32]),
    "regoFreeOutput": (None, [_P]),
}


class BindingUnavailable(Exception):
    """The direct binding cannot be used with the regopy at hand (the reason says why)."""


class Backend(Protocol):
    name: str

    def set_input(self, interpreter: Any, value: Any) -> None:
        """`value` as the interpreter's input; ValueError for what rego-cpp cannot represent."""

    def query(self, interpreter: Any, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
        """Run the bundle's compiled `entrypoint` on the interpreter's input: (ok, the answer's
        JSON text, or the engine's error text when not ok). RuntimeError when rego-cpp
        returns no output at all."""


def _encode(v: str) -> bytes:
    encoded = _encoded.get(v)
    if encoded is None:
        if "\x00" in v:
            raise ValueError("a string in the policy input contains NUL")
        encoded = (json.dumps(v, ensure_ascii=False)[1:-1] if _NEEDS_ESCAPE.search(v) else v).encode("utf-8")
        if len(_encoded) >= _ENCODED_MAX:
            _encoded.clear()
        _encoded[v] = encoded
    return encoded


def _check(value: Any) -> None:
    """Raise ValueError for what rego-cpp cannot represent faithfully (what the direct
    binding refuses as it walks)."""
    t = type(value)
    if t is str:
        if "\x00" in value:
            raise ValueError("a string in the policy input contains NUL")
    elif t is dict:
        for k, x in value.items():
            if type(k) is not str:
                raise ValueError(f"policy input keys must be strings, not {type(k).__name__}")
            _check(k)
            _check(x)
    elif t is list or t is tuple:
        for x in value:
            _check(x)
    elif t is int:
        if not _MIN_INT <= value <= _MAX_INT:
            raise ValueError(f"integer {value} does not fit in 64 bits")
    elif t is float:
        if not math.isfinite(value):
            raise ValueError(f"a policy input holds only JSON numbers, not {value}")
    elif value is not None and t is not bool:
        raise ValueError(f"a policy input holds only JSON values, not {t.__name__}")


class PublicAPI:
    """regopy's public API: the fallback when the direct binding cannot be used."""

    name = "regopy public API"

    def set_input(self, interpreter: Any, value: Any) -> None:
        _check(value)
        interpreter.set_input_term(json.dumps(value, ensure_ascii=False))

    def query(self, interpreter: Any, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
        output = interpreter.query_bundle_entrypoint(bundle, entrypoint.decode("utf-8"))
        return bool(output.ok()), str(output)


def _handle(owner: Any, what: str) -> int:
    """The C handle regopy keeps on `owner` as `_impl` (an int, or a c_void_p)."""
    impl = getattr(owner, "_impl", None)
    if isinstance(impl, ctypes.c_void_p):
        impl = impl.value
    if not isinstance(impl, int) or isinstance(impl, bool) or not impl:
        raise BindingUnavailable(f"{what} has no C handle (_impl is {type(impl).__name__})")
    return impl


class DirectBinding:
    """rego-cpp's C functions on a CDLL handle of our own on regopy's library: a separate
    object, so the types declared here never change regopy's own function objects."""

    name = "direct rego-cpp binding"

    def __init__(self, regopy: Any, version: str | None) -> None:
        if version is None or not version.startswith(SUPPORTED_VERSIONS):
            raise BindingUnavailable(f"regopy {version or '(unknown version)'} is not one this binding was checked "
                                     f"against ({', '.join(v + 'x' for v in SUPPORTED_VERSIONS)})")
        shared = getattr(regopy, "rego_shared", None)
        library = getattr(getattr(shared, "rego", None), "_name", None)
        if not isinstance(library, str) or not library:
            raise BindingUnavailable("regopy.rego_shared.rego._name (the library's path) is missing")
        get_error = getattr(shared, "rego_get_error", None)
        if not callable(get_error):
            raise BindingUnavailable("regopy.rego_shared.rego_get_error is missing")
        self._get_error: Callable[[Any], str] = get_error
        interpreter_type, bundle_type = getattr(regopy, "Interpreter", None), getattr(regopy, "Bundle", None)
        if interpreter_type is None or bundle_type is None:
            raise BindingUnavailable("regopy.Interpreter or regopy.Bundle is missing")
        _handle(interpreter_type(), "regopy.Interpreter()")  # an instance must carry its handle
        try:
            lib = ctypes.CDLL(library)
            calls = []
            for name, (restype, argtypes) in C_FUNCTIONS.items():
                function = getattr(lib, name)
                function.restype, function.argtypes = restype, argtypes
                calls.append(function)
        except (OSError, AttributeError) as exc:
            raise BindingUnavailable(f"rego-cpp's library at {library}: {exc}") from exc
        (self._new, self._free, self._set, self._string, self._boolean, self._integer, self._floating,
         self._null, self._item, self._object, self._array, self._query, self._ok, self._size, self._read,
         self._free_output) = calls

    def set_input(self, interpreter: Any, value: Any) -> None:
        address = self._new()
        if not address:
            raise MemoryError("rego-cpp could not allocate an input")
        handle = ctypes.c_void_p(address)
        string, boolean, integer, floating = self._string, self._boolean, self._integer, self._floating
        null, item, obj, array, encode, cache = self._null, self._item, self._object, self._array, _encode, _encoded

        def add(v: Any) -> None:
            t = type(v)
            if t is str:
                status = string(handle, cache.get(v) or encode(v))
            elif t is dict:
                for k, x in v.items():
                    if type(k) is not str:
                        raise ValueError(f"policy input keys must be strings, not {type(k).__name__}")
                    add(k)
                    add(x)
                    if item(handle):
                        raise ValueError("rego-cpp refused an object item")
                status = obj(handle, len(v))
            elif t is list or t is tuple:
                for x in v:
                    add(x)
                status = array(handle, len(v))
            elif v is None:
                status = null(handle)
            elif t is bool:
                status = boolean(handle, v)
            elif t is int:
                if not _MIN_INT <= v <= _MAX_INT:
                    raise ValueError(f"integer {v} does not fit in 64 bits")
                status = integer(handle, v)
            elif t is float:
                if not math.isfinite(v):
                    raise ValueError(f"a policy input holds only JSON numbers, not {v}")
                status = floating(handle, v)
            else:
                raise ValueError(f"a policy input holds only JSON values, not {t.__name__}")
            if status:
                raise ValueError(f"rego-cpp refused a {t.__name__} of the policy input (status {status})")

        try:
            add(value)
            impl = _handle(interpreter, "the interpreter")
            status = self._set(impl, handle)  # rego-cpp copies the document
            if status:
                raise ValueError(f"rego-cpp refused the input (status {status}): {self._get_error(impl)}")
        finally:
            self._free(handle)

    def query(self, interpreter: Any, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
        impl = _handle(interpreter, "the interpreter")
        output = self._query(impl, _handle(bundle, "the bundle"), entrypoint)
        if not output:
            raise RuntimeError(self._get_error(impl) or "rego-cpp returned no output")
        try:
            length = self._size(output)
            buffer = ctypes.create_string_buffer(length)
            status = self._read(output, buffer, length)
            if status:
                raise RuntimeError(f"rego-cpp could not write its output (status {status})")
            return bool(self._ok(output)), buffer.value.decode("utf-8", "replace")
        finally:
            self._free_output(output)


def bind(regopy: Any = None, version: str | None = None) -> Backend:
    """The way into rego-cpp for this regopy: the direct binding when its checks pass, else
    the public API, with a warning saying why. `regopy` and `version` default to the
    installed package."""
    if regopy is None:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as package_version

        import regopy as installed

        regopy = installed
        if version is None:
            try:
                version = package_version("regopy")
            except PackageNotFoundError:
                version = None
    try:
        return DirectBinding(regopy, version)
    except BindingUnavailable as exc:
        logger.warning("scrapegate: the direct rego-cpp binding cannot be used (%s); evaluating through "
                       "regopy's public API instead, which is slower", exc)
        return PublicAPI()


_backend: Backend | None = None


def backend() -> Backend:
    """The process's way into rego-cpp, bound on first use."""
    global _backend
    if _backend is None:
        _backend = bind()
    return _backend


def set_input(interpreter: Any, value: Any) -> None:
    """`interpreter`'s input set to `value` (see the module docstring)."""
    backend().set_input(interpreter, value)


def query_entrypoint(interpreter: Any, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
    """Run the bundle's compiled `entrypoint` on the interpreter's input (see Backend.query)."""
    return backend().query(interpreter, bundle, entrypoint)


