"""Reading one sentence: its topic, its cues and their direction, and the verdict.

The three steps are described in gate.signals.terms.clauses; the cue words are in
gate.signals.terms.lexicon. Everything here works on one sentence (plus a list's
lead-in) and compiles each language's patterns once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Pattern

from gate.signals.terms.language import detect_language

try:  # the regular-expression parser, to find each fragment's literal core
    from re import _parser as _sre  # type: ignore[attr-defined,unused-ignore]  # Python >= 3.11
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef,unused-ignore]
from gate.signals.terms.lexicon import LEXICONS, Lexicon

__all__ = [
    "PROHIBITION", "TDM_RESERVATION", "PERMISSION", "MENTION", "OTHER", "LABELS", "RESTRICTIVE",
    "Verdict", "classify_sentence", "may_decide", "compiled", "normalise", "ACRONYM",
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
ACRONYM = re.compile(r"(?<![A-Za-z])(?:AI|A\.I\.|KI|IA|TDM|LLMs?|GenAI)(?![A-Za-z])")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"',
                         "”": '"', "„": '"', "\u00ad": None})
_SPACE = re.compile(r"\s+")
_ODD_SPACE = re.compile(r"\s\s|[^\S ]")  # what _SPACE would change: a run, or a space other than " "
_QUOTE_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _QUOTES) + "]")
_CLAUSE_END = re.compile(r"[,;]")
_SUBSETS_KEPT = 2048
_AGENT = frozenset({"by"})  # before the actor of an English passive
_WITHOUT = frozenset({"without", "ohne", "sans", "sin", "senza", "zonder", "sem", "bez"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one sentence was classified: label, confidence and the cue words that decided."""

    label: str
    confidence: float
    cues: tuple[str, ...] = ()


_KINDS = ("prohibit", "restrict_modal", "need_consent", "reserve", "permit", "modal", "api", "allow_negated")


@dataclass(frozen=True)
class _Group:
    """Fragments with their literal cores (None: has none, always searched)."""

    fragments: tuple[tuple[str, str | None], ...]
    cores: frozenset[str]
    coreless: bool
    # The alternation for each set of present cores seen (bounded: _SUBSETS_KEPT).
    subsets: dict[frozenset[str], Pattern[str]] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class _Compiled:
    lex: Lexicon
    topic: Pattern[str]
    # Every TDM/AI fragment and every cue kind's fragments, each with its literal core
    # ("mining", "training", "人工智能"; None when it has none). A fragment whose core the
    # sentence lacks cannot match it, so only the others are searched, as one alternation
    # in the lexicon's order (_subset): the same matches as the whole alternation, at a
    # fraction of the cost (a sentence holds the cores of a few of ~50 fragments).
    tdm: _Group
    cues: dict[str, _Group]
    # Every literal core of those fragments: which of them a sentence holds is found once
    # (`_present`), and a group none of whose cores it holds is skipped with one set test.
    cores: tuple[str, ...]
    self_: Pattern[str] | None
    condition: Pattern[str] | None
    only: Pattern[str] | None
    consent: Pattern[str] | None
    negation: Pattern[str]
    object_of: frozenset[str] = frozenset()
    passive: Pattern[str] | None = None


def _alt(fragments: Iterable[str]) -> Pattern[str] | None:
    parts = list(fragments)
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def _subset(group: _Group, present: set[str]) -> Pattern[str] | None:
    """The alternation of the group's fragments that can match a sentence holding the
    `present` cores (None: none can)."""
    held = group.cores.intersection(present)
    if not held and not group.coreless:
        return None
    pattern = group.subsets.get(held)
    if pattern is None:
        pattern = re.compile("|".join(f"(?:{f})" for f, core in group.fragments if core is None or core in held))
        if len(group.subsets) < _SUBSETS_KEPT:
            group.subsets[held] = pattern
    return pattern


def _group(fragments: Iterable[str], shortest: int) -> _Group:
    pairs = tuple((f, literal_core(f, shortest)) for f in fragments)
    return _Group(pairs, frozenset(core for _, core in pairs if core is not None),
                  any(core is None for _, core in pairs))


def _present(c: _Compiled, low: str) -> set[str]:
    return {core for core in c.cores if core in low}


@lru_cache(maxsize=None)
def compiled(lang: str) -> _Compiled:
    """The language's patterns, compiled once per process."""
    lex = LEXICONS[lang]
    extra = LEXICONS["en"] if lex.script == "latin" and lang != "en" else None
    topics = [*lex.auto, *lex.tdm, *lex.ai]
    tdm = [*lex.tdm, *lex.ai]
    if extra is not None:  # English technical words turn up in every Latin-script page
        topics += [*extra.auto, *extra.tdm, *extra.ai]
        tdm += [*extra.tdm, *extra.ai]
    topic, negation = _alt(topics), _alt(lex.negation)
    if topic is None or not tdm or negation is None:
        raise ValueError(f"lexicon {lang!r} needs topic, TDM and negation words")
    groups = {kind: _group(getattr(lex, kind), 1) for kind in _KINDS}
    tdm_group = _group(tdm, 2)
    return _Compiled(
        lex=lex, topic=topic, tdm=tdm_group, cues=groups,
        cores=tuple(sorted(set(tdm_group.cores).union(*(g.cores for g in groups.values())))),
        self_=_alt(lex.self_), condition=_alt(lex.condition), only=_alt(lex.only),
        consent=_alt(lex.consent), negation=negation, object_of=frozenset(lex.object_of),
        passive=re.compile(lex.passive) if lex.passive else None,
    )


def normalise(text: str) -> str:
    """Lower case, NFC, plain quotes and apostrophes, single spaces: what the cues match."""
    # Each step only when the text needs it: a translate or a substitution that changes
    # nothing still builds a new string, and this runs on every topical sentence.
    text = unicodedata.normalize("NFC", text)
    if _QUOTE_CHARS.search(text):
        text = text.translate(_QUOTES)
    text = text.lower()
    return _SPACE.sub(" ", text) if _ODD_SPACE.search(text) else text


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
    if c.lex.script != "latin":
        return bool(c.self_.search(low[max(0, start - 20):start]))
    before = _clause_before(low, start, 40)
    window = before + " " + _clause_after(low, end, 12)
    passive = c.passive is not None and c.passive.match(low, end) is not None
    for m in c.self_.finditer(window):
        # "The content OF this website may not be used": the site is what is used, not who speaks.
        words = (low[:start - len(before) + m.start()] if m.start() < len(before) else window[:m.start()]).split()
        if words and words[-1] in c.object_of:
            continue
        if passive and " " in m.group() and not (words and words[-1] in _AGENT):
            continue  # "this website may not be crawled" ("we", "data collected by our crawler" still speak)
        return True
    return False


def _condition_spans(c: _Compiled, low: str) -> list[tuple[int, int]]:
    """Spans of the condition / exception clauses of the sentence."""
    if c.condition is None:
        return []
    spans = []
    for m in c.condition.finditer(low):
        if c.lex.script == "latin":  # the clause runs from the marker to the next , or ;
            nxt = _CLAUSE_END.search(low, m.end())
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


def _cues(c: _Compiled, low: str, about_tdm: bool, present: set[str]) -> list[_Cue]:
    """Every cue of the sentence with its direction after negation and subject."""
    found: list[_Cue] = []
    for kind, group in c.cues.items():
        pattern = _subset(group, present)
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
    if len(found) < 2:  # what follows relates one cue to another
        return found
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
    """Direction, confidence and deciding cues: main clause first, a restriction first."""

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


def may_decide(text: str, lang: str, context: str = "") -> bool:
    """Whether `lang`'s cues could read the sentence as a prohibition, reservation or
    permission: False when no cue kind's literal core is in it, so that classify_sentence
    would say mention or other. Cheaper than classifying (no topic search)."""
    c = compiled(lang)
    low = normalise(f"{context} {text}" if context else text)
    present = _present(c, low)
    return any(group.coreless or not group.cores.isdisjoint(present) for group in c.cues.values())


def classify_sentence(text: str, lang: str | None = None, context: str = "", *, topical: bool = False,
                      low: str | None = None) -> Verdict:
    """Classify one sentence; `context` is a list item's lead-in ("You agree not to:").

    `lang` is one of LANGUAGES; None detects it from the sentence itself. `topical`: the
    caller already found a topic with `lang`'s own patterns (gate.signals.terms.topics),
    so the topic search is not run again (on German, with its compound words, that search
    is the dearest pattern of all). `low`: normalise() of "context text", if the caller
    has it already.
    """
    full = f"{context} {text}" if context else text
    if lang is None or lang not in LEXICONS:
        lang = detect_language(full).lang or "en"
    c = compiled(lang)
    if low is None:
        low = normalise(full)
    acronym = ACRONYM.search(full) is not None
    if not acronym and not topical and not c.topic.search(low):
        return Verdict(OTHER, _OTHER_CONFIDENCE)
    present = _present(c, low)
    tdm = None if acronym else _subset(c.tdm, present)
    about_tdm = acronym or (tdm is not None and tdm.search(low) is not None)
    cues = _cues(c, low, about_tdm, present)
    if not cues:  # a topic and no cue (a quarter of a page's topical sentences)
        return Verdict(MENTION, _MENTION_CONFIDENCE)
    decided = _decide(_only_with_consent(c, low, cues), _condition_spans(c, low))
    if decided is None:
        return Verdict(MENTION, _MENTION_CONFIDENCE)
    direction, confidence, deciding = decided
    words = tuple(dict.fromkeys(q.words for q in deciding))
    if direction == _A:
        return Verdict(PERMISSION, round(confidence, 3), words)
    label = TDM_RESERVATION if about_tdm else PROHIBITION
    return Verdict(label, round(confidence, 3), words)


def literal_core(fragment: str, shortest: int = 3) -> str | None:
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
