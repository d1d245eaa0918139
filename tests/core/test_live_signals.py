"""Live signals through the Gate and the shipped policies, against a real local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli
from gate.core.gate import Gate


def job(url: str, purpose: str = "price_monitoring", **spec: object) -> dict:
    base = {
        "operator": {"name": "Example", "establishment": "US", "markets": ["US"]},
        "purpose": {"category": purpose},
        "user_agent": "ExampleBot/1.0 (+https://example.com/bot)",
        "data_categories": ["non_personal"],
        "data_subjects": {"jurisdictions": ["US"]},
        "targets": [url],
    }
    base.update(spec)
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "live"}, "spec": base}


def test_robots_disallow_denies_with_the_deciding_rule(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: examplebot\nDisallow: /private\nCrawl-delay: 2\n", content_type="text/plain")
    with Gate(job(httpserver.url_for("/")), ledger=False) as gate:
        denied = gate.check(httpserver.url_for("/private/a"))
        allowed = gate.check(httpserver.url_for("/public/a"))
    assert denied.deny_codes == ["robots.disallowed"]
    assert "Disallow: /private" in denied.deny[0].message
    assert allowed.allow
    assert {"code": "rate_limit", "min_interval_s": 2} in [
        {k: o[k] for k in ("code", "min_interval_s")} for o in allowed.obligations if o.get("code") == "rate_limit"]
    # one robots.txt fetch for both URLs; no page was fetched by the gate
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]


def test_robots_txt_itself_is_allowed_under_disallow_all(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    with Gate(job(httpserver.url_for("/")), ledger=False) as gate:
        assert gate.check(httpserver.url_for("/robots.txt")).allow
        assert gate.check(httpserver.url_for("/robots.txt") + "?x=1").allow
        assert gate.check(httpserver.url_for("/robots.txt.bak")).deny_codes == ["robots.disallowed"]
        assert gate.check(httpserver.url_for("/")).deny_codes == ["robots.disallowed"]


@pytest.mark.parametrize("status", [500, 503])
def test_unreachable_robots_denies_everything(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("oops", status=status)
    with Gate(job(httpserver.url_for("/")), ledger=False) as gate:
        assert gate.check(httpserver.url_for("/anything")).deny_codes == ["robots.unreachable"]


def test_missing_robots_allows(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("nope", status=404)
    with Gate(job(httpserver.url_for("/")), ledger=False) as gate:
        assert gate.check(httpserver.url_for("/anything")).allow


def test_tdm_reservation_denies_ai_training_only(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/.well-known/tdmrep.json").respond_with_json(
        [{"location": "/articles/*", "tdm-reservation": 1}])
    url = httpserver.url_for("/articles/1")
    with Gate(job(url, "ai_training"), ledger=False) as gate:
        reserved = gate.check(url)
        free = gate.check(httpserver.url_for("/about"))
    assert reserved.deny_codes == ["tdm.reserved"]
    assert free.allow
    with Gate(job(url, "price_monitoring"), ledger=False) as gate:
        assert gate.check(url).allow


def test_content_signal_in_robots_reserves(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nContent-Signal: ai-train=no, search=yes\nAllow: /\n")
    httpserver.expect_request("/.well-known/tdmrep.json").respond_with_data("", status=404)
    url = httpserver.url_for("/page")
    with Gate(job(url, "text_and_data_mining"), ledger=False) as gate:
        assert gate.check(url).deny_codes == ["tdm.reserved"]


def test_check_live_gathers_signals(httpserver: HTTPServer, tmp_path: Path) -> None:
    import yaml

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    manifest = tmp_path / "job.yaml"
    manifest.write_text(yaml.safe_dump(job(httpserver.url_for("/x"))))
    static = CliRunner().invoke(cli, ["check", str(manifest)])
    assert static.exit_code == 0, static.output
    live = CliRunner().invoke(cli, ["check", str(manifest), "--live", "-f", "json", "--include-input"])
    assert live.exit_code == 1, live.output
    [result] = json.loads(live.output)["results"]
    assert [d["code"] for d in result["decision"]["deny"]] == ["robots.disallowed"]
    assert result["input"]["signals"]["robots"]["status"] == "ok"


def test_robots_command_shows_verdict_rule_status_and_cache(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: examplebot\nDisallow: /photos\n")
    result = CliRunner().invoke(cli, ["robots", httpserver.url_for("/photos/1"), httpserver.url_for("/news"),
                                      "--agent", "ExampleBot/1.0", "-f", "json"])
    assert result.exit_code == 1
    first, second = json.loads(result.output)
    assert (first["allowed"], first["rule"], first["status"], first["cache"]) == (False, "Disallow: /photos", "ok", "miss")
    assert (second["allowed"], second["cache"]) == (True, "hit")
    text = CliRunner().invoke(cli, ["robots", httpserver.url_for("/news"), "--agent", "ExampleBot/1.0"])
    assert text.exit_code == 0 and "ALLOWED" in text.output and "fetch:  ok (HTTP 200)" in text.output


def test_signals_command_prints_policy_input_signals(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nContent-Usage: train-ai=n\n")
    httpserver.expect_request("/.well-known/tdmrep.json").respond_with_data("", status=404)
    result = CliRunner().invoke(cli, ["signals", httpserver.url_for("/a")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["signals"]["robots"]["status"] == "ok"
    assert doc["signals"]["optout"]["ai_train"] == "reserved"
    assert doc["documents_sha256"]["robots"]


def test_gate_records_cached_decisions_and_ships_the_decision_log(httpserver: HTTPServer, tmp_path: Path) -> None:
    from gate.ledger.sqlite.query import verify

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    log = tmp_path / "decisions.jsonl"
    with Gate(job(httpserver.url_for("/")), ledger=tmp_path / "l.db", decision_log=str(log)) as gate:
        decisions = [gate.check(httpserver.url_for(p)) for p in ("/a", "/b?token=secret", "/private/x")]
    assert [d.allow for d in decisions] == [True, True, False]
    assert gate.cache_stats["hits"] >= 1  # /b came from the decision cache and was still recorded
    report = verify(tmp_path / "l.db")
    assert report.ok and report.decisions == 3
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["decision_id"] for e in events] == [d.decision_id for d in decisions]
    assert all(e["path"] == "scrapegate/decision" for e in events)
    assert events[1]["input"]["signals"]["robots"]["status"] == "ok"  # a full input, cached or not
    assert events[2]["result"]["allow"] is False


def test_live_signals_trust_a_private_ca_when_told(tmp_path: Path) -> None:
    import ssl

    import trustme
    from pytest_httpserver import HTTPServer as Server

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = Server(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /no\n")
    server.start()
    try:
        url = server.url_for("/no/1")
        with Gate(job(url), ledger=False) as untrusting:  # the system store does not know this CA
            assert untrusting.check(url).deny_codes == ["robots.unreachable"]
        bundle = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        with Gate(job(url), ledger=False, verify=str(bundle)) as trusting:
            assert trusting.check(url).deny_codes == ["robots.disallowed"]
            assert trusting.check(server.url_for("/yes")).allow
    finally:
        server.stop()


def test_live_signals_use_the_robots_cache_they_are_given(httpserver: HTTPServer) -> None:
    from gate.signals.live import LiveSignals
    from gate.signals.robots_cache import RobotsCache
    from gate.signals.robots_fetch import RobotsFetcher

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /x\n")
    cache = RobotsCache(fetcher=RobotsFetcher())
    assert len(cache) == 0  # empty, hence falsy: it must still be the one used
    source = LiveSignals(robots=cache, optout=False)
    with Gate(job(httpserver.url_for("/")), signals=source, ledger=False) as gate:
        assert gate.check(httpserver.url_for("/x/1")).deny_codes == ["robots.disallowed"]
    assert source.robots is cache and len(cache) == 1


def test_an_unreachable_robots_txt_denies_and_names_the_cause(httpserver: HTTPServer) -> None:
    """Issue 20.11: a server that refuses connections is still a complete disallow, and the
    denial says why."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/page"
    httpserver.expect_request("/robots.txt").respond_with_data("", status=503)
    with Gate(job(url), ledger=False) as gate:
        refused = gate.check(url)
        failing = gate.check(httpserver.url_for("/page"))
    assert refused.deny_codes == ["robots.unreachable"]
    assert "is unreachable (connection refused): complete disallow assumed" in refused.deny[0].message
    assert failing.deny_codes == ["robots.unreachable"]
    assert "is unreachable (HTTP 503): complete disallow assumed" in failing.deny[0].message
