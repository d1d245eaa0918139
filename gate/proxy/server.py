"""proxy.py, embedded in this process: a loopback listener whose connections each run
proxy.py's HttpProtocolHandler (with TLS interception and GatePlugin) in a thread.

proxy.py's own `Proxy` starts acceptor *processes* even in `--threaded` mode; the Gate, its
ledger and the run's tally would then live in a forked child. Accepting here and running each
connection's proxy.py work object (HttpProtocolHandler) in a thread, as proxy.py's own
`start_threaded_work` does in threaded mode, keeps one process, one Gate, one ledger
connection, and lets us refuse any peer that is not on the loopback interface.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import socket
import threading
from typing import Any

from gate.proxy.ca import CertificateAuthority
from gate.proxy.service import GateService

__all__ = ["GatingProxy", "LOOPBACK", "is_loopback_peer", "default_upstream_ca"]

LOOPBACK = "127.0.0.1"
ACCEPT_POLL_S = 0.2
JOIN_TIMEOUT_S = 2.0
LISTEN_BACKLOG = 128
# proxy.py closes a connection idle this long. A rate_limit wait happens inside a request's
# handling, so a crawl-delay longer than this would cut that request's connection.
IDLE_TIMEOUT_S = 600
PROXY_USER = "scrapegate"
PROXY_LOG_LEVELS = {"quiet": logging.CRITICAL, "normal": logging.WARNING, "verbose": logging.DEBUG}


def is_loopback_peer(address: Any) -> bool:
    """True for a peer on 127.0.0.0/8 or ::1 (also as IPv4-mapped IPv6)."""
    try:
        ip = ipaddress.ip_address(address[0] if isinstance(address, tuple) else address)
    except (ValueError, TypeError, IndexError):
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool((mapped or ip).is_loopback)


def default_upstream_ca() -> str | None:
    """certifi's Mozilla bundle if installed, else None (the system trust store)."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - requests depends on certifi
        return None
    return certifi.where()


# (An origin's untrusted certificate is reported by upstream_tls.py in its own words.)
_HINTS = (
    ("Client raised cert verification error", "COMMAND does not trust the scrapegate CA: does it read "
                                              "SSL_CERT_FILE / REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE?"),
)

class _OneLine(logging.Formatter):
    """proxy.py's diagnostics as one line each, without tracebacks, unless verbose."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("scrapegate proxy: %(message)s")
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record) if self.verbose else (
            "scrapegate proxy: " + record.getMessage().splitlines()[0][:300])
        for needle, hint in _HINTS:
            if needle in text:
                text += f" ({hint})"
        return text


# UpstreamTlsRefused is logged once, as one line, by upstream_tls.py itself.
_OWN_EXCEPTIONS = ("HttpRequestRejected", "ProxyAuthenticationFailed", "ProxyConnectionFailed", "UpstreamTlsRefused")


class _DropOwnRejections(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Our 451/4xx answers travel as HttpRequestRejected; proxy.py logs each as a warning.
        # ProxyConnectionFailed repeats the "Unable to connect with upstream" line before it.
        message = record.getMessage()
        return not any(name in message for name in _OWN_EXCEPTIONS)


def _finish_gate_plugin(work: Any) -> None:
    """Make sure our plugin saw the connection end, even when proxy.py's shutdown did not run."""
    from gate.proxy.plugin import GatePlugin

    for plugin in getattr(getattr(work, "plugin", None), "plugins", {}).values():
        if isinstance(plugin, GatePlugin):
            plugin.finish()


class GatingProxy:
    """The intercepting proxy of one `scrapegate run`. Listens on 127.0.0.1, an ephemeral port.

    Usage::

        with GatingProxy(service, ca) as proxy:
            subprocess.run(cmd, env={**os.environ, "HTTPS_PROXY": proxy.url, ...})
    """

    def __init__(self, service: GateService, ca: CertificateAuthority, *, upstream_ca: str | None = None,
                 proxy_auth: bool = True, log: str = "normal", log_stream: Any = None) -> None:
        self.service = service
        self.ca = ca
        self.upstream_ca = upstream_ca if upstream_ca is not None else default_upstream_ca()
        self.credentials = (PROXY_USER, secrets.token_urlsafe(18)) if proxy_auth else None
        self._log_level = PROXY_LOG_LEVELS[log]
        self._log_stream = log_stream
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._works: list[tuple[Any, threading.Thread]] = []
        self._works_lock = threading.Lock()
        self._saved_logger: tuple[Any, ...] | None = None
        self.refused_peers = 0
        self.flags: Any = None

    # -- addresses ------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._listener is not None, "the proxy is not started"
        return int(self._listener.getsockname()[1])

    @property
    def address(self) -> tuple[str, int]:
        return LOOPBACK, self.port

    @property
    def url(self) -> str:
        """The proxy URL for HTTP(S)_PROXY, with the run's credentials."""
        auth = f"{self.credentials[0]}:{self.credentials[1]}@" if self.credentials else ""
        return f"http://{auth}{LOOPBACK}:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "GatingProxy":
        self.flags = self._make_flags()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((LOOPBACK, 0))  # loopback only: never reachable from the network
            listener.listen(LISTEN_BACKLOG)
            listener.settimeout(ACCEPT_POLL_S)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self._accept_thread = threading.Thread(target=self._accept_loop, name="scrapegate-proxy-accept", daemon=True)
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every client connection, wait for the handler threads."""
        self._stopping.set()
        if self._listener is not None:
            try:  # wakes the accept() in the accept thread at once (Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._accept_thread is not None:
            self._accept_thread.join(JOIN_TIMEOUT_S + ACCEPT_POLL_S)
        if self._listener is not None:
            self._listener.close()
        with self._works_lock:
            works, self._works = self._works, []
        for work, _ in works:
            try:  # the connection may be an SSLSocket by now: shut down whichever it is
                work.work.connection.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError, ValueError):
                pass
        for _, thread in works:
            thread.join(JOIN_TIMEOUT_S)
        self._restore_logging()

    def __enter__(self) -> "GatingProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals ------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, addr = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break  # listener closed
            if not is_loopback_peer(addr) or self._stopping.is_set():
                self.refused_peers += 1
                conn.close()
                continue
            conn.settimeout(None)
            try:
                work = self.flags.work_klass(self.flags.work_klass.create(conn, addr), flags=self.flags,
                                             event_queue=None, upstream_conn_pool=None)
                thread = threading.Thread(target=self._run_work, args=(work,), daemon=True,
                                          name=f"scrapegate-proxy-{addr[1]}")
                thread.start()
            except Exception:
                conn.close()
                continue
            with self._works_lock:
                self._works = [(w, t) for w, t in self._works if t.is_alive()]
                self._works.append((work, thread))

    @staticmethod
    def _run_work(work: Any) -> None:
        """proxy.py's HttpProtocolHandler.run, as its start_threaded_work runs it, but never
        letting a handler crash escape as a thread traceback. (proxy.py 2.4.10 crashes in
        its own shutdown after an upstream TLS failure: the failed socket's fd -1 stays among
        the selector's descriptors.)"""
        try:
            work.run()
        except Exception as exc:
            logging.getLogger("proxy").debug("connection handler ended with %r", exc)
            for close in (lambda: work.work.connection.close(), lambda: work.selector and work.selector.close()):
                try:
                    close()
                except Exception:
                    pass
        finally:
            _finish_gate_plugin(work)

    def _make_flags(self) -> Any:
        from proxy.common.flag import FlagParser

        from gate.proxy.plugin import CA_FLAG, SERVICE_FLAG, GatePlugin
        from gate.proxy.upstream_tls import VerifyingHttpProxyPlugin

        workdir = self.ca.directory / "proxy.py"
        # --disable-http-proxy drops proxy.py's own HttpProxyPlugin: ours replaces it.
        args = ["--hostname", LOOPBACK, "--port", "0", "--cache-dir", str(workdir / "cache"), "--disable-http-proxy",
                "--log-level", logging.getLevelName(self._log_level)[0]]
        opts: dict[str, Any] = dict(
            plugins=[VerifyingHttpProxyPlugin, GatePlugin], threaded=True, threadless=False, timeout=IDLE_TIMEOUT_S,
            ca_key_file=str(self.ca.key_path), ca_cert_file=str(self.ca.cert_path),
            ca_signing_key_file=str(self.ca.leaf_key_path), ca_cert_dir=str(self.ca.leaves_dir),
            ca_file=self.upstream_ca, data_dir=str(workdir),
        )
        if self.credentials:
            opts["basic_auth"] = ":".join(self.credentials)
        self._configure_logging()
        root = logging.getLogger()
        guard = None
        if not root.handlers:  # FlagParser calls logging.basicConfig: keep the root logger ours
            guard = logging.NullHandler()
            root.addHandler(guard)
        try:
            flags = FlagParser.initialize(args, **opts)
        finally:
            if guard is not None:
                root.removeHandler(guard)
        setattr(flags, SERVICE_FLAG, self.service)
        setattr(flags, CA_FLAG, self.ca)
        return flags

    def _configure_logging(self) -> None:
        import sys

        log = logging.getLogger("proxy")
        self._saved_logger = (log.level, log.propagate, list(log.handlers))
        handler = logging.StreamHandler(self._log_stream or sys.stderr)
        handler.setFormatter(_OneLine(self._log_level <= logging.DEBUG))
        handler.addFilter(_DropOwnRejections())
        log.handlers = [handler]
        log.setLevel(self._log_level)
        log.propagate = False

    def _restore_logging(self) -> None:
        if self._saved_logger is None:
            return
        log = logging.getLogger("proxy")
        log.level, log.propagate, log.handlers = self._saved_logger[0], self._saved_logger[1], self._saved_logger[2]
        self._saved_logger = None

    def __repr__(self) -> str:
        where = f"{LOOPBACK}:{self.port}" if self._listener else "stopped"
        return f"<GatingProxy {where}>"
