"""Issue 17.3 and 17.5 against a real local origin whose access log is the evidence, with
the shipped policies: a job that claims Googlebot's product token does not get Googlebot's
robots.txt allowances (robots.impersonation) unless its operator is Google; an IP-literal
host is allowed on loopback and denied when public (request.ip_literal) unless the job
opts in with spec.allow_ip_literals."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from gate.adapters.requests import GatedSession
from gate.core.gate import Gate
from gate.engines.embedded import EmbeddedEngine
from gate.errors import CollectionBlocked
from gate.signals.static import StaticSignals

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
# The site lets Googlebot in and keeps everyone else out, as many sites do.
ROBOTS = "User-agent: Googlebot\nAllow: /\n\nUser-agent: *\nDisallow: /\n"
JOB: dict[str, Any] = {
    "apiVersion": "scrapegate/v1", "kind": "CollectionJob",
    "metadata": {"name": "impersonation-test", "owner": "tests@example.com"},
    "spec": {
        "operator": {"name": "Example Corp", "establishment": "US", "markets": ["US"]},
        "purpose": {"category": "price_monitoring"},
        "user_agent": GOOGLEBOT,
        "data_categories": ["non_personal"],
        "data_subjects": {"jurisdictions": ["US"], "minors": False},
        "targeting": "targeted",
    },
}


def job(**spec: Any) -> dict[str, Any]:
    out = copy.deepcopy(JOB)
    out["spec"].update(spec)
    return out


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedEngine]:
    shipped = EmbeddedEngine()
    yield shipped
    shipped.close()


@pytest.fixture
def origin(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS, content_type="text/plain")
    httpserver.expect_request("/prices").respond_with_data("prices")
    return httpserver


def fetched(origin: HTTPServer) -> list[tuple[str, str]]:
    return [(req.path, req.headers.get("User-Agent", "")) for req, _ in origin.log if req.path != "/robots.txt"]


def test_a_job_claiming_googlebot_is_denied_and_nothing_is_sent(origin: HTTPServer, engine: EmbeddedEngine) -> None:
    with GatedSession(Gate(job(), engine=engine, signals="live")) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.url_for("/prices"))
    assert "robots.impersonation" in blocked.value.decision.deny_codes
    assert fetched(origin) == []


def test_googles_own_job_gets_googlebots_allowances(origin: HTTPServer, engine: EmbeddedEngine) -> None:
    google = job(operator={"name": "Google LLC", "establishment": "US", "markets": ["*"]})
    with GatedSession(Gate(google, engine=engine, signals="live")) as s:
        r = s.get(origin.url_for("/prices"))
    assert r.text == "prices" and r.scrapegate_decision.allow
    assert fetched(origin) == [("/prices", GOOGLEBOT)]


def test_an_honest_agent_gets_the_sites_answer_for_everyone_else(origin: HTTPServer, engine: EmbeddedEngine) -> None:
    honest = job(user_agent="ExamplePriceBot/1.0 (+https://example.com/bot)")
    with GatedSession(Gate(honest, engine=engine, signals="live")) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.url_for("/prices"))
    assert blocked.value.decision.deny_codes == ["robots.disallowed"]
    assert fetched(origin) == []
    assert any(req.path == "/robots.txt" for req, _ in origin.log)  # the site was asked, and said no


def test_loopback_ip_literals_stay_allowed(httpserver: HTTPServer, engine: EmbeddedEngine) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/prices").respond_with_data("prices")
    honest = job(user_agent="ExamplePriceBot/1.0")
    with GatedSession(Gate(honest, engine=engine, signals="live")) as s:
        assert s.get(f"http://127.0.0.1:{httpserver.port}/prices").text == "prices"
    assert ("/prices", "ExamplePriceBot/1.0") in fetched(httpserver)


@pytest.mark.parametrize("url", ["http://93.184.216.34/prices", "http://[2606:4700:4700::1111]/prices",
                                 "http://[::ffff:8.8.8.8]/prices", "http://1572395042/prices"])
def test_public_ip_literals_are_denied_unless_the_job_opts_in(url: str, engine: EmbeddedEngine) -> None:
    # static signals: no robots.txt is fetched, so nothing leaves the machine either way
    honest = job(user_agent="ExamplePriceBot/1.0")
    gate = Gate(honest, engine=engine, signals="static")
    decision = gate.check(url)
    assert decision.deny_codes == ["request.ip_literal"]
    with GatedSession(gate) as s, pytest.raises(CollectionBlocked):
        s.get(url)
    opted_in = Gate(job(user_agent="ExamplePriceBot/1.0", allow_ip_literals=True), engine=engine, signals="static")
    assert opted_in.check(url).allow



class RecordingSignals(StaticSignals):
    """Static signals that remember which hosts the gate asked about (a live source would
    have fetched their robots.txt)."""

    live = True

    def __init__(self) -> None:
        super().__init__()
        self.hosts: list[str] = []

    def gather(self, url: Any, user_agent: str) -> Any:
        self.hosts.append(url.host)
        return super().gather(url, user_agent)

    gather_cached = gather


def test_no_signal_is_fetched_from_a_public_ip_literal(engine: EmbeddedEngine) -> None:
    recorder = RecordingSignals()
    gate = Gate(job(user_agent="ExamplePriceBot/1.0"), engine=engine, signals=recorder)
    assert gate.check("http://93.184.216.34/prices").deny_codes == ["request.ip_literal"]
    assert gate.check("http://127.0.0.1:9/prices").allow
    assert recorder.hosts == ["127.0.0.1"]  # robots.txt would have been asked of loopback only
    opted_in = RecordingSignals()
    Gate(job(user_agent="ExamplePriceBot/1.0", allow_ip_literals=True), engine=engine,
         signals=opted_in).check("http://93.184.216.34/prices")
    assert opted_in.hosts == ["93.184.216.34"]
