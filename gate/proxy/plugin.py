"""The proxy.py plugin that gates every request.

proxy.py calls, per client connection:

- `before_upstream_connection(request)` for the connection's first request: a plain-HTTP
  request in absolute form (gated here, so a denied one never opens a connection to the
  origin), or a CONNECT (nothing to gate yet: the URL is inside the tunnel; the leaf
  certificate for the host is issued here, before proxy.py intercepts).
- `handle_client_request(request)` for that first request again, then for every later request
  on the connection: the requests decrypted inside an intercepted tunnel, or further plain
  requests on a kept-alive connection. Each is gated.
- `handle_upstream_chunk(chunk)` for every byte the origin sends: measured per response for
  the ledger's collection record, and queued to the client here (see the method).

A denied request raises HttpRequestRejected(451), which proxy.py answers and then closes the
connection. Each response is held back until the response phase (Gate.inspect) has seen it
(its body, or its first MAX_INSPECT_BYTES): one it withholds is answered with a 451 instead.
A plain-HTTP connection is bound to one origin by proxy.py, so plain requests go
out and come back with `Connection: close`: a client reusing the connection for another host
would otherwise be sent to the first host.
"""

from __future__ import annotations

import json
from typing import Any

from proxy.http.exception import HttpRequestRejected
from proxy.http.parser import HttpParser
from proxy.http.proxy import HttpProxyBasePlugin

from gate.enforce.identity import is_library_agent, sent_agent
from gate.model.decision import Decision
from gate.model.response import MAX_INSPECT_BYTES, ResponseFacts, decodable_codings, decoded_body
from gate.proxy.ca import InvalidHost
from gate.proxy.meter import Measured, ResponseMeter
from gate.proxy.service import BLOCKED_REASON, BLOCKED_STATUS, GateService, blocked_body

__all__ = ["GatePlugin", "SERVICE_FLAG", "CA_FLAG"]

SERVICE_FLAG = "scrapegate_service"   # attribute of proxy.py's flags holding the GateService
CA_FLAG = "scrapegate_ca"             # ... and the CertificateAuthority
DEFAULT_PORTS = {"http": 80, "https": 443}
_STRIP_HEADERS = (b"proxy-authorization", b"proxy-connection")


def _reject(status: int, reason: str, message: str, **extra: Any) -> HttpRequestRejected:
    body = json.dumps({"error": message, **extra}).encode() + b"\n"
    return HttpRequestRejected(status, reason.encode(), {b"Content-Type": b"application/json"}, body)


def _text(value: bytes | None) -> str:
    return (value or b"").decode("latin-1")


def _authority(scheme: str, host: str, port: int) -> str:
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return host if DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"


def _accepted(value: str) -> str:
    """The client's Accept-Encoding cut to the codings gate.model.response.decoded_body
    undoes, so the origin's answer can be inspected; "identity" when none is left."""
    ours = decodable_codings()
    kept = [part.strip() for part in value.split(",") if part.split(";")[0].strip().lower() in ours]
    return ", ".join(kept) or "identity"


class GatePlugin(HttpProxyBasePlugin):
    """One instance per client connection (proxy.py's model); state is per connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service: GateService = getattr(self.flags, SERVICE_FLAG)
        self._origin: tuple[str, str, int] | None = None   # scheme, host, port of this connection
        self._first: HttpParser | None = None               # the plain request gated before connecting
        self._meter: ResponseMeter | None = None
        self._gated = 0                                     # requests gated on this connection
        self._finished = False

    # -- proxy.py hooks ---------------------------------------------------------------------
    def before_upstream_connection(self, request: HttpParser) -> HttpParser | None:
        host, port = _text(request.host), int(request.port or 0)
        if request.is_https_tunnel:
            self._start_tunnel(host, port)
            return request
        if not host:
            raise _reject(400, "Bad Request", "scrapegate run is a forward proxy: send absolute-form requests")
        scheme = _text(request._url.scheme if request._url else b"http").lower() or "http"
        if scheme != "http":  # proxy.py would send it unencrypted to port 80
            raise _reject(400, "Bad Request", f"{scheme}:// URLs must be tunnelled with CONNECT, not sent in the clear")
        self._origin = ("http", host, port)
        self._meter = self._new_meter(force_close=True)
        self._gate(request)
        self._first = request
        return request

    def handle_client_request(self, request: HttpParser) -> HttpParser | None:
        if request.is_https_tunnel:
            return request  # the CONNECT itself: nothing to forward
        if request is self._first:
            self._first = None  # gated in before_upstream_connection
        else:
            self._check_same_origin(request)
            self._gate(request)
        self._prepare(request)
        return request

    def handle_upstream_chunk(self, chunk: memoryview) -> memoryview | None:
        if self._meter is None:
            return chunk
        out, done = self._meter.feed(bytes(chunk))
        if out:
            self.client.queue(memoryview(out))
        self._record(done)
        # Relayed here, so None: proxy.py would otherwise also parse the response and keep
        # its whole body in memory, growing it by concatenation (20 MB took 5 s, quadratic).
        return None

    def on_upstream_connection_close(self) -> None:
        # proxy.py calls this when the client connection closes, upstream or not.
        self.finish()

    def finish(self) -> None:
        """Close the books on this connection (once): a body read until close is complete;
        a connection that never got a request gated is counted."""
        if self._finished:
            return
        self._finished = True
        if self._meter is not None:
            out, done = self._meter.close()
            if out:
                self.client.queue(memoryview(out))
            self._record(done)
        if self._origin is not None and self._gated == 0:
            self.service.unopened(*self._origin)

    def on_access_log(self, context: dict[str, Any]) -> dict[str, Any] | None:
        return None  # scrapegate prints its own summary; proxy.py's access log is noise here

    # -- helpers --------------------------------------------------------------------------
    def _new_meter(self, *, force_close: bool) -> ResponseMeter:
        return ResponseMeter(force_close=force_close, on_held=self._on_held, hold_bytes=MAX_INSPECT_BYTES)

    def _on_held(self, decision: Decision, status: int, headers: list[tuple[str, str]], body: bytes,
                 complete: bool) -> bytes | None:
        """The response phase for one held response: None releases it, else the 451 to send."""
        url = decision.url or ""
        answer = self.service.inspect(decision, ResponseFacts.of(
            url, status, headers, decoded_body(headers, body, complete), complete=complete))
        if not self.service.blocks(answer):
            return None
        body_json = blocked_body(answer, url)
        return (f"HTTP/1.1 {BLOCKED_STATUS} {BLOCKED_REASON}\r\nContent-Type: application/json\r\n"
                f"Cache-Control: no-store\r\nX-Scrapegate-Decision: {answer.decision_id}\r\n"
                f"Content-Length: {len(body_json)}\r\nConnection: close\r\n\r\n").encode() + body_json

    def _start_tunnel(self, host: str, port: int) -> None:
        ca = getattr(self.flags, CA_FLAG, None)
        if ca is None or not self.flags.ca_cert_dir:
            # Without interception proxy.py would open a blind tunnel: never allow that.
            raise _reject(502, "Bad Gateway", "TLS interception is not configured; refusing a blind tunnel")
        try:
            ca.ensure_leaf(host)
        except InvalidHost as exc:
            raise _reject(400, "Bad Request", str(exc)) from exc
        self._origin = ("https", host, port)
        self._meter = self._new_meter(force_close=False)

    def _check_same_origin(self, request: HttpParser) -> None:
        """A later request on this connection must be for the connection's origin."""
        assert self._origin is not None
        scheme, host, port = self._origin
        if request.host is None:
            if scheme == "https":
                return  # origin-form inside the tunnel: the tunnel names the origin
            raise _reject(400, "Bad Request", "scrapegate run is a forward proxy: send absolute-form requests")
        same = _text(request.host).lower() == host.lower() and (
            scheme == "https" or int(request.port or 0) == port)
        if not same:
            raise _reject(421, "Misdirected Request",
                          "this proxy connection serves one origin; open a new connection",
                          origin=f"{scheme}://{_authority(scheme, host, port)}")

    def _url(self, request: HttpParser) -> str:
        assert self._origin is not None
        scheme, host, port = self._origin
        path = _text(request.path) or "/"
        if not path.startswith("/"):
            path = "/" + path
        return f"{scheme}://{_authority(scheme, host, port)}{path}"

    @staticmethod
    def _sanitize(request: HttpParser) -> None:
        """Forward only what the gate sees: a fragment is cut off (the gate never reads one, a
        lax origin might), and a request framed two ways (Content-Length and
        Transfer-Encoding, RFC 9112 section 6.3: a smuggling vector) is refused."""
        if request.has_header(b"content-length") and request.has_header(b"transfer-encoding"):
            raise _reject(400, "Bad Request", "a request with both Content-Length and Transfer-Encoding is refused")
        if request.path and b"#" in request.path:
            request.path = request.path.split(b"#", 1)[0] or b"/"

    def _gate(self, request: HttpParser) -> Decision:
        self._sanitize(request)
        url = self._url(request)
        method = _text(request.method).upper() or "GET"
        decision = self.service.check(url, method, self._sent_headers(request))
        self._gated += 1
        if self.service.blocks(decision):
            raise HttpRequestRejected(
                BLOCKED_STATUS, BLOCKED_REASON.encode(),
                {b"Content-Type": b"application/json", b"Cache-Control": b"no-store",
                 b"X-Scrapegate-Decision": decision.decision_id.encode()},
                blocked_body(decision, url),
            )
        self.service.pace(url, decision)  # in audit mode too, like the adapters
        assert self._meter is not None
        self._meter.expect(decision, method)
        return decision

    @staticmethod
    def _sent_headers(request: HttpParser) -> dict[str, str]:
        """The client's headers that reach the origin as they are (`_prepare` replaces Host and
        a library's default User-Agent, and drops the proxy's own)."""
        out: dict[str, str] = {}
        for name, value in (request.headers or {}).values():
            lower = name.lower()
            if lower == b"host" or lower in _STRIP_HEADERS:
                continue
            if lower == b"user-agent" and is_library_agent(_text(value)):
                continue
            out[_text(name)] = _text(value)
        return out

    def _prepare(self, request: HttpParser) -> None:
        """What the origin receives: no proxy credentials, the Host that was gated, the job's
        User-Agent in place of a library's default (curl's, python-requests'...: robots.txt was
        read for the job's agent; any other agent was refused in `_gate`), and for plain HTTP
        `Connection: close` (see the module docstring)."""
        assert self._origin is not None
        scheme, host, port = self._origin
        request.del_headers(list(_STRIP_HEADERS))
        request.add_header(b"Host", _authority(scheme, host, port).encode())
        agent = request.header(b"user-agent") if request.has_header(b"user-agent") else None
        request.add_header(b"User-Agent", sent_agent(self.service.gate, _text(agent) if agent else None).encode())
        if request.has_header(b"accept-encoding"):  # only codings the response phase can undo (br, zstd passed raw)
            request.add_header(b"Accept-Encoding", _accepted(_text(request.header(b"accept-encoding"))).encode())
        if scheme == "http" and not request.has_header(b"upgrade"):  # a WebSocket upgrade keeps its Connection
            request.del_header(b"keep-alive")
            request.add_header(b"Connection", b"close")

    def _record(self, done: list[Measured]) -> None:
        for m in done:
            self.service.collected(m.token, status=m.status, nbytes=m.nbytes, sha256=m.sha256)
