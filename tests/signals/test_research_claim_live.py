"""A research organisation's claim against a real local site that reserves text and data
mining (tdmrep.json), through Gate with live signals and the shipped policies: research by a
research organisation keeps the data to itself and is warned (DSM Directive Art. 3); the same
"research organisation" selling the data or supplying customers is denied (tdm.reserved),
and nothing but the signals is fetched for it."""

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

JOB: dict[str, Any] = {
    "apiVersion": "scrapegate/v1", "kind": "CollectionJob",
    "metadata": {"name": "corpus-study", "owner": "tests@example.com"},
    "spec": {
        "operator": {"name": "Example Labs", "establishment": "DE", "markets": ["EU"], "research_organisation": True},
        "purpose": {"category": "text_and_data_mining"},
        "user_agent": "ExampleLabsBot/1.0 (+https://labs.example/bot)",
        "data_categories": ["copyrighted_works"],
        "data_subjects": {"jurisdictions": ["DE"]},
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
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    httpserver.expect_request("/.well-known/tdmrep.json").respond_with_json([{"location": "/", "tdm-reservation": 1}])
    httpserver.expect_request("/papers/1").respond_with_data("<html><body><p>On prices.</p></body></html>",
                                                             content_type="text/html")
    return httpserver


def papers_fetched(origin: HTTPServer) -> int:
    return sum(1 for req, _ in origin.log if req.path == "/papers/1")


def test_research_kept_in_house_is_warned(origin: HTTPServer, engine: EmbeddedEngine) -> None:
    with Gate(job(), engine=engine, signals="live") as gate, GatedSession(gate) as session:
        assert session.get(origin.url_for("/papers/1"), timeout=10).status_code == 200
        decision = gate.check(origin.url_for("/papers/1"))
    assert decision.allow and [w.code for w in decision.warn] == ["tdm.reserved"]
    assert papers_fetched(origin) == 1


@pytest.mark.parametrize("selling", [{"sells_data": True}, {"recipients": ["internal", "customers"]}])
def test_a_research_organisation_that_sells_is_denied(origin: HTTPServer, engine: EmbeddedEngine,
                                                      selling: dict[str, Any]) -> None:
    with Gate(job(**selling), engine=engine, signals="live") as gate, GatedSession(gate) as session:
        with pytest.raises(CollectionBlocked) as blocked:
            session.get(origin.url_for("/papers/1"), timeout=10)
    assert blocked.value.decision.deny_codes == ["tdm.reserved"]
    assert papers_fetched(origin) == 0  # the access log: the page was never requested
    assert any(req.path == "/.well-known/tdmrep.json" for req, _ in origin.log)
    assert "tdmrep" in blocked.value.decision.deny[0].message
