"""The crawler's product token (RFC 9309 2.2.1), written once for every stage: robots.txt
and the opt-out readers select their groups by it (gate.signals.tokens re-exports it), and
the policy input carries it as `request.agent_token` so a policy can tell a job that
claims a well-known crawler's name (robots.impersonation)."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["product_token"]

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_COMPATIBLE = re.compile(r"\(\s*compatible\s*;\s*([A-Za-z0-9_-]+)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def product_token(user_agent: str | None) -> str:
    """The lower-cased product token of a User-Agent string; "" when it has none.
    "ExampleBot/1.0 (+https://x)" -> "examplebot"; a browser-style "Mozilla/5.0
    (compatible; ExampleBot/2.1; ...)" names its crawler inside the comment."""
    ua = (user_agent or "").strip()
    m = _TOKEN.match(ua)
    if m is None:
        return ""
    token = m.group(0).lower()
    if token == "mozilla":
        compat = _COMPATIBLE.search(ua)
        if compat:
            return compat.group(1).lower()
    return token
