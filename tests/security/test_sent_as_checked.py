"""The request the origin reads must be the request that was checked, found by probing from
outside (2026-12-03):

- a urllib3 connection pool asked for `HTTP://host/private` (a scheme is case-insensitive):
  urllib3 sends it in absolute form, lower-cased, and the gate read it as a path on the
  pool's origin (`/HTTP://host/private`) that no rule matched. A server's 302 to such a
  Location did the same through urllib3's own redirect handling;
- a pool asked, with `assert_same_host=False`, for another origin's URL sends it to its own
  server: decided against the other origin, read by this one;
- `scrapegate run` forwarded the client's User-Agent (curl's, or an impersonated
  Googlebot) although robots.txt was read for the job's agent;
- routing and rewrite headers (X-Forwarded-Host, Forwarded host=, X-Original-URL,
  X-Rewrite-URL) make servers that trust them serve another site or path than the URL.

Each test shows in the origin's access log what arrived.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from origin import Origin

from gate.adapters.requests import GatedSession
from gate.errors import CollectionBlocked

from local_site import USER_AGENT, ledger_rows


def _codes(exc: pytest.ExceptionInfo[CollectionBlocked]) -> list[str]:
    return exc.value.decision.deny_codes


# -- urllib3 connection pools ---------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["HTTP", "Http", "hTTp"])
def test_a_pool_asked_for_an_absolute_url_in_another_case_is_decided_on_it(origin: Origin, make_gate: Any,
                                                                            tmp_path: Path, scheme: str) -> None:
    g = make_gate(ledger=tmp_path / "l.db")

    @g.guard
    def fetch() -> Any:
        return urllib3.HTTPConnectionPool("127.0.0.1", origin.port).request(
            "GET", f"{scheme}://127.0.0.1:{origin.port}/private")

    with pytest.raises(CollectionBlocked) as blocked:
        fetch()
    assert _codes(blocked) == ["robots.disallowed"]
    assert origin.arrived() == []
    assert ledger_rows(tmp_path / "l.db")[-1]["url"] == f"http://127.0.0.1:{origin.port}/private"


def test_a_redirect_to_an_upper_case_scheme_is_decided_on_its_target(origin: Origin, make_gate: Any) -> None:
    """urllib3's pool follows the Location itself, through the hooked urlopen."""
    origin.route("/ok", status=302, headers={"Location": f"HTTP://127.0.0.1:{origin.port}/private"})
    g = make_gate()

    @g.guard
    def fetch() -> Any:
        return urllib3.HTTPConnectionPool("127.0.0.1", origin.port).request("GET", "/ok")

    with pytest.raises(CollectionBlocked) as blocked:
        fetch()
    assert _codes(blocked) == ["robots.disallowed"]
    assert origin.arrived() == ["/ok"]


def test_a_pool_sending_another_origins_url_to_its_own_server_is_refused(make_gate: Any) -> None:
    """The other origin allows everything (no robots.txt); the pool's own server is the one
    that would receive the request."""
    with Origin() as pool_origin, Origin(robots=None) as other:
        g = make_gate()

        @g.guard
        def fetch() -> Any:
            return urllib3.HTTPConnectionPool("127.0.0.1", pool_origin.port).urlopen(
                "GET", f"http://127.0.0.1:{other.port}/private", assert_same_host=False)

        with pytest.raises(CollectionBlocked) as blocked:
            fetch()
        assert _codes(blocked) == ["request.host_mismatch"]
        assert pool_origin.arrived() == [] and other.arrived() == []


def test_a_proxy_managers_absolute_urls_still_pass(origin: Origin, make_gate: Any) -> None:
    """An HTTP proxy's pool is asked for other origins by design: `scrapegate run`'s own
    clients and corporate proxies. Here the "proxy" is the origin itself, which serves the
    absolute-form target as its path."""
    g = make_gate()

    @g.guard
    def fetch() -> int:
        with urllib3.ProxyManager(origin.base) as pm:
            return int(pm.request("GET", f"http://127.0.0.1:{origin.port}/x").status)

    assert fetch() == 200
    assert [h.target for h in origin.hits if h.target.endswith("/x")] == [f"http://127.0.0.1:{origin.port}/x"]


# -- routing and rewrite headers ---------------------------------------------------------------

@pytest.mark.parametrize(("name", "value", "code"), [
    ("X-Original-URL", "/private", "request.rewrite_header"),
    ("X-Rewrite-URL", "/private?a=1", "request.rewrite_header"),
    ("X-Forwarded-Host", "www.facebook.com", "request.host_mismatch"),
    ("X-Host", "localhost", "request.host_mismatch"),
    ("Forwarded", 'for=192.0.2.1;host="www.facebook.com";proto=https', "request.host_mismatch"),
])
def test_routing_and_rewrite_headers_naming_another_site_or_path_are_refused(
        origin: Origin, make_gate: Any, tmp_path: Path, name: str, value: str, code: str) -> None:
    with GatedSession(make_gate(ledger=tmp_path / "l.db")) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(origin.base + "/ok", headers={name: value})
    assert _codes(blocked) == [code]
    assert name in blocked.value.decision.deny[0].message
    assert origin.hits == []
    assert ledger_rows(tmp_path / "l.db")[-1]["deny_codes"] == f'["{code}"]'


def test_routing_and_rewrite_headers_naming_the_request_itself_pass(origin: Origin, make_gate: Any) -> None:
    with GatedSession(make_gate()) as s:
        reply = s.get(origin.base + "/ok", headers={"X-Original-URL": "/ok", "X-Forwarded-Host": f"127.0.0.1:{origin.port}"})
    assert reply.status_code == 200
    assert origin.arrived() == ["/ok"]


# -- scrapegate run ------------------------------------------------------------------------------

def _through_proxy(proxy: Any, target: str, headers: str) -> bytes:
    with socket.create_connection(proxy.address, timeout=10) as s:
        host = target.split("/")[2]
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("agent", ["curl/8.0", "python-requests/2.32", None])
def test_scrapegate_run_sends_the_job_agent_in_place_of_a_library_default(origin: Origin, gating_proxy: Any,
                                                                         agent: str | None) -> None:
    """robots.txt disallows curl everywhere: the job's agent is what was checked and what arrives."""
    origin.route("/robots.txt", body="User-agent: curl\nDisallow: /\n\nUser-agent: *\nDisallow: /private\n")
    reply = _through_proxy(gating_proxy, origin.base + "/ok", f"User-Agent: {agent}\r\n" if agent else "")
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert [h.headers.get("User-Agent") for h in origin.hits_for("/ok")] == [USER_AGENT]


@pytest.mark.parametrize(("header", "code"), [
    ("User-Agent: Googlebot/2.1 (+http://www.google.com/bot.html)", "request.agent_mismatch"),
    ("X-Original-URL: /private", "request.rewrite_header"),
    ("X-Forwarded-Host: www.facebook.com", "request.host_mismatch"),
])
def test_scrapegate_run_refuses_another_agent_and_routing_headers(origin: Origin, gating_proxy: Any,
                                                                  tmp_path: Path, header: str, code: str) -> None:
    reply = _through_proxy(gating_proxy, origin.base + "/ok", header + "\r\n")
    assert reply.startswith(b"HTTP/1.1 451"), reply[:200]
    assert code.encode() in reply
    assert origin.arrived() == []
    gating_proxy.service.gate.ledger.flush()
    assert ledger_rows(tmp_path / "proxy-ledger.db")[-1]["deny_codes"] == f'["{code}"]'


def test_requests_through_scrapegate_run_arrive_with_the_job_agent(origin: Origin, gating_proxy: Any) -> None:
    proxies = {"http": f"http://127.0.0.1:{gating_proxy.port}"}
    assert requests.get(origin.base + "/ok", proxies=proxies, timeout=10).status_code == 200
    assert [h.headers.get("User-Agent") for h in origin.hits_for("/ok")] == [USER_AGENT]

