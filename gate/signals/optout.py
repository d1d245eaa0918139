"""Machine-readable opt-outs from text and data mining and AI use, as one policy-input
signal (`input.signals.optout`, read by the `tdm.reserved` rule).

Sources (parsers in `gate.signals.optout_parse`): TDMRep (W3C TDM Reservation Protocol,
CG final report 2024-05-10) from /.well-known/tdmrep.json, the `tdm-reservation` /
`tdm-policy` headers and HTML meta; `X-Robots-Tag` and robots meta `noai` / `noimageai`;
the `Content-Usage` header; robots.txt `Content-Signal` and `Content-Usage` lines.

Combining: within TDMRep the spec's precedence holds (meta over header over file), so a
file saying 1 and a meta tag saying 0 is "not reserved" by TDMRep. Across signals the most
restrictive value wins per category (reserved > allowed > unknown): any reservation makes
`tdm_reserved` true and `ai_train` "reserved", so `X-Robots-Tag: noai` still reserves.

Fail closed: these signals only ever add restrictions, so a tdmrep.json that cannot be read
(5xx, 429, timeout, connection error, too many redirects, oversized) is not "no file": the
signal's status is "unreachable" and the policy decides (unless a header or meta tag
declares TDMRep for the page, which supersedes the file anyway). A 404 or other 4xx, or a
body that is not a JSON array, means the origin does not implement TDMRep (the spec's words).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Literal

from gate.model.url import normalize
from gate.signals.content_signals import content_usage_header_findings, robots_txt_findings
from gate.signals.deadline import deadline_session, wall_clock
from gate.signals.optout_parse import (
    ALLOWED,
    CATEGORIES,
    MAX_TDMREP_BYTES,
    RESERVED,
    UNKNOWN,
    Finding,
    TDMDeclaration,
    TDMRepFile,
    header_values,
    meta_robots_findings,
    parse_html_meta,
    parse_tdmrep_json,
    tdm_from_headers,
    tdm_from_meta,
    x_robots_findings,
)

if TYPE_CHECKING:  # requests is imported when a fetcher is made: reading opt-outs needs no network stack
    import requests

    from gate.signals.robots import Robots

__all__ = [
    "TDMREP_PATH", "TDMREP_CACHE_TTL_S", "TDMREP_UNREACHABLE_TTL_S", "TDMREP_CACHE_SIZE",
    "DEFAULT_TIMEOUT_S", "MAX_REDIRECTS",
    "Source", "OptOut", "TDMRepFetch", "assess", "OptOutFetcher",
    "parse_tdmrep_json", "parse_html_meta", "robots_txt_findings", "x_robots_findings",
]

TDMREP_PATH = "/.well-known/tdmrep.json"
TDMREP_CACHE_TTL_S = 24 * 3600
# An unreachable file is retried soon: it may only have been a passing outage.
TDMREP_UNREACHABLE_TTL_S = 300
TDMREP_CACHE_SIZE = 4096
DEFAULT_TIMEOUT_S = 10.0
MAX_REDIRECTS = 5

Status = Literal["ok", "not_checked", "unreachable"]
_RANK = {UNKNOWN: 0, ALLOWED: 1, RESERVED: 2}
_TDM_LAYERS = ("tdmrep.json", "tdm-reservation header", "meta tdm-reservation")  # low -> high


@dataclass(frozen=True, slots=True)
class Source:
    """One signal found: what it said and where (a URL, a header name or a robots.txt line).
    `reserves_tdm` is true when this source, as applied, is a reservation of text and data
    mining / AI training (false for allowing values, other categories, superseded TDMRep)."""

    signal: str
    value: str
    where: str
    reserves_tdm: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "value": self.value, "where": self.where, "reserves_tdm": self.reserves_tdm}


@dataclass(frozen=True)
class OptOut:
    """The combined opt-out facts for one URL and agent; `to_signal()` is the policy input."""

    status: Status
    tdm_reserved: bool = False
    ai_train: str = UNKNOWN
    ai_input: str = UNKNOWN
    search: str = UNKNOWN
    tdm_policy: str | None = None
    sources: tuple[Source, ...] = ()
    errors: tuple[str, ...] = ()

    def to_signal(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "tdm_reserved": self.tdm_reserved,
            "ai_train": self.ai_train,
            "ai_input": self.ai_input,
            "search": self.search,
            "tdm_policy": self.tdm_policy,
            "sources": [s.to_dict() for s in self.sources],
            "errors": list(self.errors),
        }

    @classmethod
    def not_checked(cls) -> "OptOut":
        return cls(status="not_checked")


@dataclass(frozen=True)
class TDMRepFetch:
    """The outcome of fetching an origin's tdmrep.json.

    status: "ok" (a valid file), "absent" (404/4xx or not a JSON array: TDMRep not
    implemented) or "unreachable" (5xx, 429, network error, timeout, oversized)."""

    url: str
    status: Literal["ok", "absent", "unreachable"]
    file: TDMRepFile | None = None
    http_status: int | None = None
    error: str | None = None
    sha256: str | None = None
    fetched_at: float = 0.0
    from_cache: bool = False


def _tdm_layers(decls: list[TDMDeclaration]) -> tuple[int | None, str | None, list[Source]]:
    """Apply TDMRep's own precedence (meta > header > file), property by property: a layer
    that leaves tdm-reservation unset does not supersede a lower one."""
    decls = sorted(decls, key=lambda d: _TDM_LAYERS.index(d.signal))
    reservation: int | None = None
    policy: str | None = None
    decider: TDMDeclaration | None = None
    for d in decls:
        if d.reservation is not None:
            reservation, decider = d.reservation, d
        if d.policy:
            policy = d.policy
    sources = []
    for d in decls:
        value = d.value
        if decider is not None and d is not decider and d.reservation is not None and d.reservation != reservation:
            value = f"{value} (superseded by {decider.signal})"
        sources.append(Source(d.signal, value, d.where, d.reservation == 1 and reservation == 1))
    # tdm-policy only means something when rights are reserved (spec: SHOULD NOT process it otherwise).
    return reservation, (policy if reservation == 1 else None), sources


def assess(
    url: str,
    *,
    user_agent: str | None = None,
    tdmrep: TDMRepFetch | TDMRepFile | None = None,
    headers: Any = None,
    body: str | bytes | None = None,
    robots_txt: "str | Robots | None" = None,
    robots_where: str = "robots.txt",
) -> OptOut:
    """Combine every opt-out signal available for `url` into one `OptOut` (pure: no network).

    tdmrep: the origin's tdmrep.json, as fetched (`TDMRepFetch`) or parsed (`TDMRepFile`).
    headers/body: the page's response headers and body, when a fetch has happened.
    robots_txt: the origin's robots.txt, as text or as parsed (gate.signals.robots). With none
    of these, the status is not_checked.
    """
    nurl = normalize(url)
    errors: list[str] = []
    if isinstance(tdmrep, TDMRepFile):
        tdmrep = TDMRepFetch(nurl.origin + TDMREP_PATH, "ok" if tdmrep.valid else "absent", tdmrep)
    decls: list[TDMDeclaration] = []
    if tdmrep is not None:
        if tdmrep.error:
            errors.append(f"{tdmrep.url}: {tdmrep.error}")
        if tdmrep.file is not None:
            errors.extend(tdmrep.file.errors)
            if tdmrep.status == "ok":
                decl = tdmrep.file.declaration(nurl.path_query, tdmrep.url)
                if decl is not None:
                    decls.append(decl)
    header_decl = tdm_from_headers(headers, errors)
    if header_decl is not None:
        decls.append(header_decl)
    content_type = next(iter(header_values(headers, "content-type")), None)
    meta = parse_html_meta(body, content_type)
    if meta.truncated:
        errors.append("HTML head scan stopped at its size limit")
    meta_decl = tdm_from_meta(meta, nurl.url, errors)
    if meta_decl is not None:
        decls.append(meta_decl)
    reservation, tdm_policy, sources = _tdm_layers(decls)

    findings: list[Finding] = []
    if reservation is not None:
        effect = RESERVED if reservation == 1 else ALLOWED
        findings.append(Finding("tdmrep", str(reservation), "", {"ai_train": effect}))
    findings += x_robots_findings(headers, user_agent)
    findings += content_usage_header_findings(headers)
    findings += meta_robots_findings(meta, nurl.url, user_agent)
    findings += robots_txt_findings(robots_txt, nurl.path_query, user_agent, robots_where)
    sources += [Source(f.signal, f.value, f.where, f.effects.get("ai_train") == RESERVED)
                for f in findings if f.signal != "tdmrep"]

    verdict = {c: UNKNOWN for c in CATEGORIES}
    for f in findings:
        for category, value in f.effects.items():
            if _RANK[value] > _RANK[verdict[category]]:
                verdict[category] = value

    tdm_declared_by_page = any(d.reservation is not None for d in (header_decl, meta_decl) if d is not None)
    if tdmrep is not None and tdmrep.status == "unreachable" and not tdm_declared_by_page:
        status: Status = "unreachable"
    elif tdmrep is None and headers is None and body is None and robots_txt is None:
        status = "not_checked"
    else:
        status = "ok"
    return OptOut(
        status=status,
        tdm_reserved=reservation == 1 or verdict["ai_train"] == RESERVED,
        ai_train=verdict["ai_train"],
        ai_input=verdict["ai_input"],
        search=verdict["search"],
        tdm_policy=tdm_policy,
        sources=tuple(sources),
        errors=tuple(errors),
    )


@dataclass
class _Pending:
    event: threading.Event = field(default_factory=threading.Event)
    result: TDMRepFetch | None = None


class OptOutFetcher:
    """Gathers the opt-out signals for URLs: fetches `<origin>/.well-known/tdmrep.json` with
    requests (the job's user agent, a timeout, at most MAX_REDIRECTS redirects), caches it
    per origin (TTL, LRU-bounded, thread-safe, one fetch per origin at a time), and combines
    it with what the caller passes: the page's response and the robots.txt text.

    Usage:
        with OptOutFetcher(job.spec.user_agent) as optout:
            signal = optout.check(url, robots_txt=text).to_signal()
            # after the page was fetched, by an adapter that holds its response:
            signal = optout.from_response(url, resp.raw.headers, resp.content).to_signal()
    """

    def __init__(
        self,
        user_agent: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        ttl: float = TDMREP_CACHE_TTL_S,
        unreachable_ttl: float = TDMREP_UNREACHABLE_TTL_S,
        max_entries: int = TDMREP_CACHE_SIZE,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        deadline: float | None = None,
    ) -> None:
        """`deadline`: the wall-clock bound of one fetch, redirects and a trickled body
        included (default: 2 x `timeout`); past it the file is unreachable."""
        self.user_agent = user_agent
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else 2 * timeout
        self.ttl = ttl
        self.unreachable_ttl = unreachable_ttl
        self.max_entries = max_entries
        self._clock = clock
        self._owns_session = session is None
        if session is None:
            import requests

            session = requests.Session()
        self._session = deadline_session(session) if self._owns_session else session
        self._session.max_redirects = MAX_REDIRECTS
        self._cache: OrderedDict[str, tuple[float, TDMRepFetch]] = OrderedDict()
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self.fetch_count = 0

    def __enter__(self) -> "OptOutFetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release sockets and the cache."""
        self.clear()
        if self._owns_session:
            self._session.close()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def cache_state(self, url: str) -> Literal["fresh", "expired", "missing"]:
        """Whether the tdmrep.json of `url`'s origin is cached (for `scrapegate signals`)."""
        origin = normalize(url).origin
        with self._lock:
            entry = self._cache.get(origin)
        if entry is None:
            return "missing"
        return "fresh" if entry[0] > self._clock() else "expired"

    def tdmrep(self, url: str) -> TDMRepFetch:
        """The tdmrep.json of `url`'s origin, from the cache or fetched (once, however many
        threads ask for the same origin at the same time)."""
        origin = normalize(url).origin
        with self._lock:
            entry = self._cache.get(origin)
            if entry is not None and entry[0] > self._clock():
                self._cache.move_to_end(origin)
                return replace(entry[1], from_cache=True)
            pending = self._pending.get(origin)
            leader = pending is None
            if leader:
                pending = self._pending[origin] = _Pending()
        assert pending is not None
        if not leader:
            pending.event.wait(self.deadline + 5)
            if pending.result is not None:
                return replace(pending.result, from_cache=True)
            return TDMRepFetch(origin + TDMREP_PATH, "unreachable", error="concurrent fetch did not finish")
        result: TDMRepFetch | None = None
        try:
            with wall_clock(self.deadline) as deadline:
                result = self._fetch(origin + TDMREP_PATH)
            if deadline.expired:  # cut mid-way: what was read may be a fragment
                result = TDMRepFetch(origin + TDMREP_PATH, "unreachable",
                                     error=f"not fetched within the {self.deadline:g} s deadline")
        except Exception as exc:  # fail closed on anything unexpected
            result = TDMRepFetch(origin + TDMREP_PATH, "unreachable", error=f"{type(exc).__name__}: {exc}")
        finally:
            # Always release the waiters, even when the fetch was interrupted.
            with self._lock:
                if result is not None:
                    ttl = self.unreachable_ttl if result.status == "unreachable" else self.ttl
                    self._cache[origin] = (self._clock() + ttl, result)
                    self._cache.move_to_end(origin)
                    while len(self._cache) > self.max_entries:
                        self._cache.popitem(last=False)
                self._pending.pop(origin, None)
            pending.result = result
            pending.event.set()
        return result

    def _fetch(self, file_url: str) -> TDMRepFetch:
        import requests

        with self._lock:
            self.fetch_count += 1
        now = time.time()
        try:
            resp = self._session.get(file_url, headers={"User-Agent": self.user_agent, "Accept": "application/json"},
                                     timeout=self.timeout, stream=True, allow_redirects=True)
        except requests.TooManyRedirects as exc:
            return TDMRepFetch(file_url, "unreachable", error=f"more than {MAX_REDIRECTS} redirects: {exc}",
                               fetched_at=now)
        except requests.RequestException as exc:
            return TDMRepFetch(file_url, "unreachable", error=f"{type(exc).__name__}: {exc}", fetched_at=now)
        with resp:
            code = resp.status_code
            if code >= 500 or code == 429:
                return TDMRepFetch(file_url, "unreachable", http_status=code, error=f"HTTP {code}", fetched_at=now)
            if code >= 400:
                return TDMRepFetch(file_url, "absent", http_status=code, fetched_at=now)
            if code >= 300:  # a redirect requests did not follow (no Location)
                return TDMRepFetch(file_url, "absent", http_status=code, error=f"HTTP {code} without a usable redirect",
                                   fetched_at=now)
            data = bytearray()
            try:
                for chunk in resp.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > MAX_TDMREP_BYTES:
                        return TDMRepFetch(file_url, "unreachable", http_status=code,
                                           error=f"larger than {MAX_TDMREP_BYTES} bytes", fetched_at=now)
            except requests.RequestException as exc:
                return TDMRepFetch(file_url, "unreachable", http_status=code, error=f"{type(exc).__name__}: {exc}",
                                   fetched_at=now)
        parsed = parse_tdmrep_json(bytes(data))  # an invalid body: parsed.errors says why
        return TDMRepFetch(file_url, "ok" if parsed.valid else "absent", parsed, http_status=code,
                           sha256=hashlib.sha256(data).hexdigest(), fetched_at=now)

    def check(self, url: str, *, robots_txt: "str | Robots | None" = None, robots_where: str | None = None) -> OptOut:
        """The opt-outs known before fetching `url`: its origin's tdmrep.json, plus the
        robots.txt text when the caller has it."""
        return self.from_response(url, None, None, robots_txt=robots_txt, robots_where=robots_where)

    def from_response(self, url: str, headers: Any, body: str | bytes | None = None, *,
                      robots_txt: "str | Robots | None" = None, robots_where: str | None = None) -> OptOut:
        """The opt-outs for `url` once its response is known: tdmrep.json, the response's
        headers (pass a container that keeps repeated headers apart, e.g. requests'
        `resp.raw.headers`, so each X-Robots-Tag line is read on its own) and its body.
        No caller in the gate yet: the response phase (issue 19) will be one."""
        where = robots_where or (normalize(url).origin + "/robots.txt")
        return assess(url, user_agent=self.user_agent, tdmrep=self.tdmrep(url), headers=headers,
                      body=body, robots_txt=robots_txt, robots_where=where)
