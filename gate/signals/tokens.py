"""What robots.txt, TDMRep and the Content-Signal / X-Robots-Tag readers share, written once:
the crawler's product token, the canonical form paths are compared in, and the path-pattern
matcher ('*' wildcards, a final '$' anchor).

Product token (RFC 9309 2.2.1). "ExampleBot/1.0 (+https://x)" -> "examplebot". A browser-style
"Mozilla/5.0 (compatible; ExampleBot/2.1; ...)" names its crawler inside the comment, and
that token selects the group: RFC 9309's own example pairs the header "Mozilla/5.0
(compatible; ExampleBot/0.1; https://www.example.com/bot.html)" with "user-agent: ExampleBot",
and google/robotstxt expects the caller to match on that token (Googlebot sends "Mozilla/5.0
(compatible; Googlebot/2.1; ...)" and obeys "user-agent: googlebot"). The RFC allows letters,
'_' and '-'; digits are kept too, so "MJ12bot" stays itself instead of collapsing to "mj"
and matching another crawler's group.

Canonical paths: percent-escapes of ASCII octets decoded (except %25), non-ASCII octets as
upper-case %XX. RFC 9309 2.2.2 makes %7E equal '~' and its example table makes https://
equal https%3A%2F%2F. A pattern's %2A and %24 are the literal '*' and '$' (2.2.3): the
pattern is split on '*' before its pieces are canonicalised.

Matching never backtracks: each literal piece is found left to right with str.find (leftmost
is exact when '*' is the only wildcard), so no pattern makes it super-linear.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from gate.model.agent import product_token
from gate.model.url import normalize, normalize_path

__all__ = [
    "GLOBAL_AGENT", "product_token", "agent_of_line", "canonical", "canonical_target", "Pattern",
    "compile_pattern", "rest_matches", "pattern_matches",
]

GLOBAL_AGENT = "*"
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_HEX = frozenset("0123456789abcdefABCDEF")
_TARGET_CACHE_SIZE = 16384


def agent_of_line(value: str) -> str:
    """The agent a robots.txt User-agent line names: "*" (also "* anything"), else its token."""
    if value.startswith("*") and (len(value) == 1 or value[1] in " \t"):
        return GLOBAL_AGENT
    m = _TOKEN.match(value)
    return m.group(0).lower() if m else ""


def canonical(text: str) -> str:
    """`text` (a path, a query or a pattern piece) in the canonical form paths compare in."""
    if "%" not in text and text.isascii():
        return text
    data = text.encode("utf-8", "surrogatepass")
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x25:
            hx = data[i + 1 : i + 3].decode("latin-1")
            if len(hx) == 2 and hx[0] in _HEX and hx[1] in _HEX:
                octet = int(hx, 16)
                out.append(chr(octet) if octet < 0x80 and octet != 0x25 else "%" + hx.upper())
                i += 3
                continue
            out.append("%25")
        elif b < 0x80:
            out.append(chr(b))
        else:
            out.append(f"%{b:02X}")
        i += 1
    return "".join(out)


@lru_cache(maxsize=_TARGET_CACHE_SIZE)
def canonical_target(url_or_path: str) -> str:
    """A URL, or an absolute path[?query], as the canonical path[?query] patterns match."""
    if url_or_path.startswith("/"):
        path, sep, query = url_or_path.partition("#")[0].partition("?")
        return canonical(normalize_path(path) + (sep + query if query else ""))
    return canonical(normalize(url_or_path).path_query)


class Pattern(NamedTuple):
    """A compiled path pattern: its first literal piece, the literal pieces between '*'s,
    the last piece, and whether a final '$' anchors it. `size` is its length in octets of
    the canonical pattern, wildcards included (what "longest match" compares)."""

    first: str
    middle: tuple[str, ...]
    last: str
    anchored: bool
    wildcard: bool
    size: int


@lru_cache(maxsize=16384)
def compile_pattern(value: str) -> Pattern | None:
    """`value` ("/a*b$") compiled, or None when it is not a path pattern (it can never match)."""
    anchored = value.endswith("$")
    pieces = [canonical(p) for p in (value[:-1] if anchored else value).split("*")]
    if pieces[0] and not pieces[0].startswith("/"):
        return None
    size = sum(map(len, pieces)) + len(pieces) - 1 + anchored
    if len(pieces) == 1:
        return Pattern(pieces[0], (), "", anchored, False, size)
    middle = tuple(p for p in pieces[1:-1] if p)  # '**' is '*'
    return Pattern(pieces[0], middle, pieces[-1], anchored, True, size)


def rest_matches(middle: tuple[str, ...], last: str, anchored: bool, target: str, pos: int) -> bool:
    """Whether target[pos:] matches '*' middle[0] '*' ... '*' last ['$']."""
    for piece in middle:
        pos = target.find(piece, pos)
        if pos < 0:
            return False
        pos += len(piece)
    if anchored:
        return target.endswith(last) and len(target) - len(last) >= pos
    return target.find(last, pos) >= 0


def pattern_matches(pattern: Pattern, target: str) -> bool:
    """Whether `pattern` matches the canonical `target` (a prefix match unless anchored)."""
    if not target.startswith(pattern.first):
        return False
    if not pattern.wildcard:
        return not pattern.anchored or len(target) == len(pattern.first)
    return rest_matches(pattern.middle, pattern.last, pattern.anchored, target, len(pattern.first))
