"""requests adapter: every hop of a Session, redirects included, gated before it is sent.

    from gate.adapters.requests import GatedSession, GatedAdapter

    with GatedSession("jobs/prices.yaml") as s:       # its own Gate, the job's User-Agent
        r = s.get("https://shop.example/p/1")          # CollectionBlocked on a deny (enforce)
        r.scrapegate_decision.obligations

    session.mount("https://", GatedAdapter(gate))     # on any Session
    session.mount("http://", GatedAdapter(gate))

requests follows redirects above the adapter (`Session.resolve_redirects` calls
`adapter.send` once per hop), so an `HTTPAdapter` subclass sees every hop before it is sent.

After an allowed (or, in audit mode, a let-through) fetch the decision is marked collected in
the ledger with the status, size and sha256 of `response.content` - which requests reads
anyway for a non-streaming request. A `stream=True` response is not hashed: the body belongs
to the caller, who may never read it; its decision stays recorded, without a collection row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("The requests adapter needs: pip install requests") from None

from gate.enforce.requests_hop import send_gated

if TYPE_CHECKING:
    from gate.core.gate import Gate, Mode

__all__ = ["GatedAdapter", "GatedSession", "send_gated"]


class GatedAdapter(HTTPAdapter):
    """An HTTPAdapter that asks `gate` before each hop.

    Usage: `session.mount("https://", GatedAdapter(gate))` and the same for `http://`.
    Keyword arguments go to HTTPAdapter (pool sizes, max_retries). A deny raises
    `CollectionBlocked` from `session.get(...)` in enforce mode, before any byte is sent.
    """

    def __init__(self, gate: "Gate", **kwargs: Any) -> None:
        self.gate = gate
        super().__init__(**kwargs)

    def send(self, request: "requests.PreparedRequest", stream: bool = False, **kwargs: Any) -> "requests.Response":  # type: ignore[override]
        return send_gated(self.gate, super().send, request, stream=stream, **kwargs)


class GatedSession(requests.Session):
    """A Session with GatedAdapter mounted for `http://` and `https://` and the job's
    User-Agent (the one robots.txt was checked for).

    `job_or_gate` is a Gate (shared, not closed here) or anything `Gate()` accepts (a
    manifest path, a model, a dict), in which case the session owns its Gate, built with
    `mode` and `gate_kwargs`, and closes it in `close()`.

    Adapters mounted later for a longer prefix take precedence and are not gated.
    """

    def __init__(self, job_or_gate: Any, *, mode: "Mode" = "enforce", adapter_kwargs: dict[str, Any] | None = None,
                 **gate_kwargs: Any) -> None:
        from gate.core.gate import Gate

        super().__init__()
        if isinstance(job_or_gate, Gate):
            self.gate, self._owns_gate = job_or_gate, False
        else:
            self.gate, self._owns_gate = Gate(job_or_gate, mode=mode, **gate_kwargs), True
        for prefix in ("https://", "http://"):
            self.mount(prefix, GatedAdapter(self.gate, **(adapter_kwargs or {})))
        self.headers["User-Agent"] = self.gate.job.spec.user_agent

    def close(self) -> None:
        super().close()
        if self._owns_gate:
            self.gate.close()
