"""Attack class 4: time. A server that trickles one byte every 0.5 s resets every per-read
timeout; every signal fetch and every OPA call must still end by its wall-clock deadline and
fail closed. In `scrapegate run`, a slow origin must not hold up decisions for another."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from origin import Origin, Trickler

from gate.core.gate import Gate
from gate.engines.opa import OPAServerEngine
from gate.errors import EngineUnavailable
from gate.signals.live import LiveSignals
from gate.signals.optout import OptOutFetcher
from gate.signals.robots_cache import RobotsCache
from gate.signals.robots_fetch import RobotsFetcher

from local_site import JOB, USER_AGENT

ROBOTS_BODY = ("User-agent: *\nAllow: /\n" + "# padding\n" * 40).encode()
SLOW_ROBOTS = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + str(len(ROBOTS_BODY)).encode()
               + b"\r\n\r\n" + ROBOTS_BODY)
SLOW_CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + \
    b"".join(b"%x\r\n%s\r\n" % (len(line), line) for line in ROBOTS_BODY.splitlines(keepends=True)) + b"0\r\n\r\n"
SLOW_CLOSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + ROBOTS_BODY  # ends at close


@pytest.mark.parametrize("response", [SLOW_ROBOTS, SLOW_CHUNKED, SLOW_CLOSE], ids=["length", "chunked", "close"])
def test_robots_fetch_ends_by_its_deadline_against_a_trickling_server(response: bytes) -> None:
    with Trickler(response, 0.05) as slow, RobotsFetcher(timeout=4.0, deadline=1.0) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(slow.base + "/page", USER_AGENT)
        took = time.monotonic() - started
    assert took < 5.0, took  # unbounded it takes > 20 s
    assert result.status == "unreachable" and "deadline" in (result.error or "")
    assert not result.allowed(slow.base + "/page", USER_AGENT)  # fail closed, never a fragment's verdict


def test_trickled_status_line_and_headers_also_end_by_the_deadline() -> None:
    with Trickler(b"HTTP/1.1 200 OK\r\n" + b"X-Pad: y\r\n" * 50 + b"\r\n", 0.05) as slow, \
            RobotsFetcher(timeout=4.0, deadline=1.0) as fetcher:
        started = time.monotonic()
        result = fetcher.fetch(slow.base + "/", USER_AGENT)
        assert time.monotonic() - started < 5.0
    assert result.status == "unreachable"


def test_tdmrep_fetch_ends_by_its_deadline() -> None:
    body = json.dumps([{"location": "/*", "tdm-reservation": 0}] * 20).encode()
    response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    with Trickler(response, 0.05) as slow, OptOutFetcher(USER_AGENT, timeout=4.0, deadline=1.0) as optout:
        started = time.monotonic()
        fetched = optout.tdmrep(slow.base + "/a")
        assert time.monotonic() - started < 5.0
    assert fetched.status == "unreachable" and "deadline" in (fetched.error or "")


def test_gate_denies_robots_unreachable_when_robots_trickles(engine: Any) -> None:
    with Trickler(SLOW_ROBOTS, 0.5) as slow:
        signals = LiveSignals(robots=RobotsCache(fetcher=RobotsFetcher(timeout=4.0, deadline=1.0)), optout=False)
        with Gate(JOB, engine=engine, signals=signals, ledger=False) as g:
            started = time.monotonic()
            decision = g.check(slow.base + "/page")
            assert time.monotonic() - started < 5.0
    assert decision.deny_codes == ["robots.unreachable"]


def test_opa_engine_worst_case_holds_against_a_trickling_server() -> None:
    """docs/deploy.md: a worst-case evaluation takes (retries + 1) x timeout plus the backoff."""
    answer = b'{"result": {"allow": true, "deny": [], "warn": [], "obligations": [], "waived": []}}'
    response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(answer), answer)
    with Trickler(response, 0.1) as slow:
        engine = OPAServerEngine(slow.base, timeout=0.6, retries=1, backoff=0.05, revision_ttl=3600)
        engine._probe_due = time.monotonic() + 3600  # the revision probe is timed on its own below
        started = time.monotonic()
        with pytest.raises(EngineUnavailable):
            engine.evaluate({"request": {}})
        took = time.monotonic() - started
        bound = (1 + 1) * 0.6 + 0.05
        assert took < bound + 1.5, (took, bound)  # unbounded it takes > 30 s
        started = time.monotonic()
        engine.refresh_revision()  # one request, no retries: one timeout
        assert time.monotonic() - started < 0.6 + 1.5
        engine.close()
        assert slow.connections >= 3


def _proxy_get(proxy: Any, url: str, out: dict[str, Any], key: str) -> None:
    started = time.monotonic()
    with socket.create_connection(proxy.address, timeout=30) as s:
        s.sendall(f"GET {url} HTTP/1.1\r\nHost: {url.split('/')[2]}\r\n\r\n".encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    out[key] = (time.monotonic() - started, reply[:12])


def test_run_decisions_for_different_origins_do_not_wait_on_each_other(make_gate: Any, tmp_path: Path) -> None:
    from gate.proxy.ca import CertificateAuthority
    from gate.proxy.server import GatingProxy
    from gate.proxy.service import GateService

    signals = LiveSignals(robots=RobotsCache(fetcher=RobotsFetcher(timeout=10.0, deadline=8.0)), optout=False)
    gate = make_gate(signals=signals)
    service = GateService(gate)
    with Trickler(SLOW_ROBOTS, 0.5) as slow, Origin() as fast, \
            GatingProxy(service, CertificateAuthority.load_or_create(tmp_path / "ca"), proxy_auth=False) as proxy:
        out: dict[str, Any] = {}
        slow_thread = threading.Thread(target=_proxy_get, args=(proxy, slow.base + "/x", out, "slow"))
        slow_thread.start()
        time.sleep(0.3)  # the slow origin's robots.txt fetch is under way
        _proxy_get(proxy, fast.base + "/y", out, "fast")
        assert "slow" not in out  # still waiting on its own robots.txt
        slow_thread.join(20)
    service.close()
    assert out["fast"][0] < 4.0 and out["fast"][1].startswith(b"HTTP/1.1 200"), out
    assert out["slow"][1].startswith(b"HTTP/1.1 451")  # robots.unreachable: fail closed
    assert fast.arrived() == ["/y"]


def test_terms_discovery_fetch_ends_by_its_deadline() -> None:
    import requests

    from gate.signals.deadline import deadline_session
    from gate.signals.robots_fetch import RobotsResult
    from gate.signals.terms_fetch import GatedTermsFetch, TermsFetchRefused

    body = b"<html><body>" + b"Terms of service. " * 40 + b"</body></html>"
    response = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    with Trickler(response, 0.05) as slow, deadline_session(requests.Session()) as session:
        fetch = GatedTermsFetch(session, USER_AGENT, lambda u: RobotsResult("unavailable", None, None),
                                timeout=4.0, deadline=1.0)
        started = time.monotonic()
        with pytest.raises(TermsFetchRefused, match="within"):
            fetch(slow.base + "/terms")
        assert time.monotonic() - started < 5.0  # unbounded it takes > 35 s
