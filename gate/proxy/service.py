"""The proxy's side of the Gate: one Gate for every connection, a tally for the summary, and
the 451 answer to a blocked request."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from gate.enforce.identity import header_problem
from gate.enforce.ratelimit import limiter_for, min_interval
from gate.model.decision import Decision
from gate.model.response import ResponseFacts
from gate.model.url import normalize

__all__ = ["GateService", "RunStats", "blocked_body", "BLOCKED_STATUS", "BLOCKED_REASON"]

BLOCKED_STATUS = 451
BLOCKED_REASON = "Unavailable For Legal Reasons"
BLOCKED_ERROR = "blocked by scrapegate"
GATE_ERROR_CODE = "proxy.gate_error"
# Every decision runs on one worker thread: the embedded engine compiles an interpreter per
# thread (a connection thread each would recompile per connection) and decisions are cheap
# next to a fetch. The signals a decision needs (robots.txt, opt-outs: network, up to their
# deadlines) are fetched first on the connection's own thread, so a slow origin holds up
# only its own requests.
GATE_WORKERS = 1


@dataclass
class HostTally:
    allowed: int = 0
    denied: int = 0


@dataclass
class RunStats:
    """What the proxy saw: the summary `scrapegate run` prints."""

    allowed: int = 0
    denied: int = 0
    collected: int = 0
    collect_errors: int = 0
    withheld: int = 0  # responses the response phase withheld (answered 451 instead)
    withheld_by_code: Counter[str] = field(default_factory=Counter)
    denied_by_code: Counter[str] = field(default_factory=Counter)
    hosts: dict[str, HostTally] = field(default_factory=dict)
    unopened: Counter[str] = field(default_factory=Counter)   # host:port -> connections with no request

    @property
    def total(self) -> int:
        return self.allowed + self.denied

    def add(self, host: str, decision: Decision) -> None:
        tally = self.hosts.setdefault(host, HostTally())
        if decision.allow:
            self.allowed += 1
            tally.allowed += 1
        else:
            self.denied += 1
            tally.denied += 1
            self.denied_by_code.update(decision.deny_codes or ["denied"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.total, "allowed": self.allowed, "denied": self.denied,
            "collected": self.collected, "collect_errors": self.collect_errors,
            "withheld": self.withheld, "withheld_by_code": dict(sorted(self.withheld_by_code.items())),
            "denied_by_code": dict(sorted(self.denied_by_code.items())),
            "hosts": {h: {"allowed": t.allowed, "denied": t.denied} for h, t in sorted(self.hosts.items())},
            "unopened": dict(sorted(self.unopened.items())),
        }


def blocked_body(decision: Decision, url: str) -> bytes:
    """The JSON body of a 451 answer."""
    doc = {
        "error": BLOCKED_ERROR,
        "url": url,
        "codes": decision.deny_codes,
        "deny": [{"code": v.code, "jurisdiction": v.jurisdiction, "law": v.law, "message": v.message}
                 for v in decision.deny],
        "decision_id": decision.decision_id,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _host_label(url: str) -> str:
    try:
        n = normalize(url)
    except ValueError:
        return "(invalid)"
    host = f"[{n.host}]" if ":" in n.host else n.host
    default = {"http": 80, "https": 443}.get(n.scheme)
    return host if n.port in (None, default) else f"{host}:{n.port}"


class GateService:
    """Decides on every request the proxy sees, with one Gate, and counts the outcomes.

    `gate` is a Gate or a zero-argument callable returning one. Thread-safe: connection
    threads call `check` and `collected`; both run on the gate's worker thread, so the Gate
    and its engine are only ever used from that one thread.
    `on_decision(url, method, decision)` is called after each decision (for live output).
    """

    def __init__(self, gate: Any, *, on_decision: Callable[[str, str, Decision], None] | None = None) -> None:
        self.stats = RunStats()
        self._on_decision = on_decision
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(GATE_WORKERS, thread_name_prefix="scrapegate-gate")
        if callable(gate) and not hasattr(gate, "check"):
            # A factory: build the Gate on the worker, so an embedded engine compiles its
            # policies once, in the thread that evaluates them. Its errors reach the caller.
            try:
                gate = self._pool.submit(gate).result()
            except BaseException:
                self._pool.shutdown(wait=True)
                raise
        self.gate = gate

    @property
    def enforcing(self) -> bool:
        return self.gate.mode == "enforce"

    def blocks(self, decision: Decision) -> bool:
        return not decision.allow and self.enforcing

    def check(self, url: str, method: str, headers: Mapping[str, str] | None = None) -> Decision:
        """Gate one request. Never raises: a failure is a deny (fail closed). `headers`, the
        ones the origin will receive, are checked as the adapters check theirs
        (gate.enforce.identity: another User-Agent than the job's, routing and rewrite headers
        naming another site or path): such a request is refused and recorded."""
        problem = header_problem(self.gate, url, headers) if headers else None
        prefetch = getattr(self.gate, "prefetch", None)
        if prefetch is not None and problem is None:  # signal fetches on this connection's thread
            prefetch(url)
        try:
            if problem is not None:
                decision = self._pool.submit(self.gate.refuse, url, problem[0], problem[1], method).result()
            else:
                decision = self._pool.submit(self.gate.check, url, method).result()
        except Exception as exc:  # the gate itself failed (an unwritable ledger in audit mode, a bug)
            decision = Decision.denied(GATE_ERROR_CODE, f"the gate failed, so the request is denied: {exc}",
                                       url=url, mode=self.gate.mode)
        with self._lock:
            self.stats.add(_host_label(url), decision)
        if self._on_decision is not None:
            try:
                self._on_decision(url, method, decision)
            except Exception:  # output problems must not change a decision
                pass
        return decision

    def inspect(self, decision: Decision, response: ResponseFacts) -> Decision:
        """The response phase for one response (Gate.inspect), on the gate's worker. A
        failure withholds (fail closed)."""
        try:
            answer: Decision = self._pool.submit(self.gate.inspect, decision, response).result()
        except Exception as exc:
            answer = Decision.denied(GATE_ERROR_CODE, f"the response phase failed, so the response is withheld: {exc}",
                                     url=response.url, mode=self.gate.mode)
        if answer is not decision and self.blocks(answer):
            with self._lock:
                self.stats.withheld += 1
                for code in answer.deny_codes:
                    self.stats.withheld_by_code[code] += 1
        return answer

    def pace(self, url: str, decision: Decision) -> float:
        """Honour a `rate_limit` obligation (robots.txt crawl-delay) as the adapters do: wait
        for the origin's next slot, in the calling connection's thread. Returns the wait."""
        interval = min_interval(decision.obligations)
        if interval <= 0:
            return 0.0
        try:
            origin = normalize(url).origin
        except ValueError:
            origin = url
        return limiter_for(self.gate).wait(origin, interval)

    def collected(self, decision: Decision, *, status: int, nbytes: int, sha256: str) -> None:
        """Record what an allowed request actually fetched."""
        try:
            self._pool.submit(self.gate.record_collected, decision, status=status, nbytes=nbytes,
                              sha256=sha256).result()
        except Exception:  # the decision is recorded; a missing collection row is counted, not fatal
            with self._lock:
                self.stats.collect_errors += 1
            return
        with self._lock:
            self.stats.collected += 1

    def unopened(self, scheme: str, host: str, port: int) -> None:
        """A connection to `host` ended before any request on it was gated."""
        with self._lock:
            self.stats.unopened[_host_label(f"{scheme}://{_bracket(host)}:{port}/")] += 1

    def close(self) -> None:
        self._pool.shutdown(wait=True)
