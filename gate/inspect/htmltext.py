"""HTML to the text a reader (or a scraper's parser) gets from it, cheaply, and the markup
that marks a person's name.

No parser: three regular-expression passes fit the 2 ms budget for a 100 KB page where
html.parser alone takes ~15 ms. Scripts, styles and comments are dropped (their numbers are
code, not contact data), except JSON-LD scripts: schema.org data (`"telephone"`, `"email"`)
is content that a scraper collects. Attribute values are dropped with the tags; the
contact links that matter (`mailto:`, `tel:`) are returned separately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PageText", "page_text", "name_markers"]

_BLOCKS = re.compile(
    r"<script\b([^>]*)>(.*?)</script\s*>|<style\b[^>]*>.*?</style\s*>|<!--.*?-->|<(?:noscript|template)\b[^>]*>.*?</(?:noscript|template)\s*>",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]*>")
_LINK_TARGET = re.compile(r"""[^"'>\s?]{3,254}""")
_LINK_SCHEMES = ("mailto:", "tel:", "MAILTO:", "TEL:")
_NUMERIC_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?")
# The named references that can change what the detectors see ("@", "+", separators);
# the others (&euro;, &middot;, ...) stay as they are: to a detector they are separators.
_NAMED = {"nbsp": " ", "commat": "@", "plus": "+", "period": ".", "hyphen": "-", "dash": "-", "lpar": "(",
          "rpar": ")", "sol": "/", "amp": "&"}
_NAMED_REF = re.compile(r"&(nbsp|commat|plus|period|hyphen|dash|lpar|rpar|sol|amp);")
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
    text = _BLOCKS.sub(_keep_json_ld, markup)
    text = _TAG.sub(" ", text)
    if "&" in text:
        text = _unescape(text)
    return PageText(text, _links(markup))


def _links(markup: str) -> tuple[str, ...]:
    """Targets of mailto: and tel: links, found by substring search (a case-insensitive
    regular expression over the whole page costs more than the rest of the page)."""
    found: list[str] = []
    for scheme in _LINK_SCHEMES:
        at = markup.find(scheme)
        while at != -1:
            target = _LINK_TARGET.match(markup, at + len(scheme))
            if target:
                found.append(target.group())
            at = markup.find(scheme, at + 1)
    if not found:
        return ()
    from urllib.parse import unquote

    return tuple(unquote(_unescape(t)) for t in found)


def _numeric_ref(match: re.Match[str]) -> str:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF else " "


def _unescape(text: str) -> str:
    if "&#" in text:
        text = _NUMERIC_REF.sub(_numeric_ref, text)
    return _NAMED_REF.sub(lambda m: _NAMED[m.group(1)], text)


def name_markers(markup: str) -> dict[str, int]:
    """How often each kind of person-name markup occurs. A substring test for a word each
    kind contains decides whether its pattern runs at all (most pages have none)."""
    counts: dict[str, int] = {}
    for kind, pattern in _NAME_PATTERNS:
        if _NAME_HINTS[kind] in markup:
            n = sum(1 for _ in pattern.finditer(markup))
            if n:
                counts[kind] = n
    return counts


_NAME_HINTS = {"Person": "Person", "vcard": "card", "author": "author"}
