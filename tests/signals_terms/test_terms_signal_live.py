"""The terms signal, live (issue 22 point 1): registered in the signal registry, gathered by
a live Gate for every purpose, each discovery fetch gated (robots.txt, redirects, the size
bound, the deadline), cached per site in memory and in the store with the page's hash and
the date read, at most two discovery fetches per site per day. Real local servers; their
access logs are the evidence."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gate.core.gate import Gate
from gate.engines.static import StaticEngine
from gate.signals import base
from gate.signals.live import LiveSignals
from gate.signals.terms.store import TermsStore
from gate.signals.terms_fetch import GatedTermsFetch, TermsFetchRefused
from gate.signals.terms_signal import TermsSignal

FIXTURES = Path(__file__).parent / "fixtures"
HTML = "text/html; charset=utf-8"
UA = "TermsTestBot/1.0 (+https://example.com/bot)"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def job(purpose: str = "price_monitoring") -> dict[str, Any]:
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "terms-live"},
            "spec": {"operator": {"name": "Example Corp", "establishment": "DE"}, "purpose": {"category": purpose},
                     "user_agent": UA, "data_categories": ["non_personal"],
                     "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["http://127.0.0.1/"]}}


class Inputs:
    """A StaticEngine handler that keeps every policy input it was asked about."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, policy_input: dict[str, Any]) -> dict[str, Any]:
        self.seen.append(policy_input)
        return {"allow": True, "deny": [], "warn": [], "obligations": [], "waived": []}


@pytest.fixture(autouse=True)
def _discovery_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")


@pytest.fixture
def shop(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /cart\n")
    httpserver.expect_request("/").respond_with_data(fixture("home_de.html"), content_type=HTML)
    httpserver.expect_request("/agb").respond_with_data(
        fixture("terms_de.html"), content_type=HTML, headers={"Last-Modified": "Tue, 01 Dec 2026 08:00:00 GMT"})
    httpserver.expect_request("/p/1").respond_with_data("item")
    httpserver.expect_request("/p/2").respond_with_data("item")
    return httpserver


def test_the_terms_signal_is_registered() -> None:
    assert base.SITE_SIGNALS["terms"] == "gate.signals.terms_signal:TermsSignal"
    assert TermsSignal in base.site_signal_kinds()
    assert base.not_checked_signals()["terms"] == {"known": False, "status": "not_checked"}


@pytest.mark.parametrize("purpose", ["price_monitoring", "ai_training"])
def test_a_live_gate_reads_the_sites_terms_once(shop: HTTPServer, purpose: str) -> None:
    inputs = Inputs()
    with Gate(job(purpose), engine=StaticEngine(inputs), signals="live", ledger=False) as gate:
        gate.check(shop.url_for("/p/1"))
        gate.check(shop.url_for("/p/2"))
    terms = inputs.seen[0]["signals"]["terms"]
    assert terms["known"] is True and terms["status"] == "found"
    assert terms["source"] == shop.url_for("/agb") and terms["how_found"] == "link" and terms["language"] == "de"
    assert terms["automated_collection"] == "prohibited" and terms["tdm_reserved_in_prose"] is True
    assert terms["clause"] and terms["modified"] == "2026-12-01" and len(terms["sha256"]) == 64
    # robots.txt once, the home page and the terms page once each, then only the requests' own pages
    discovery = [p for p in paths(shop) if p in ("/", "/agb")]
    assert discovery == ["/", "/agb"]
    assert all(r.headers.get("User-Agent") == UA for r, _ in shop.log)


def test_a_new_process_reuses_the_stored_read(shop: HTTPServer) -> None:
    for _ in range(2):  # two Gates, as two `scrapegate check --live` runs the same day
        with Gate(job(), engine=StaticEngine(Inputs()), signals="live", ledger=False) as gate:
            gate.check(shop.url_for("/p/1"))
    assert [p for p in paths(shop) if p in ("/", "/agb")] == ["/", "/agb"]
    store = TermsStore(Path(os.environ["SCRAPEGATE_HOME"]) / "terms.db")
    try:
        stored = store.latest(shop.url_for("/").rstrip("/"), UA)
    finally:
        store.close()
    assert stored is not None and stored.url == shop.url_for("/agb") and stored.sha256


def test_discovery_obeys_robots_txt(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /agb\nDisallow: /terms\n")
    httpserver.expect_request("/").respond_with_data(fixture("home_de.html"), content_type=HTML)
    httpserver.expect_request("/p/1").respond_with_data("item")
    inputs = Inputs()
    with Gate(job(), engine=StaticEngine(inputs), signals="live", ledger=False) as gate:
        gate.check(httpserver.url_for("/p/1"))
    terms = inputs.seen[0]["signals"]["terms"]
    assert terms["known"] is False and terms["status"] == "unreadable"
    assert "/agb" not in paths(httpserver)  # never requested


def test_the_off_switch_fetches_nothing_for_terms(shop: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "off")
    inputs = Inputs()
    with Gate(job(), engine=StaticEngine(inputs), signals="live", ledger=False) as gate:
        gate.check(shop.url_for("/p/1"))
    assert paths(shop) == ["/robots.txt"]  # check decides; nothing else reached the site
    assert inputs.seen[0]["signals"]["terms"] == {"known": False, "status": "not_checked"}


def test_a_site_too_slow_stays_terms_unknown_within_the_deadline(httpserver: HTTPServer) -> None:
    release = threading.Event()

    def slow(_: Request) -> Response:
        release.wait(5)
        return Response(fixture("home_de.html"), content_type=HTML)

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_handler(slow)
    httpserver.expect_request("/agb").respond_with_handler(slow)
    signals = LiveSignals(timeout=0.3)
    try:
        started = time.monotonic()
        from gate.model.url import normalize

        gathered = signals.gather(normalize(httpserver.url_for("/p/1")), UA)
        took = time.monotonic() - started
    finally:
        release.set()
        signals.close()
    assert gathered.signals["terms"]["known"] is False and gathered.signals["terms"]["status"] == "unreadable"
    assert took < 2.0


@pytest.fixture
def two_origins() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    a, b = HTTPServer(host="127.0.0.1", port=0), HTTPServer(host="127.0.0.3", port=0)
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()


def test_every_redirect_hop_is_gated_by_its_own_origins_robots(two_origins: tuple[HTTPServer, HTTPServer]) -> None:
    a, b = two_origins
    a.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    a.expect_request("/terms").respond_with_data("", status=302, headers={"Location": b.url_for("/private/terms")})
    b.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    live = LiveSignals(timeout=2)
    try:
        fetch = GatedTermsFetch(requests.Session(), UA, lambda u: live.robots.lookup(u, UA).result, timeout=2)
        with pytest.raises(TermsFetchRefused, match="robots.txt"):
            fetch(a.url_for("/terms"))
    finally:
        live.close()
    assert paths(a) == ["/robots.txt", "/terms"] and paths(b) == ["/robots.txt"]  # /private/terms never asked


def test_a_body_is_read_up_to_the_size_bound(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/terms").respond_with_data("x" * 300_000, content_type=HTML)
    live = LiveSignals(timeout=2)
    try:
        fetch = GatedTermsFetch(requests.Session(), UA, lambda u: live.robots.lookup(u, UA).result, timeout=2,
                                max_bytes=100_000)
        status, _, body = fetch(httpserver.url_for("/terms"))
    finally:
        live.close()
    assert status == 200 and len(body) == 100_000


def test_a_trickling_terms_page_is_cut_at_the_wall_clock_deadline(httpserver: HTTPServer) -> None:
    def trickle(_: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(40):
                time.sleep(0.2)
                yield b"x"
        return Response(body(), content_type=HTML)

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/terms").respond_with_handler(trickle)
    live = LiveSignals(timeout=1)
    try:
        fetch = GatedTermsFetch(live._session(), UA, lambda u: live.robots.lookup(u, UA).result, timeout=1,
                                deadline=1.0)
        started = time.monotonic()
        with pytest.raises(TermsFetchRefused, match="deadline"):
            fetch(httpserver.url_for("/terms"))
        assert time.monotonic() - started < 3.0  # each read came within the 1 s timeout; the deadline cut it
    finally:
        live.close()


def test_an_adapter_gets_the_same_signal_with_the_shipped_policies(shop: HTTPServer) -> None:
    """requests' GatedSession with its own live Gate on the shipped policies: the first
    request to the site reads its terms (gated, before the page itself), the fetch is
    allowed with the terms.prohibition_detected warning, and later pages add no fetch."""
    from gate.adapters.requests import GatedSession

    shop.expect_request("/.well-known/tdmrep.json").respond_with_data("", status=404)
    with GatedSession(job(), signals="live", ledger=False) as session:
        first = session.get(shop.url_for("/p/1"))
        second = session.get(shop.url_for("/p/2"))
    assert first.status_code == second.status_code == 200
    decision = first.scrapegate_decision  # type: ignore[attr-defined]
    assert decision.allow and "terms.prohibition_detected" in {w.code for w in decision.warn}
    assert [p for p in paths(shop) if p != "/robots.txt"] == ["/", "/agb", "/p/1", "/p/2"]
