"""A home page that redirects (to its language's path, to www.) names its links relative
to where it ended (docs/terms.md, "Gated fetches"): `<a href="agb">` on /de/ is /de/agb,
not /agb. A link on a page that redirected to another site stays off limits. Real local
sites; their access logs show what was fetched."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli

HTML = "text/html; charset=utf-8"
TERMS = "<html><body><h1>AGB</h1><p>Das automatisierte Auslesen der Inhalte ist untersagt.</p></body></html>"


@pytest.fixture(autouse=True)
def _discovery_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")


def read(url: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["terms", url, "--agent", "HomeBot/1.0", "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    return dict(json.loads(result.output))


def paths(server: HTTPServer) -> list[str]:
    return [r.path for r, _ in server.log]


def test_relative_links_on_a_redirected_home_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data("", status=302, headers={"Location": "/de/"})
    httpserver.expect_request("/de/").respond_with_data(
        '<html lang="de"><body><footer><a href="agb">AGB</a></footer></body></html>', content_type=HTML)
    httpserver.expect_request("/de/agb").respond_with_data(TERMS, content_type=HTML)
    doc = read(httpserver.url_for("/"))
    assert doc["status"] == "found" and doc["terms_url"] == httpserver.url_for("/de/agb")
    assert paths(httpserver) == ["/robots.txt", "/", "/de/", "/de/agb"]


@pytest.fixture
def other_site() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.3", port=0)
    server.start()
    yield server
    server.stop()


def test_a_home_page_redirected_to_another_site_proposes_none_of_its_links(httpserver: HTTPServer,
                                                                           other_site: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data("", status=302, headers={"Location": other_site.url_for("/")})
    httpserver.expect_request("/terms").respond_with_data("none here", status=404)
    other_site.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    other_site.expect_request("/").respond_with_data(
        '<html><body><footer><a href="/agb">AGB</a></footer></body></html>', content_type=HTML)
    other_site.expect_request("/agb").respond_with_data(TERMS, content_type=HTML)
    doc = read(httpserver.url_for("/"))
    assert doc["status"] != "found"
    assert "/agb" not in paths(other_site)  # the other site's terms are not this site's
