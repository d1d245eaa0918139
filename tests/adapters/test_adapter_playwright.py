"""The Playwright adapter in a real headless Chromium (Debian's /usr/bin/chromium): the
local site's access log shows only the allowed requests."""

from __future__ import annotations

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest

from local_site import PROHIBITED_HOST, Site, ledger_rows

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def serve_gallery(site: Site) -> None:
    """/gallery shows an allowed image, a robots-disallowed one, and two images behind
    redirects (one to an allowed image, one into the disallowed path)."""
    site.robots()
    site.page("/gallery", '<html><body><img id="ok" src="/img/ok.png"><img id="no" src="/private/no.png">'
                          '<img id="rok" src="/r-img"><img id="rno" src="/r-private-img"></body></html>')
    site.page("/img/ok.png", PNG, content_type="image/png")
    site.page("/img/via-redirect.png", PNG, content_type="image/png")
    site.page("/private/no.png", PNG, content_type="image/png")
    site.page("/private/via-redirect.png", PNG, content_type="image/png")
    site.redirect("/r-img", "/img/via-redirect.png")
    site.redirect("/r-private-img", "/private/via-redirect.png")
    site.redirect("/r-other", f"{site.other_base}/b-other")
    site.page("/b-other", "never")
    site.redirect("/hop1", "/hop2")              # a chain whose second hop is disallowed
    site.redirect("/hop2", "/private/end")
    site.page("/private/end", "never")
    site.redirect("/go", "/landing")             # an allowed navigation redirect
    site.page("/landing", '<html><body><a href="next">next</a></body></html>')


WIDTHS = "['ok', 'no', 'rok', 'rno'].map(id => document.getElementById(id).naturalWidth)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_denied_subresource_and_redirect_never_reach_the_server(site: Site, make_gate: Any, browser: Any,
                                                                tmp_path: Path) -> None:
    from playwright.sync_api import Error as PlaywrightError

    from gate.adapters.playwright import gate_page

    serve_gallery(site)
    gate = make_gate(ledger=tmp_path / "l.db")
    page = browser.new_page(service_workers="block")
    pg = gate_page(page, gate)
    page.goto(site.base + "/gallery", wait_until="load")
    loaded = page.evaluate(WIDTHS)
    page.close()
    for path in ("/r-other", "/hop1"):  # cross-host redirect, and a chain ending in /private
        page = browser.new_page(service_workers="block")
        gate_page(page, gate)
        with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
            page.goto(site.base + path)
        page.close()
    page = browser.new_page(service_workers="block")
    gate_page(page, gate)
    page.goto(site.base + "/go")
    landed = (page.url, page.evaluate("document.querySelector('a').href"))
    page.close()

    assert loaded == [1, 0, 1, 0]
    assert landed == (site.base + "/landing", site.base + "/next")
    paths = site.paths()
    assert {"/img/ok.png", "/img/via-redirect.png", "/r-other", "/hop1", "/hop2", "/landing"} <= set(paths)
    assert not [p for p in paths if p.startswith("/private")], paths
    assert (PROHIBITED_HOST, "/b-other") not in site.log()
    assert [d.deny_codes for d in pg.blocked] == [["robots.disallowed"]] * 2  # the gallery's two images
    rows = ledger_rows(tmp_path / "l.db")
    denied = {r["url"].rsplit("/", 1)[-1]: r["deny_codes"] for r in rows if not r["allow"]}
    assert denied == {"no.png": '["robots.disallowed"]', "via-redirect.png": '["robots.disallowed"]',
                      "b-other": '["terms.automated_collection_prohibited"]', "end": '["robots.disallowed"]'}

    collected = {r["url"].rsplit("/", 1)[-1]: r["collected_status"] for r in rows if r["allow"]}
    assert collected.get("gallery") == 200 and collected.get("ok.png") == 200
    assert all(r["collected_status"] is None for r in rows if not r["allow"])


def test_audit_mode_lets_the_browser_fetch_and_records_the_deny(site: Site, make_gate: Any, browser: Any,
                                                                tmp_path: Path) -> None:
    from gate.adapters.playwright import gate_page

    serve_gallery(site)
    gate = make_gate(mode="audit", ledger=tmp_path / "l.db")
    context = browser.new_context(service_workers="block")
    pg = gate_page(context, gate)
    page = context.new_page()
    page.goto(site.base + "/gallery", wait_until="load")
    loaded = page.evaluate(WIDTHS)
    context.close()

    assert loaded == [1, 1, 1, 1]
    assert {"/private/no.png", "/private/via-redirect.png"} <= set(site.paths())
    assert pg.blocked == []
    row = next(r for r in ledger_rows(tmp_path / "l.db") if r["url"].endswith("/private/no.png"))
    assert (row["allow"], row["mode"], row["deny_codes"]) == (0, "audit", '["robots.disallowed"]')
    assert row["collected_status"] == 200 and row["bytes"] == len(PNG)


def test_async_api_aborts_denied_requests(site: Site, make_gate: Any, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright

    from gate.adapters.playwright import async_gate_page

    serve_gallery(site)
    gate = make_gate(ledger=tmp_path / "l.db")

    async def visit() -> tuple[list[int], Any]:
        async with async_playwright() as pw:
            b = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = await b.new_page(service_workers="block")
            pg = await async_gate_page(page, gate)
            await page.goto(site.base + "/gallery", wait_until="load")
            widths = await page.evaluate(WIDTHS)
            await b.close()
            return widths, pg

    # Its own thread and loop: the module's sync Playwright already runs a loop in this one.
    with ThreadPoolExecutor(1) as pool:
        loaded, pg = pool.submit(asyncio.run, visit()).result(timeout=60)

    assert loaded == [1, 0, 1, 0]
    assert {"/img/ok.png", "/img/via-redirect.png"} <= set(site.paths())
    assert not [p for p in site.paths() if p.startswith("/private")]
    assert [d.deny_codes for d in pg.blocked] == [["robots.disallowed"]] * 2
    rows = ledger_rows(tmp_path / "l.db")
    assert {r["url"].rsplit("/", 1)[-1] for r in rows if r["collected_status"] == 200} == {
        "gallery", "ok.png", "via-redirect.png"}


def test_browser_mode_gates_first_hops_and_records_on_requestfinished(site: Site, make_gate: Any, browser: Any,
                                                                       tmp_path: Path) -> None:
    """fetch=False: the browser's own network stack; the first hop of every request is gated."""
    from gate.adapters.playwright import gate_page

    serve_gallery(site)
    gate = make_gate(ledger=tmp_path / "l.db")
    page = browser.new_page(service_workers="block")
    pg = gate_page(page, gate, fetch=False)
    page.goto(site.base + "/gallery", wait_until="load")
    loaded = page.evaluate(WIDTHS)
    pg.detach()
    page.close()

    assert loaded[:3] == [1, 0, 1]
    assert "/private/no.png" not in site.paths()
    rows = ledger_rows(tmp_path / "l.db")
    assert {r["url"].rsplit("/", 1)[-1] for r in rows if r["collected_status"] == 200} >= {"gallery", "ok.png"}


def test_the_next_goto_after_a_denied_navigation_works(site: Site, make_gate: Any, browser: Any) -> None:
    """Issue 20.11: a denied navigation leaves the page on Chromium's error page; the next
    `goto` on the same page must still work."""
    from playwright.sync_api import Error as PlaywrightError

    from gate.adapters.playwright import gate_page

    serve_gallery(site)
    page = browser.new_page(service_workers="block")
    gate_page(page, make_gate())
    for _ in range(2):
        with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
            page.goto(site.base + "/private/end")
        page.goto(site.base + "/landing")
        assert page.url == site.base + "/landing"
        assert page.evaluate("document.querySelector('a').href") == site.base + "/next"
    page.close()
    assert "/private/end" not in site.paths()
