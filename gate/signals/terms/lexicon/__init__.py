"""Cue words for the ten supported languages, one module per language."""

from __future__ import annotations

from gate.signals.terms.lexicon import de, en, es, fr, it, ja, nl, pl, pt, zh
from gate.signals.terms.lexicon.base import Lexicon

__all__ = ["Lexicon", "LEXICONS"]

LEXICONS: dict[str, Lexicon] = {
    m.LEXICON.code: m.LEXICON for m in (en, de, fr, es, it, nl, pt, pl, ja, zh)
}
