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

from dataclasses import dataclass

from gate.signals.terms.language import detect_language
from gate.signals.terms.lexicon import LEXICONS
from gate.signals.terms.reading import (
    LABELS,
    MENTION,
    OTHER,
    PERMISSION,
    PROHIBITION,
    RESTRICTIVE,
    TDM_RESERVATION,
    Verdict,
    classify_sentence,
    may_decide,
)
from gate.signals.terms.text import Sentence, split_sentences
from gate.signals.terms.topics import topical

__all__ = [
    "PROHIBITION", "TDM_RESERVATION", "PERMISSION", "MENTION", "OTHER",
    "LABELS", "RESTRICTIVE", "Clause", "Verdict", "classify_sentence", "find_clauses",
]


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
    # topical() found the topic with the page language's own patterns (plus English ones
    # only for ja/zh pages): then the topic search need not run again.
    known = page_lang not in ("ja", "zh")
    lows: dict[str, str] = {}  # the normalised sentences topical() read
    for sentence in topical(text, page_lang, sentences, lows):
        full = f"{sentence.context} {sentence.text}" if sentence.context else sentence.text
        verdict = classify_sentence(sentence.text, page_lang, sentence.context, topical=known, low=lows.get(full))
        sentence_lang = page_lang
        if verdict.label in (MENTION, OTHER):
            # The page's language reads no cue in it: the sentence may be in another one
            # (an English paragraph on a German page). Guessing the language of every
            # sentence was a sixth of a page's cost; only these need it.
            verdict, sentence_lang = _read_as_own_language(sentence, page_lang, verdict)
        if verdict.label == OTHER or (verdict.label == MENTION and not include_mentions):
            continue
        clauses.append(Clause(
            sentence.text, verdict.label, verdict.confidence, sentence.start, sentence.end,
            sentence_lang, verdict.cues, sentence.context,
        ))
    return clauses


def _read_as_own_language(sentence: Sentence, page_lang: str, verdict: Verdict) -> tuple[Verdict, str]:
    """The verdict on a sentence the page's language read no cue in, and its language: its
    own language when clearly another one, else English (the lingua franca of terms
    pages) or its own best guess, however unsure."""
    full = f"{sentence.context} {sentence.text}" if sentence.context else sentence.text
    own = detect_language(full)
    sentence_lang = page_lang
    if own.lang and own.lang != page_lang and own.confidence >= 0.5:
        sentence_lang = own.lang
        verdict = classify_sentence(sentence.text, sentence_lang, sentence.context)
    if verdict.label == MENTION:
        for other in dict.fromkeys((own.lang, "en")):
            # may_decide: most such sentences hold no cue of the other language either.
            if other and other != sentence_lang and may_decide(sentence.text, other, sentence.context):
                second = classify_sentence(sentence.text, other, sentence.context)
                if second.label not in (MENTION, OTHER):
                    return second, other
    return verdict, sentence_lang
