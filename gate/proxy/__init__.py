"""`scrapegate run`'s intercepting proxy: gate any command's HTTP(S) traffic, in any language.

Needs the `proxy` extra (proxy.py and cryptography): `pip install 'scrapegate[proxy]'`.

    ca.py       the per-user CA and leaf certificates (cryptography)
    service.py  one Gate for every connection; the run's tally; the 451 body
    plugin.py   the proxy.py plugin that gates each request
    upstream_tls.py  the origin's TLS handshake before the tunnel's 200 (an untrusted origin: a 502)
    meter.py    measures each response for the ledger's collection record
    server.py   proxy.py embedded: loopback listener, a thread per connection
    command.py  COMMAND's environment and process; `run_behind_proxy`
    summary.py  what `scrapegate run` prints
"""

from __future__ import annotations

import importlib
from typing import Any

from gate.errors import ExtraMissing

__all__ = ["INSTALL_HINT", "ProxyExtraMissing", "require_extra",
           "CertificateAuthority", "GateService", "GatingProxy", "RunResult", "run_behind_proxy"]

INSTALL_HINT = "pip install 'scrapegate[proxy]'"
_EXTRA_MODULES = (("proxy.py", "proxy"), ("cryptography", "cryptography.x509"))


class ProxyExtraMissing(ExtraMissing):
    """The `proxy` extra is not installed."""


def require_extra() -> None:
    """Raise ProxyExtraMissing, naming the install command, unless the extra is importable."""
    missing = []
    for dist, module in _EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(dist)
    if missing:
        raise ProxyExtraMissing(
            f"scrapegate run needs {' and '.join(missing)} (the 'proxy' extra): {INSTALL_HINT}")


_LAZY = {
    "CertificateAuthority": "gate.proxy.ca",
    "GateService": "gate.proxy.service",
    "GatingProxy": "gate.proxy.server",
    "RunResult": "gate.proxy.command",
    "run_behind_proxy": "gate.proxy.command",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
