"""Issue 20.4: a team's own rules decide. `package scrapegate.team` (any number of files, in a
folder given with --policy) reaches the decision on regopy and on the real OPA engine alike;
a deny in any other package is flagged by `policy lint` and never shown as fired under an
ALLOW by `explain`."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.engines.embedded import EmbeddedEngine
from gate.engines.policy_set import load_policy_set, shipped_policies_dir
from gate.model.input import build_input
from gate.model.manifest import load_manifests
from gate.model.url import normalize
from gate.signals.static import static_signals

from opa_fake import opa_bindings_available

TEAM_RULE = """\
package {package}

# METADATA
# title: No price monitoring of our partners' shops
# custom:
#   code: team.partner_prices
#   law: house rule 7 (partner contracts)
#   owner: legal@example.com
deny contains {{
	"code": "team.partner_prices", "jurisdiction": null, "law": "house rule 7 (partner contracts)",
	"message": "partners' prices come from their feed, not from scraping", "precedents": [],
}} if {{
	input.request.site == "example.com"
	input.job.purpose.category == "price_monitoring"
}}

# METADATA
# title: Tell the partner team
# custom:
#   code: team.tell_partners
#   law: house rule 8
#   owner: legal@example.com
warn contains {{
	"code": "team.tell_partners", "jurisdiction": null, "law": "house rule 8",
	"message": "tell the partner team", "precedents": [],
}} if input.request.site == "example.com"
"""
TEAM_TEST = """\
package scrapegate.team_test

import data.scrapegate.team

test_partner_prices_denied if {
	some v in team.deny with input.request.site as "example.com"
		with input.job.purpose.category as "price_monitoring"
	v.code == "team.partner_prices"
}

test_other_sites_untouched if {
	count(team.deny) == 0 with input.request.site as "other.org"
		with input.job.purpose.category as "price_monitoring"
}

test_tell_partners if {
	some w in team.warn with input.request.site as "example.com"
	w.code == "team.tell_partners"
}
"""


def team_folder(root: Path, package: str = "scrapegate.team") -> Path:
    folder = root / "team" / Path(*package.split("."))
    folder.mkdir(parents=True)
    (folder / "partners.rego").write_text(TEAM_RULE.format(package=package))
    (folder / "partners_test.rego").write_text(TEAM_TEST.replace("scrapegate.team", package))
    return root / "team"


def invoke(*args: str):  # noqa: ANN201
    return CliRunner().invoke(cli, list(args))


def test_a_team_deny_denies_through_check(tmp_path: Path, examples: Path) -> None:
    team = team_folder(tmp_path)
    result = invoke("check", str(examples / "price-monitoring.yaml"), "--policy", str(team), "-f", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    for r in doc["results"]:
        assert r["decision"]["allow"] is False
        assert [d["code"] for d in r["decision"]["deny"]] == ["team.partner_prices"]
        assert [w["code"] for w in r["decision"]["warn"]] == ["team.tell_partners"]
    assert invoke("check", str(examples / "price-monitoring.yaml")).exit_code == 0  # without the team folder


def test_the_team_rule_decides_the_same_on_real_opa(tmp_path: Path, examples: Path) -> None:
    if not opa_bindings_available():
        pytest.skip("opa-golib-python-bindings is not installed")
    import opa_bindings

    roots = [shipped_policies_dir(), team_folder(tmp_path)]
    policy_set = load_policy_set(roots)
    [loaded] = load_manifests([examples / "price-monitoring.yaml"])
    now = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    embedded = EmbeddedEngine(roots, include_shipped=False)
    opa = opa_bindings.OpaEngine()
    try:
        for module in policy_set.policy_modules():
            opa.add_policy(module.name, module.source)
        opa.add_data(policy_set.data)
        for url in ("https://shop.example.com/products/", "https://other.org/x"):
            policy_input = build_input(loaded.job, normalize(url), signals=static_signals(), now=now)
            on_regopy = embedded.evaluate(policy_input)
            on_opa = opa.eval_document("scrapegate.decision", policy_input)
            assert on_regopy is not None
            codes = {kind: sorted(v["code"] for v in on_regopy[kind]) for kind in ("deny", "warn")}
            assert codes == {kind: sorted(v["code"] for v in on_opa[kind]) for kind in ("deny", "warn")}, url
            assert on_regopy["allow"] == on_opa["allow"]
            expected = ["team.partner_prices"] if "example.com" in url else []
            assert codes["deny"] == expected, url
    finally:
        opa.close()
        embedded.close()


def test_the_team_tests_run_with_policy_test(tmp_path: Path) -> None:
    team = team_folder(tmp_path)
    result = invoke("policy", "test", str(shipped_policies_dir()), str(team), "-r", "team_test", "-v")
    assert result.exit_code == 0, result.output
    assert "PASS: 3/3" in result.stdout


def test_lint_flags_a_deny_in_a_package_the_decision_does_not_collect(tmp_path: Path) -> None:
    stray = team_folder(tmp_path, "scrapegate.acme")
    result = invoke("policy", "lint", str(stray))
    assert result.exit_code == 1
    assert "partners.rego:9: unreachable: scrapegate.acme.deny never reaches the decision" in result.stdout
    assert "partners.rego:23: unreachable: scrapegate.acme.warn never reaches the decision" in result.stdout
    assert "`package scrapegate.team`" in result.stdout
    good = invoke("policy", "lint", str(team_folder(tmp_path / "ok")))
    assert "unreachable" not in good.stdout, good.stdout
    shipped = invoke("policy", "lint")
    assert "unreachable" not in shipped.stdout, shipped.stdout


def test_explain_never_shows_a_fired_deny_under_allow(tmp_path: Path, examples: Path) -> None:
    stray = team_folder(tmp_path, "scrapegate.acme")
    args = ["explain", str(examples / "price-monitoring.yaml"), "--target", "https://shop.example.com/products/"]
    result = invoke(*args, "--policy", str(stray))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "decision: ALLOW" in out
    fired = out[out.index("Rules that fired:"):out.index("Rules for this job's")]
    assert "team.partner_prices" not in fired and "(none)" in fired
    assert "Rules that hold but do not reach the decision (they change nothing):" in out
    assert "DENY team.partner_prices" in out.split("do not reach the decision")[1]
    doc = json.loads(invoke(*args, "--policy", str(stray), "-f", "json").stdout)
    assert doc["fired"] == [] and {r["code"] for r in doc["not_in_decision"]} == {"team.partner_prices",
                                                                                  "team.tell_partners"}
    collected = invoke(*args, "--policy", str(team_folder(tmp_path / "ok")))
    assert "decision: DENY" in collected.stdout
    fired = collected.stdout[collected.stdout.index("Rules that fired:"):]
    assert "DENY team.partner_prices" in fired.split("Rules for this job's")[0]


def test_explain_lists_each_code_once(examples: Path) -> None:
    result = invoke("explain", str(examples / "price-monitoring.yaml"), "--target", "https://shop.example.com/products/")
    not_fired = result.stdout.split("did not fire:")[1]
    codes = [line.split(":")[0].strip() for line in not_fired.splitlines() if line.startswith("  ") and ": not" in line]
    assert "tdm.reserved" in codes
    assert len(codes) == len(set(codes)), codes


def test_explain_header_names_the_signals_not_checked(examples: Path) -> None:
    args = ["explain", str(examples / "price-monitoring.yaml"), "--target", "https://shop.example.com/products/"]
    header = invoke(*args).stdout.splitlines()[2]
    assert header.startswith("not checked: robots, optout") and "--live" in header
    assert "robots" in json.loads(invoke(*args, "-f", "json").stdout)["not_checked"]


def test_explain_live_does_not_claim_static_mode(examples: Path, httpserver: Any) -> None:
    """--live fetches the site's files; what is still not checked then is not fetched for the
    job's purpose (a price job's opt-outs and licence) or comes from responses."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    args = ["explain", str(examples / "price-monitoring.yaml"), "--target", httpserver.url_for("/products/"), "--live"]
    lines = invoke(*args).stdout.splitlines()
    assert not any("static mode" in line for line in lines)
    header = [line for line in lines if line.startswith("not checked:")]
    assert len(header) == 1 and "not fetched for this job's purpose" in header[0], lines[:4]
