"""Find the sentences of a terms page that forbid, reserve or permit automated collection.

Each sentence is read in three steps (the cue words are in gate.signals.terms.lexicon):

1. Topic. A sentence that names no bots, crawling, scraping, automated access, API, text
   and data mining or AI is "other", however prohibitive it sounds ("you may not post
   defamatory content").
2. Cues, each with a direction. Restrictive: "prohibited", "may not", "agree not to",
   "without our consent", and "reserve" / "opt out" when the topic is TDM or AI.
   Permissive: "permitted", "welcome", "may", "use our public API", "nothing in these
   terms prohibits". Negation flips a cue ("not prohibited" permits, "nicht gestattet",
   "no podrá", "認められません", "不允许" restrict); a modal or a negation with the operator
   as subject ("we may use bots", "wir verwenden keine Bots") is neither: the operator
   describes itself. "Only with our prior consent" turns a permission into a restriction.
3. Verdict. Cues inside a condition or exception clause ("unless ...", "provided that
   ...", "sofern ...", "を除き") count only when the main clause has none. A restriction
   wins over a permission; a restriction about TDM or AI is `tdm_reservation`, any other
   `prohibition`; a topic without a cue is `mention`.

Confidence is a score in [0, 1] from how the verdict was reached (a plain "prohibited" in
the main clause is surer than a lone "without our consent" or a cue in a condition); it is
not a calibrated probability. BENCHMARKS.md ("Terms of the long tail") reports how often
each class was right on the labelled set.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Pattern

from gate.signals.terms.language import detect_language
from gate.signals.terms.lexicon import LEXICONS, Lexicon
from gate.signals.terms.text import Sentence, split_sentences

try:  # the regular-expression parser, to find each topic fragment's literal core
    from re import _parser as _sre  # type: ignore[attr-defined]  # Python >= 3.11
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef]

__all__ = [
    "PROHIBITION", "TDM_RESERVATION", "PERMISSION", "MENTION", "OTHER",
    "LABELS", "RESTRICTIVE", "Clause", "Verdict", "classify_sentence", "find_clauses",
]

PROHIBITION = "prohibition"
TDM_RESERVATION = "tdm_reservation"
PERMISSION = "permission"
MENTION = "mention"
OTHER = "other"
LABELS = (PROHIBITION, TDM_RESERVATION, PERMISSION, MENTION, OTHER)
RESTRICTIVE = frozenset({PROHIBITION, TDM_RESERVATION})

_R, _A = "restrict", "allow"
# Base confidence by the kind of cue that decided.
_STRENGTH = {
    "prohibit": 0.95, "restrict_modal": 0.9, "permit_negated": 0.9, "modal_negated": 0.9,
    "reserve": 0.9, "only_consent": 0.85, "need_consent": 0.75, "allow_negated": 0.85,
    "permit": 0.9, "modal": 0.8, "api": 0.75,
}
_CONFLICT_FACTOR = 0.85
_SUBORDINATE_FACTOR = 0.7
_MENTION_CONFIDENCE = 0.7
_OTHER_CONFIDENCE = 0.9
_BOUNDARY = re.compile(r"[,;:()\[\]、，；：。]")
_ACRONYM = re.compile(r"(?<![A-Za-z])(?:AI|A\.I\.|KI|IA|TDM|LLMs?|GenAI)(?![A-Za-z])")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"',
                         "”": '"', "„": '"', "\u00ad": None})
_SPACE = re.compile(r"\s+")
_WITHOUT = frozenset({"without", "ohne", "sans", "sin", "senza", "zonder", "sem", "bez"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one sentence was classified: label, confidence and the cue words that decided."""

    label: str
    confidence: float
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Clause:
    """A sentence of a terms page that matters, with its place in the page text."""

    text: str
    label: str
    confidence: float
    start: int
    end: int
    lang: str
    cues: tuple[str, ...] = ()
    context: str = ""

    @property
    def restrictive(self) -> bool:
        return self.label in RESTRICTIVE

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text, "label": self.label, "confidence": self.confidence,
            "start": self.start, "end": self.end, "lang": self.lang, "cues": list(self.cues),
            "context": self.context,
        }


@dataclass(frozen=True)
class _Compiled:
    lex: Lexicon
    topic: Pattern[str]
    tdm: Pattern[str]
    cues: dict[str, Pattern[str] | None]
    self_: Pattern[str] | None
    condition: Pattern[str] | None
    only: Pattern[str] | None
    consent: Pattern[str] | None
    negation: Pattern[str]


def _alt(fragments: Iterable[str]) -> Pattern[str] | None:
    parts = list(fragments)
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


@lru_cache(maxsize=None)
def _compiled(lang: str) -> _Compiled:
    lex = LEXICONS[lang]
    extra = LEXICONS["en"] if lex.script == "latin" and lang != "en" else None
    topics = [*lex.auto, *lex.tdm, *lex.ai]
    tdm = [*lex.tdm, *lex.ai]
    if extra is not None:  # English technical words turn up in every Latin-script page
        topics += [*extra.auto, *extra.tdm, *extra.ai]
        tdm += [*extra.tdm, *extra.ai]
    kinds = ("prohibit", "restrict_modal", "need_consent", "reserve", "permit", "modal", "api",
             "allow_negated")
    topic, tdm_re, negation = _alt(topics), _alt(tdm), _alt(lex.negation)
    assert topic is not None and tdm_re is not None and negation is not None, lang
    return _Compiled(
        lex=lex, topic=topic, tdm=tdm_re,
        cues={kind: _alt(getattr(lex, kind)) for kind in kinds},
        self_=_alt(lex.self_), condition=_alt(lex.condition), only=_alt(lex.only),
        consent=_alt(lex.consent), negation=negation,
    )


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_QUOTES).lower())


def _clause_before(low: str, start: int, chars: int) -> str:
    window = low[max(0, start - chars):start]
    cut = max((m.end() for m in _BOUNDARY.finditer(window)), default=0)
    return window[cut:]


def _clause_after(low: str, end: int, chars: int) -> str:
    window = low[end:end + chars]
    found = _BOUNDARY.search(window)
    return window[:found.start()] if found else window


def _negated(c: _Compiled, low: str, start: int, end: int, kind: str) -> bool:
    """Whether a negation governs the cue at low[start:end]."""
    script = c.lex.script
    if script == "ja":  # Japanese negates after the verb: 認めません, 許可しない
        if kind == "prohibit":  # てはなりません is negative itself; 禁止していません is allow_negated
            return False
        return bool(c.negation.search(_clause_after(low, end, 8)))
    if script == "zh":  # Chinese negates right before it: 不允许, 并不禁止
        return bool(c.negation.search(low[max(0, start - 2):start]))
    before = " ".join(_clause_before(low, start, 48).split()[-4:])
    if c.negation.search(before):
        return True
    words_after = c.lex.neg_after.get(kind, 0)
    if words_after:
        after = " ".join(_clause_after(low, end, 90).split()[:words_after])
        return bool(c.negation.search(after))
    return False


def _by_operator(c: _Compiled, low: str, start: int, end: int) -> bool:
    """Whether the operator is the subject ("we may", "wir können", "当社は...できます")."""
    if c.self_ is None:
        return False
    if c.lex.script == "latin":
        window = _clause_before(low, start, 40) + " " + _clause_after(low, end, 12)
    else:
        window = low[max(0, start - 20):start]
    return bool(c.self_.search(window))


def _condition_spans(c: _Compiled, low: str) -> list[tuple[int, int]]:
    """Spans of the condition / exception clauses of the sentence."""
    if c.condition is None:
        return []
    spans = []
    for m in c.condition.finditer(low):
        if c.lex.script == "latin":  # the clause runs from the marker to the next , or ;
            nxt = re.compile(r"[,;]").search(low, m.end())
            spans.append((m.start(), nxt.start() if nxt else len(low)))
        else:  # CJK: from the segment's start to the marker (ja), or the whole segment (zh)
            before = [b.end() for b in _BOUNDARY.finditer(low, 0, m.start())]
            seg_start = before[-1] if before else 0
            if c.lex.script == "ja":
                spans.append((seg_start, m.end()))
            else:
                nxt = _BOUNDARY.search(low, m.end())
                spans.append((seg_start, nxt.start() if nxt else len(low)))
    return spans


@dataclass(frozen=True, slots=True)
class _Cue:
    direction: str
    kind: str
    start: int
    end: int
    words: str


def _cues(c: _Compiled, low: str, about_tdm: bool) -> list[_Cue]:
    """Every cue of the sentence with its direction after negation and subject."""
    found: list[_Cue] = []
    for kind, pattern in c.cues.items():
        if pattern is None:
            continue
        for m in pattern.finditer(low):
            s, e, words = m.start(), m.end(), m.group()
            if kind == "prohibit":
                direction, kind_ = (_A, "allow_negated") if _negated(c, low, s, e, kind) else (_R, kind)
            elif kind == "restrict_modal":
                if _by_operator(c, low, s, e):
                    continue
                direction, kind_ = _R, kind
            elif kind == "reserve":
                if not about_tdm:
                    continue  # "we reserve the right to block bots" reserves nothing
                direction, kind_ = _R, kind
            elif kind == "need_consent":
                direction, kind_ = _R, kind
            elif kind == "permit":
                direction, kind_ = (_R, "permit_negated") if _negated(c, low, s, e, kind) else (_A, kind)
            elif kind == "modal":
                if _by_operator(c, low, s, e):
                    continue
                direction, kind_ = (_R, "modal_negated") if _negated(c, low, s, e, kind) else (_A, kind)
            else:  # api, allow_negated
                direction, kind_ = _A, kind
            found.append(_Cue(direction, kind_, s, e, words))
    # A cue inside a stronger one of the other direction is part of it: "may" in "may
    # not", "permitted" in "not permitted", "prohibits" in "nothing ... prohibits".
    negated_allow = [q for q in found if q.kind == "allow_negated"]
    restrictive = [q for q in found if q.direction == _R]
    kept = []
    for q in found:
        inside = negated_allow if q.direction == _R else restrictive
        if any(o is not q and o.start <= q.start and q.end <= o.end for o in inside):
            continue
        kept.append(q)
    # "Researchers may crawl the site without prior approval": a "without consent" that
    # follows a permission in the same clause widens it; it restricts nothing.
    allows = [q for q in kept if q.direction == _A and q.kind in ("permit", "modal")]
    return [q for q in kept if not (
        q.kind == "need_consent" and q.words.split(" ", 1)[0] in _WITHOUT
        and any(a.end <= q.start and not _BOUNDARY.search(low, a.end, q.start) for a in allows)
    )]


def _only_with_consent(c: _Compiled, low: str, cues: list[_Cue]) -> list[_Cue]:
    """'Allowed only with our prior written consent' restricts."""
    if c.only is None or c.consent is None or not c.only.search(low):
        return cues
    consent = [m.span() for m in c.consent.finditer(low)]
    out = []
    for q in cues:
        outside = [span for span in consent if span[1] <= q.start or span[0] >= q.end]
        if q.direction == _A and q.kind in ("permit", "modal") and outside:
            out.append(_Cue(_R, "only_consent", q.start, q.end, q.words))
        else:
            out.append(q)
    return out


def _decide(cues: list[_Cue], spans: list[tuple[int, int]]) -> tuple[str, float, list[_Cue]] | None:
    def in_sub(q: _Cue) -> bool:
        return any(a <= q.start < b for a, b in spans)

    main = [q for q in cues if not in_sub(q)]
    pool, factor = (main, 1.0) if main else (cues, _SUBORDINATE_FACTOR)
    restrict = [q for q in pool if q.direction == _R]
    allow = [q for q in pool if q.direction == _A]
    if restrict:
        best = max(_STRENGTH[q.kind] for q in restrict)
        if allow:
            factor *= _CONFLICT_FACTOR
        return _R, best * factor, restrict
    if allow:
        return _A, max(_STRENGTH[q.kind] for q in allow) * factor, allow
    return None


def classify_sentence(text: str, lang: str | None = None, context: str = "") -> Verdict:
    """Classify one sentence; `context` is a list item's lead-in ("You agree not to:").

    `lang` is one of LANGUAGES; None detects it from the sentence itself.
    """
    full = f"{context} {text}" if context else text
    if lang is None or lang not in LEXICONS:
        lang = detect_language(full).lang or "en"
    c = _compiled(lang)
    low = _normalise(full)
    acronym = _ACRONYM.search(full) is not None
    if not acronym and not c.topic.search(low):
        return Verdict(OTHER, _OTHER_CONFIDENCE)
    about_tdm = acronym or c.tdm.search(low) is not None
    cues = _only_with_consent(c, low, _cues(c, low, about_tdm))
    decided = _decide(cues, _condition_spans(c, low))
    if decided is None:
        return Verdict(MENTION, _MENTION_CONFIDENCE)
    direction, confidence, deciding = decided
    words = tuple(dict.fromkeys(q.words for q in deciding))
    if direction == _A:
        return Verdict(PERMISSION, round(confidence, 3), words)
    label = TDM_RESERVATION if about_tdm else PROHIBITION
    return Verdict(label, round(confidence, 3), words)


def find_clauses(
    text: str, lang: str | None = None, *, include_mentions: bool = False,
    sentences: list[Sentence] | None = None,
) -> list[Clause]:
    """The clauses of a page's text that forbid, reserve or permit automated collection.

    `lang` is the page's language (None: detected from the text). A sentence whose own
    language is clearly another one (an English paragraph on a German page) is read with
    that language's cues. Offsets index `text`.
    """
    page_lang = lang if lang in LEXICONS else (detect_language(text).lang or "en")
    if sentences is None:
        sentences = split_sentences(text)
    clauses = []
    for sentence in _topical(text, page_lang, sentences):
        full = f"{sentence.context} {sentence.text}" if sentence.context else sentence.text
        own = detect_language(full)
        sentence_lang = own.lang if own.lang and own.lang != page_lang and own.confidence >= 0.5 else page_lang
        verdict = classify_sentence(sentence.text, sentence_lang, sentence.context)
        if verdict.label == MENTION:
            # No cue in the page's language: the sentence may be in another one (English,
            # the lingua franca of terms pages, or its own best guess, however unsure).
            for other in dict.fromkeys((own.lang, "en")):
                if other and other != sentence_lang:
                    second = classify_sentence(sentence.text, other, sentence.context)
                    if second.label not in (MENTION, OTHER):
                        verdict, sentence_lang = second, other
                        break
        if verdict.label == OTHER or (verdict.label == MENTION and not include_mentions):
            continue
        clauses.append(Clause(
            sentence.text, verdict.label, verdict.confidence, sentence.start, sentence.end,
            sentence_lang, verdict.cues, sentence.context,
        ))
    return clauses


def _topical(text: str, lang: str, sentences: list[Sentence]) -> list[Sentence]:
    """The sentences that name a topic. Most of a terms page names none, and a regular
    expression per sentence is what a 50 KB page would spend its time on, so the page is
    first searched for each topic fragment's literal core (`_anchor`: "crawl", "bot",
    "爬虫") with str.find, and only the sentences holding one are read with the patterns."""
    low = _lower_same_length(text)
    if low is None:  # a rare letter whose lower case is longer: no shared offsets
        return [s for s in sentences if _names_topic(f"{s.context} {s.text}", lang)]
    hits = [m.start() for m in _ACRONYM.finditer(text)]
    for anchor in _anchors(lang):
        i = low.find(anchor)
        while i >= 0:
            hits.append(i)
            i = low.find(anchor, i + 1)
    hits.sort()
    checked: dict[str, bool] = {}

    def names_topic(full: str) -> bool:
        if full not in checked:
            checked[full] = _names_topic(full, lang)
        return checked[full]

    out = []
    for s in sentences:
        i = bisect_left(hits, s.start)
        if i < len(hits) and hits[i] < s.end and names_topic(f"{s.context} {s.text}" if s.context else s.text):
            out.append(s)
        elif s.context and names_topic(s.context):  # "You agree not to use bots to:" + items
            out.append(s)
    return out


def _lower_same_length(text: str) -> str | None:
    low = text.replace("’", "'").replace("‘", "'").lower()
    return low if len(low) == len(text) else None


def _names_topic(full: str, lang: str) -> bool:
    if _ACRONYM.search(full):
        return True
    low = _normalise(full)
    langs = (lang, "en") if lang in ("ja", "zh") else (lang,)
    return any(_compiled(code).topic.search(low) for code in langs)


@lru_cache(maxsize=None)
def _anchors(lang: str) -> tuple[str, ...]:
    """The literal cores of every topic fragment the language reads (with English)."""
    langs = (lang, "en") if lang in ("ja", "zh") else (lang,)
    found: dict[str, None] = {}
    for code in langs:
        lex = LEXICONS[code]
        fragments = [*lex.auto, *lex.tdm, *lex.ai]
        if lex.script == "latin" and code != "en":
            en = LEXICONS["en"]
            fragments += [*en.auto, *en.tdm, *en.ai]
        shortest = 3 if lex.script == "latin" else 2
        for fragment in fragments:
            anchor = _anchor(fragment, shortest)
            if anchor is None:
                raise ValueError(f"topic fragment {fragment!r} ({code}) has no literal core")
            found[anchor] = None
    return tuple(found)


def _anchor(fragment: str, shortest: int = 3) -> str | None:
    """The longest literal that every match of `fragment` contains, if it has at least
    `shortest` characters: "crawl" for `crawl\\w*`, "bot" for `\\b(?:ro)?bots?\\b`."""
    parsed = list(_sre.parse(fragment))
    if len(parsed) == 1 and str(parsed[0][0]) == "BRANCH":  # "a|b": no literal in common
        return None
    best, run = "", ""
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            run += chr(arg)
        elif name != "AT":  # \b and friends are zero-width: the literal run goes on
            best, run = max(best, run, key=len), ""
    best = max(best, run, key=len)
    return best if len(best) >= shortest else None
