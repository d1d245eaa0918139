"""Terms pages as sites really serve them (docs/terms.md, "Finding a site's terms"): a
Latin-1 page with no declared charset, a UTF-16 page with only its byte-order mark, and a
PDF sent without a Content-Type. Real local site; its access log shows what was read."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli
from gate.signals.terms.text import decode_body

HOME = '<html lang="de"><body><footer><a href="/agb">AGB</a></footer></body></html>'


def read_terms(server: HTTPServer, body: bytes, headers: dict[str, str]) -> dict[str, object]:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/").respond_with_data(HOME, content_type="text/html; charset=utf-8")
    server.expect_request("/agb").respond_with_data(body, headers=headers)
    result = CliRunner().invoke(cli, ["terms", server.url_for("/"), "--agent", "EncBot/1.0", "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    assert [r.path for r, _ in server.log] == ["/robots.txt", "/", "/agb"]
    return dict(json.loads(result.output))


@pytest.fixture(autouse=True)
def _discovery_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")


@pytest.mark.parametrize(("body", "content_type"), [
    ("<h1>AGB</h1><p>Das Auslesen der Inhalte durch Bots ist unzulässig.</p>".encode("windows-1252"), "text/html"),
    ("\ufeff<h1>AGB</h1><p>Das Auslesen der Inhalte durch Bots ist unzulässig.</p>".encode("utf-16-le"),
     "text/html"),
    # declared and without a BOM: its NUL bytes are no sign of a binary document
    ("<h1>AGB</h1><p>Das Auslesen der Inhalte durch Bots ist unzulässig.</p>".encode("utf-16-le"),
     "text/html; charset=utf-16le"),
])
def test_an_undeclared_charset_is_read_as_a_browser_reads_it(httpserver: HTTPServer, body: bytes,
                                                             content_type: str) -> None:
    doc = read_terms(httpserver, body, {"Content-Type": content_type})
    assert doc["status"] == "found"
    assert [c["text"] for c in doc["clauses"]] == ["Das Auslesen der Inhalte durch Bots ist unzulässig."]


def test_a_pdf_without_a_content_type_is_unreadable_not_terms_without_clauses(httpserver: HTTPServer) -> None:
    doc = read_terms(httpserver, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n", {})
    assert doc["status"] == "unreadable" and "binary" in str(doc["error"])


def test_utf8_cut_mid_character_at_the_size_bound_stays_utf8() -> None:
    text = "Größe verboten 利用規約"
    assert decode_body(text.encode("utf-8")[:-1], "text/html").startswith("Größe verboten")


def test_a_quoted_utf16_charset_is_no_binary_body() -> None:
    from gate.signals.terms.finder import _binary

    body = "<html><p>Scraping is prohibited.</p></html>".encode("utf-16-le")
    assert not _binary(body, 'text/html; charset="UTF-16LE"')
    assert not _binary(body, "text/html; charset=utf-16le")
    assert _binary(body, "text/html")  # NUL bytes and no wide charset named
