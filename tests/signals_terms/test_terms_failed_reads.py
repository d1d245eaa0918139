"""A failed read of a site's terms is no answer (issue 22; docs/terms.md, "Terms unknown"):
a re-read that fails (5xx, timeout, robots.txt) keeps the clauses the last good read
found instead of forgetting them. Real local sites; their access logs show what was fetched."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from gate.core.gate import Gate
from gate.engines.static import StaticEngine
from gate.signals.terms.finder import FOUND, TermsRecord
from gate.signals.terms.page import analyse_page
from gate.signals.terms.store import TermsStore

HTML = "text/html; charset=utf-8"
UA = "TermsFailBot/1.0 (+https://example.com/bot)"
HOME = '<html lang="en"><body><p>Shop</p><footer><a href="/terms">Terms of Use</a></footer></body></html>'
TERMS = ("<html><body><h1>Terms of Use</h1><p>You may not use any robot, spider or scraper to access the "
         "Site.</p><p>You may not use the Content to train artificial intelligence models.</p></body></html>")
DAY = 24 * 3600


@pytest.fixture(autouse=True)
def _discovery_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")


def job() -> dict[str, Any]:
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "terms-fail"},
            "spec": {"operator": {"name": "Example Corp", "establishment": "DE"},
                     "purpose": {"category": "ai_training"}, "user_agent": UA, "data_categories": ["non_personal"],
                     "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["http://127.0.0.1/"]}}


class Inputs:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, policy_input: dict[str, Any]) -> dict[str, Any]:
        self.seen.append(policy_input)
        return {"allow": True, "deny": [], "warn": [], "obligations": [], "waived": []}


def store_read(server: HTTPServer, record: TermsRecord) -> None:
    store = TermsStore(Path(os.environ["SCRAPEGATE_HOME"]) / "terms.db")
    try:
        store.save(record, UA)
    finally:
        store.close()


def site(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def terms_input(server: HTTPServer) -> dict[str, Any]:
    inputs = Inputs()
    with Gate(job(), engine=StaticEngine(inputs), signals="live", ledger=False) as gate:
        gate.check(server.url_for("/p/1"))
    return dict(inputs.seen[0]["signals"]["terms"])


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def test_a_failed_reread_keeps_the_prohibition_the_last_read_found(httpserver: HTTPServer) -> None:
    page = analyse_page(TERMS, HTML)
    two_days_ago = time.time() - 2 * DAY
    store_read(httpserver, TermsRecord(
        site=site(httpserver), status=FOUND, read_at=two_days_ago, url=httpserver.url_for("/terms"),
        how_found="link", anchor="Terms of Use", language="en", sha256=page.sha256, clauses=page.clauses,
        fetches=2))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data(HOME, content_type=HTML)
    httpserver.expect_request("/terms").respond_with_data("overloaded", status=503)
    httpserver.expect_request("/p/1").respond_with_data("item")
    terms = terms_input(httpserver)
    assert [p for p in paths(httpserver) if p in ("/", "/terms")] == ["/", "/terms"]  # the re-read was tried
    # ... and failed: the terms read two days ago still stand, dated when they were read
    assert terms["known"] is True and terms["automated_collection"] == "prohibited"
    assert terms["tdm_reserved_in_prose"] is True and terms["sha256"] == page.sha256
    assert terms["read_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(two_days_ago))


JS_SHELL = ('<html><head><title>Terms of Use</title></head><body><div id="app"></div>'
            '<script src="/static/terms.js"></script></body></html>')


def test_a_terms_page_its_scripts_write_is_unreadable_and_keeps_the_last_read(httpserver: HTTPServer) -> None:
    page = analyse_page(TERMS, HTML)
    two_days_ago = time.time() - 2 * DAY
    store_read(httpserver, TermsRecord(
        site=site(httpserver), status=FOUND, read_at=two_days_ago, url=httpserver.url_for("/terms"),
        how_found="link", anchor="Terms of Use", language="en", sha256=page.sha256, clauses=page.clauses,
        fetches=2))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data(HOME, content_type=HTML)
    httpserver.expect_request("/terms").respond_with_data(JS_SHELL, content_type=HTML)
    httpserver.expect_request("/p/1").respond_with_data("item")
    terms = terms_input(httpserver)
    assert [p for p in paths(httpserver) if p in ("/", "/terms")] == ["/", "/terms"]
    assert terms["known"] is True and terms["automated_collection"] == "prohibited"  # not "found, no clauses"
    assert terms["sha256"] == page.sha256


def test_a_home_page_without_the_link_rereads_the_page_the_last_read_found(httpserver: HTTPServer) -> None:
    """A 200 maintenance page (no links) is no proof the terms are gone: the page the last
    read found is read again, in the budget's second fetch, rather than a well-known path."""
    old = analyse_page(TERMS, HTML)
    store_read(httpserver, TermsRecord(
        site=site(httpserver), status=FOUND, read_at=time.time() - 2 * DAY, url=httpserver.url_for("/legal/nutzung"),
        how_found="link", anchor="Terms of Use", language="en", sha256=old.sha256, clauses=old.clauses, fetches=2))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data("<html><body><h1>Back soon</h1></body></html>", content_type=HTML)
    httpserver.expect_request("/legal/nutzung").respond_with_data(TERMS.replace("Site.", "Site or its API."),
                                                                  content_type=HTML)
    httpserver.expect_request("/p/1").respond_with_data("item")
    terms = terms_input(httpserver)
    assert [p for p in paths(httpserver) if p not in ("/robots.txt", "/p/1", "/.well-known/tdmrep.json")] == [
        "/", "/legal/nutzung"]
    assert terms["known"] is True and terms["automated_collection"] == "prohibited"
    assert terms["sha256"] != old.sha256  # read today, not carried


def test_the_page_the_last_read_found_gone_is_not_found(httpserver: HTTPServer) -> None:
    old = analyse_page(TERMS, HTML)
    store_read(httpserver, TermsRecord(
        site=site(httpserver), status=FOUND, read_at=time.time() - 2 * DAY, url=httpserver.url_for("/legal/nutzung"),
        how_found="link", anchor="Terms of Use", language="en", sha256=old.sha256, clauses=old.clauses, fetches=2))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data("<html><body><h1>Shop</h1></body></html>", content_type=HTML)
    httpserver.expect_request("/legal/nutzung").respond_with_data("gone", status=404)
    httpserver.expect_request("/p/1").respond_with_data("item")
    terms = terms_input(httpserver)
    assert [p for p in paths(httpserver) if p not in ("/robots.txt", "/p/1", "/.well-known/tdmrep.json")] == [
        "/", "/legal/nutzung"]
    assert terms["known"] is False and terms["status"] == "not_found"  # the site took its terms down


def test_a_site_that_keeps_failing_keeps_its_prohibition_within_the_budget() -> None:
    """The kept read is fresh for a day like any other: a site whose re-reads keep failing
    costs at most two fetches a day (BENCHMARKS.md's budget) and keeps its prohibition."""
    from gate.signals.terms.finder import TermsFinder

    now = [1_800_000_000.0]
    up = [True]
    sent: list[tuple[int, str]] = []

    def fetch(url: str) -> tuple[int, dict[str, str], str]:
        sent.append((int((now[0] - 1_800_000_000.0) // DAY), url))
        if not up[0]:
            raise TimeoutError("deadline exceeded")
        return 200, {"content-type": HTML}, HOME if url.endswith("example/") else TERMS

    finder = TermsFinder(fetch, clock=lambda: now[0])
    assert finder.find("https://shop.example/p/1").restrictive
    up[0] = False
    for hour in range(1, 72):
        now[0] = 1_800_000_000.0 + hour * 3600
        record = finder.find("https://shop.example/p/1")
        assert record.status == FOUND and record.restrictive, hour
    per_day = [sum(1 for day, _ in sent if day == d) for d in range(3)]
    assert max(per_day) <= 2, per_day
