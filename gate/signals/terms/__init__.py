"""Terms for the long tail (issue 22): find a site's own terms page and flag the clauses
that forbid automated collection or reserve text and data mining.

Network-free: the caller fetches. `TermsFinder(fetch)` drives discovery through a
`fetch(url) -> (status, headers, body)` callable (the gate passes its gated fetcher, so
robots.txt, deadlines and size bounds apply) within two fetches per site.

    finder = TermsFinder(fetch)
    record = finder.find("https://shop.example/")     # TermsRecord, cacheable for a day
    for clause in record.clauses: ...                  # label, confidence, text, offsets

Pieces: `discover` (candidate links and well-known paths), `language` (which language),
`clauses` (sentence classification), `page` (one page end to end), `finder` (the budget,
the cache entry, what changed).
"""

from gate.signals.terms.clauses import (
    LABELS,
    MENTION,
    OTHER,
    PERMISSION,
    PROHIBITION,
    RESTRICTIVE,
    TDM_RESERVATION,
    Clause,
    Verdict,
    classify_sentence,
    find_clauses,
)
from gate.signals.terms.discover import (
    Candidate,
    link_candidates,
    looks_like_terms,
    origin_of,
    registrable_domain,
    same_site,
    well_known_candidates,
)
from gate.signals.terms.finder import (
    FOUND,
    MAX_FETCHES,
    NOT_FOUND,
    TERMS_CACHE_TTL_S,
    UNREADABLE,
    Fetch,
    FetchResult,
    TermsChange,
    TermsFinder,
    TermsRecord,
    diff_records,
)
from gate.signals.terms.language import LANGUAGES, LanguageGuess, detect_language
from gate.signals.terms.page import TermsPage, analyse_page, text_sha256

__all__ = [
    "LABELS", "MENTION", "OTHER", "PERMISSION", "PROHIBITION", "RESTRICTIVE", "TDM_RESERVATION",
    "Clause", "Verdict", "classify_sentence", "find_clauses",
    "LANGUAGES", "LanguageGuess", "detect_language",
    "TermsPage", "analyse_page", "text_sha256",
    "Candidate", "link_candidates", "looks_like_terms", "origin_of", "registrable_domain", "same_site",
    "well_known_candidates",
    "FOUND", "MAX_FETCHES", "NOT_FOUND", "TERMS_CACHE_TTL_S", "UNREADABLE", "Fetch", "FetchResult",
    "TermsChange", "TermsFinder", "TermsRecord", "diff_records",
]
