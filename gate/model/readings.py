"""Every plausible server reading of a request path.

Servers disagree on how they read a path: one collapses `//` to `/`, one decodes `%2F` to a
separator before it routes, one (Tomcat, Jetty) drops `;params` from each segment, one (IIS)
reads `\\` as `/` or decodes twice. A path the gate reads one way may reach a file the
origin reads another way: `/%2Fprivate/x` is not under `Disallow: /private` as written, but
it is once `%2F` is decoded and `//` collapsed. The gate therefore decides on every reading
and allows only when each is allowed (DESIGN.md, fail-closed rules).

    path_readings("/a/..%2Fprivate/x")   # ('/private/x', '/a/../private/x' ...) minus the path itself

The input is a path already normalised by gate.model.url (percent-encoding upper-cased,
unreserved octets decoded, dot segments removed); every reading is normalised the same way,
so dot segments that only appear after decoding are resolved again.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Callable

from gate.model.url import normalize_path

__all__ = ["path_readings", "needs_readings", "MAX_READINGS"]

# 4 transformations -> at most 16 combinations; a cap keeps hostile paths cheap.
MAX_READINGS = 16
_TRIGGERS = ("//", "%2F", "%5C", ";", "%25")
_SLASHES = re.compile(r"/{2,}")
_ENCODED_SEP = re.compile(r"%(?:2F|5C)", re.IGNORECASE)
_DOUBLE = re.compile(r"%25([0-9A-Fa-f]{2})")


def needs_readings(path: str) -> bool:
    """False for the ordinary path (the crawl's hot loop): it has only one reading. Every
    trigger but `//` and `;` holds a `%`, so most paths cost three substring scans."""
    return "//" in path or ";" in path or ("%" in path and ("%2F" in path or "%5C" in path or "%25" in path))


def _double_decoded(path: str) -> str:
    """IIS-style second decode: %252F -> %2F (read further by the other readings)."""
    return _DOUBLE.sub(lambda m: "%" + m.group(1).upper(), path)


def _separators_decoded(path: str) -> str:
    """%2F and %5C (and so a raw backslash, which normalisation encodes) read as '/'."""
    return _ENCODED_SEP.sub("/", path)


def _params_dropped(path: str) -> str:
    """Servlet containers drop `;params` from each segment: /..;/x is /../x to them."""
    return "/".join(seg.split(";", 1)[0] for seg in path.split("/"))


def _collapsed(path: str) -> str:
    return _SLASHES.sub("/", path)


# In the order a server applies them: decode, split off params, route on collapsed segments.
_STEPS: tuple[Callable[[str], str], ...] = (_double_decoded, _separators_decoded, _params_dropped, _collapsed)


@lru_cache(maxsize=8192)
def path_readings(path: str) -> tuple[str, ...]:
    """The other normalised paths a server could read `path` as (never `path` itself); empty
    when `path` has only one reading."""
    if not needs_readings(path):
        return ()
    seen: dict[str, None] = {path: None}
    for mask in itertools.product((False, True), repeat=len(_STEPS)):
        reading = path
        for use, step in zip(mask, _STEPS):
            if use:
                reading = step(reading)
        seen.setdefault(normalize_path(reading), None)
        if len(seen) > MAX_READINGS:
            break
    return tuple(p for p in seen if p != path)
