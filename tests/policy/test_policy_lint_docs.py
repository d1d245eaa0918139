"""`policy lint` and `policy docs`: findings with file:line and exit codes, the builtin
allowlist re-probed against regopy, the catalogue generated from METADATA and data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regopy
from click.testing import CliRunner

from gate.cli import cli
from gate.policy.docs import load_catalogue
from gate.policy.lint import KNOWN_BROKEN, VERIFIED_BUILTINS, lint_policies

from legal_workflow_bundle import GDPR, write_bundle

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "policies"

# builtin -> (expression, the value OPA returns). Every allowlisted builtin is probed here.
PROBES: dict[str, tuple[str, object]] = {
    "abs": ("abs(-3)", 3), "array.concat": ("array.concat([1], [2])", [1, 2]),
    "array.reverse": ("array.reverse([1, 2])", [2, 1]), "array.slice": ("array.slice([1, 2, 3, 4], 1, 3)", [2, 3]),
    "base64.decode": ('base64.decode("aGk=")', "hi"), "base64.encode": ('base64.encode("hi")', "aGk="),
    "bits.and": ("bits.and(6, 3)", 2), "ceil": ("ceil(1.2)", 2), "concat": ('concat(", ", ["a", "b"])', "a, b"),
    "contains": ('contains("abc", "z")', False), "count": ("count([1, 2, 3])", 3),
    "crypto.sha256": ('crypto.sha256("abc")', "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    "endswith": ('endswith("abc", "bc")', True), "floor": ("floor(1.8)", 1), "format_int": ("format_int(255, 16)", "ff"),
    "glob.match": ('[glob.match("*.example.com", [], "a.b.example.com"), glob.match("**.example.com", [], "a.b.example.com"), '
                   'glob.match("face-*", [], "face-index"), glob.match("*", [], "facebook.com")]', [False, True, True, False]),
    "indexof": ('indexof("abc", "z")', -1), "intersection": ("intersection({{1, 2}, {2, 3}}) == {2}", True),
    "is_array": ("is_array([])", True), "is_boolean": ("is_boolean(false)", True), "is_null": ("is_null(null)", True),
    "is_number": ("is_number(1)", True), "is_object": ("is_object({})", True), "is_set": ("is_set(set())", True),
    "is_string": ("is_string(1)", False), "json.marshal": ('json.marshal({"a": [1, null]})', '{"a":[1,null]}'),
    "json.patch": ('json.patch({"a": 1, "b": {"c": 2}, "l": [1]}, [{"op": "add", "path": "/d", "value": 3}, '
                   '{"op": "replace", "path": "/b/c", "value": 5}, {"op": "remove", "path": "/a"}, '
                   '{"op": "add", "path": "/l/-", "value": 2}])', {"b": {"c": 5}, "d": 3, "l": [1, 2]}),
    "json.unmarshal": ('json.unmarshal("{\\"a\\": 1}")', {"a": 1}), "lower": ('lower("AbC")', "abc"),
    "max": ("max([1, 5, 3])", 5), "min": ("min([4, 2, 3])", 2), "numbers.range": ("numbers.range(1, 3)", [1, 2, 3]),
    "object.filter": ('object.filter({"a": 1, "b": 2}, ["a"])', {"a": 1}),
    "object.get": ('[object.get({"a": 1}, "b", 0), object.get({"a": {"b": 1}}, ["a", "b"], 0)]', [0, 1]),
    "object.keys": ('object.keys({"a": 1, "b": 2}) == {"a", "b"}', True),
    "object.remove": ('object.remove({"a": 1, "b": 2}, ["a"])', {"b": 2}),
    "object.subset": ('object.subset({"a": 1}, {"b": 2})', False),
    "object.union": ('object.union({"a": 1}, {"b": 2})', {"a": 1, "b": 2}), "product": ("product([2, 3])", 6),
    "regex.find_n": ('regex.find_n("[0-9]", "a1b2", -1)', ["1", "2"]),
    "regex.match": ('[regex.match("^[A-Z]{2}-[A-Z0-9]{1,3}$", "US-IL"), regex.match("^z", "abc")]', [True, False]),
    "regex.replace": ('regex.replace("a1b2", "[0-9]", "")', "ab"), "regex.split": ('regex.split("[,;]", "a,b;c")', ["a", "b", "c"]),
    "replace": ('replace("a-b-c", "-", "_")', "a_b_c"), "round": ("[round(2.5), round(-2.5)]", [3, -3]),
    "semver.compare": ('semver.compare("1.2.3", "1.10.0")', -1), "sort": ('sort({"b", "a"})', ["a", "b"]),
    "split": ('split("a.b.c", ".")', ["a", "b", "c"]),
    "sprintf": ('sprintf("%s has %d items (%v) %v", ["x", 3, true, {"a": [1, "x"]}])', 'x has 3 items (true) {"a": [1, "x"]}'),
    "startswith": ('startswith("abc", "ab")', True), "strings.any_prefix_match": ('strings.any_prefix_match("abc", ["x", "ab"])', True),
    "strings.any_suffix_match": ('strings.any_suffix_match("abc", ["x"])', False),
    "strings.replace_n": ('strings.replace_n({"a": "1", "b": "2"}, "ab")', "12"), "strings.reverse": ('strings.reverse("abc")', "cba"),
    "substring": ('[substring("abcdef", 1, 3), substring("abc", 1, -1)]', ["bcd", "bc"]), "sum": ("sum([1, 2, 3])", 6),
    "to_number": ('to_number("1.5")', 1.5), "trim": ('trim("..a..", ".")', "a"), "trim_left": ('trim_left("xxa", "x")', "a"),
    "trim_prefix": ('trim_prefix("www.a.com", "www.")', "a.com"), "trim_right": ('trim_right("axx", "x")', "a"),
    "trim_space": ('trim_space("  a ")', "a"), "trim_suffix": ('trim_suffix("a.com.", ".")', "a.com"),
    "type_name": ("type_name([])", "array"), "union": ("union({{1}, {2}}) == {1, 2}", True),
    "units.parse": ('units.parse("10K")', 10000), "upper": ('upper("AbC")', "ABC"),
    "walk": ('[p | walk({"a": 1}, [p, _])] == [[], ["a"]]', True),
}


def _regopy(expr: str) -> object:
    interp = regopy.Interpreter()
    interp.strict_built_in_errors = True
    interp.add_module("probe.rego", f"package probe\n\nv := {expr}\n")
    out = interp.query("x := data.probe.v")
    text = str(out)
    if not out.ok():
        return "<error>"
    return "<undefined>" if text == "undefined" else json.loads(text)["bindings"]["x"]


def test_every_allowlisted_builtin_is_probed() -> None:
    assert set(PROBES) == set(VERIFIED_BUILTINS)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_allowlisted_builtin_behaves_as_in_opa(name: str) -> None:
    expr, expected = PROBES[name]
    assert _regopy(expr) == expected


@pytest.mark.parametrize("expr", ['net.cidr_contains("10.0.0.0/8", "10.1.2.3")', 'time.parse_rfc3339_ns("2026-11-26T10:00:00Z")',
                                  "rego.metadata.rule()"])
def test_known_broken_builtins_still_fail_in_regopy(expr: str) -> None:
    assert _regopy(expr) == "<error>"
    assert _regopy('urlquery.encode("a b")') == "a%20b"  # OPA: "a+b"
    assert "net.cidr_contains" in KNOWN_BROKEN and "urlquery.encode" in KNOWN_BROKEN


# --- lint -------------------------------------------------------------------------------------------

def _lint(*dirs: Path) -> object:
    return CliRunner().invoke(cli, ["policy", "lint", *map(str, dirs)])


def test_lint_passes_on_a_clean_bundle(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "policies")
    result = _lint(bundle)
    assert result.exit_code == 0, result.output
    assert result.output == "no findings\n"


def test_lint_fails_on_a_rule_without_metadata(tmp_path: Path) -> None:
    rule = """package scrapegate.extra

deny contains v if {
	"biometric" in input.job.data_categories
	v := {"code": "extra.biometric", "message": "no"}
}
"""
    bundle = write_bundle(tmp_path / "policies", files={"extra.rego": rule})
    result = _lint(bundle)
    assert result.exit_code == 1
    path = bundle / "scrapegate" / "extra.rego"
    assert result.output.splitlines() == [
        f"{path}:3: metadata: deny rule has no METADATA block (title, custom.code, custom.law, custom.owner)",
        f"{path}:3: unreachable: scrapegate.extra.deny never reaches the decision: data.scrapegate.decision "
        "does not collect it; put a team's rules in `package scrapegate.team`",
        "2 finding(s)",
    ]


def test_lint_findings_with_file_and_line(tmp_path: Path) -> None:
    rule = """package scrapegate.extra

import data.scrapegate.lib

_basis := input.job.legal_basis

# METADATA
# title: A rule with every mistake
# custom:
#   code: extra.untested
#   jurisdictions: [EU]
deny contains v if {
	input.job.purpose.category == "face_recognition"
	input.job.legal_basis.gdpr_art9 in {"explicit_consent", "public_interest"}
	_basis.consent.evidnce == null
	net.cidr_contains("10.0.0.0/8", input.request.host)
	time.parse_rfc3339_ns(input.now) > 0
	input.job.retention == 30
	v := {"code": "extra.other", "message": sprintf("%v", [input.signals.robots.status])}
}

# METADATA
# title: broken
# custom: [unclosed
warn contains v if {
	v := {"code": "extra.warn"}
}
"""
    bundle = write_bundle(tmp_path / "policies", files={"extra.rego": rule})
    everything = lint_policies([bundle], base=tmp_path)
    # scrapegate.extra is no package the decision collects (test_team_rules.py tests that check)
    assert {(x.line, x.check) for x in everything if x.check == "unreachable"} == {(12, "unreachable"), (25, "unreachable")}
    findings = [str(x) for x in everything if x.check != "unreachable"]
    f = "policies/scrapegate/extra.rego"
    assert findings == [
        f"{f}:7: law: deny rule extra.untested METADATA has no custom.law",
        f"{f}:7: owner: deny rule extra.untested has no custom.owner (in its METADATA or its package's)",
        f"{f}:7: untested: extra.untested appears in no *_test.rego: add a test that fires it and one that does not",
        f"{f}:12: code-not-produced: METADATA declares extra.untested but the rule never states it: the documented code is never emitted",
        f"{f}:13: never-fires: input.job.purpose.category is never 'face_recognition' (one of: search_indexing, archiving, "
        "price_monitoring, market_research, academic_research, journalism, security_research, ai_training, text_and_data_mining, "
        "facial_recognition, law_enforcement_support, other): this comparison can never hold",
        f"{f}:14: never-fires: input.job.legal_basis.gdpr_art9 is never 'public_interest' (one of: explicit_consent, employment, "
        "vital_interests, nonprofit_members, manifestly_made_public, legal_claims, substantial_public_interest, health_care, "
        "public_health, research): this comparison can never hold",
        f"{f}:15: never-fires: input.job.legal_basis.consent.evidnce: 'evidnce' is not a field of input.job.legal_basis.consent in "
        "the policy input contract; it is always undefined, so a condition on it never holds",
        f"{f}:16: builtin: net.cidr_contains: errors in regopy 1.5.2 (with strict builtin errors the whole evaluation fails)",
        f"{f}:17: builtin: time.parse_rfc3339_ns: errors in regopy 1.5.2; time comes from input.now / input.now_date",
        f"{f}:18: never-fires: input.job.retention: 'retention' is not a field of input.job in the policy input contract; "
        "it is always undefined, so a condition on it never holds",
        f"{f}:24: metadata: METADATA is not valid YAML: expected ',' or ']', but got '<stream end>'",
        f"{f}:25: metadata: warn rule has no METADATA block (title, custom.code, custom.law, custom.owner)",
    ]
    result = _lint(bundle)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "14 finding(s)"


def test_lint_owner_from_the_package_metadata(tmp_path: Path) -> None:
    # gdpr.art9_prohibited has no owner of its own; the package METADATA gives one
    bundle = write_bundle(tmp_path / "policies")
    assert lint_policies([bundle]) == []
    without = GDPR.replace("# METADATA\n# scope: package\n# custom:\n#   owner: privacy@example.com\n", "")
    bundle = write_bundle(tmp_path / "p2", files={"gdpr.rego": without})
    assert [(f.check, f.line) for f in lint_policies([bundle])] == [("owner", 3), ("owner", 33)]


def test_lint_passes_on_the_shipped_policies() -> None:
    if not list((SHIPPED / "scrapegate").glob("*.rego")):
        pytest.skip("policies/scrapegate has no .rego yet")
    findings = lint_policies([SHIPPED], base=REPO)
    assert [str(f) for f in findings] == []


# --- docs -------------------------------------------------------------------------------------------

def test_docs_catalogue_from_metadata_and_data(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "policies")
    out = tmp_path / "docs" / "policies.md"
    result = CliRunner().invoke(cli, ["policy", "docs", str(bundle), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "| [`gdpr.art9_prohibited`](#gdprart9_prohibited) | deny | GDPR Art. 9(1) | EU, GB, CH | privacy@example.com | yes |" in text
    assert "| [`gdpr.retention_long`](#gdprretention_long) | warn | GDPR Art. 5(1)(e) | EU | privacy@example.com | yes |" in text
    section = text.split("## gdpr.art9_prohibited\n", 1)[1].split("\n## ", 1)[0]
    assert "**Special-category data without an Art. 9(2) condition**" in section
    assert "  - CNIL SAN-2022-019 (EUR 20M, 2022)\n  - AP (NL) 16 May 2024 (EUR 30.5M)\n" in section
    assert "- Owner: privacy@example.com\n" in section and "- Waivable: yes\n" in section
    # --check: clean now, stale after a change
    assert CliRunner().invoke(cli, ["policy", "docs", str(bundle), "-o", str(out), "--check"]).exit_code == 0
    write_bundle(bundle, files={"gdpr.rego": GDPR.replace("law: GDPR Art. 9(1)", "law: GDPR Art. 9(1) and (2)")})
    stale = CliRunner().invoke(cli, ["policy", "docs", str(bundle), "-o", str(out), "--check"])
    assert stale.exit_code == 1


def test_docs_precedents_resolve_case_ids_per_jurisdiction() -> None:
    if not list((SHIPPED / "scrapegate").glob("*.rego")):
        pytest.skip("policies/scrapegate has no .rego yet")
    catalogue = load_catalogue([SHIPPED])
    art5 = catalogue["eu_ai_act.art5_1e"]
    assert art5.waivable is False and art5.law
    art9 = catalogue["gdpr.art9_prohibited"]
    assert any(p.startswith("[FR] CNIL (FR) SAN-2022-019") for p in art9.precedents)


def test_generated_docs_are_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    if not (REPO / "docs" / "policies.md").is_file():
        pytest.skip("docs/policies.md not generated yet")
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["policy", "docs", "-o", "docs/policies.md", "--check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args", [["explain"], ["policy", "diff"], ["policy", "docs"], ["policy", "lint"]])
def test_commands_have_help_with_an_example(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "scrapegate " + " ".join(args) in result.output
    listing = CliRunner().invoke(cli, [*args[:-1], "--help"])
    assert f"  {args[-1]} " in listing.output


def test_docs_written_outside_the_repository_name_the_shipped_policies_as_the_repository_does(
        tmp_path: Path) -> None:
    """From an installed wheel the shipped .rego files live in site-packages: the catalogue
    names them `policies/...` as the repository's docs/policies.md does, never by an absolute path."""
    out = tmp_path / "elsewhere" / "policies.md"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["policy", "docs", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "`policies/scrapegate/gdpr.rego:" in text
    shipped = str(Path(__file__).resolve().parents[2])
    assert shipped not in text and "site-packages" not in text
