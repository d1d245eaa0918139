"""One request hop through a Gate: decide, refuse or wait for the host's slot, then record
what was collected. Shared by `@guard` and every adapter.

    decision = admit(gate, "https://shop.example/p/1", "GET", pace=False)   # CollectionBlocked (enforce)
    with paced(gate, url, decision):      # the origin's slot (rate_limit), held through the send
        ...send...
    record_body(gate, decision, 200, body)

Two context variables carry the state, so other threads and tasks are never affected:

- the *active* gate: set by `@guard` for the duration of a call; the process-wide hooks in
  `gate.enforce.hooks` gate a request only when one is set. It is cleared while the gate itself
  decides, so the gate's own robots.txt and opt-out fetches pass through untouched.
- the *handled* gate: set by an outer layer (GatedAdapter, GatedTransport, the requests hook)
  around the inner send of a hop it has already gated; the lowest hook (urllib3, httpx
  transport) consumes it, so one hop is gated once per gate. Hops the lower layer starts on
  its own (urllib3 redirects and retries) are gated again.
"""

from __future__ import annotations

import hashlib
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Mapping

from gate.enforce.identity import header_problem
from gate.enforce.ratelimit import limiter_for, min_interval
from gate.enforce.strict import internal, note_admitted, sending
from gate.errors import CollectionBlocked, InvalidURL
from gate.model.url import normalize

if TYPE_CHECKING:
    from gate.core.gate import Gate
    from gate.model.decision import Decision
    from gate.model.response import ResponseFacts

__all__ = [
    "active_gate", "activated", "handled_by", "already_handled", "take_handled", "admit", "aadmit", "paced", "apaced",
    "record_body", "arecord_body", "BodyDigest", "attach", "origin_key", "DECISION_ATTR", "sending",
    "inspect_hop", "inspect_hop_nowait", "ainspect_hop",
]

# Where an adapter leaves the decision for the caller (requests: attribute of the
# Response; httpx: key of response.extensions; Scrapy: key of request.meta).
DECISION_ATTR = "scrapegate_decision"

_ACTIVE: ContextVar["Gate | None"] = ContextVar("scrapegate_active_gate", default=None)
_HANDLED: ContextVar["Gate | None"] = ContextVar("scrapegate_handled_gate", default=None)


def active_gate() -> "Gate | None":
    """The gate `@guard` set for the current context, or None (hooks pass through)."""
    return _ACTIVE.get()


@contextmanager
def activated(gate: "Gate | None") -> Iterator[None]:
    """Make `gate` the active gate inside the block (None: no gating)."""
    token = _ACTIVE.set(gate)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@contextmanager
def handled_by(gate: "Gate") -> Iterator[None]:
    """Around the inner send of a hop that `gate` already admitted (its connections are the
    admitted ones for a strict guard: gate.enforce.strict)."""
    token = _HANDLED.set(gate)
    try:
        with sending():
            yield
    finally:
        _HANDLED.reset(token)


def already_handled(gate: "Gate") -> bool:
    """True when an outer layer already admitted the current hop with `gate`."""
    return _HANDLED.get() is gate


@contextmanager
def take_handled() -> Iterator[None]:
    """Used by the lowest hooks: the mark is spent on this hop, so a hop the inner layer
    starts by itself (a redirect, a retry) is gated again."""
    token = _HANDLED.set(None)
    try:
        yield
    finally:
        _HANDLED.reset(token)


def origin_key(url: str) -> str:
    """The rate limiter's key: the URL's origin (robots.txt, and so its crawl-delay, is per origin)."""
    try:
        return normalize(url).origin
    except InvalidURL:
        return url


def _refuse_or_pass(gate: "Gate", decision: "Decision", url: str) -> None:
    if not decision.allow and gate.mode == "enforce":
        raise CollectionBlocked(decision, url)


def _headers_refused(gate: "Gate", url: str, method: str, headers: Mapping[Any, Any] | None,
                     problem: tuple[str, str] | None = None) -> "Decision | None":
    if problem is None and headers:
        problem = header_problem(gate, url, headers)
    if problem is None:
        return None
    with activated(None):
        return gate.refuse(url, problem[0], problem[1], method)


def admit(gate: "Gate", url: str, method: str = "GET", headers: Mapping[Any, Any] | None = None, *,
          pace: bool = True, problem: tuple[str, str] | None = None) -> "Decision":
    """Decide on one hop before it is sent. Enforce mode raises CollectionBlocked for a deny;
    audit mode returns the deny (already in the ledger) and lets the hop go. `headers`, the
    hop's headers as they will be sent, are checked by gate.enforce.identity (Host, User-Agent).
    `problem`, (code, message), is a reason the caller found to refuse the hop as it will be
    sent (recorded as such). With `pace`, then waits for the origin's slot when the decision
    carries a `rate_limit` obligation; a caller that can tell when its request went out passes
    pace=False and sends inside `paced`."""
    decision = _headers_refused(gate, url, method, headers, problem)
    if decision is None:
        with activated(None), internal():  # the gate's own fetches are not gated by itself
            decision = gate.check(url, method)
    _refuse_or_pass(gate, decision, url)
    note_admitted(url)
    if pace:
        limiter_for(gate).wait(origin_key(url), min_interval(decision.obligations))
    return decision


async def aadmit(gate: "Gate", url: str, method: str = "GET", headers: Mapping[Any, Any] | None = None, *,
                 pace: bool = True) -> "Decision":
    """`admit` for asyncio: the decision runs in a worker thread, the wait on the loop."""
    decision = _headers_refused(gate, url, method, headers)
    if decision is None:
        with activated(None), internal():  # cleared before asyncio.to_thread copies the context
            decision = await gate.acheck(url, method)
    _refuse_or_pass(gate, decision, url)
    note_admitted(url)
    if pace:
        await limiter_for(gate).await_slot(origin_key(url), min_interval(decision.obligations))
    return decision


@contextmanager
def paced(gate: "Gate", url: str, decision: "Decision") -> Iterator[None]:
    """Wait for the origin's slot (the decision's `rate_limit`), hold it for the block (the
    send, up to the response head), then give it back: the interval holds as the origin sees it."""
    with limiter_for(gate).hold(origin_key(url), min_interval(decision.obligations)):
        yield


@asynccontextmanager
async def apaced(gate: "Gate", url: str, decision: "Decision") -> AsyncIterator[None]:
    async with limiter_for(gate).ahold(origin_key(url), min_interval(decision.obligations)):
        yield


def inspect_hop(gate: "Gate", decision: "Decision", response: "ResponseFacts") -> "Decision":
    """The response phase for one hop, after the body was recorded as collected: the
    response's decision (or `decision` when it changes nothing). Enforce mode raises
    CollectionBlocked when it denies: the caller must not get the response."""
    with activated(None):  # an RSL licence fetch the phase makes is the gate's own
        answer = gate.inspect(decision, response)
    if answer is not decision:
        _refuse_or_pass(gate, answer, response.url)
    return answer


def inspect_hop_nowait(gate: "Gate", decision: "Decision", response: "ResponseFacts") -> "Decision | None":
    """`inspect_hop` when the response phase runs no classifier and fetches nothing (see
    gate.inspect.phase.run_response_phase_nowait), else None: an event loop calls this
    inline and sends only the rest to a worker thread."""
    from gate.inspect.phase import run_response_phase_nowait

    with activated(None):
        answer = run_response_phase_nowait(gate, decision, response)
    if answer is not None and answer is not decision:
        _refuse_or_pass(gate, answer, response.url)
    return answer


async def ainspect_hop(gate: "Gate", decision: "Decision", response: "ResponseFacts") -> "Decision":
    """`inspect_hop` for asyncio: the classifiers run in a worker thread."""
    import asyncio

    with activated(None):
        answer = await asyncio.to_thread(gate.inspect, decision, response)
    if answer is not decision:
        _refuse_or_pass(gate, answer, response.url)
    return answer


def record_body(gate: "Gate", decision: "Decision", status: int, body: bytes) -> None:
    """Mark `decision` collected with the body's size and sha256 (a ledger failure raises)."""
    if gate.ledger is None:
        return
    gate.record_collected(decision, status=int(status), nbytes=len(body),
                          sha256=hashlib.sha256(body).hexdigest())


async def arecord_body(gate: "Gate", decision: "Decision", status: int, body: bytes) -> None:
    import asyncio

    if gate.ledger is not None:
        await asyncio.to_thread(record_body, gate, decision, status, body)


class BodyDigest:
    """Hashes a body chunk by chunk, for streams whose end is seen later than the send."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.nbytes = 0

    def update(self, chunk: bytes) -> None:
        self._sha.update(chunk)
        self.nbytes += len(chunk)

    def record(self, gate: "Gate", decision: "Decision", status: int) -> None:
        if gate.ledger is not None:
            gate.record_collected(decision, status=int(status), nbytes=self.nbytes,
                                  sha256=self._sha.hexdigest())

    async def arecord(self, gate: "Gate", decision: "Decision", status: int) -> None:
        import asyncio

        if gate.ledger is not None:
            await asyncio.to_thread(self.record, gate, decision, status)


def attach(target: Any, decision: "Decision") -> None:
    """Leave the decision on a framework object for the caller (best effort)."""
    try:
        setattr(target, DECISION_ATTR, decision)
    except (AttributeError, TypeError):
        pass
