"""HTML to the text a reader (or a scraper's parser) gets from it, cheaply, and the markup
that marks a person's name.

No parser: three regular-expression passes fit the 2 ms budget for a 100 KB page where
html.parser alone takes ~15 ms. Scripts, styles and comments are dropped (their numbers are
code, not contact data), except JSON data scripts: schema.org JSON-LD (`"telephone"`,
`"email"`) and `application/json` page data are content that a scraper collects. Attribute
values are dropped with the tags (personal.py reads e-mail addresses in them from
`PageText.markup`); the contact links that matter (`mailto:`, `tel:`) are returned separately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PageText", "page_text", "name_markers"]


def _either_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


_SCRIPT, _STYLE = _either_case("script"), _either_case("style")
_HIDDEN = f"(?:{_either_case('noscript')}|{_either_case('template')})"
# A script or style body is read as runs of [^<]* and a "<" that does not close it: the
# same first closing tag as a lazy .*? finds, without a step per character (a shop page's
# 13 KB of CSS and tracking script cost 0.29 ms lazily, 0.13 ms so). Letters are matched as
# [sS] classes rather than with IGNORECASE, which costs at every "<" of the page.
_BLOCKS = re.compile(
    rf"<(?:{_SCRIPT}\b([^>]*)>([^<]*(?:<(?!/{_SCRIPT}\s*>)[^<]*)*)</{_SCRIPT}\s*>"
    rf"|{_STYLE}\b[^>]*>[^<]*(?:<(?!/{_STYLE}\s*>)[^<]*)*</{_STYLE}\s*>"
    rf"|!--.*?-->|{_HIDDEN}\b[^>]*>.*?</{_HIDDEN}\s*>)",
    re.DOTALL,
)
_TAG = re.compile(r"<[^>]*>")
_JSON_SCRIPT = re.compile(r"""type\s*=\s*["']?application/(?:ld\+)?json\b""", re.IGNORECASE)
_LINK_TARGET = re.compile(r"""[^"'>\s?]{3,254}""")
_LINK_SCHEMES = ("mailto:", "tel:")  # lower case only: each spelling costs a scan of the page
_NUMERIC_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?")
# The named references that can change what the detectors see ("@", "+", separators);
# the others (&euro;, &middot;, ...) stay as they are: to a detector they are separators.
_NAMED = {"nbsp": " ", "commat": "@", "plus": "+", "period": ".", "hyphen": "-", "dash": "-", "lpar": "(",
          "rpar": ")", "sol": "/", "amp": "&", "shy": "", "ZeroWidthSpace": ""}
_NAMED_REF = re.compile(r"&(nbsp|commat|plus|period|hyphen|dash|lpar|rpar|sol|amp|shy|ZeroWidthSpace);")
# Person-name markup (counted, never read): schema.org Person (microdata, RDFa, JSON-LD),
# hCard / microformats2 h-card, rel=author and author metadata. Each kind is found from a
# literal word (str.find runs at memory speed; a regular expression over the page would
# cost more than the whole rest of the inspection) and confirmed on the tag around it.
_TYPEOF_PERSON = re.compile(r"""typeof=["'](?:[^"']*\s)?(?:schema:)?Person["'\s]""")
_JSON_TYPE = re.compile(r""""@type"\s*:\s*(?:\[[^\]]*)?"\Z""")
_CARD_CLASS = re.compile(r"""class=["'](?:[^"']*\s)?(?:vcard|h-card)["'\s]""")
_AUTHOR_ATTR = re.compile(
    r"""rel=["']?(?:[^"'>]*\s)?author["'\s>]|name=["']author["']|property=["']article:author["']""")
_TAG_REACH = 4000  # how far back a tag may start (long attribute values)


@dataclass(frozen=True)
class PageText:
    text: str  # visible text and JSON-LD, entities decoded, tags replaced by spaces
    links: tuple[str, ...]  # the targets of mailto: and tel: links, percent-decoded
    markup: str = ""  # the document without scripts, styles and comments, tags kept (attribute values)


def _keep_json_ld(match: re.Match[str]) -> str:
    """A script's data is content (JSON-LD, and the page data an application ships as
    `<script type="application/json">`, Next.js's __NEXT_DATA__): kept. Its code is not."""
    attrs = match.group(1)
    if attrs is not None and "json" in attrs.lower() and _JSON_SCRIPT.search(attrs):
        return " " + match.group(2) + " "
    return " "


def page_text(markup: str) -> PageText:
    """The text of an HTML document (or fragment)."""
    kept = _BLOCKS.sub(_keep_json_ld, markup)
    text = _TAG.sub(" ", kept)
    if "&" in text:
        text = _unescape(text)
    return PageText(text, _links(markup), kept)


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
    """How often each kind of person-name markup occurs."""
    counts = {"Person": 0, "vcard": 0, "author": 0}
    for at in _occurrences(markup, "Person"):
        if markup[at + 6:at + 7].isalnum():
            continue  # "PersonalData", "Personen"
        if markup.endswith("schema.org/", 0, at) or _JSON_TYPE.search(markup, max(0, at - 80), at):
            counts["Person"] += 1
        else:
            tag = _tag_around(markup, at)
            counts["Person"] += bool(tag and _TYPEOF_PERSON.search(tag))
    for at in _occurrences(markup, "card"):  # vcard, h-card
        if markup.endswith(("v", "h-"), 0, at):
            tag = _tag_around(markup, at)
            counts["vcard"] += bool(tag and _CARD_CLASS.search(tag))
    for at in _occurrences(markup, "author"):
        tag = _tag_around(markup, at)
        counts["author"] += bool(tag and _AUTHOR_ATTR.search(tag))
    return {kind: n for kind, n in counts.items() if n}


def _occurrences(markup: str, word: str) -> list[int]:
    found = []
    at = markup.find(word)
    while at != -1:
        found.append(at)
        at = markup.find(word, at + len(word))
    return found


def _tag_around(markup: str, at: int) -> str | None:
    """The start tag that position `at` is inside, or None when it is in text."""
    lt = markup.rfind("<", max(0, at - _TAG_REACH), at)
    if lt == -1 or markup.find(">", lt, at) != -1:
        return None
    gt = markup.find(">", at)
    return markup[lt:gt + 1 if gt != -1 else len(markup)]
