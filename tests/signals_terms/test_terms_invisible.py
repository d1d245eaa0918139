"""Characters a browser shows as nothing (soft hyphen, zero-width space and joiners, word
joiner, BOM) inside a terms page's words (docs/terms.md, "Reading a page"): a CMS's
hyphenation ("Nutzungs&shy;bedingungen", "Data-Mi&shy;ning ist unter&shy;sagt") hid the
terms link and the clause. A real local site; its access log shows what was read."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli
from gate.signals.terms import analyse_page

HOME = ('<html lang="de"><body><p>Willkommen</p><footer><a href="/rechtliches/seite-7">'
        "Nutzungs&shy;bedingungen</a> <a href=\"/rechtliches/seite-8\">Daten&shy;schutz</a></footer></body></html>")
TERMS = ("<html><body><h1>Nutzungs&shy;bedingungen</h1><p>Willkommen in unserem Shop.</p>"
         "<p>Die Nutzung der Inhalte für Text- und Data-Mi&shy;ning ist unter&shy;sagt.</p></body></html>")


def test_hyphenated_terms_link_and_clause_are_read(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data(HOME, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/rechtliches/seite-7").respond_with_data(TERMS, content_type="text/html; charset=utf-8")
    result = CliRunner().invoke(cli, ["terms", httpserver.url_for("/"), "--agent", "ShyBot/1.0", "-f", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    assert doc["terms_url"] == httpserver.url_for("/rechtliches/seite-7") and doc["anchor"] == "Nutzungsbedingungen"
    assert [c["text"] for c in doc["clauses"]] == ["Die Nutzung der Inhalte für Text- und Data-Mining ist untersagt."]
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt", "/", "/rechtliches/seite-7"]


@pytest.mark.parametrize("html", [
    "<p>Scraping is pro&#8203;hibited.</p>", "<p>Scr\u00adaping is pro\u200chibited.</p>",
    "<p>Scraping is pro\u2060hibited.</p>", "<p>Scra&ZeroWidthSpace;ping is prohibited.</p>",
])
def test_invisible_characters_inside_words(html: str) -> None:
    assert [(c.label, c.text) for c in analyse_page(html, "text/html").clauses] == [
        ("prohibition", "Scraping is prohibited.")]
