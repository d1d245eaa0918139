"""Which sentences of a page name a topic (bots, crawling, scraping, TDM, AI), found
with one pass over the page rather than a regular expression per sentence."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from gate.signals.terms.lexicon import LEXICONS
from gate.signals.terms.reading import ACRONYM, literal_core, normalise
from gate.signals.terms.text import Sentence

__all__ = ["topical", "anchors"]


def topical(
    text: str, lang: str, sentences: list[Sentence], lows: dict[str, str] | None = None,
) -> list[Sentence]:
    """The sentences that name a topic. Most of a terms page names none, and a regular
    expression per sentence is what a 50 KB page would spend its time on, so the page is
    first searched for each topic fragment's literal core (`_anchor`: "crawl", "bot",
    "爬虫") with str.find, and only the sentences holding one are read with the patterns.
    `lows`, if given, collects the normalised text of the sentences read (keyed by
    "context text") for the classifier to reuse."""
    low = _lower_same_length(text)
    if low is None:  # a rare letter whose lower case is longer: no shared offsets
        return [s for s in sentences if _names_topic(f"{s.context} {s.text}", lang)]
    hits = _acronyms(text)
    for anchor in anchors(lang):
        i = low.find(anchor)
        while i >= 0:
            hits.append(i)
            i = low.find(anchor, i + 1)
    hits.sort()
    checked: dict[str, bool] = {}

    def names_topic(full: str) -> bool:
        if full not in checked:
            checked[full] = _names_topic(full, lang, lows)
        return checked[full]

    out = []
    for s in sentences:
        i = bisect_left(hits, s.start)
        if i < len(hits) and hits[i] < s.end and names_topic(f"{s.context} {s.text}" if s.context else s.text):
            out.append(s)
        elif s.context and names_topic(s.context):  # "You agree not to use bots to:" + items
            out.append(s)
    return out


# ACRONYM without its look-behind and look-ahead: a pattern that starts with a look-behind
# is tried at every offset of the page, this one is skipped ahead in C.
_ACRONYM_BARE = re.compile(ACRONYM.pattern.removeprefix("(?<![A-Za-z])").removesuffix("(?![A-Za-z])"))


def _acronyms(text: str) -> list[int]:
    """The starts of ACRONYM.finditer(text), found with the cheaper bare pattern: every
    place ACRONYM matches, the bare one does, so each bare match is confirmed in place."""
    out: list[int] = []
    pos = 0
    while True:
        bare = _ACRONYM_BARE.search(text, pos)
        if bare is None:
            return out
        full = ACRONYM.match(text, bare.start())
        if full is None:
            pos = bare.start() + 1
        else:
            out.append(full.start())
            pos = full.end()


def _lower_same_length(text: str) -> str | None:
    low = text.replace("’", "'").replace("‘", "'").lower()
    return low if len(low) == len(text) else None


def _names_topic(full: str, lang: str, lows: dict[str, str] | None = None) -> bool:
    if ACRONYM.search(full):
        return True
    low = normalise(full)
    if lows is not None:
        lows[full] = low
    # Only the fragments whose literal core the sentence holds can match: a few small
    # patterns instead of one alternation of ~60 (German compounds made that the dearest
    # search of a page). The same answer as compiled(code).topic.search(low).
    return any(core in low and pattern.search(low) is not None for core, pattern in _fragments(lang))


@lru_cache(maxsize=None)
def _fragments(lang: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(literal core, compiled fragment) of every topic fragment `lang` reads (see anchors)."""
    out: dict[str, tuple[str, re.Pattern[str]]] = {}
    for code, shortest, fragment in _topic_fragments(lang):
        core = literal_core(fragment, shortest)
        if core is None:
            raise ValueError(f"topic fragment {fragment!r} ({code}) has no literal core")
        out.setdefault(fragment, (core, re.compile(fragment)))
    return tuple(out.values())


def _topic_fragments(lang: str) -> list[tuple[str, int, str]]:
    """(lexicon, shortest core, fragment) of every topic fragment the language reads: its
    own, English ones on Latin-script pages, and English ones again for ja/zh."""
    langs = (lang, "en") if lang in ("ja", "zh") else (lang,)
    out = []
    for code in langs:
        lex = LEXICONS[code]
        fragments = [*lex.auto, *lex.tdm, *lex.ai]
        if lex.script == "latin" and code != "en":
            en = LEXICONS["en"]
            fragments += [*en.auto, *en.tdm, *en.ai]
        shortest = 3 if lex.script == "latin" else 2
        out += [(code, shortest, fragment) for fragment in fragments]
    return out


@lru_cache(maxsize=None)
def anchors(lang: str) -> tuple[str, ...]:
    """The literal cores of every topic fragment the language reads (with English)."""
    return tuple(dict.fromkeys(core for core, _ in _fragments(lang)))
