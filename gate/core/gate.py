"""Gate: the one object that answers "may this job collect this URL?".

normalise URL -> gather signals -> build policy input -> engine.evaluate -> Decision ->
ledger.record -> the caller enforces. Nothing flows backwards.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from gate.cluster import Cluster
from gate.core import config
from gate.core.decision_cache import DECISION_CACHE_SIZE, FIFOCache, names_request
from gate.core.evaluation import Evaluation
from gate.core.extensions import guard_provider, response_phase_provider
from gate.core.site_memory import SiteMemory
from gate.core.unrecorded import UnrecordedLog
from gate.engines.base import Engine
from gate.errors import CollectionBlocked, EngineError, EngineUnavailable, InvalidURL, LedgerError, ManifestError
from gate.ledger import Ledger
from gate.model.decision import Decision, new_decision_id, utc_stamp
from gate.model.input import build_input, ledger_view, subjects_of, utc_now
from gate.model.job import CollectionJob
from gate.model.manifest import load_job
from gate.model.readings import needs_readings, path_readings
from gate.model.response import ResponseFacts
from gate.model.url import NormalizedURL, host_kind, normalize
from gate.signals.base import SignalSource
from gate.signals.static import StaticSignals

__all__ = ["Gate", "Mode", "as_mode"]

logger = logging.getLogger("scrapegate")

Mode = Literal["enforce", "audit"]
ROW_PARTS_KEPT = 4096
MODES = ("enforce", "audit")
DEFAULT_MODE: Mode = "enforce"
DEFAULT_TIMEOUT_S = 10.0


def as_mode(value: str) -> Mode:
    """`value` as a Mode, or ValueError naming the modes."""
    if value == "enforce":
        return "enforce"
    if value == "audit":
        return "audit"
    raise ValueError(f"mode must be one of {', '.join(MODES)}, not {value!r}")


class Gate:
    """Evaluates every request of one job against the policies.

    Usage::

        with Gate("jobs/prices.yaml") as g:
            decision = g.check("https://shop.example/p/1")
            g.enforce("https://shop.example/p/2")   # raises CollectionBlocked on a deny

    `mode="audit"` never blocks but records exactly what `enforce` would have done.
    The engine, the signals and the ledger come from gate.core.config: an argument wins,
    then the SCRAPEGATE_* environment, then the default. Without `engine`, the shipped
    policies (plus `policies`, with `waivers`) run embedded, or on the OPA server at
    `opa_url` / $SCRAPEGATE_OPA_URL. `signals="live"` (the default) fetches robots.txt and
    opt-outs; `"static"` checks only the job's declarations and the terms registry.
    `ledger` is a location, a Ledger, True (the default location) or False (none); not
    given, $SCRAPEGATE_LEDGER decides (a location, or `off`), else ./.scrapegate/ledger.db:
    every decision is recorded unless something says not to.
    `decision_log` (a DecisionLogSink, a JSONL path or an http(s) URL) ships every decision
    in OPA's decision-log format. `verify` is the TLS verification of the live signal
    fetches (True, or a CA bundle path). `exceptions` is the old name of `waivers`.
    `inspect=False` turns the response phase's content classifiers off (page-level
    opt-outs are still read); `sampling` is its gate.inspect.SamplingPolicy. `cluster`
    (a Redis URL or a gate.cluster.Cluster; default $SCRAPEGATE_REDIS) shares robots.txt and
    the rate limits with the other nodes of a crawl.
    """

    def __init__(
        self,
        job: CollectionJob | dict[str, Any] | str | Path,
        *,
        policies: list[str | Path] | None = None,
        engine: Engine | None = None,
        mode: Mode = "enforce",
        ledger: Any = None,
        signals: SignalSource | Literal["live", "static"] | None = None,
        waivers: str | Path | None = None,
        opa_url: str | None = None,
        decision_cache_size: int = DECISION_CACHE_SIZE,
        clock: Callable[[], datetime] = utc_now,
        timeout: float = 10.0,
        decision_log: Any = None,
        verify: bool | str = True,
        exceptions: str | Path | None = None,
        inspect: bool = True,
        sampling: Any = None,
        cluster: Any = None,
    ) -> None:
        self.mode: Mode = as_mode(mode)
        self.job = load_job(job)
        self._clock = clock
        self._owns_engine = engine is None
        if engine is None:
            choice = config.engine_choice(opa_url=opa_url, policy_dirs=policies, waivers=waivers or exceptions)
            engine = config.make_engine(choice)
        self.engine: Engine = engine
        try:
            self.cluster: Cluster | None = config.make_cluster(cluster)
            self.signals: SignalSource = config.make_signals(
                signals, timeout=timeout, purpose=self.job.spec.purpose.category, verify=verify,
                cluster=self.cluster)
            self.ledger: Ledger | None = config.make_ledger(ledger)
            self.decision_log = config.make_decision_log(decision_log)
        except BaseException:
            if self._owns_engine:
                engine.close()
            raise
        self._job_view = self.job.policy_view()
        self._subjects = subjects_of(self._job_view)
        self._user_agent = self.job.spec.user_agent
        # a public IP literal the job may not contact gets no signal fetch either: the
        # policies deny it (request.ip_literal), and no robots.txt request goes out first
        self._no_fetch = StaticSignals()
        self._authenticated = [
            normalize(t.url) for t in self.job.target_list() if t.authenticated
        ]
        self._cache: FIFOCache[Decision] = FIFOCache(decision_cache_size)
        self._path_keyed: set[tuple[Any, ...]] = set()  # cache keys whose decisions name their path
        self._cache_revision = self.engine.revision
        self._lock = threading.Lock()
        self._row_parts: dict[int, tuple[Decision, tuple[Any, ...]]] = {}  # template id -> its ledger row part
        self._unrecorded_log = UnrecordedLog()  # a ledger outage, said in the log as it happens
        self._system_clock = clock is utc_now
        # The response phase: what responses taught the gate (read by every decision), and
        # its own state (classifiers, sampler), built by gate.inspect on first use.
        self.memory = SiteMemory()
        self.inspect_content = inspect
        self.sampling = sampling
        self.response_phase: Any = None
        if self.ledger is not None:
            self._recall_quarantine()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "Gate":
        """A Gate from a framework's SCRAPEGATE_* settings (typed values: the Scrapy middleware
        reads them with Scrapy's getters), with the environment taking precedence as
        everywhere (see gate.core.config). SCRAPEGATE_JOB names the job manifest."""
        job = settings.get("SCRAPEGATE_JOB")
        if not job:
            raise ManifestError("SCRAPEGATE_ENABLED is on but SCRAPEGATE_JOB names no job manifest")
        engine = config.make_engine(config.engine_choice(settings=settings))
        try:
            ledger = config.make_ledger(settings=settings)
            gate = cls(
                job,
                engine=engine,
                mode=as_mode(settings.get("SCRAPEGATE_MODE") or DEFAULT_MODE),
                ledger=ledger if ledger is not None else False,  # None would mean "not given": on
                signals=config.signals_choice(settings=settings),
                timeout=float(settings.get("SCRAPEGATE_TIMEOUT") or DEFAULT_TIMEOUT_S),
                cluster=config.make_cluster(settings=settings),
            )
        except BaseException:
            engine.close()
            raise
        gate._owns_engine = True
        return gate

    # -- the decision ---------------------------------------------------------------
    def _is_authenticated(self, url: NormalizedURL) -> bool:
        return any(
            url.origin == t.origin and url.path.startswith(t.path) for t in self._authenticated
        )

    def decide(self, url: str, method: str = "GET", *, authenticated: bool | None = None) -> Evaluation:
        """Decide on one request without recording it (see `check`)."""
        evaluation = self._decide(url, method, authenticated, False)
        assert evaluation is not None  # only a nowait decision can be missing
        return evaluation

    def _decide(self, url: str, method: str, authenticated: bool | None, nowait: bool) -> Evaluation | None:
        """The decision for one request; with `nowait`, None unless the signals and the
        decision are all cached. A path a server could read several ways (gate.model.readings)
        is decided on each reading, and allowed only when every reading is."""
        try:
            nurl = normalize(url)
        except InvalidURL as exc:
            return Evaluation(Decision.denied("request.invalid_url", str(exc), url=str(url), mode=self.mode))
        first = self._decide_one(nurl, method, authenticated, nowait)
        readings = path_readings(nurl.path) if needs_readings(nurl.path) else ()
        if first is None or not readings or not first.decision.allow:
            return first
        for path in readings:
            other = nurl._replace(path=path, url=nurl.origin + path + (f"?{nurl.query}" if nurl.query else ""))
            ev = self._decide_one(other, method, authenticated, nowait)
            if ev is None:
                return None
            if not ev.decision.allow:
                return self._as_reading_of(ev, nurl)
        return first

    def _as_reading_of(self, ev: Evaluation, nurl: NormalizedURL) -> Evaluation:
        """A reading's deny, stated for the request as sent: its URL, and which reading denied."""
        note = f" (the path {nurl.path!r} as a server may read it: {ev.url.path if ev.url else '?'!r})"
        deny = tuple(v.model_copy(update={"message": v.message + note}) for v in ev.decision.deny)
        decision = ev.decision.model_copy(update={"url": nurl.url, "deny": deny})
        return Evaluation(decision, ev.policy_input, ev.signal_docs, nurl, ev.gathered, ev.authenticated,
                          None, ev.epoch_s, ev.clock_time)

    def _decide_one(self, nurl: NormalizedURL, method: str, authenticated: bool | None,
                    nowait: bool) -> Evaluation | None:
        if authenticated is None:
            auth = self._is_authenticated(nurl) if self._authenticated else False
        else:
            auth = authenticated
        try:
            source = self._signal_source(nurl)
            if nowait:
                cached = getattr(source, "gather_cached", None)
                gathered = cached(nurl, self._user_agent) if cached is not None else None
                if gathered is None:
                    return None
            else:
                gathered = source.gather(nurl, self._user_agent)
        except Exception as exc:  # a failed signal fails closed
            denied = Decision.denied("signals.error", f"gathering signals failed: {exc}", url=nurl.url, mode=self.mode)
            return Evaluation(denied, url=nurl, authenticated=auth)
        if self.memory:  # what earlier responses of this site showed
            gathered = self.memory.overlay(nurl, gathered)
        clock_time = None
        if self._system_clock:  # the default clock: time.time(), a datetime only when evaluating
            epoch_s, stamp = utc_stamp()
            day = stamp[:10]
        else:
            clock_time = self._clock()
            epoch_s = clock_time.timestamp()
            stamp, day = self._stamp(clock_time)
        revision = self.engine.revision
        if revision != self._cache_revision:
            self._cache.clear()
            self._path_keyed.clear()
            self._cache_revision = revision
        key: tuple[Any, ...] = (revision, method.upper(), nurl.scheme, nurl.host, nurl.port, auth, gathered.key, day)
        keyed = key in self._path_keyed if self._path_keyed else False  # (hashing the key is not free)
        if keyed:  # its decisions' messages name the path: one per path
            key += (nurl.path_query,)
        template = self._cache.get(key)
        policy_input = None
        if template is None and nowait:
            return None
        if template is None:
            moment = clock_time if clock_time is not None else datetime.fromtimestamp(epoch_s, timezone.utc)
            policy_input = build_input(self.job, nurl, method=method, authenticated=auth,
                                       signals=gathered.signals, now=moment, job_view=self._job_view)
            template = self._evaluate(policy_input, revision)
            if not template.error:  # engine failures are retried, not cached
                if not keyed and names_request(template, nurl):
                    if len(self._path_keyed) >= DECISION_CACHE_SIZE:
                        self._path_keyed.clear()
                    self._path_keyed.add(key)  # a copy for another path would name this one
                    key += (nurl.path_query,)
                self._cache.put(key, template)
        decision = template.for_request(new_decision_id(), nurl.url, self.mode, stamp)
        return Evaluation(decision, policy_input, gathered.docs, nurl, gathered, auth, template, epoch_s, clock_time)

    def _stamp(self, now: datetime) -> tuple[str, str]:
        """(RFC 3339 timestamp, day) for a given clock's `now` (tests pass a fixed clock)."""
        stamp = Decision.timestamp(now)
        return stamp, stamp[:10]

    def _evaluate(self, policy_input: dict[str, Any], revision: str) -> Decision:
        meta = {"policy_revision": revision, "engine": self.engine.name}
        try:
            result = self.engine.evaluate(policy_input)
        except EngineUnavailable as exc:
            return Decision.denied("engine.unavailable", str(exc), **meta)
        except EngineError as exc:
            return Decision.denied("engine.error", str(exc), **meta)
        except Exception as exc:  # never let an engine bug turn into an allow
            return Decision.denied("engine.error", f"{type(exc).__name__}: {exc}", **meta)
        return Decision.from_result(result, **meta)

    def check(self, url: str, method: str = "GET", *, authenticated: bool | None = None) -> Decision:
        """Decide on one request and record it. Never raises for a deny: see `enforce`."""
        evaluation = self._decide(url, method, authenticated, False)
        assert evaluation is not None
        if self.ledger is not None or self.decision_log is not None:
            return self._record(evaluation, method)
        return evaluation.decision

    def _record(self, ev: Evaluation, method: str) -> Decision:
        """Ship the decision to the decision log and the ledger. A ledger failure denies."""
        policy_input = ev.policy_input
        if self.decision_log is not None:
            # The decision log carries the full input, as OPA's does: rebuilt for a cached decision.
            policy_input = self.input_for(ev, method)
            self._log_decision(ev.decision, policy_input if policy_input is not None else self._ledger_view(ev, method))
        if self.ledger is None:
            return ev.decision
        try:
            if policy_input is None and ev.template is not None and ev.url is not None:
                record_parts = getattr(self.ledger, "record_parts", None)
                if record_parts is not None:  # a cached decision: its row's constant part is kept
                    self._record_cached(record_parts, ev.decision, ev.template, ev.url, ev.docs, method)
                    return ev.decision
            self.ledger.record(ev.decision, policy_input if policy_input is not None else self._ledger_view(ev, method),
                               mode=self.mode, job=self.job.name, owner=self.job.metadata.owner, signal_docs=ev.docs)
        except Exception as exc:  # LedgerError, OSError or a bug: never silent, never an allow
            return self._unrecorded(ev.decision, exc)
        return ev.decision

    def input_for(self, ev: Evaluation, method: str = "GET") -> dict[str, Any] | None:
        """The exact policy input `ev`'s decision stands for, rebuilt when it came from the
        cache; None when the request never reached the policies."""
        if ev.policy_input is not None or ev.url is None or ev.gathered is None:
            return ev.policy_input
        return build_input(self.job, ev.url, method=method, authenticated=ev.authenticated,
                           signals=ev.gathered.signals, now=ev.moment, job_view=self._job_view)

    def _ledger_view(self, ev: Evaluation, method: str) -> dict[str, Any]:
        """What the ledger needs of a decision that has no policy input of its own."""
        return ledger_view(ev.decision.url, method, ev.url, self._job_view, self._subjects)

    def _record_cached(self, record_parts: Callable[..., str], decision: Decision, template: Decision,
                       nurl: NormalizedURL, docs: Mapping[str, str | None], method: str) -> None:
        kept = self._row_parts.get(id(template))
        if kept is None or kept[0] is not template:
            from gate.ledger.rows import row_parts

            view = {"job": self._job_view, "subjects": self._subjects}
            kept = (template, row_parts(template, view, self.job.name, self.job.metadata.owner))
            if len(self._row_parts) >= ROW_PARTS_KEPT:
                self._row_parts.clear()
            self._row_parts[id(template)] = kept  # holds the template: its id is not reused
        record_parts(kept[1], decision, method, nurl.site, self.mode, docs)

    def unrecorded(self, decision: Decision, exc: BaseException) -> Decision:
        """What a decision becomes when its ledger row could not be written (an adapter that
        commits rows itself, gate.ledger.group.deferred): a deny, or LedgerError in audit mode."""
        return self._unrecorded(decision, exc)

    def _unrecorded(self, decision: Decision, exc: BaseException) -> Decision:
        if self.mode == "audit":
            raise LedgerError(f"ledger write failed: {exc}") from exc
        self._unrecorded_log.note(self.ledger, exc)
        return Decision.denied("ledger.unavailable", f"decision could not be recorded, so it is denied: {exc}",
                               url=decision.url, mode=self.mode, policy_revision=decision.policy_revision,
                               engine=decision.engine)

    def _signal_source(self, nurl: NormalizedURL) -> SignalSource:
        """The signals for `nurl`: none fetched for a public IP literal the job may not use."""
        if not self.job.spec.allow_ip_literals and host_kind(nurl.host) == "public":
            return self._no_fetch
        return self.signals

    def prefetch(self, url: str) -> None:
        """Gather `url`'s signals into the caches without deciding: a caller that decides on
        one worker thread (`scrapegate run`) warms them on the request's own thread first, so
        one slow origin never holds up the decisions for another. Failures are left for the
        decision to report (and deny)."""
        try:
            nurl = normalize(url)
            self._signal_source(nurl).gather(nurl, self._user_agent)
        except Exception:  # noqa: BLE001 - the decision itself fails closed on it
            pass

    def refuse(self, url: str, code: str, message: str, method: str = "GET") -> Decision:
        """Deny and record a request the gate cannot decide as it would be sent (a Host header
        naming another authority, a User-Agent other than the job's): decided before the
        policies, recorded like any decision."""
        try:
            nurl: NormalizedURL | None = normalize(url)
        except InvalidURL:
            nurl = None
        decision = Decision.denied(code, message, url=nurl.url if nurl else str(url), mode=self.mode,
                                   policy_revision=self.engine.revision, engine=self.engine.name)
        evaluation = Evaluation(decision, url=nurl)
        if self.ledger is not None or self.decision_log is not None:
            return self._record(evaluation, method)
        return decision

    def check_nowait(self, url: str, method: str = "GET") -> Decision | None:
        """`check` when it needs no network and no policy evaluation (everything cached),
        else None: an event loop calls this inline and sends only misses to a thread."""
        evaluation = self._decide(url, method, None, True)
        if evaluation is None:
            return None
        if self.ledger is not None or self.decision_log is not None:
            return self._record(evaluation, method)
        return evaluation.decision

    def _log_decision(self, decision: Decision, policy_input: dict[str, Any]) -> None:
        """Ship the decision to the decision log. Like OPA's, a failing sink does not deny:
        the ledger is the record that fails closed."""
        try:
            self.decision_log.emit(decision, policy_input)
        except Exception as exc:  # noqa: BLE001 - reported, never raised into a crawl
            logger.warning("scrapegate decision log: %s", exc)

    def enforce(self, url: str, method: str = "GET", **kw: Any) -> Decision:
        """`check`, then raise CollectionBlocked on a deny (enforce mode only)."""
        decision = self.check(url, method, **kw)
        if not decision.allow and self.mode == "enforce":
            raise CollectionBlocked(decision, url)
        return decision

    async def acheck(self, url: str, method: str = "GET", **kw: Any) -> Decision:
        return await asyncio.to_thread(self.check, url, method, **kw)

    async def aenforce(self, url: str, method: str = "GET", **kw: Any) -> Decision:
        return await asyncio.to_thread(self.enforce, url, method, **kw)

    def record_collected(self, decision: Decision, *, status: int, nbytes: int, sha256: str) -> None:
        """Mark a decision's URL as actually fetched (status, size and content hash)."""
        if self.ledger is not None:
            self.ledger.record_collected(decision.decision_id, status=status, nbytes=nbytes, sha256=sha256)

    # -- the response phase ---------------------------------------------------------
    def inspect(self, decision: Decision, response: ResponseFacts) -> Decision:
        """The response phase for one fetched response (issue 19): page-level opt-outs and
        the content classifiers, against the job's declarations. Returns `decision` when
        nothing in the response changes it, else the response's own decision (recorded; in
        enforce mode the caller withholds the response when it denies). Adapters call it
        through gate.enforce.admit.inspect_hop; gate.inspect.phase does the work."""
        result: Decision = response_phase_provider()(self, decision, response)
        return result

    def decide_response(self, response: ResponseFacts, *, content: dict[str, Any] | None,
                        method: str = "GET") -> Decision:
        """Evaluate the policies on `response`'s URL with what the response showed: the
        memory (its page-level opt-outs already noted) in the signals and the inspection at
        `input.response.content`. Never cached; recorded like any decision."""
        try:
            nurl = normalize(response.url)
            gathered = self._signal_source(nurl).gather(nurl, self._user_agent)
        except InvalidURL as exc:
            return Decision.denied("request.invalid_url", str(exc), url=response.url, mode=self.mode)
        except Exception as exc:  # a failed signal fails closed
            return Decision.denied("signals.error", f"gathering signals failed: {exc}", url=response.url,
                                   mode=self.mode)
        gathered = self.memory.overlay(nurl, gathered)
        epoch_s, stamp = utc_stamp()
        clock_time = None if self._system_clock else self._clock()
        if clock_time is not None:
            stamp = self._stamp(clock_time)[0]
        moment = clock_time or datetime.fromtimestamp(epoch_s, timezone.utc)
        policy_input = build_input(self.job, nurl, method=method, authenticated=self._is_authenticated(nurl),
                                   signals=gathered.signals, now=moment, job_view=self._job_view)
        policy_input["response"] = {"status": response.status, "content": content}
        template = self._evaluate(policy_input, self.engine.revision)
        answer = template.for_request(new_decision_id(), nurl.url, self.mode, stamp)
        evaluation = Evaluation(answer, policy_input, gathered.docs, nurl, gathered, False, None, epoch_s, clock_time)
        if self.ledger is not None or self.decision_log is not None:
            return self._record(evaluation, method)
        return answer

    def _recall_quarantine(self) -> None:
        """Sites this job was quarantined for in earlier runs stay denied (until a waiver or
        a corrected manifest): the ledger remembers what one run's memory forgets."""
        quarantined = getattr(self.ledger, "quarantined", None)
        if quarantined is None:
            return
        try:
            entries = quarantined(job=self.job.name)
        except Exception as exc:  # noqa: BLE001 - reported; the decisions themselves still record
            logger.warning("scrapegate: reading the quarantine failed: %s", exc)
            return
        for entry in entries:
            if entry.get("category"):
                self.memory.note_undeclared(entry["site"], entry["category"], entry["url"])

    def obligations(self, decision: Decision, code: str) -> list[dict[str, Any]]:
        return [o for o in decision.obligations if o.get("code") == code]

    def guard(self, func: Callable[..., Any] | None = None, *, strict: bool = False) -> Any:
        """Decorator: the requests `func` makes through requests, urllib3 and httpx are gated
        (see gate.enforce.guard); with `strict=True` any other outgoing connection in the call
        raises CollectionBlocked (gate.enforce.strict). The core reaches it through
        gate.core.extensions, never by importing it."""
        return guard_provider()(self, func, strict)

    @property
    def cache_stats(self) -> dict[str, int]:
        return {"hits": self._cache.hits, "misses": self._cache.misses, "size": len(self._cache)}

    def close(self) -> None:
        """Release sockets, caches and the ledger."""
        self.signals.close()
        if self.ledger is not None:
            self.ledger.close()
        if self.decision_log is not None:
            self.decision_log.close()
        if self._owns_engine:
            self.engine.close()

    def __enter__(self) -> "Gate":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Gate job={self.job.name!r} mode={self.mode} engine={self.engine.name}>"
