"""One terms page read end to end: decode, extract the text, detect the language, find the
clauses, and hash the text so that a later read can tell whether the terms changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gate.signals.terms.clauses import Clause, find_clauses
from gate.signals.terms.language import detect_language
from gate.signals.terms.text import decode_body, page_text, split_sentences

__all__ = ["TermsPage", "analyse_page", "text_sha256", "MAX_PAGE_CHARS"]

# Terms pages run to ~100 KB; the fetcher bounds sizes, this bounds the work on what it lets in.
MAX_PAGE_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class TermsPage:
    """What a terms page says: its text, language, clauses and the text's SHA-256."""

    text: str
    language: str | None
    language_confidence: float
    clauses: tuple[Clause, ...]
    sha256: str

    @property
    def restrictive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.restrictive)


def text_sha256(text: str) -> str:
    """The hash of the page's text, not of its bytes: a new CSRF token, ad slot or
    timestamp in the markup is no change of the terms, a changed sentence is."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def analyse_page(
    body: bytes | str, content_type: str | None = None, *, lang: str | None = None,
    include_mentions: bool = False,
) -> TermsPage:
    """Read a terms page (HTML, or plain text when content_type says text/plain)."""
    markup = decode_body(body, content_type)[:MAX_PAGE_CHARS]
    is_html = not (content_type or "").lower().startswith("text/plain")
    text = page_text(markup, is_html=is_html)
    guess = detect_language(text)
    page_lang = lang or guess.lang
    clauses = find_clauses(text, page_lang, include_mentions=include_mentions, sentences=split_sentences(text))
    return TermsPage(text, page_lang, guess.confidence if lang is None else 1.0, tuple(clauses), text_sha256(text))
