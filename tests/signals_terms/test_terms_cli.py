"""`scrapegate terms URL` (issue 22 point 4) against a real local site: the page found and
how, the language, each clause with classification and confidence, what changed since the
last read; text and json; the stored read reused within the day."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
HTML = "text/html; charset=utf-8"
AGENT = "TermsCliBot/1.0"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def serve(server: HTTPServer, terms: str) -> None:
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/").respond_with_data(fixture("home_fr.html"), content_type=HTML)
    server.expect_request("/cgu").respond_with_data(terms, content_type=HTML)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["terms", *args, "--agent", AGENT])
    return result.exit_code, result.output


def test_json_shows_page_how_language_clauses_and_changes(httpserver: HTTPServer) -> None:
    serve(httpserver, fixture("terms_fr.html"))
    code, out = run(httpserver.url_for("/produits/1"), "-f", "json")
    assert code == 1, out  # a clause forbids
    doc = json.loads(out)
    assert doc["status"] == "found" and doc["terms_url"] == httpserver.url_for("/cgu")
    assert doc["how_found"] == "link" and doc["anchor"] and doc["language"] == "fr"
    assert doc["from_cache"] is False and doc["fetches"] == 2
    labels = {c["label"] for c in doc["clauses"]}
    assert {"prohibition", "tdm_reservation"} <= labels
    assert all(0 < c["confidence"] <= 1 and c["text"] for c in doc["clauses"])
    assert doc["signal"]["automated_collection"] == "prohibited" and doc["changed_since_last_read"] is None

    # the same day: the stored read, no fetch
    served = len(httpserver.log)
    code, out = run(httpserver.url_for("/"), "-f", "json")
    again = json.loads(out)
    assert again["from_cache"] is True and again["fetches"] == 0 and len(httpserver.log) == served

    # the site drops its prohibition: --refresh reads again and says what changed
    serve(httpserver, fixture("terms_fr_benign.html"))
    code, out = run(httpserver.url_for("/"), "--refresh", "-f", "json")
    assert code == 0, out
    doc = json.loads(out)
    change = doc["changed_since_last_read"]
    assert change["changed"] is True and change["url_changed"] is False
    assert {c["label"] for c in change["removed"]} >= {"prohibition", "tdm_reservation"}
    assert {c["label"] for c in change["added"]} == {"permission"}
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt", "/", "/cgu"]


def test_text_output(httpserver: HTTPServer) -> None:
    serve(httpserver, fixture("terms_fr.html"))
    code, out = run(httpserver.url_for("/"))
    assert code == 1
    assert f"page:      {httpserver.url_for('/cgu')}  (found by link" in out
    assert "language:  fr" in out
    assert "FORBIDS" in out and "RESERVES TDM" in out
    assert "since the last read: no earlier read of this site" in out
    code, again = run(httpserver.url_for("/"))  # the same read, from the cache
    assert "(from the cache" in again and "no earlier read" not in again
    assert "since the last read: the cached read above is the only read of this site" in again


def test_a_site_without_terms_is_terms_unknown(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    code, out = run(httpserver.url_for("/"), "-f", "json")
    doc = json.loads(out)
    assert code == 0 and doc["status"] == "unreadable" and doc["signal"]["known"] is False
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]  # robots.txt forbids every discovery fetch


def test_a_bad_url_exits_2() -> None:
    code, out = run("not a url")
    assert code == 2, out


def test_the_json_keys_are_the_documented_ones(httpserver: HTTPServer) -> None:
    import re

    doc_md = (Path(__file__).resolve().parents[2] / "docs" / "terms.md").read_text(encoding="utf-8")
    table = doc_md.split("`-f json` writes one object", 1)[1].split("\n\n", 2)[1]
    documented = re.findall(r"^\| `(\w+)` \|", table, re.M)
    serve(httpserver, fixture("terms_fr.html"))
    for args in ((), ("--refresh",)):  # the second read has changed_since_last_read filled in
        code, out = run(httpserver.url_for("/"), "-f", "json", *args)
        doc = json.loads(out)
        assert list(doc) == documented
    assert set(doc["changed_since_last_read"]) == {"previous_read_at", "previous_sha256", "changed", "url_changed",
                                                    "added", "removed", "relabelled"}
    assert all(set(c) == {"label", "confidence", "text", "lang", "cues"} for c in doc["clauses"])
