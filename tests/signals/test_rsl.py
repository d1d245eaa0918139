"""RSL 1.0 licences: parsing, where they are named, and robots.txt's `License:` read before
the first fetch, against a real local server and the shipped policies."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from gate.signals import robots_cache, robots_fetch, rsl_signal
from gate.signals.robots import parse
from gate.signals.rsl import licence_signal, links_in_headers, links_in_html, parse_rsl

LICENCE = b"""<?xml version="1.0" encoding="utf-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/"><license><permits type="usage">search ai-input</permits>
    <prohibits type="usage">train-ai</prohibits></license></content>
  <content url="/premium/*" server="https://licensing.example/api"><license>
    <permits type="usage">ai-train</permits><payment type="subscription"/></license></content>
</rsl>"""
UA = "RslBot/1.0 (+https://example.com/bot)"


def test_parse_and_match_the_most_specific_content() -> None:
    doc = parse_rsl(LICENCE)
    free = licence_signal("ok", "https://s.example/l.xml", doc, "s.example", "/news/1")
    assert (free["permits"], free["prohibits"], free["license_required"]) == (["ai-input", "search"], ["ai-train"], False)
    paid = licence_signal("ok", "https://s.example/l.xml", doc, "s.example", "/premium/x")
    assert (paid["permits"], paid["payment"], paid["license_server"], paid["license_required"]) == (
        ["ai-train"], ["subscription"], True, True)


@pytest.mark.parametrize("body, error", [
    (b"<rsl", "not well-formed"),
    (b"<other/>", "root element"),
    (b'<!DOCTYPE r [<!ENTITY a "aaaa">]><rsl xmlns="https://rslstandard.org/rsl"/>', "DOCTYPE"),
    (b'<rsl xmlns="https://rslstandard.org/rsl"></rsl>', "no <content>"),
])
def test_bad_licences_are_invalid_with_a_reason(body: bytes, error: str) -> None:
    doc = parse_rsl(body)
    assert not doc.valid and error in " ".join(doc.errors)


def test_where_a_licence_is_named() -> None:
    assert parse("User-agent: *\nAllow: /\nLicense: https://s.example/license.xml\n").licenses == [
        "https://s.example/license.xml"]
    assert links_in_headers(['<https://cdn.example/x>; rel="preload", </l.xml>; rel="license"; '
                             'type="application/rsl+xml"'], "https://s.example/p/1") == ["https://s.example/l.xml"]
    assert links_in_headers(['</l.xml>; rel="license"'], "https://s.example/") == []  # not RSL's type
    html = (b'<html><head><link rel="license" type="application/rsl+xml" href="/l.xml"></head>'
            b'<body><link rel="license" type="application/rsl+xml" href="/late.xml"></body></html>')
    assert links_in_html(html, "https://s.example/a") == ["https://s.example/l.xml"]


def test_the_licence_bounds_are_robots_txt_s() -> None:
    assert rsl_signal.ROBOTS_DEADLINE_S == robots_fetch.ROBOTS_DEADLINE_S
    assert rsl_signal.ROBOTS_MAX_REDIRECTS == robots_fetch.ROBOTS_MAX_REDIRECTS
    assert rsl_signal.ROBOTS_CACHE_TTL_S == robots_cache.ROBOTS_CACHE_TTL_S
    assert rsl_signal.ROBOTS_UNREACHABLE_TTL_S == robots_cache.ROBOTS_UNREACHABLE_TTL_S


def _job(purpose: str, **spec: Any) -> dict[str, Any]:
    body = {"operator": {"name": "T", "establishment": "DE", "markets": ["EU"]}, "purpose": {"category": purpose},
            "user_agent": UA, "data_categories": ["non_personal"], "data_subjects": {"jurisdictions": ["EU"]},
            "targeting": "targeted"}
    body.update(spec)
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "rsl-" + purpose},
            "spec": body}


@pytest.fixture(scope="module")
def shipped_engine() -> Any:
    from gate.engines.embedded import EmbeddedEngine

    eng = EmbeddedEngine()
    yield eng
    eng.close()


def test_robots_license_is_read_before_the_first_fetch(httpserver: HTTPServer, shipped_engine: Any) -> None:
    from gate.core.gate import Gate

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\nLicense: /license.xml\n")
    httpserver.expect_request("/license.xml").respond_with_data(LICENCE, content_type="application/rsl+xml")
    base = httpserver.url_for("")
    with Gate(_job("ai_training"), engine=shipped_engine, ledger=False) as g:
        first, second = g.check(base + "news/1"), g.check(base + "news/2")
        assert first.deny_codes == ["tdm.reserved"] and second.deny_codes == ["tdm.reserved"]
        paid = g.check(base + "premium/a")
        assert paid.deny_codes == ["rsl.license_required"] and paid.warn_codes == ["rsl.license_required"]
    with Gate(_job("search_indexing"), engine=shipped_engine, ledger=False) as g:
        assert g.check(base + "news/1").allow
    with Gate(_job("price_monitoring"), engine=shipped_engine, ledger=False) as g:
        assert g.check(base + "news/1").allow
    paths = [req.path for req, _ in httpserver.log]
    assert paths.count("/license.xml") == 2  # once per Gate (its cache), never for the price job
    assert "/news/1" not in paths  # decided before any page was fetched


def test_an_unreachable_licence_is_read_as_prohibiting_ai_use(httpserver: HTTPServer, shipped_engine: Any) -> None:
    from gate.core.gate import Gate

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\nLicense: /gone.xml\n")
    httpserver.expect_request("/gone.xml").respond_with_data("", status=503)
    with Gate(_job("ai_training"), engine=shipped_engine, ledger=False) as g:
        decision = g.check(httpserver.url_for("/a"))
    assert decision.deny_codes == ["tdm.reserved"] and "unreadable" in decision.deny[0].message
