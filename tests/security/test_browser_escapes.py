"""Requests a page makes around `gate_page(page)`'s own route, in a real headless Chromium
against a real origin (tests/security/origin.py) whose access log shows what arrived.

Found by probing from outside (2026-12-03): with a Page gated, `window.open` and
`target=_blank` popups, the context's service worker and a shared worker fetched
/private/*; WebSocket handshakes to /private were sent in every mode; and a page script's
`X-Original-URL` / `X-Forwarded-Host` on `fetch()` reached the origin (docs/security.md 12);
a route the caller registered after the gate ran first and `route.continue_()` sent /private;
`page.request` (Playwright's own HTTP client) sent /private past every route; a WebSocket
handshake carried HeadlessChrome's User-Agent, not the job's."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest
from origin import Origin

from local_site import JOB

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's Local Network Access checks refuse a WebSocket from a page on 127.0.0.1 to
# 127.0.0.1; a public site's WebSocket is not refused, so the test turns them off.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-features=LocalNetworkAccessChecks"]
JS = "application/javascript"


def serve(origin: Origin) -> None:
    ws = f"ws://127.0.0.1:{origin.port}"
    origin.route("/pop", content_type="text/html", body=(
        "<html><a id=a target=_blank href='/private/blank'>x</a>"
        "<script>window.open('/private/popup'); window.open('/popok')</script></html>"))
    origin.route("/popok", content_type="text/html", body=(
        f"<html><img src='/private/in-popup.png'><script>new WebSocket('{ws}/private/popup-ws')</script></html>"))
    origin.route("/m", content_type="text/html", body=(
        f"<html><script>new WebSocket('{ws}/private/ws'); new WebSocket('{ws}/ws-ok');"
        "try { new SharedWorker('/shared.js') } catch (e) {}"
        "navigator.serviceWorker.register('/sw.js');"
        "fetch('/ok1', {headers: {'X-Original-URL': '/private/x'}});"
        "fetch('/ok2', {headers: {'X-Forwarded-Host': 'evil.example'}});</script></html>"))
    origin.route("/shared.js", content_type=JS, body="fetch('/private/from-shared-worker')")
    origin.route("/sw.js", content_type=JS, body="fetch('/private/from-service-worker')")


ARRIVED = ["/m", "/pop", "/popok", "/private/other-page", "/sw.js", "/ws-ok"]
BLOCKED = ["ok1:request.rewrite_header", "ok2:request.host_mismatch", "private/blank:robots.disallowed",
           "private/from-service-worker:robots.disallowed", "private/in-popup.png:robots.disallowed",
           "private/popup-ws:robots.disallowed", "private/popup:robots.disallowed",
           "private/ws:robots.disallowed"]


def blocked(pg: Any) -> list[str]:
    return sorted(d.url.split("/", 3)[-1] + ":" + ",".join(d.deny_codes) for d in pg.blocked)


def pages_arrived(origin: Origin) -> list[str]:
    """What arrived, sorted, without Chromium's favicon request (made or not, as it likes)."""
    return sorted(p for p in origin.arrived() if p != "/favicon.ico")


def settled(pg: Any, origin: Origin) -> bool:
    return blocked(pg) == BLOCKED and "/ws-ok" in origin.arrived()


def settle(page: Any, pg: Any, origin: Origin, timeout_s: float = 15.0) -> None:
    """Let the browser work (events are handled while Playwright waits) until every request
    the pages make was seen, then a little longer for anything that should not come."""
    for _ in range(int(timeout_s * 10)):
        if settled(pg, origin):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.mark.parametrize("fetch", [True, False], ids=["fetch", "browser"])
def test_popups_workers_websockets_and_routing_headers_of_a_gated_page(origin: Origin, make_gate: Any,
                                                                       browser: Any, fetch: bool) -> None:
    from gate.adapters.playwright import gate_page

    serve(origin)
    context = browser.new_context()
    page, other = context.new_page(), context.new_page()
    pg = gate_page(page, make_gate(), fetch=fetch)
    page.goto(origin.base + "/pop")
    page.click("#a")
    page.goto(origin.base + "/m")
    settle(page, pg, origin)
    other.goto(origin.base + "/private/other-page")  # the context's other pages are not this gate's
    context.close()

    arrived = origin.arrived()
    assert sorted(p for p in arrived if p != "/favicon.ico") == ARRIVED
    assert [h.headers.get("X-Original-Url") for h in origin.hits if h.headers.get("X-Original-Url")] == []
    # (Chromium's favicon request is routed by no Playwright route: docs/adapters.md)
    agents = {h.target: h.headers.get("User-Agent") for h in origin.hits
              if h.target not in ("/private/other-page", "/favicon.ico")}
    assert set(agents.values()) == {JOB["spec"]["user_agent"]}, agents  # the WebSocket's too
    assert blocked(pg) == BLOCKED


def test_the_async_gate_covers_popups_websockets_and_routing_headers(origin: Origin, make_gate: Any) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.async_api import async_playwright

    from gate.adapters.playwright import async_gate_page
    from gate.errors import CollectionBlocked

    serve(origin)
    gate = make_gate()

    async def visit() -> Any:
        async with async_playwright() as pw:
            b = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            context = await b.new_context()
            page = await context.new_page()
            pg = await async_gate_page(page, gate)
            await page.goto(origin.base + "/pop")
            await page.click("#a")
            await page.goto(origin.base + "/m")
            for _ in range(150):
                if settled(pg, origin):
                    break
                await page.wait_for_timeout(100)
            await page.wait_for_timeout(300)
            try:
                await page.request.get(origin.base + "/private/api-async")
            except CollectionBlocked:
                pass
            await b.close()
            return pg

    with ThreadPoolExecutor(1) as pool:  # its own loop: a sync Playwright may run in this thread
        pg = pool.submit(asyncio.run, visit()).result(timeout=60)
    assert pages_arrived(origin) == [p for p in ARRIVED if "other" not in p]
    assert blocked(pg) == sorted([*BLOCKED, "private/api-async:robots.disallowed"])
    assert {h.headers.get("User-Agent") for h in origin.hits} == {JOB["spec"]["user_agent"]}


@pytest.mark.parametrize("target", ["page", "context"])
def test_a_route_registered_after_the_gate_sees_only_allowed_requests(origin: Origin, make_gate: Any, browser: Any,
                                                                      target: str) -> None:
    from gate.adapters.playwright import gate_page

    origin.route("/m", content_type="text/html", body=(
        "<html><script>fetch('/private/api/x');"
        "fetch('/api/ok').then(r => r.text()).then(t => document.title = t)</script></html>"))
    origin.route("/api/ok", body="from the origin")
    context = browser.new_context(service_workers="block")
    if target == "page":
        page = context.new_page()
        pg = gate_page(page, make_gate())
    else:
        pg = gate_page(context, make_gate())
        page = context.new_page()
    seen: list[str] = []

    def continue_it(route: Any) -> None:  # Playwright runs the newest route first
        seen.append(route.request.url.split("/", 3)[-1])
        route.continue_()

    page.route("**/api/**", continue_it)
    page.goto(origin.base + "/m")
    page.wait_for_function("document.title == 'from the origin'", timeout=5000)
    page.unroute("**/api/**", continue_it)
    context.close()

    assert pages_arrived(origin) == ["/api/ok", "/m"]
    assert seen == ["api/ok"]
    assert blocked(pg) == ["private/api/x:robots.disallowed"]


def test_page_request_is_gated_hop_by_hop(origin: Origin, make_gate: Any, browser: Any) -> None:
    from gate.adapters.playwright import gate_page
    from gate.errors import CollectionBlocked

    origin.route("/r", status=302, body="", headers={"Location": "/private/after-redirect"})
    origin.route("/r-ok", status=303, body="", headers={"Location": "/landing"})
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    pg = gate_page(page, make_gate())
    refused = []
    for send in (lambda: page.request.get(origin.base + "/private/x"),
                 lambda: page.request.get(origin.base + "/r"),
                 lambda: context.request.fetch(origin.base + "/private/y", method="DELETE"),
                 lambda: page.request.get(origin.base + "/ok", headers={"X-Original-URL": "/private/z"})):
        with pytest.raises(CollectionBlocked) as blocked:
            send()
        refused.append(blocked.value.decision.deny_codes[0])
    ok = page.request.get(origin.base + "/ok", params={"a": 1, "b": True})
    landed = page.request.post(origin.base + "/r-ok", data="x=1")
    context.close()

    assert refused == ["robots.disallowed", "robots.disallowed", "robots.disallowed", "request.rewrite_header"]
    assert (ok.status, landed.url) == (200, origin.base + "/landing")
    assert [(h.method, h.target) for h in origin.hits if h.target != "/robots.txt"] == [
        ("GET", "/r"), ("GET", "/ok?a=1&b=true"), ("POST", "/r-ok"), ("GET", "/landing")]
    assert {h.headers.get("User-Agent") for h in origin.hits} == {JOB["spec"]["user_agent"]}
    assert len(pg.blocked) == 4


def test_a_popup_stays_gated_after_its_page_is_closed(origin: Origin, make_gate: Any, browser: Any) -> None:
    """Page.opener() is None once the opener is closed: the popup's later requests were sent."""
    from gate.adapters.playwright import gate_page

    origin.route("/m", content_type="text/html", body="<html><script>window.open('/pop')</script></html>")
    origin.route("/pop", content_type="text/html", body=(
        "<html><script>setTimeout(() => { fetch('/private/after-close').finally(() => "
        "document.title = 'done') }, 800)</script></html>"))
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    pg = gate_page(page, make_gate())
    with context.expect_page() as popup_info:
        page.goto(origin.base + "/m")
    popup = popup_info.value
    page.close()
    popup.wait_for_function("document.title == 'done'", timeout=5000)
    context.close()

    assert pages_arrived(origin) == ["/m", "/pop"]
    assert blocked(pg) == ["private/after-close:robots.disallowed"]


UNROUTED = """<html><head><script type=speculationrules>
{"prefetch": [{"source": "list", "urls": ["/private/spec-prefetch"]}],
 "prerender": [{"source": "list", "urls": ["/private/spec-prerender"]}]}</script></head><body><script>
try { fetchLater('/private/fetch-later', {activateAfter: 0}) } catch (e) {}
try { new AudioContext().audioWorklet.addModule('/private/audio-worklet.js').catch(() => {}) } catch (e) {}
</script></body></html>"""


def test_requests_no_route_sees_are_not_made(origin: Origin, make_gate: Any, browser: Any) -> None:
    """fetchLater() and an AudioWorklet's module reached /private past every route: the gate
    removes both from the context's pages. Speculation rules' prefetch and prerender need a
    profile that does not preload (`preloading_off`, next test)."""
    from gate.adapters.playwright import gate_page

    origin.route("/m", content_type="text/html", body=UNROUTED)
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    gate_page(page, make_gate())
    page.goto(origin.base + "/m")
    page.wait_for_timeout(1500)
    page.goto(origin.base + "/landing")  # a pending fetchLater is sent when the page is left
    context.close()
    arrived = origin.arrived()
    assert "/private/fetch-later" not in arrived and "/private/audio-worklet.js" not in arrived, arrived


def test_a_profile_with_preloading_off_sends_no_speculative_request(origin: Origin, make_gate: Any, browser: Any,
                                                                    tmp_path: Path) -> None:
    from gate.adapters.playwright import gate_page, preloading_off

    origin.route("/m", content_type="text/html", body=UNROUTED)
    context = browser.browser_type.launch_persistent_context(  # the module's Playwright, a browser of its own
        preloading_off(tmp_path / "profile"), executable_path=str(CHROMIUM), args=ARGS, headless=True)
    page = context.new_page()
    gate_page(context, make_gate())
    page.goto(origin.base + "/m")
    page.wait_for_timeout(1500)
    context.close()
    assert not [p for p in origin.arrived() if p.startswith("/private")], origin.arrived()
