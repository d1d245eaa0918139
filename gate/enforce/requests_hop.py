"""One requests hop through a Gate: admit it, send it, record the body. Used by the requests
adapter's GatedAdapter and by the requests hook of `@guard`. A `stream=True` response is not
hashed: its body belongs to the caller, who may never read it. Every response then goes
through the response phase (`inspect_hop`): a stream=True one with its headers only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from gate.enforce.admit import admit, attach, handled_by, inspect_hop, paced, record_body
from gate.enforce.identity import sent_agent
from gate.model.response import ResponseFacts

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
    request.headers["User-Agent"] = sent_agent(gate, request.headers.get("User-Agent"))
    decision: Decision = admit(gate, url, request.method or "GET", request.headers, pace=False)
    with paced(gate, url, decision), handled_by(gate):
        response = send(request, stream=stream, **kwargs)
    attach(response, decision)
    headers = getattr(response.raw, "headers", None) or response.headers  # urllib3's keeps repeated lines apart
    if stream:  # the body is the caller's to read: the response phase sees the headers only
        facts = ResponseFacts.of(url, response.status_code, headers, b"", complete=False)
    else:
        record_body(gate, decision, response.status_code, response.content)
        facts = ResponseFacts.of(url, response.status_code, headers, response.content)
    try:
        answer = inspect_hop(gate, decision, facts)
    except BaseException:
        response.close()  # withheld: the caller never gets it
        raise
    if answer is not decision:
        attach(response, answer)
    return response
