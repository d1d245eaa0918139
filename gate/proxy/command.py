"""Run one COMMAND behind the gating proxy: its environment, its process, its exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from gate.model.decision import Decision
from gate.proxy.ca import CertificateAuthority
from gate.proxy.server import GatingProxy
from gate.proxy.service import GateService, RunStats

__all__ = ["RunResult", "child_env", "run_child", "run_behind_proxy",
           "PROXY_VARS", "NO_PROXY_VARS", "CA_VARS", "EXIT_NOT_FOUND", "EXIT_NOT_EXECUTABLE"]

# Both spellings: curl reads only the lower-case http_proxy (httpoxy), most others either.
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
# Cleared: a NO_PROXY entry (often localhost, internal domains) would let requests bypass the gate.
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")
# Only our CA: a client that ignores the proxy variables then fails TLS instead of silently
# bypassing the gate (the proxy itself verifies origins against the normal trust store).
CA_VARS = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")
# OpenSSL also reads SSL_CERT_DIR (the system's hashed CA directory by default).
CA_DIR_VAR = "SSL_CERT_DIR"
EXTRA_VARS = {"NODE_USE_ENV_PROXY": "1"}   # Node >= 24 honours HTTP(S)_PROXY with this set
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127
TERMINATE_GRACE_S = 5.0
FORWARDED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))


def child_env(base: Mapping[str, str], proxy_url: str, ca_file: Path | str, ca_dir: Path | str) -> dict[str, str]:
    """The environment COMMAND runs with."""
    env = {k: v for k, v in base.items() if k not in NO_PROXY_VARS}
    env.update({name: proxy_url for name in PROXY_VARS})
    env.update({name: str(ca_file) for name in CA_VARS})
    env[CA_DIR_VAR] = str(ca_dir)
    env.update(EXTRA_VARS)
    return env


@dataclass
class RunResult:
    """What one `scrapegate run` did."""

    returncode: int          # COMMAND's exit code (128+N when killed by signal N)
    stats: RunStats
    mode: str
    ledger_path: str | None
    proxy_port: int


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def run_child(argv: Sequence[str], env: Mapping[str, str], *, cwd: str | None = None,
              on_error: Callable[[str], None] | None = None) -> int:
    """Run COMMAND to completion and return its exit code, shell style.

    SIGTERM, SIGHUP and SIGQUIT sent to scrapegate are passed on to COMMAND. SIGINT is
    ignored here while COMMAND runs: the terminal delivers Ctrl-C to COMMAND as well, and
    scrapegate must outlive it to write the summary.
    """
    report = on_error or (lambda msg: print(msg, file=sys.stderr))
    try:
        proc = subprocess.Popen(list(argv), env=dict(env), cwd=cwd)
    except FileNotFoundError:
        report(f"scrapegate run: command not found: {argv[0]}")
        return EXIT_NOT_FOUND
    except PermissionError:
        report(f"scrapegate run: command not executable: {argv[0]}")
        return EXIT_NOT_EXECUTABLE
    except OSError as exc:
        report(f"scrapegate run: cannot start {argv[0]}: {exc}")
        return EXIT_NOT_EXECUTABLE
    saved: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        def forward(signum: int, _frame: Any) -> None:
            if proc.poll() is None:
                proc.send_signal(signum)

        for sig in FORWARDED_SIGNALS:
            saved[sig] = signal.signal(sig, forward)
        saved[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return _exit_code(proc.wait())
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if proc.poll() is None:  # we are leaving abnormally: never leave COMMAND behind
            proc.terminate()
            try:
                proc.wait(TERMINATE_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_behind_proxy(argv: Sequence[str], gate: Any, *, upstream_ca: str | None = None, proxy_auth: bool = True,
                     on_decision: Callable[[str, str, Decision], None] | None = None, log: str = "normal",
                     log_stream: Any = None, ca_dir: str | Path | None = None,
                     on_start: Callable[[GatingProxy], None] | None = None,
                     environ: Mapping[str, str] | None = None) -> RunResult:
    """Start the proxy, run COMMAND behind it, stop the proxy; return what happened.

    `gate` is a Gate or a callable building one (see GateService). The caller closes the
    Gate; the proxy lives exactly as long as COMMAND.
    """
    service = GateService(gate, on_decision=on_decision)
    try:
        ca = CertificateAuthority.load_or_create(ca_dir)
    except BaseException:
        service.close()
        raise
    proxy = GatingProxy(service, ca, upstream_ca=upstream_ca, proxy_auth=proxy_auth, log=log, log_stream=log_stream)
    try:
        proxy.start()
        port = proxy.port
        if on_start is not None:
            on_start(proxy)
        env = child_env(os.environ if environ is None else environ, proxy.url, ca.cert_path, ca.trust_dir)
        returncode = run_child(argv, env)
    finally:
        proxy.stop()
        service.close()
    gate = service.gate
    ledger = getattr(gate, "ledger", None)
    return RunResult(returncode=returncode, stats=service.stats, mode=gate.mode,
                     ledger_path=str(ledger.path) if ledger is not None and hasattr(ledger, "path") else None,
                     proxy_port=port)
