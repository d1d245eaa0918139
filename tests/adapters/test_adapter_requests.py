"""gate.adapters.requests against a real local server: the access log is the evidence."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from gate.adapters.requests import GatedAdapter, GatedSession
from gate.errors import CollectionBlocked

from local_site import JOB, PROHIBITED_HOST, USER_AGENT, Site, ledger_rows


def serve(site: Site) -> None:
    site.redirect_maze("page a")


def test_disallowed_path_is_blocked_before_it_is_sent(site: Site, make_gate: Any, tmp_path: Path) -> None:
    serve(site)
    with GatedSession(make_gate(ledger=tmp_path / "l.db")) as s:
        r = s.get(site.base + "/a")
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(site.base + "/private/x")
    assert r.text == "page a" and r.scrapegate_decision.allow
    assert blocked.value.decision.deny_codes == ["robots.disallowed"]
    assert "robots.disallowed" in str(blocked.value) and "RFC 9309" in str(blocked.value)
    assert site.paths() == ["/a"]
    assert set(site.user_agents()) == {USER_AGENT}  # robots.txt was read for the agent that is sent

    rows = ledger_rows(tmp_path / "l.db")
    assert [(r["url"].rsplit("/", 1)[-1], r["allow"]) for r in rows] == [("a", 1), ("x", 0)]
    assert rows[0]["collected_status"] == 200 and rows[0]["bytes"] == len(b"page a")
    assert rows[0]["content_sha256"] == hashlib.sha256(b"page a").hexdigest()
    assert rows[1]["collected_status"] is None


@pytest.mark.parametrize("path, denied_host, denied_path, code", [
    ("/r-other", PROHIBITED_HOST, "/b", "terms.automated_collection_prohibited"),
    ("/r-private", "127.0.0.1", "/private/y", "robots.disallowed"),
])
def test_redirect_hop_is_gated_before_it_is_followed(site: Site, make_gate: Any, path: str, denied_host: str,
                                                     denied_path: str, code: str) -> None:
    serve(site)
    with GatedSession(make_gate()) as s:
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(site.base + path)
        assert s.get(site.base + "/r-ok").history[0].status_code == 302  # an allowed redirect is followed
    assert blocked.value.decision.deny_codes == [code]
    assert (denied_host, denied_path) not in site.log()
    assert ("127.0.0.1", path) in site.log()


def test_adapter_mounts_on_any_session(site: Site, make_gate: Any) -> None:
    serve(site)
    session = requests.Session()
    session.mount("http://", GatedAdapter(make_gate(), pool_maxsize=2))
    assert session.get(site.base + "/a").status_code == 200
    with pytest.raises(CollectionBlocked):
        session.get(site.base + "/private/x")
    session.close()
    assert site.paths() == ["/a"]


def test_audit_mode_fetches_and_records_the_would_be_deny(site: Site, make_gate: Any, tmp_path: Path) -> None:
    serve(site)
    with GatedSession(make_gate(mode="audit", ledger=tmp_path / "l.db")) as s:
        r = s.get(site.base + "/private/x")
    assert r.text == "never" and not r.scrapegate_decision.allow
    assert site.paths() == ["/private/x"]
    (row,) = ledger_rows(tmp_path / "l.db")
    assert (row["allow"], row["mode"], row["deny_codes"]) == (0, "audit", '["robots.disallowed"]')
    assert row["collected_status"] == 200 and row["bytes"] == len(b"never")


def test_streamed_response_is_decided_but_not_hashed(site: Site, make_gate: Any, tmp_path: Path) -> None:
    serve(site)
    with GatedSession(make_gate(ledger=tmp_path / "l.db")) as s:
        with s.get(site.base + "/a", stream=True) as r:
            assert r.raw.read() == b"page a"
    (row,) = ledger_rows(tmp_path / "l.db")
    assert row["allow"] == 1 and row["collected_status"] is None


def test_unreachable_robots_txt_fails_closed(site: Site, make_gate: Any) -> None:
    site.page("/robots.txt", "down", status=503)
    site.page("/a", "never")
    with GatedSession(make_gate()) as s, pytest.raises(CollectionBlocked) as blocked:
        s.get(site.base + "/a")
    assert blocked.value.decision.deny_codes == ["robots.unreachable"]
    assert site.paths() == []


def test_crawl_delay_spaces_requests_to_a_host(site: Site, make_gate: Any) -> None:
    delay = 0.25
    site.robots(f"User-agent: *\nCrawl-delay: {delay}\n")
    arrivals: list[float] = []

    def page(request: Any) -> Any:
        from werkzeug.wrappers import Response

        arrivals.append(time.monotonic())
        return Response("ok")

    site.server.expect_request("/p").respond_with_handler(page)
    with GatedSession(make_gate()) as s:
        decisions = [s.get(site.base + "/p").scrapegate_decision for _ in range(3)]
    assert decisions[0].obligations == ({"code": "rate_limit", "min_interval_s": delay},)
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert len(gaps) == 2 and min(gaps) >= delay * 0.9, gaps


def test_session_owns_a_gate_built_from_the_job(site: Site, engine: Any) -> None:
    from local_site import signals_source

    serve(site)
    s = GatedSession(JOB, engine=engine, signals=signals_source())
    assert s.get(site.base + "/a").status_code == 200
    s.close()
    assert s.gate.mode == "enforce"


def test_with_the_shipped_policies(site: Site) -> None:
    """The real Rego policies and LiveSignals: robots.txt's Disallow denies, its Crawl-delay
    comes back as a rate_limit obligation."""
    from gate.core.gate import Gate

    site.robots("User-agent: *\nDisallow: /private\nCrawl-delay: 0.1\n")
    site.page("/a", "page a")
    site.page("/private/x", "never")
    with Gate(JOB) as gate, GatedSession(gate) as s:
        decision = s.get(site.base + "/a").scrapegate_decision
        with pytest.raises(CollectionBlocked) as blocked:
            s.get(site.base + "/private/x")
    assert decision.allow and {"code": "rate_limit", "min_interval_s": 0.1} in decision.obligations
    assert blocked.value.decision.deny_codes == ["robots.disallowed"]
    assert site.paths() == ["/a"]
    # The refusal names the rule that matched and the command that explains it (issue 20.11).
    assert "(Disallow: /private)" in str(blocked.value)
    assert f"scrapegate explain JOB.yaml --target {site.base}/private/x --live" in str(blocked.value)
