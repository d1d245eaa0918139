"""The origin's TLS handshake, done before the client is told its tunnel is open.

proxy.py answers a CONNECT with `200 Connection established` and only then shakes hands with
the origin (HttpProxyPlugin.intercept -> wrap_server). When the origin's certificate is not
trusted, the client has already been told yes: it sees an aborted tunnel, and proxy.py logs a
warning and then a raw "Exception while handling connection" (its shutdown trips on the
failed socket). Here the handshake happens in connect_upstream, before the 200 is queued, so
a refusal becomes a 502 with a body that names the host and the cause, and one log line.
"""

from __future__ import annotations

import json
import logging
import ssl
from typing import Any

from proxy.http.exception import HttpProtocolException
from proxy.http.proxy import HttpProxyPlugin

__all__ = ["UPSTREAM_TLS_REASON", "UpstreamTlsRefused", "VerifyingHttpProxyPlugin", "tls_failure_cause"]

UPSTREAM_TLS_REASON = "Origin TLS Not Trusted"   # the 502's reason phrase: clients show it
CA_HINT = "if you trust this origin, give its CA bundle with --upstream-ca FILE (env SCRAPEGATE_UPSTREAM_CA)"

log = logging.getLogger("proxy.scrapegate")


def tls_failure_cause(exc: BaseException) -> str:
    """The short human cause of a failed handshake: OpenSSL's verify message where there is one
    ("self-signed certificate", "certificate has expired", "Hostname mismatch, ...")."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return str(exc.verify_message)
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason).lower().replace("_", " ")
    return str(exc) or type(exc).__name__


class UpstreamTlsRefused(HttpProtocolException):
    """The origin's TLS handshake failed: the client gets a 502 naming the host and the cause."""

    def __init__(self, host: str, port: int, cause: str, *, verification: bool) -> None:
        self.host, self.port, self.cause, self.verification = host, port, cause, verification
        super().__init__(f"UpstreamTlsRefused {host}:{port}: {cause}")

    def message(self) -> str:
        what = "certificate is not trusted" if self.verification else "TLS handshake failed"
        text = f"{self.host}:{self.port}: the origin's {what} ({self.cause})"
        return f"{text}; {CA_HINT}" if self.verification else text

    def response(self, _request: Any) -> memoryview:
        body = json.dumps({"error": "origin TLS not trusted" if self.verification else "origin TLS failed",
                           "host": self.host, "port": self.port, "cause": self.cause,
                           "message": self.message()}).encode() + b"\n"
        head = (f"HTTP/1.1 502 {UPSTREAM_TLS_REASON if self.verification else 'Bad Gateway'}\r\n"
                "Content-Type: application/json\r\nCache-Control: no-store\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        return memoryview(head.encode() + body)


class VerifyingHttpProxyPlugin(HttpProxyPlugin):
    """proxy.py's HttpProxyPlugin with the origin's handshake moved before the tunnel's 200."""

    def connect_upstream(self) -> None:
        super().connect_upstream()
        if self.upstream is None or not self.request.is_https_tunnel or not self._tls_intercept_enabled:
            return
        host, port = (self.request.host or b"").decode("latin-1"), int(self.request.port or 0)
        try:
            # As wrap_server would: the upstream CA bundle, hostname checked, never CERT_NONE.
            self.upstream.wrap(host, self.flags.ca_file, as_non_blocking=True,
                               verify_mode=ssl.VerifyMode.CERT_REQUIRED)
        except (ssl.SSLError, OSError) as exc:
            refused = UpstreamTlsRefused(host, port, tls_failure_cause(exc),
                                         verification=isinstance(exc, ssl.SSLCertVerificationError))
            # A failed wrap leaves a detached socket (fd -1) behind: proxy.py's shutdown would
            # trip on it. Close it here and forget it.
            try:
                self.upstream.connection.close()
            except OSError:
                pass
            self.upstream = None
            log.warning(refused.message())
            raise refused from exc

    def wrap_server(self) -> bool:
        assert self.upstream is not None
        if isinstance(self.upstream.connection, ssl.SSLSocket):
            return False  # shaken hands (and verified) in connect_upstream
        return bool(super().wrap_server())
