"""HTML to the text a reader (or a scraper's parser) gets from it, cheaply, and the markup
that marks a person's name.

No parser: three regular-expression passes fit the 2 ms budget for a 100 KB page where
html.parser alone takes ~15 ms. Scripts, styles and comments are dropped (their numbers are
code, not contact data), except JSON-LD scripts: schema.org data (`"telephone"`, `"email"`)
is content that a scraper collects. Attribute values are dropped with the tags; the
contact links that matter (`mailto:`, `tel:`) are returned separately.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["PageText", "page_text", "name_markers"]

_BLOCKS = re.compile(
    r"<script\b([^>]*)>(.*?)</script\s*>|<style\b[^>]*>.*?</style\s*>|<!--.*?-->|<(?:noscript|template)\b[^>]*>.*?</(?:noscript|template)\s*>",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]*>")
_LINKS = re.compile(r"""(?:mailto|tel):([^"'>\s?]{3,254})""", re.IGNORECASE)
# Person-name markup (counted, never read): schema.org Person (microdata, RDFa, JSON-LD),
# hCard / microformats2 h-card, rel=author, and author metadata.
_NAME_PATTERNS = (
    ("Person", re.compile(r"""schema\.org/Person\b|"@type"\s*:\s*(?:\[\s*)?"Person"|typeof=["'](?:schema:)?Person\b""")),
    ("vcard", re.compile(r"""class=["'][^"'>]*\b(?:vcard|h-card)\b""", re.IGNORECASE)),
    ("author", re.compile(r"""rel=["']?(?:[^"'>]*\s)?author\b|name=["']author["']|property=["']article:author["']""", re.IGNORECASE)),
)


@dataclass(frozen=True)
class PageText:
    text: str  # visible text and JSON-LD, entities decoded, tags replaced by spaces
    links: tuple[str, ...]  # the targets of mailto: and tel: links, percent-decoded


def _keep_json_ld(match: re.Match[str]) -> str:
    attrs = match.group(1)
    if attrs is not None and "ld+json" in attrs.lower():
        return " " + match.group(2) + " "
    return " "


def page_text(markup: str) -> PageText:
    """The text of an HTML document (or fragment)."""
    links: tuple[str, ...] = ()
    if "mailto:" in markup or "tel:" in markup or "MAILTO:" in markup or "TEL:" in markup:
        from urllib.parse import unquote

        links = tuple(unquote(html.unescape(m)) for m in _LINKS.findall(markup))
    text = _BLOCKS.sub(_keep_json_ld, markup)
    text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return PageText(text, links)


def name_markers(markup: str) -> dict[str, int]:
    """How often each kind of person-name markup occurs; only kinds whose cheap substring
    test passes are searched."""
    counts: dict[str, int] = {}
    lowered_has = {"Person": "Person" in markup, "vcard": "card" in markup,
                   "author": "author" in markup or "AUTHOR" in markup}
    for kind, pattern in _NAME_PATTERNS:
        if lowered_has[kind]:
            n = sum(1 for _ in pattern.finditer(markup))
            if n:
                counts[kind] = n
    return counts
