"""Scrapy adapter: a downloader middleware that asks the gate before every request.

    # settings.py
    DOWNLOADER_MIDDLEWARES = {
        "gate.adapters.scrapy.ScrapegateMiddleware": 100,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    }
    ROBOTSTXT_OBEY = False            # scrapegate reads robots.txt itself, failing closed
    SCRAPEGATE_JOB = "jobs/prices.yaml"

It replaces RobotsTxtMiddleware: that middleware treats a robots.txt it could not fetch as
"allow everything"; scrapegate applies RFC 9309 2.3.1.4 and denies (`robots.unreachable`).

- A denied request raises IgnoreRequest (enforce mode) before it reaches the downloader; in
  audit mode it proceeds and the ledger holds the deny.
- Redirects: RedirectMiddleware answers a 3xx with a new Request, which Scrapy schedules and
  sends through every middleware's `process_request` again, so each hop is gated.
- Around the gate: the headers are read again where the downloader sends the request
  (gate.adapters.scrapy_send: DEFAULT_REQUEST_HEADERS, a random-agent middleware); a
  response a middleware ahead of the gate answered (a cache hit) is decided in
  `process_response`; a request's own `download_slot` is dropped under a crawl-delay.
- Listed but misconfigured (no job, an unknown SCRAPEGATE_* setting, listed as a spider
  middleware) stops the crawl (gate.adapters.scrapy_settings.check_settings).
- The hot path stays on the reactor and costs no thread hop: a decision whose signals and
  policy result are cached is made (and recorded) inline, and `process_request` returns None
  at once; only a miss (a robots.txt fetch, a policy evaluation) returns a coroutine that
  decides in a worker thread (`deferToThread`), so a fetch never stalls the reactor. The
  decision is left in `request.meta["scrapegate_decision"]` (so also `response.meta`).
- Acknowledged means sent: a request leaves this middleware only after its decision's row
  is committed. With the default writer (group commit, gate.ledger.group) the decisions made
  on the reactor in one turn are queued and committed in one transaction at the end of the
  turn (`reactor.callLater(0)`); their requests wait for it (a coroutine then, not None).
  Decisions made in worker threads share commits the same way. A crawl killed at any moment
  leaves the decision of every request it sent in the ledger. A response's collection row
  (status, size, sha256) is queued too and rides with the next commit (or the close); a kill
  can lose the collection rows of the last responses, as the thread that wrote them before
  did, never a decision. The batched writer
  (opt-in) trades the decisions' promise for throughput: see gate.ledger.sqlite.ledger.
- A `rate_limit` obligation (robots.txt crawl-delay) raises the download slot's delay; it is
  re-applied before every request, so AutoThrottle cannot lower it below the crawl-delay.
  With SCRAPEGATE_REDIS (a cluster of crawlers) the slot delay is left alone: the request
  waits for its origin's cluster-wide slot instead, and holds it until it leaves the
  downloader (response or failure), so the interval holds across every node as the origin
  sees it (gate.enforce.ratelimit). Stats: `scrapegate/cluster/shared`,
  `scrapegate/cluster/fallback` (Redis down: this node's own limiter at interval x nodes), and
  at the close the node's Cluster.stats (`scrapegate/cluster/redis_outages`, ...).
- The response phase (Gate.inspect: page-level opt-outs, the content classifiers) runs in
  `process_response`, inline when it runs no classifier and fetches nothing, else in a worker
  thread; a response it withholds raises IgnoreRequest (enforce mode). The classifiers' models
  load when the middleware is built, not in the middle of the crawl.
- Stats: `scrapegate/allowed`, `scrapegate/denied`, `scrapegate/denied/<code>`,
  `scrapegate/withheld`, `scrapegate/withheld/<code>`,
  `scrapegate/audit/let_through`, `scrapegate/collected`, `scrapegate/delay/<slot>`.
- The job's `user_agent` is sent on requests that do not set a User-Agent themselves (the
  robots.txt verdict is for that agent).

Settings: see docs/adapters.md (SCRAPEGATE_ENABLED, SCRAPEGATE_JOB, SCRAPEGATE_MODE,
SCRAPEGATE_POLICIES, SCRAPEGATE_SHIPPED_POLICIES, SCRAPEGATE_WAIVERS, SCRAPEGATE_ENGINE,
SCRAPEGATE_OPA_URL, SCRAPEGATE_LEDGER, SCRAPEGATE_SIGNALS, SCRAPEGATE_TIMEOUT, SCRAPEGATE_REDIS,
SCRAPEGATE_CLUSTER_NODES, SCRAPEGATE_REDIS_LEASE, SCRAPEGATE_GC_FREEZE).
"""

from __future__ import annotations

import gc
import logging
import weakref
from typing import TYPE_CHECKING, Any, NoReturn

try:
    from scrapy import signals as scrapy_signals
    from scrapy.exceptions import IgnoreRequest, NotConfigured
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet.task import deferLater
    from twisted.internet.threads import deferToThread
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("The Scrapy adapter needs: pip install 'scrapegate[scrapy]'") from None

from gate.adapters.scrapy_send import guard_send
from gate.adapters.scrapy_settings import (
    SETTINGS,
    check_settings,
    gate_from_settings,
    scrapegate_settings,
)
from gate.enforce.admit import DECISION_ATTR, inspect_hop, inspect_hop_nowait, origin_key, record_body
from gate.enforce.identity import header_problem
from gate.enforce.ratelimit import Grant, limiter_for, min_interval
from gate.errors import CollectionBlocked, ManifestError
from gate.ledger.group import GroupCommit, Ticket, deferred
from gate.model.response import ResponseFacts, decoded_body, header_pairs

_INLINE_HASH_MAX = 256 * 1024  # bytes of body hashed on the reactor thread at most
_COLLECTIONS_CHECKED = 64  # deferred collection rows held before their tickets are looked at

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from gate.core.gate import Gate
    from gate.model.decision import Decision

__all__ = ["ScrapegateMiddleware", "gate_from_settings", "scrapegate_settings", "check_settings", "META_KEY",
           "DEFAULT_PRIORITY", "SETTINGS"]

logger = logging.getLogger(__name__)

META_KEY = DECISION_ATTR
DOWNLOAD_SLOT_META = "download_slot"  # Scrapy's own: a request's download slot, by name
SLOT_KEY = "scrapegate_slot"  # the origin's cluster-wide slot, held while the request is downloaded
DEFAULT_PRIORITY = 100  # where RobotsTxtMiddleware sits: before any other middleware
_SKIPPED_SCHEMES = ("data:", "file:")  # no network request is made


def _freeze_startup_objects() -> None:
    """Collect once, then move every object alive now (the gate's policies, engine and models,
    Scrapy's own start-up) to the collector's permanent generation: the crawl's full collections
    no longer walk them again and again. The gate adds about a quarter to the objects a crawl
    process tracks, and so to every full collection (BENCHMARKS.md, "What the gate costs a
    Scrapy crawl"). Objects frozen here are still freed by reference counting; only a cycle
    among them outlives the crawl. SCRAPEGATE_GC_FREEZE = False turns this off."""
    gc.collect()
    gc.freeze()


def _as_read(response: "Response") -> bytes:
    """The body as the spider can read it. HttpCompressionMiddleware (590) undoes the
    Content-Encoding before this middleware's process_response at priority 100; at a priority
    above 590, with COMPRESSION_ENABLED = False or a coding Scrapy cannot undo, the body still
    has it: undone here, bounded (gate.model.response.decoded_body)."""
    if not response.headers.get(b"Content-Encoding"):
        return response.body
    return decoded_body(header_pairs(response.headers), response.body, True)


class ScrapegateMiddleware:
    """Downloader middleware: `None` lets a request continue, IgnoreRequest drops it.

    Listed, it needs SCRAPEGATE_JOB (ManifestError otherwise); only SCRAPEGATE_ENABLED = False
    switches it off (NotConfigured).
    """

    def __init__(self, crawler: "Crawler", gate: "Gate") -> None:
        self.crawler = crawler
        self.gate = gate
        self.stats = crawler.stats
        self._user_agent = gate.job.spec.user_agent.encode()
        self._pending: set[Any] = set()
        # The default writer: a collection row rides with the next decision's commit (one
        # transaction a page, not two); its ticket is checked later, a failure logged.
        group = getattr(gate.ledger, "group", None) if getattr(gate.ledger, "writer", None) == "sync" else None
        self._group: GroupCommit | None = group
        self._collections: list[Ticket] = []
        self._turn_waiters: list[Any] = []  # requests waiting for this reactor turn's commit
        self._slots_warned: set[Any] = set()
        self._send_guarded = False
        # The requests this middleware decided (meta is copied to a redirect's or a retry's
        # new Request, so the decision in meta alone does not say that this one was decided).
        self._decided: weakref.WeakSet[Any] = weakref.WeakSet()

    @classmethod
    def from_crawler(cls, crawler: "Crawler") -> "ScrapegateMiddleware":
        settings = crawler.settings
        try:
            # Listed but misconfigured is an error, never an ungated crawl: only an explicit
            # SCRAPEGATE_ENABLED = False switches the middleware off.
            check_settings(settings, cls)
        except ManifestError as exc:
            logger.error("scrapegate: %s", exc)
            raise
        if settings.get("SCRAPEGATE_ENABLED") is not None and not settings.getbool("SCRAPEGATE_ENABLED"):
            raise NotConfigured("scrapegate: SCRAPEGATE_ENABLED is off")
        if settings.getbool("ROBOTSTXT_OBEY"):
            logger.warning("scrapegate: ROBOTSTXT_OBEY is also on; RobotsTxtMiddleware treats an "
                           "unreachable robots.txt as allow-all, scrapegate denies. Set ROBOTSTXT_OBEY = False.")
        user_agent = settings.get("USER_AGENT")
        try:
            gate = gate_from_settings(settings)
        except Exception as exc:
            # Scrapy may start the crawler in a task whose exception nobody retrieves: say it here.
            logger.error("scrapegate: the gate could not start: %s", exc)
            raise
        if settings.getpriority("USER_AGENT") not in (None, 0) and user_agent != gate.job.spec.user_agent:
            logger.warning("scrapegate: the USER_AGENT setting %r is replaced by the job's user_agent %r on every "
                           "request without its own User-Agent (the gate decides for the job's agent)",
                           user_agent, gate.job.spec.user_agent)
        mw = cls(crawler, gate)
        mw._warm_response_phase()
        if settings.getbool("SCRAPEGATE_GC_FREEZE", True):
            _freeze_startup_objects()
        crawler.signals.connect(mw.spider_closed, signal=scrapy_signals.spider_closed)
        if mw.gate.cluster is not None:
            crawler.signals.connect(mw._left_downloader, signal=scrapy_signals.request_left_downloader)
        crawler.signals.connect(mw.response_downloaded, signal=scrapy_signals.response_downloaded)
        return mw

    def _warm_response_phase(self) -> None:
        """Build the response phase and, when content is inspected, its classifiers (the
        image models load then) before the crawl starts: the first responses are all
        inspected, and a model loading mid-crawl holds the reactor's GIL for a fifth of a second."""
        from gate.inspect.phase import warm_response_phase

        warm_response_phase(self.gate)

    def process_request(self, request: "Request", spider: Any = None) -> Any:
        """None (continue) at once when the signals and the decision are cached; otherwise a
        coroutine that decides in a worker thread (a robots.txt fetch, a policy evaluation),
        so the reactor never waits on I/O. A cached hit costs no coroutine, Deferred or thread."""
        if request.url.startswith(_SKIPPED_SCHEMES):
            return None
        if not self._send_guarded:  # the engine exists once requests flow
            guard_send(self)
            self._send_guarded = True
        request.headers.setdefault(b"User-Agent", self._user_agent)
        problem = header_problem(self.gate, request.url, request.headers)  # Host, User-Agent
        if self._group is None:
            decision = self._decide_inline(request, problem)
        else:
            with deferred() as held:  # queued: committed with the rest of this reactor turn
                decision = self._decide_inline(request, problem)
            if held.tickets and decision is not None:
                return self._after_commit(request, decision, held.tickets)
        if decision is None:
            return self._decide_in_thread(request)
        return self._admit(request, decision)

    def _decide_inline(self, request: "Request", problem: tuple[str, str] | None) -> "Decision | None":
        if problem:
            return self.gate.refuse(request.url, problem[0], problem[1], request.method)
        return self.gate.check_nowait(request.url, request.method)

    async def _after_commit(self, request: "Request", decision: "Decision", tickets: list[Ticket]) -> None:
        """The request goes on only once its decision's row is committed: at the end of this
        reactor turn, in one transaction with every other row queued in the turn."""
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        waiter: Deferred[None] = Deferred()
        if not self._turn_waiters:
            reactor.callLater(0, self._commit_turn)  # type: ignore[arg-type]
        self._turn_waiters.append(waiter)
        await maybe_deferred_to_future(waiter)
        for ticket in tickets:
            error = ticket.error()
            if error is not None:  # not recorded: denied (enforce) or raised (audit), as Gate.check does
                decision = self.gate.unrecorded(decision, error)
                break
        admitted = self._admit(request, decision)
        if admitted is not None:
            await admitted

    def _commit_turn(self) -> None:
        waiters, self._turn_waiters = self._turn_waiters, []
        try:
            if self._group is not None:
                self._group.commit_open()
        finally:  # each waiter reads its own ticket: committed, or why not
            for waiter in waiters:
                waiter.callback(None)

    async def _decide_in_thread(self, request: "Request") -> None:
        decision = await maybe_deferred_to_future(deferToThread(self.gate.check, request.url, request.method))
        admitted = self._admit(request, decision)
        if admitted is not None:
            await admitted

    def decision_of(self, request: "Request") -> "Decision | None":
        return request.meta.get(META_KEY)

    def count(self, request: "Request", decision: "Decision", sent_check: bool = False) -> None:
        """Count the decision; raise IgnoreRequest for a deny in enforce mode."""
        request.meta[META_KEY] = decision
        self._decided.add(request)
        if decision.allow:
            self.stats.inc_value("scrapegate/allowed")
            return
        self.stats.inc_value("scrapegate/denied")
        for code in decision.deny_codes:
            self.stats.inc_value(f"scrapegate/denied/{code}")
        if sent_check:  # refused as sent, after an allow: the allow was counted already
            self.stats.inc_value("scrapegate/denied_as_sent")
        if self.gate.mode == "enforce":
            logger.debug("Forbidden by scrapegate: %(request)s (%(reason)s)",
                         {"request": request, "reason": decision.summary()})
            raise IgnoreRequest(f"scrapegate: {decision.summary()}")
        self.stats.inc_value("scrapegate/audit/let_through")

    def _admit(self, request: "Request", decision: "Decision") -> Any:
        """Count and enforce the decision; None, or the coroutine that waits for the origin's
        cluster-wide slot. Raises IgnoreRequest for a deny in enforce mode."""
        self.count(request, decision)
        if self.gate.cluster is not None:
            return self._cluster_slot(request, decision)
        self._apply_delay(request, decision)
        return None

    async def _cluster_slot(self, request: "Request", decision: "Decision") -> None:
        """Wait for the origin's cluster-wide slot (Redis calls in a worker thread, waits on
        the reactor); it is given back when the request leaves the downloader."""
        interval = min_interval(decision.obligations)
        if interval <= 0:
            return
        from twisted.internet import reactor  # imported late: Scrapy installs the reactor first

        limiter, origin = limiter_for(self.gate), origin_key(request.url)
        while True:
            got = await maybe_deferred_to_future(deferToThread(limiter.try_acquire, origin, interval))
            if isinstance(got, Grant):
                request.meta[SLOT_KEY] = got
                logger.debug("scrapegate: slot of %s granted for %s", origin, request.url)
                self.stats.inc_value("scrapegate/cluster/shared" if got.shared else "scrapegate/cluster/fallback")
                return
            await maybe_deferred_to_future(deferLater(reactor, got, lambda: None))

    def _release(self, request: "Request") -> None:
        grant = request.meta.pop(SLOT_KEY, None)
        if isinstance(grant, Grant):
            logger.debug("scrapegate: slot of %s released by %s", grant.origin, request.url)
            deferToThread(limiter_for(self.gate).release, grant)  # release() never raises

    def _left_downloader(self, request: "Request", spider: Any = None) -> None:
        self._release(request)

    def process_exception(self, request: "Request", exception: BaseException, spider: Any = None) -> None:
        self._release(request)  # dropped by a later middleware, or failed: give the slot back
        return None

    def response_downloaded(self, response: "Response", request: "Request", spider: Any = None) -> None:
        """Record what reached the origin, as it came back from the downloader: before
        RedirectMiddleware turns a 3xx into a new request (a fetched 302 is collected, as in
        every adapter). A body up to _INLINE_HASH_MAX is hashed and recorded inline (a hash
        and one small commit, or a queue append for the batched writer: cheaper than a thread
        hop); a larger one in a thread, which spider_closed waits for."""
        decision = request.meta.get(META_KEY)
        if decision is None or self.gate.ledger is None:
            return
        self.stats.inc_value("scrapegate/collected")
        if len(response.body) <= _INLINE_HASH_MAX:
            try:
                if self._group is None:
                    record_body(self.gate, decision, response.status, response.body)
                    return
                with deferred() as held:
                    record_body(self.gate, decision, response.status, response.body)
                self._collections += held.tickets
                if len(self._collections) >= _COLLECTIONS_CHECKED:
                    self._check_collections()
            except Exception as exc:  # noqa: BLE001 - as the thread's errback: logged, the crawl goes on
                logger.error("scrapegate: recording a collection failed: %s", exc)
            return
        pending = deferToThread(record_body, self.gate, decision, response.status, response.body)
        self._pending.add(pending)
        pending.addErrback(lambda failure: logger.error("scrapegate: recording a collection failed: %s",
                                                        failure.getErrorMessage()))
        pending.addBoth(lambda _: self._pending.discard(pending))

    def _check_collections(self, commit: bool = False) -> None:
        """Log the deferred collection rows that failed; keep those not yet committed."""
        if commit and self._group is not None:
            self._group.commit_open()
        waiting = []
        for ticket in self._collections:
            if not ticket.group.done:
                waiting.append(ticket)
            elif (error := ticket.error()) is not None:
                logger.error("scrapegate: recording a collection failed: %s", error)
        self._collections = waiting

    def process_response(self, request: "Request", response: "Response", spider: Any = None) -> Any:
        """The response phase (page-level opt-outs, the content classifiers); a response it
        withholds raises IgnoreRequest. Recording happened at response_downloaded. Inline when
        the phase runs no classifier and fetches nothing (most responses once a site is
        trusted); otherwise a coroutine that runs it in a worker thread: the classifiers cost
        milliseconds the reactor should not wait for."""
        self._release(request)  # a response that never reached the downloader (a cache hit)
        if request.url.startswith(_SKIPPED_SCHEMES):
            return response
        if request not in self._decided:  # answered by a middleware ahead of the gate: decide it now
            return self._decide_late(request, response)
        decision = request.meta[META_KEY]
        facts = ResponseFacts.of(response.url, response.status, response.headers, _as_read(response))
        try:
            answer = inspect_hop_nowait(self.gate, decision, facts)
        except CollectionBlocked as blocked:
            self._withheld(request, blocked)
        if answer is None:
            return self._inspect_in_thread(request, response, decision, facts)
        if answer is not decision:
            request.meta[META_KEY] = answer
        return response

    async def _decide_late(self, request: "Request", response: "Response") -> "Response":
        """A response that a middleware with a lower priority number gave (HttpCacheMiddleware,
        900, when the gate is listed above it): the request never reached process_request, so
        the gate decides it now and a deny withholds the response (nothing was sent)."""
        decision = await maybe_deferred_to_future(deferToThread(self.gate.check, request.url, request.method))
        self.count(request, decision)
        facts = ResponseFacts.of(response.url, response.status, response.headers, _as_read(response))
        return await self._inspect_in_thread(request, response, decision, facts)

    async def _inspect_in_thread(self, request: "Request", response: "Response", decision: "Decision",
                                 facts: ResponseFacts) -> "Response":
        try:
            answer = await maybe_deferred_to_future(deferToThread(inspect_hop, self.gate, decision, facts))
        except CollectionBlocked as blocked:
            self._withheld(request, blocked)
        if answer is not decision:
            request.meta[META_KEY] = answer
        return response

    def _withheld(self, request: "Request", blocked: CollectionBlocked) -> NoReturn:
        self.stats.inc_value("scrapegate/withheld")
        for code in blocked.decision.deny_codes:
            self.stats.inc_value(f"scrapegate/withheld/{code}")
        request.meta[META_KEY] = blocked.decision
        raise IgnoreRequest(f"scrapegate: response withheld: {blocked.decision.summary()}") from None

    def _apply_delay(self, request: "Request", decision: "Decision") -> None:
        """Raise the request's download slot delay to the crawl-delay, so that even the
        shortest jittered delay meets it."""
        interval = min_interval(decision.obligations)
        if interval <= 0:
            return
        custom = request.meta.pop(DOWNLOAD_SLOT_META, None)
        if custom is not None:  # its own slot would be paced apart from its origin's other requests
            self.stats.inc_value("scrapegate/delay/download_slot_ignored")
            if custom not in self._slots_warned:
                self._slots_warned.add(custom)
                logger.warning("scrapegate: meta['download_slot'] = %r is ignored for requests under a crawl-delay: "
                               "they share their origin's download slot, which the crawl-delay paces", custom)
        downloader = self.crawler.engine.downloader
        try:
            key, slot = downloader._get_slot(request)
        except TypeError:  # Scrapy < 2.13 also wants the spider
            key, slot = downloader._get_slot(request, self.crawler.spider)
        jitter = getattr(slot, "jitter", None)
        if jitter is None:  # older Scrapy: a boolean, meaning +-50%
            jitter = 0.5 if getattr(slot, "randomize_delay", False) else 0.0
        if jitter >= 1:
            slot.jitter = jitter = 0.5
        needed = interval / (1 - jitter)
        if slot.delay < needed:
            slot.delay = needed
            self.stats.max_value(f"scrapegate/delay/{key}", needed)

    def spider_closed(self, spider: Any = None) -> Any:
        """Close the gate (and the engine it built) once pending ledger writes are done."""
        from twisted.internet.defer import DeferredList

        cluster = self.gate.cluster
        if cluster is not None:  # the node's view of Redis: outages, fallbacks, robots.txt shared
            for name, value in cluster.stats.items():
                self.stats.set_value(f"scrapegate/cluster/{name}", value)
        if self._collections:
            self._check_collections(commit=True)
        done = DeferredList(list(self._pending), consumeErrors=True)
        done.addBoth(lambda _: self.gate.close())
        return done
