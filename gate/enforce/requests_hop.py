"""One requests hop through a Gate: admit it, send it, record the body. Used by the requests
adapter's GatedAdapter and by the requests hook of `@guard`. A `stream=True` response is not
hashed: its body belongs to the caller, who may never read it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from gate.enforce.admit import admit, attach, handled_by, paced, record_body

if TYPE_CHECKING:
    import requests

    from gate.core.gate import Gate
    from gate.model.decision import Decision

__all__ = ["send_gated"]


def send_gated(gate: "Gate", send: Callable[..., "requests.Response"], request: "requests.PreparedRequest",
               stream: bool = False, **kwargs: Any) -> "requests.Response":
    """One hop: admit, send with `send(request, stream=..., **kwargs)`, record the body.
    Used by GatedAdapter and by the requests hook of `@guard`."""
    url = request.url or ""
    decision: Decision = admit(gate, url, request.method or "GET", pace=False)
    with paced(gate, url, decision), handled_by(gate):
        response = send(request, stream=stream, **kwargs)
    attach(response, decision)
    if not stream:
        record_body(gate, decision, response.status_code, response.content)
    return response
