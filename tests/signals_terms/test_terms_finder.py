"""TermsFinder against real local HTTP servers (pytest-httpserver on 127.0.0.1, and a
second one on 127.0.0.2 for another site), through a plain `requests` fetch callable.
The fetch budget is asserted from the servers' own request logs."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gate.signals.terms import (
    FOUND,
    LANGUAGES,
    NOT_FOUND,
    PROHIBITION,
    TDM_RESERVATION,
    UNREADABLE,
    TermsFinder,
    TermsRecord,
    diff_records,
)

FIXTURES = Path(__file__).parent / "fixtures"
TERMS_PATH = {
    "en": "/legal/terms-of-use", "de": "/agb", "fr": "/cgu", "es": "/terminos-y-condiciones",
    "it": "/termini-e-condizioni", "nl": "/algemene-voorwaarden", "pt": "/termos-de-uso",
    "pl": "/regulamin", "ja": "/rule/", "zh": "/agreement.html",
}
HTML = "text/html; charset=utf-8"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def plain_fetch(url: str) -> tuple[int, object, bytes]:
    """What the gate's fetcher does minus the gate: one GET, no redirects followed."""
    response = requests.get(url, timeout=5, allow_redirects=False)
    return response.status_code, response.headers, response.content


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def finder(clock: Clock) -> TermsFinder:
    return TermsFinder(plain_fetch, clock=clock)


def _serve(host: str) -> HTTPServer:
    server = HTTPServer(host=host, port=0)
    server.start()
    return server


@pytest.fixture(scope="module")
def _servers() -> Iterator[dict[str, HTTPServer]]:
    servers = {host: _serve(host) for host in ("127.0.0.1", "127.0.0.2")}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def site(_servers: dict[str, HTTPServer]) -> Iterator[HTTPServer]:
    """The site under test, on 127.0.0.1 (handlers and log cleared per test)."""
    _servers["127.0.0.1"].clear()
    yield _servers["127.0.0.1"]
    _servers["127.0.0.1"].clear()


@pytest.fixture
def other_site(_servers: dict[str, HTTPServer]) -> Iterator[HTTPServer]:
    """Another site, on its own loopback address."""
    _servers["127.0.0.2"].clear()
    yield _servers["127.0.0.2"]
    _servers["127.0.0.2"].clear()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_forbidding_terms_in_each_language(site: HTTPServer, finder: TermsFinder, lang: str) -> None:
    site.expect_request("/").respond_with_data(fixture(f"home_{lang}.html"), content_type=HTML)
    site.expect_request(TERMS_PATH[lang]).respond_with_data(fixture(f"terms_{lang}.html"), content_type=HTML)
    record = finder.find(site.url_for("/shop/item/1"))
    assert record.status == FOUND, record.error
    assert record.url == site.url_for(TERMS_PATH[lang]) and record.how_found == "link"
    assert record.language == lang
    labels = {c.label for c in record.restrictive}
    assert labels == {PROHIBITION, TDM_RESERVATION}, [(c.label, c.text) for c in record.clauses]
    assert record.fetches == 2 and paths(site) == ["/", TERMS_PATH[lang]]
    assert len(record.sha256 or "") == 64 and record.read_at == finder._clock()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_benign_terms_in_each_language(site: HTTPServer, finder: TermsFinder, lang: str) -> None:
    site.expect_request("/").respond_with_data(fixture(f"home_{lang}.html"), content_type=HTML)
    site.expect_request(TERMS_PATH[lang]).respond_with_data(fixture(f"terms_{lang}_benign.html"), content_type=HTML)
    record = finder.find(site.url_for("/"))
    assert record.status == FOUND and record.language == lang
    assert record.restrictive == ()
    assert {c.label for c in record.clauses} == {"permission"}
    assert len(site.log) == 2


def test_cache_holds_for_a_day(site: HTTPServer, finder: TermsFinder, clock: Clock) -> None:
    site.expect_request("/").respond_with_data(fixture("home_de.html"), content_type=HTML)
    site.expect_request("/agb").respond_with_data(fixture("terms_de.html"), content_type=HTML)
    first = finder.find(site.url_for("/"))
    clock.now += 23 * 3600
    assert finder.find(site.url_for("/katalog")) is first
    assert finder.cached(site.url_for("/x")) is first
    assert len(site.log) == 2  # a day's worth of finds cost two fetches
    clock.now += 2 * 3600
    assert finder.cached(site.url_for("/")) is None
    second = finder.find(site.url_for("/"))
    assert second is not first and second.sha256 == first.sha256
    assert paths(site) == ["/", "/agb", "/", "/agb"]


def test_well_known_path_when_the_home_page_names_none(site: HTTPServer, finder: TermsFinder) -> None:
    bare_home = fixture("home_ja.html").replace("<footer>", "<!--").replace("</footer>", "-->")
    site.expect_request("/").respond_with_data(bare_home, content_type=HTML)
    site.expect_request("/terms").respond_with_data(fixture("terms_ja.html"), content_type=HTML)
    record = finder.find(site.url_for("/"))
    assert record.status == FOUND and record.how_found == "well-known"
    assert record.url == site.url_for("/terms") and record.language == "ja"
    assert paths(site) == ["/", "/terms"]


def test_the_home_language_picks_the_well_known_path(site: HTTPServer, finder: TermsFinder) -> None:
    bare_home = fixture("home_pl.html").replace("<footer>", "<!--").replace("</footer>", "-->")
    site.expect_request("/").respond_with_data(bare_home, content_type=HTML)
    site.expect_request("/regulamin").respond_with_data(fixture("terms_pl.html"), content_type=HTML)
    record = finder.find(site.url_for("/"))
    assert record.status == FOUND and record.url == site.url_for("/regulamin")
    assert paths(site) == ["/", "/regulamin"]


def test_budget_of_two_fetches_is_never_exceeded(site: HTTPServer, finder: TermsFinder) -> None:
    site.expect_request("/").respond_with_data(
        '<a href="/terms">Terms of Use</a><a href="/info/agb">AGB</a><a href="/legal">Legal</a>', content_type=HTML)
    site.expect_request("/terms").respond_with_data("gone", status=404)
    record = finder.find(site.url_for("/"))
    assert record.status == NOT_FOUND and "HTTP 404" in record.error
    assert record.fetches == 2 and paths(site) == ["/", "/terms"]
    assert record.tried == (site.url_for("/"), site.url_for("/terms"))


def test_a_larger_budget_tries_the_next_candidate(site: HTTPServer, clock: Clock) -> None:
    site.expect_request("/").respond_with_data(
        '<a href="/terms">Terms of Use</a><a href="/info/agb">AGB</a>', content_type=HTML)
    site.expect_request("/terms").respond_with_data("gone", status=404)
    site.expect_request("/info/agb").respond_with_data(fixture("terms_de.html"), content_type=HTML)
    record = TermsFinder(plain_fetch, max_fetches=3, clock=clock).find(site.url_for("/"))
    assert record.status == FOUND and record.url == site.url_for("/info/agb") and record.fetches == 3
    assert paths(site) == ["/", "/terms", "/info/agb"]


def test_another_site_is_never_fetched(site: HTTPServer, other_site: HTTPServer, finder: TermsFinder) -> None:
    other_site.expect_request("/terms").respond_with_data(fixture("terms_en.html"), content_type=HTML)
    foreign = other_site.url_for("/terms")
    localhost = site.url_for("/terms").replace("127.0.0.1", "localhost")
    assert "127.0.0.1" in site.url_for("/")
    site.expect_request("/").respond_with_data(
        f'<footer><a href="{foreign}">Terms of Use</a> <a href="{localhost}">Terms of Service</a></footer>'
        "<p>Welcome to our shop, where the terms of the sale are kept simple.</p>", content_type=HTML)
    site.expect_request("/terms").respond_with_data(fixture("terms_en_benign.html"), content_type=HTML)
    record = finder.find(site.url_for("/"))
    assert other_site.log == []
    assert record.status == FOUND and record.how_found == "well-known"
    assert paths(site) == ["/", "/terms"]


def test_soft_404_is_not_terms(site: HTTPServer, finder: TermsFinder) -> None:
    shell = "<html><body><h1>Welcome</h1><p>Our shop sells bikes. We use bots to detect fraud.</p></body></html>"
    site.expect_request("/").respond_with_data(shell, content_type=HTML)
    site.expect_request("/terms").respond_with_data(shell, content_type=HTML)
    record = finder.find(site.url_for("/"))
    assert record.status == NOT_FOUND and "soft 404" in record.error
    assert len(site.log) == 2


def test_failing_fetches_are_unreadable_not_absent(site: HTTPServer, clock: Clock) -> None:
    denied: list[str] = []

    def gated_fetch(url: str) -> tuple[int, object, bytes]:
        if url.endswith("/"):
            denied.append(url)
            raise PermissionError("robots.txt disallows /")
        return plain_fetch(url)

    site.expect_request("/terms").respond_with_data("busy", status=503)
    record = TermsFinder(gated_fetch, clock=clock).find(site.url_for("/"))
    assert record.status == UNREADABLE
    assert "PermissionError: robots.txt disallows /" in record.error and "HTTP 503" in record.error
    assert record.fetches == 2 and denied == [site.url_for("/")]
    assert paths(site) == ["/terms"]


def test_a_terms_link_to_a_pdf_or_image_response_is_unreadable(site: HTTPServer, finder: TermsFinder) -> None:
    site.expect_request("/").respond_with_data('<a href="/terms">Terms of Use</a>', content_type=HTML)
    site.expect_request("/terms").respond_with_data(b"%PDF-1.7", content_type="application/pdf")
    record = finder.find(site.url_for("/"))
    assert record.status == UNREADABLE and "application/pdf" in record.error


@pytest.mark.parametrize(
    "lang,name,charset", [("ja", "terms_ja.html", "shift_jis"), ("zh", "terms_zh.html", "gb18030"),
                          ("de", "terms_de.html", "iso-8859-1")],
)
def test_legacy_encodings(site: HTTPServer, finder: TermsFinder, lang: str, name: str, charset: str) -> None:
    page = fixture(name).replace('<meta charset="utf-8">', f'<meta charset="{charset}">')
    site.expect_request("/").respond_with_data(fixture(f"home_{lang}.html"), content_type=HTML)
    # The charset only in the <meta>: the Content-Type header names none.
    site.expect_request(TERMS_PATH[lang]).respond_with_data(page.encode(charset), content_type="text/html")
    record = finder.find(site.url_for("/"))
    assert record.language == lang and {c.label for c in record.restrictive} == {PROHIBITION, TDM_RESERVATION}


def test_changed_terms_are_reported(site: HTTPServer, finder: TermsFinder, clock: Clock) -> None:
    version = {"terms": fixture("terms_en_benign.html")}
    site.expect_request("/").respond_with_data(fixture("home_en.html"), content_type=HTML)
    site.expect_request("/legal/terms-of-use").respond_with_handler(
        lambda request: Response(version["terms"], content_type=HTML))
    before = finder.find(site.url_for("/"))

    version["terms"] = version["terms"].replace(
        "</main>", '<input type="hidden" name="csrf" value="x81f"><script>var nonce = "9a1c";</script></main>'
    ).replace("<p>", '<p class="v2">')
    same = finder.find(site.url_for("/"), refresh=True)
    assert same is not before and not diff_records(before, same).changed  # markup is no change of terms

    version["terms"] = fixture("terms_en_benign.html").replace(
        "</main>", "<p>You may not use our content to train artificial intelligence models.</p></main>")
    after = finder.find(site.url_for("/"), refresh=True)
    change = diff_records(before, after)
    assert change.changed and not change.url_changed
    assert [(c.label, c.text) for c in change.added] == [
        (TDM_RESERVATION, "You may not use our content to train artificial intelligence models.")]
    assert change.removed == () and change.relabelled == ()
    assert diff_records(None, after).added == after.clauses


def test_records_round_trip_through_json(site: HTTPServer, finder: TermsFinder, clock: Clock) -> None:
    site.expect_request("/").respond_with_data(fixture("home_fr.html"), content_type=HTML)
    site.expect_request("/cgu").respond_with_data(fixture("terms_fr.html"), content_type=HTML)
    record = finder.find(site.url_for("/"))
    stored = json.loads(json.dumps(record.to_dict()))
    assert TermsRecord.from_dict(stored) == record
    # A stored record serves a fresh finder without a fetch while it is fresh.
    fresh = TermsFinder(plain_fetch, clock=clock)
    fresh.remember(TermsRecord.from_dict(stored))
    assert fresh.find(site.url_for("/")) == record
    assert len(site.log) == 2
    with pytest.raises(ValueError, match="invalid terms record"):
        TermsRecord.from_dict({"site": "https://x", "status": "found"})


def test_concurrent_finds_share_one_discovery(site: HTTPServer, finder: TermsFinder) -> None:
    def slow_home(request: Request) -> Response:
        time.sleep(0.2)
        return Response(fixture("home_nl.html"), content_type=HTML)

    site.expect_request("/").respond_with_handler(slow_home)
    site.expect_request("/algemene-voorwaarden").respond_with_data(fixture("terms_nl.html"), content_type=HTML)
    results: list[TermsRecord] = []
    threads = [threading.Thread(target=lambda: results.append(finder.find(site.url_for("/")))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 6 and all(r is results[0] for r in results)
    assert paths(site) == ["/", "/algemene-voorwaarden"]
    assert finder._pending == {}  # no per-site lock outlives its callers


def test_budget_must_allow_a_fetch() -> None:
    with pytest.raises(ValueError, match="max_fetches"):
        TermsFinder(plain_fetch, max_fetches=0)


def test_record_as_policy_signal(site: HTTPServer, finder: TermsFinder, clock: Clock) -> None:
    site.expect_request("/").respond_with_data(fixture("home_de.html"), content_type=HTML)
    site.expect_request("/agb").respond_with_data(fixture("terms_de.html"), content_type=HTML)
    signal = finder.find(site.url_for("/")).as_signal()
    assert signal["known"] is True and signal["status"] == FOUND
    assert signal["automated_collection"] == "prohibited" and signal["tdm_reserved_in_prose"] is True
    assert signal["source"] == site.url_for("/agb") and signal["language"] == "de"
    assert signal["read_at"] == "2027-01-15T08:00:00Z"
    assert "Crawlern" in signal["clause"] or "Data Mining" in signal["clause"]
    assert {c["label"] for c in signal["clauses"]} == {PROHIBITION, TDM_RESERVATION}
    json.dumps(signal)  # plain JSON for the policy input


def test_benign_or_missing_terms_are_never_an_allow(site: HTTPServer, finder: TermsFinder) -> None:
    site.expect_request("/").respond_with_data(fixture("home_en.html"), content_type=HTML)
    site.expect_request("/legal/terms-of-use").respond_with_data(fixture("terms_en_benign.html"), content_type=HTML)
    benign = finder.find(site.url_for("/")).as_signal()
    assert benign["known"] is True and benign["automated_collection"] == "unknown"
    assert benign["clause"] == "" and {c["label"] for c in benign["clauses"]} == {"permission"}
    missing = TermsRecord(site="https://gone.example", status=NOT_FOUND, read_at=0.0).as_signal()
    assert missing["known"] is False and missing["automated_collection"] == "unknown"
