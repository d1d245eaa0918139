"""The response phase behind `Gate.inspect` (issue 19): after a fetch, before the caller
gets the response.

    answer = gate.inspect(decision, ResponseFacts.of(url, status, headers, body))
    # answer is `decision` when the response changes nothing; else the response's own
    # decision, recorded, which an adapter enforces (gate.enforce.admit.inspect_hop)

1. Page-level opt-outs (X-Robots-Tag noai/noimageai, robots meta, TDMRep header and meta,
   Content-Usage), read for the purposes they govern: a reservation is noted for the
   origin in the Gate's memory, so this response and every later request to the origin
   are decided with it (`tdm.reserved`; a warning for a research organisation).
2. The content classifiers (gate.inspect.content), on the responses the sampler picks:
   every one until the (job, site) is trusted, then one in N; a mismatch resets it.
3. Only when 1 or 2 found something are the policies evaluated again, with the findings
   at `input.response.content` (content.rego decides what counts, from policy data).
   A `content.undeclared_category` deny notes the category for the site (later requests
   are denied until a waiver or a corrected manifest) and quarantines the URL in the
   ledger; a withheld reservation is recorded there as fetched and discarded.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from gate.errors import InvalidURL
from gate.model.url import NormalizedURL, normalize
from gate.signals.optout import assess
from gate.signals.optout_signal import TDM_PURPOSES
from gate.signals.rsl import links_in_headers, links_in_html

from .sampling import Sampler, SamplingPolicy

if TYPE_CHECKING:
    from gate.core.gate import Gate
    from gate.model.decision import Decision, Violation
    from gate.model.response import ResponseFacts

    from .content import ContentInspector

__all__ = ["ResponsePhase", "run_response_phase", "run_response_phase_nowait", "warm_response_phase", "UNDECLARED",
           "UNINSPECTED", "phone_regions_of"]

UNDECLARED = "content.undeclared_category"
# Per detector family, the statuses content.rego may withhold (content_rules.uninspected_withheld
# in the shipped data: a response with none of them is not sent to the policies for it).
UNINSPECTED = {"faces": frozenset({"unavailable", "too_large", "undecodable", "truncated"}),
               "personal": frozenset({"unavailable"})}
NOWAIT_PARSE_MAX = 256 * 1024  # bytes of a page read for opt-outs and licence links inline, at most
NOWAIT_INSPECT_MAX = 16 * 1024  # bytes of a text body the classifiers read inline, at most
_INLINE_KINDS = frozenset({"html", "text", "json", "xml"})  # what the text classifiers read
_BUILD_LOCK = threading.Lock()
logger = logging.getLogger("scrapegate")


def _phase_of(gate: "Gate") -> "ResponsePhase":
    """`gate`'s response phase, built once (under a lock: adapters call from many threads)."""
    phase = gate.response_phase
    if phase is None:
        with _BUILD_LOCK:
            if gate.response_phase is None:
                gate.response_phase = ResponsePhase(gate)
            phase = gate.response_phase
    return phase


def run_response_phase(gate: "Gate", decision: "Decision", response: "ResponseFacts") -> "Decision":
    result: Decision = _phase_of(gate).run(decision, response)
    return result


def warm_response_phase(gate: "Gate") -> None:
    """Build `gate`'s response phase, and its classifiers when the gate inspects content,
    ahead of the first response (a crawler calls this before it starts)."""
    phase = _phase_of(gate)
    if gate.inspect_content:
        phase.inspector  # noqa: B018 - the property builds it


def run_response_phase_nowait(gate: "Gate", decision: "Decision", response: "ResponseFacts") -> "Decision | None":
    """`run_response_phase` when it needs neither the content classifiers nor a fetch, else
    None (the caller runs the phase in a worker thread): an event loop calls this inline."""
    phase = gate.response_phase
    if phase is None:
        return None  # the first response builds the phase (and its models) in a thread
    result: Decision | None = phase.run_nowait(decision, response)
    return result


def phone_regions_of(jurisdictions: list[str]) -> tuple[str, ...]:
    """The ISO 3166-1 regions among a job's declared subject jurisdictions (FR, US-IL -> US):
    whose national phone formats to read. Numbers written with "+" are read everywhere."""
    out = []
    for code in jurisdictions:
        region = code.split("-", 1)[0].upper()
        if len(region) == 2 and region.isalpha() and region != "EU" and region not in out:
            out.append(region)
    return tuple(out)


class ResponsePhase:
    """One per Gate (thread-safe): the sampler, the classifiers (built on first use: the
    face model loads then) and the job's facts the phase needs."""

    def __init__(self, gate: "Gate") -> None:
        self.gate = gate
        spec = gate.job.spec
        self.reads_optouts = spec.purpose.category in TDM_PURPOSES
        policy = gate.sampling if isinstance(gate.sampling, SamplingPolicy) else SamplingPolicy()
        self.sampler = Sampler(policy)
        self.regions = phone_regions_of(list(spec.data_subjects.jurisdictions))
        self._inspector: ContentInspector | None = None
        # The live RSL fetcher (robots.txt's bounds and cache), when the job's purpose is
        # one RSL speaks to; static signals fetch nothing.
        site_signal = getattr(gate.signals, "site_signal", None)
        self._rsl: Any = site_signal("rsl") if site_signal is not None else None
        self._lock = threading.Lock()
        self._warned = False

    @property
    def inspector(self) -> "ContentInspector":
        if self._inspector is None:
            with self._lock:
                if self._inspector is None:
                    from .content import ContentInspector

                    inspector = ContentInspector()
                    faces = inspector.faces
                    if faces is not None and not faces.available:  # said once, where a user sees it
                        logger.warning("scrapegate: face detection is unavailable (%s): the images job %r collects "
                                       "are not inspected, and the policies withhold them unless it declares "
                                       "facial_images (content.uninspected)", faces.unavailable_reason,
                                       self.gate.job.name)
                    self._inspector = inspector
        return self._inspector

    def run(self, decision: "Decision", response: "ResponseFacts", nurl: "NormalizedURL | None" = None) -> "Decision":
        gate = self.gate
        if not decision.allow and gate.mode == "enforce":
            return decision  # never fetched: nothing to inspect
        if nurl is None:
            try:
                nurl = normalize(response.url)
            except InvalidURL:
                return decision
        reserving = self._page_reservations(response)
        if reserving:
            gate.memory.note_reservation(nurl.origin, reserving)
        licensed = self._page_licence(response, nurl.origin)
        content = self._inspect(response, gate.job.name, nurl.site)
        # A detector that could not look goes to the policies too: unknown, not clean
        # (content.rego, content.uninspected). A page's text read in part (truncated) or a
        # format OpenCV's wheels cannot decode (unsupported: ICO, HEIC) does not.
        looked = content is not None and (content["findings"] or any(
            run["status"] in UNINSPECTED.get(run["detector"].split(".")[0], ()) for run in content["detectors"]))
        if not reserving and not licensed and not looked:
            return decision  # nothing the policies have not already seen
        answer = gate.decide_response(response, content=content)
        undeclared = [v for v in answer.deny if v.code == UNDECLARED and _evidence(v)]
        if content is not None and content["findings"]:
            self.sampler.record(gate.job.name, nurl.site, "mismatch" if undeclared else "clean")
        for v in undeclared:
            gate.memory.note_undeclared(nurl.site, _evidence(v)["category"], nurl.url)
        self._ledger(answer, response, nurl.site, undeclared)
        return answer

    def run_nowait(self, decision: "Decision", response: "ResponseFacts") -> "Decision | None":
        """`run` when it costs no classifier and no fetch (this response is not sampled, and
        names no RSL licence), else None: the sampler counts nothing then, `run` does."""
        gate = self.gate
        if not decision.allow and gate.mode == "enforce":
            return decision
        try:
            nurl = normalize(response.url)
        except InvalidURL:
            return decision  # as `run`
        body = response.body
        if response.status < 400:
            if self._rsl is not None and self._names_licence(response):
                return None  # fetched (or read from the cache) in the thread
            if (self.reads_optouts or self._rsl is not None) and len(body) > NOWAIT_PARSE_MAX:
                return None  # reading a large page's opt-outs and links: not on an event loop
        if (gate.inspect_content and body and self.sampler.would_inspect(gate.job.name, nurl.site)
                and not self._cheap_to_inspect(response)):
            return None
        # A concurrent mismatch may still make `run` pick this one: correct, only slower.
        return self.run(decision, response, nurl)

    @staticmethod
    def _cheap_to_inspect(response: "ResponseFacts") -> bool:
        """A small text body: the classifiers read 16 KiB of HTML in about 0.2 ms
        (benchmarks/middleware_bench.py --inspect), about what a worker thread's round trip
        costs a crawl. Images (the face detector: tens of ms) and larger pages go to a thread."""
        if len(response.body) > NOWAIT_INSPECT_MAX:
            return False
        from .sniff import sniff

        return sniff(response.header("content-type"), response.body).kind in _INLINE_KINDS

    def _names_licence(self, response: "ResponseFacts") -> bool:
        if links_in_headers(response.header_values("link"), response.url):
            return True
        return "html" in (response.header("content-type") or "").lower() and bool(
            links_in_html(response.body, response.url))

    def _page_reservations(self, response: "ResponseFacts") -> list[dict[str, Any]]:
        if not self.reads_optouts or response.status >= 400:
            return []
        found = assess(response.url, user_agent=self.gate.job.spec.user_agent, headers=response.headers,
                       body=response.body)
        return [s.to_dict() for s in found.sources if s.reserves_tdm]

    def _page_licence(self, response: "ResponseFacts", origin: str) -> bool:
        """An RSL licence the response names (Link header, <link> tag): fetched with the
        robots.txt bounds (cached), and noted for the origin. True when one was found."""
        fetcher = self._rsl
        if fetcher is None or response.status >= 400:
            return False
        named = links_in_headers(response.header_values("link"), response.url)
        if not named and "html" in (response.header("content-type") or "").lower():
            named = links_in_html(response.body, response.url)
        if not named:
            return False
        status, document, _, errors = fetcher.fetch(named[0], self.gate.job.spec.user_agent)
        self.gate.memory.note_rsl(origin, status, named[0], document, errors)
        return True

    def _inspect(self, response: "ResponseFacts", job: str, site: str) -> dict[str, Any] | None:
        # Error pages too: a 404 or 500 body holds what it holds (a site could serve its
        # photographs as 404s), and the caller gets it as much as a 200's.
        if not self.gate.inspect_content or not response.body:
            return None
        if not self.sampler.should_inspect(job, site):
            return None
        inspection = self.inspector.inspect(response.body, response.header("content-type"),
                                            complete=response.complete, phone_regions=self.regions)
        doc = inspection.to_dict()
        if not doc["findings"]:
            self.sampler.record(job, site, "clean" if doc["status"] == "inspected" else "inconclusive")
        return doc

    def _ledger(self, answer: "Decision", response: "ResponseFacts", site: str,
                undeclared: list["Violation"]) -> None:
        gate = self.gate
        quarantine = getattr(gate.ledger, "quarantine", None)
        if answer.allow or gate.ledger is None:
            return
        if quarantine is None:
            if not self._warned:
                self._warned = True
                logger.warning("scrapegate: ledger %r keeps no quarantine; withheld and undeclared responses are "
                               "recorded as decisions only", gate.ledger)
            return
        handed_over = gate.mode == "audit"
        if undeclared:  # one entry per category, with every detector's evidence for it
            by_category: dict[str, list[dict[str, Any]]] = {}
            for v in undeclared:
                by_category.setdefault(_evidence(v)["category"], []).append(_evidence(v))
            for category, found in by_category.items():
                quarantine(answer.decision_id, job=gate.job.name, site=site, url=answer.url or response.url,
                           reason=UNDECLARED, category=category, evidence={"findings": found},
                           handed_over=handed_over)
        else:  # a reservation (or another deny) the response revealed: fetched, then discarded
            quarantine(answer.decision_id, job=gate.job.name, site=site, url=answer.url or response.url,
                       reason=",".join(answer.deny_codes), category=None, evidence=None, handed_over=handed_over)


def _evidence(v: "Violation") -> dict[str, Any]:
    extra = v.model_extra or {}
    evidence = extra.get("evidence")
    return evidence if isinstance(evidence, dict) else {}
