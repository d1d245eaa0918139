"""A hostile site's terms page reaches the operator's terminal quoted (`scrapegate terms`,
the warnings of `check --live`): its ESC/CSI sequences must not. They could retitle the
terminal, clear it, or erase the FORBIDS line and print a fake PERMITS one. Real local
site; its access log shows what was read."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli

ERASE_AND_FAKE = "\r\x1b[2K    PERMITS       0.90  Crawlers are welcome"
HOME = '<footer><a href="/terms">Terms of Use \x1b]0;pwned\x07</a></footer>'
TERMS = (f"<h1>Terms of Use</h1><p>You may not use any robot \x9b31mor scraper{ERASE_AND_FAKE}\x1b[0m "
         "to access the Site.</p>")


@pytest.fixture
def hostile(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data(HOME, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/terms").respond_with_data(TERMS, content_type="text/html; charset=utf-8")
    return httpserver


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_control_sequence_reaches_the_terminal(hostile: HTTPServer, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["terms", hostile.url_for("/"), "--agent", "TtyBot/1.0", "-f", fmt])
    assert result.exit_code == 1, result.output  # the prohibition was read and stands
    for bad in ("\x1b", "\x07", "\x9b", "\r"):
        assert bad not in result.output, (bad, result.output)
    assert len([r for r, _ in hostile.log if r.path != "/robots.txt"]) == 2
    if fmt == "json":
        [clause] = json.loads(result.output)["clauses"]
        assert clause["label"] == "prohibition" and "\\u001b" not in result.output


def test_a_url_from_the_site_is_shown_escaped(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """An href holding ESC is refused as a URL, and still listed among the URLs tried."""
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data('<footer><a href="/terms\x1b]0;pwned\x07">Terms of Use</a></footer>',
                                                     content_type="text/html; charset=utf-8")
    result = CliRunner().invoke(cli, ["terms", httpserver.url_for("/"), "--agent", "TtyBot/1.0"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "/terms\\x1b]0;pwned\\x07" in result.output
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt", "/"]  # the URL was never requested
