"""Fixtures of the attack tests: a real origin (origin.Origin, Python's http.server) whose
access log shows exactly what arrived, and Gates on the small robots-based test policy."""

from __future__ import annotations

from typing import Iterator

import pytest
from origin import Origin


@pytest.fixture
def origin() -> Iterator[Origin]:
    with Origin() as o:
        yield o


@pytest.fixture
def gating_proxy(make_gate: "object", tmp_path: "object") -> Iterator[object]:
    """`scrapegate run`'s proxy (no credentials) in front of a Gate on the test policy."""
    from pathlib import Path

    from gate.proxy.ca import CertificateAuthority
    from gate.proxy.server import GatingProxy
    from gate.proxy.service import GateService

    assert isinstance(tmp_path, Path)
    gate = make_gate(ledger=tmp_path / "proxy-ledger.db")  # type: ignore[operator]
    service = GateService(gate)
    proxy = GatingProxy(service, CertificateAuthority.load_or_create(tmp_path / "ca"), proxy_auth=False)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
        service.close()
