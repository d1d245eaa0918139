"""Find and read one site's terms within a budget of fetches, and remember the result.

`TermsFinder(fetch)` calls `fetch(url) -> (status, headers, body)`, which the caller
supplies: the gate passes its gated fetcher, so robots.txt, the deadlines and the size
bounds apply to these requests like to any other. A fetch that raises (denied by
robots.txt, timed out, refused) counts against the budget and is read as "could not
read", never as "no terms".

Per site (origin) and per discovery, at most `max_fetches` requests (default 2): the home
page, then the best candidate link; only when the home page names no candidate (or could
not be read) a well-known path (/agb for a German home page, /cgu for a French one, ...)
takes the second fetch. The result is a `TermsRecord` the caller can store (`to_dict` /
`from_dict`); the finder also keeps one per site in memory, fresh for `ttl_s` (a day), so
a crawl costs at most two extra fetches per site per day. A site whose terms cannot be
found or read is `status != "found"`: "terms unknown" to the policy, never an allow.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterable, Mapping

from gate.signals.terms.clauses import PERMISSION, PROHIBITION, TDM_RESERVATION, Clause
from gate.signals.terms.discover import (
    Candidate,
    link_candidates,
    looks_like_terms,
    origin_of,
    same_site,
    well_known_candidates,
)
from gate.signals.terms.language import detect_language
from gate.signals.terms.page import analyse_page
from gate.signals.terms.text import declared_charset, decode_body, page_text

__all__ = [
    "Fetch", "FetchResult", "TermsRecord", "TermsChange", "TermsFinder", "diff_records",
    "TERMS_CACHE_TTL_S", "MAX_FETCHES", "FOUND", "NOT_FOUND", "UNREADABLE", "carry_forward",
]

FetchResult = tuple[int, Mapping[str, str], bytes | str]
Fetch = Callable[[str], FetchResult]

TERMS_CACHE_TTL_S = 24 * 3600
MAX_FETCHES = 2
TERMS_CACHE_SIZE = 4096
# Less text than this (and no restrictive clause) is no terms page that could be read.
MIN_TERMS_TEXT = 40
SIGNAL_MAX_CLAUSES = 20  # a policy input, not the page: the rest stays in the record
# The URL a body was read from after redirects: a gated fetcher (gate.signals.terms_fetch)
# sets it in the headers it returns; a redirected home page's relative links resolve against it.
FINAL_URL_HEADER = "X-Scrapegate-Final-URL"
FOUND, NOT_FOUND, UNREADABLE = "found", "not_found", "unreadable"
_READABLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True)
class TermsRecord:
    """One site's terms as last read: the cache entry the caller may store.

    status: "found" (url, language, sha256 and clauses are set), "not_found" (no
    candidate, or none answered 200 with a terms page) or "unreadable" (every attempt
    failed: fetch error, robots.txt denial, timeout, unreadable content type).
    """

    site: str
    status: str
    read_at: float
    url: str | None = None
    how_found: str | None = None
    anchor: str = ""
    language: str | None = None
    sha256: str | None = None
    clauses: tuple[Clause, ...] = ()
    fetches: int = 0
    tried: tuple[str, ...] = ()
    error: str = ""
    modified: str | None = None  # the page's Last-Modified header as YYYY-MM-DD, when it sent one
    # Set when a re-read failed and the clauses are an earlier read's: when that text was read.
    text_read_at: float | None = None

    def is_fresh(self, now: float | None = None, ttl_s: float = TERMS_CACHE_TTL_S) -> bool:
        return (time.time() if now is None else now) - self.read_at < ttl_s

    @property
    def restrictive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.restrictive)

    def as_signal(self, max_clauses: int = SIGNAL_MAX_CLAUSES) -> dict[str, Any]:
        """The record as `input.signals.terms`: the fields policies/scrapegate/terms.rego
        reads today (known, automated_collection, clause, source) and R22's (the clauses
        with their confidence, the date read, a reservation of TDM in prose).

        A heuristic reading never says "allowed": without a restrictive clause the answer
        is "unknown", so nothing the registry would deny is allowed on its word.
        """
        restrictive = sorted(self.restrictive, key=lambda c: -c.confidence)
        shown = [c for c in self.clauses if c.label in (PROHIBITION, TDM_RESERVATION, PERMISSION)]
        return {
            "known": self.status == FOUND,
            "status": self.status,
            "automated_collection": "prohibited" if restrictive else "unknown",
            "tdm_reserved_in_prose": any(c.label == TDM_RESERVATION for c in self.clauses),
            "clause": restrictive[0].text if restrictive else "",
            "source": self.url or "",
            "how_found": self.how_found or "",
            "read_at": datetime.fromtimestamp(self.text_read_at or self.read_at, timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "language": self.language or "",
            "sha256": self.sha256 or "",
            "modified": self.modified or "",
            "clauses": [{"label": c.label, "text": c.text, "confidence": c.confidence} for c in shown[:max_clauses]],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site, "status": self.status, "read_at": self.read_at, "url": self.url,
            "how_found": self.how_found, "anchor": self.anchor, "language": self.language,
            "sha256": self.sha256, "clauses": [c.as_dict() for c in self.clauses],
            "fetches": self.fetches, "tried": list(self.tried), "error": self.error, "modified": self.modified,
            "text_read_at": self.text_read_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TermsRecord:
        """The inverse of to_dict; a missing or mistyped field raises ValueError naming it."""
        try:
            clauses = tuple(
                Clause(str(c["text"]), str(c["label"]), float(c["confidence"]), int(c["start"]),
                       int(c["end"]), str(c["lang"]), tuple(c.get("cues", ())), str(c.get("context", "")))
                for c in data.get("clauses", ())
            )
            return cls(
                site=str(data["site"]), status=str(data["status"]), read_at=float(data["read_at"]),
                url=data.get("url"), how_found=data.get("how_found"), anchor=str(data.get("anchor", "")),
                language=data.get("language"), sha256=data.get("sha256"), clauses=clauses,
                fetches=int(data.get("fetches", 0)), tried=tuple(data.get("tried", ())),
                error=str(data.get("error", "")), modified=data.get("modified"),
                text_read_at=None if data.get("text_read_at") is None else float(data["text_read_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"invalid terms record: {exc!r}") from exc


def carry_forward(previous: TermsRecord | None, current: TermsRecord) -> TermsRecord:
    """`current`, unless it is a failed read and `previous` found the terms: then the
    previous read's page and clauses, checked now (fresh for a day, as any read: the budget
    of two fetches a day holds for a site that keeps failing) and dated when their text
    was read. A site's 503 or a timeout is no sign its terms were lifted;
    a 404 or a page without the clauses is (that read succeeded)."""
    if current.status != UNREADABLE or previous is None or previous.status != FOUND:
        return current
    when = datetime.fromtimestamp(previous.text_read_at or previous.read_at, timezone.utc).strftime("%Y-%m-%d")
    return replace(
        previous, read_at=current.read_at, fetches=current.fetches, tried=current.tried,
        error=f"re-read failed ({current.error}); the terms as read {when}",
        text_read_at=previous.text_read_at or previous.read_at,
    )


@dataclass(frozen=True)
class TermsChange:
    """What changed between two reads of a site's terms."""

    changed: bool
    url_changed: bool = False
    added: tuple[Clause, ...] = ()
    removed: tuple[Clause, ...] = ()
    relabelled: tuple[tuple[Clause, Clause], ...] = ()


def diff_records(previous: TermsRecord | None, current: TermsRecord) -> TermsChange:
    """The text's hash decides whether the terms changed; clauses are matched by text."""
    if previous is None:
        return TermsChange(changed=current.status == FOUND, added=current.clauses)
    changed = previous.sha256 != current.sha256 or previous.status != current.status
    before = {c.text: c for c in previous.clauses}
    after = {c.text: c for c in current.clauses}
    return TermsChange(
        changed=changed,
        url_changed=previous.url != current.url,
        added=tuple(c for t, c in after.items() if t not in before),
        removed=tuple(c for t, c in before.items() if t not in after),
        relabelled=tuple((before[t], c) for t, c in after.items() if t in before and before[t].label != c.label),
    )


def _header(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str:
    """A header's value from a mapping (requests' case-insensitive one, a dict) or pairs."""
    getter = getattr(headers, "get", None)
    value = getter(name) if getter is not None else None
    if value is not None:
        return str(value)
    pairs: Iterable[tuple[Any, Any]] = headers.items() if isinstance(headers, Mapping) else headers
    for key, val in pairs:
        if str(key).lower() == name.lower():
            return str(val)
    return ""


@dataclass
class _Attempt:
    fetches: int = 0
    tried: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Whether some attempt failed for another reason than "not here" (404, 410, soft 404):
    # then the terms may exist and could not be read.
    unreadable: bool = False

    def fail(self, message: str, absent: bool = False) -> None:
        self.errors.append(message)
        self.unreadable = self.unreadable or not absent


class TermsFinder:
    """Finds, reads and caches sites' terms through the caller's `fetch`.

    Usage: ``TermsFinder(gated_fetch).find("https://shop.example/")``.
    """

    def __init__(
        self, fetch: Fetch, *, max_fetches: int = MAX_FETCHES, ttl_s: float = TERMS_CACHE_TTL_S,
        cache_size: int = TERMS_CACHE_SIZE, clock: Callable[[], float] = time.time,
    ) -> None:
        if max_fetches < 1:
            raise ValueError(f"max_fetches must be at least 1, not {max_fetches}")
        self._fetch = fetch
        self.max_fetches = max_fetches
        self.ttl_s = ttl_s
        self._clock = clock
        self._cache: OrderedDict[str, TermsRecord] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        # One lock per site being discovered, with the number of callers holding or
        # waiting for it; dropped when that falls to zero (no growth over a long crawl).
        self._pending: dict[str, tuple[threading.Lock, list[int]]] = {}

    def cached(self, url: str) -> TermsRecord | None:
        """The site's record if one is fresh, without fetching."""
        site = origin_of(url)
        with self._lock:
            record = self._cache.get(site)
        return record if record is not None and record.is_fresh(self._clock(), self.ttl_s) else None

    def last(self, url: str) -> TermsRecord | None:
        """The site's last record in memory, fresh or not."""
        with self._lock:
            return self._cache.get(origin_of(url))

    def remember(self, record: TermsRecord) -> None:
        """Store a record (e.g. one loaded from the caller's own store)."""
        with self._lock:
            self._cache[record.site] = record
            self._cache.move_to_end(record.site)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def find(self, url: str, *, refresh: bool = False) -> TermsRecord:
        """The terms of `url`'s site: from the cache while fresh, else read now.

        Concurrent calls for one site wait for a single discovery. `refresh` ignores the
        cache (the caller then owns the fetch budget).
        """
        site = origin_of(url)
        with self._lock:
            site_lock, users = self._pending.setdefault(site, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with site_lock:
                if not refresh:
                    record = self.cached(site)
                    if record is not None:
                        return record
                previous = self.last(site)
                record = carry_forward(previous, self._discover(site, previous))
                self.remember(record)
                return record
        finally:
            with self._lock:
                users[0] -= 1
                if users[0] == 0:
                    del self._pending[site]

    def _get(self, url: str, attempt: _Attempt) -> tuple[int, Mapping[str, str], bytes | str] | None:
        attempt.fetches += 1
        attempt.tried.append(url)
        try:
            status, headers, body = self._fetch(url)
        except Exception as exc:  # the caller's fetcher: denial, deadline, network; never an allow
            attempt.fail(f"{url}: {type(exc).__name__}: {exc}")
            return None
        if status != 200:
            attempt.fail(f"{url}: HTTP {status}", absent=status in (404, 410))
            return None
        content_type = _header(headers, "content-type").lower()
        if content_type and not content_type.startswith(_READABLE_TYPES):
            attempt.fail(f"{url}: not a page ({content_type})")
            return None
        if _binary(body, content_type):  # a PDF or an image whatever its Content-Type says: no text to read
            attempt.fail(f"{url}: not a page (binary content, {content_type or 'no Content-Type'})")
            return None
        return status, headers, body

    def _discover(self, site: str, previous: TermsRecord | None = None) -> TermsRecord:
        attempt = _Attempt()
        home = site + "/"
        got = self._get(home, attempt)
        candidates: list[Candidate] = []
        home_lang: str | None = None
        if got is not None:
            markup = decode_body(got[2], _header(got[1], "content-type"))
            # Relative links are relative to where a redirected home page ended (/de/), if
            # that is still this site; another site's links are never this site's terms.
            final = _header(got[1], FINAL_URL_HEADER) or home
            candidates = link_candidates(markup, final if final != home and same_site(final, home) else home)
            if not candidates:
                home_lang = detect_language(page_text(markup)).lang
        if not candidates:
            # The home page names none (a maintenance page, an error): the page the last read
            # found comes before the well-known paths; only it can say the terms are gone.
            again = [Candidate(previous.url, 0.0, previous.how_found or "link", previous.anchor)] if (
                previous is not None and previous.status == FOUND and previous.url) else []
            seen = {c.url for c in again}
            candidates = again + [c for c in well_known_candidates(site, home_lang) if c.url not in seen]
        for candidate in candidates:
            if attempt.fetches >= self.max_fetches:
                break
            page = self._get(candidate.url, attempt)
            if page is None:
                continue
            record = self._read(site, candidate, page, attempt)
            if record is not None:
                return record
        return TermsRecord(
            site=site, status=UNREADABLE if attempt.unreadable else NOT_FOUND, read_at=self._clock(),
            fetches=attempt.fetches,
            tried=tuple(attempt.tried), error="; ".join(attempt.errors) or "no terms link on the home page",
        )

    def _read(self, site: str, candidate: Candidate, got: FetchResult, attempt: _Attempt) -> TermsRecord | None:
        _, headers, body = got
        page = analyse_page(body, _header(headers, "content-type") or None)
        if candidate.how_found == "well-known" and not looks_like_terms(page.text):
            attempt.fail(f"{candidate.url}: soft 404 (no terms heading)", absent=True)
            return None
        if len(page.text) < MIN_TERMS_TEXT and not page.restrictive:
            # A shell its scripts fill ("<div id=app>"): the terms are there, not readable here.
            attempt.fail(f"{candidate.url}: {len(page.text)} characters of text (a page its scripts write?)")
            return None
        return TermsRecord(
            site=site, status=FOUND, read_at=self._clock(), url=candidate.url,
            how_found=candidate.how_found, anchor=candidate.anchor, language=page.language,
            sha256=page.sha256, clauses=page.clauses, fetches=attempt.fetches, tried=tuple(attempt.tried),
            modified=_http_date(_header(headers, "last-modified")),
        )


_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")


def _binary(body: bytes | str, content_type: str = "") -> bool:
    """A document's magic number, or NUL bytes in its first KB outside UTF-16 or UTF-32
    (a byte-order mark, or the charset the Content-Type names)."""
    if isinstance(body, str):
        return False
    head = body[:1024].lstrip()
    if head.startswith(_MAGIC):
        return True
    wide = body.startswith((b"\xff\xfe", b"\xfe\xff")) or (declared_charset(content_type) or "").startswith(
        ("utf-16", "utf-32"))
    return b"\x00" in head and not wide


def _http_date(value: str) -> str | None:
    """An HTTP date (Last-Modified) as YYYY-MM-DD in UTC; None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d")
