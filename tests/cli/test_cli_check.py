"""`scrapegate check` end to end on the shipped policies, through click's CliRunner (the installed
wheel in a fresh venv: tests/test_packaging.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import cli

CLEARVIEW_REASONS = {
    "eu_ai_act.art5_1e", "gdpr.art9_prohibited", "gdpr.dpia_missing", "gdpr.lia_missing",
    "bipa.written_release_missing", "cubi.consent_missing", "au.app3_consent_missing", "ca.consent_missing",
}


def run(*args: str) -> "Result":  # noqa: F821
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_clearview_like_job_is_denied_with_reasons(examples: Path) -> None:
    result = run("check", str(examples / "clearview-like.yaml"))
    assert result.exit_code == 1, result.output
    for code in CLEARVIEW_REASONS | {"terms.automated_collection_prohibited"}:
        assert code in result.output
    assert "SAN-2022-019" in result.output  # a precedent is shown
    assert "DENY  https://www.facebook.com/" in result.output


def test_clearview_like_job_json(examples: Path) -> None:
    result = run("check", str(examples / "clearview-like.yaml"), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    by_target = {r["target"]: r["decision"] for r in doc["results"]}
    fb = {d["code"] for d in by_target["https://www.facebook.com/"]["deny"]}
    assert CLEARVIEW_REASONS | {"terms.automated_collection_prohibited"} <= fb
    fr = {d["code"] for d in by_target["https://news.example.fr/photos/"]["deny"]}
    assert CLEARVIEW_REASONS <= fr and "terms.automated_collection_prohibited" not in fr
    assert doc["engine"] == "embedded" and len(doc["policy_revision"]) == 64
    assert doc["summary"]["denied"] == 2


def test_price_monitoring_job_is_allowed(examples: Path) -> None:
    result = run("check", str(examples / "price-monitoring.yaml"))
    assert result.exit_code == 0, result.output
    assert "2 allowed, 0 denied" in result.output


def test_include_input_shows_the_exact_policy_input(examples: Path) -> None:
    result = run("check", str(examples / "price-monitoring.yaml"), "-f", "json", "--include-input")
    doc = json.loads(result.output)
    inputs = [r["input"] for r in doc["results"]]
    assert [i["request"]["url"] for i in inputs] == ["https://shop.example.com/products/",
                                                     "https://shop.example.com/category/garden"]
    assert all(i["signals"]["robots"]["status"] == "not_checked" for i in inputs)
    assert inputs[0]["job"]["purpose"]["category"] == "price_monitoring"


def test_wrong_enum_exits_2_with_the_message_form(tmp_path: Path, examples: Path) -> None:
    bad = tmp_path / "faces.yaml"
    bad.write_text((examples / "price-monitoring.yaml").read_text().replace("price_monitoring", "face_search"))
    result = CliRunner().invoke(cli, ["check", str(bad)])
    assert result.exit_code == 2
    line = next(i for i, text in enumerate(bad.read_text().splitlines(), 1) if "face_search" in text)
    assert f"{bad}:{line}: spec.purpose.category: 'face_search' is not one of: search_indexing, archiving," in result.output
    assert "(document 1)" not in result.output


def test_fail_on_warn(tmp_path: Path, examples: Path) -> None:
    job = tmp_path / "jp.yaml"
    text = (examples / "price-monitoring.yaml").read_text()
    text = text.replace("establishment: DE, markets: [EU]", "establishment: US, markets: [US]")
    job.write_text(text.replace("[non_personal]", "[personal]").replace("[EU]}", "[XX]}"))
    plain = run("check", str(job), "-f", "json")
    warned = [w["code"] for r in json.loads(plain.output)["results"] for w in r["decision"]["warn"]]
    assert "jurisdiction.uncovered" in warned and plain.exit_code == 0
    assert run("check", str(job), "--fail-on-warn").exit_code == 1


def test_job_without_targets_is_an_error_not_a_pass(tmp_path: Path, examples: Path) -> None:
    text = (examples / "price-monitoring.yaml").read_text()
    job = tmp_path / "empty.yaml"
    job.write_text(text[: text.index("  targets:")])
    result = CliRunner().invoke(cli, ["check", str(job)])
    assert result.exit_code == 2 and "has no targets" in result.output


def test_policy_error_exits_2_with_position(tmp_path: Path, examples: Path) -> None:
    extra = tmp_path / "team" / "scrapegate" / "team"
    extra.mkdir(parents=True)
    (extra / "broken.rego").write_text("package scrapegate.team\n\nx if {\n  input.a ==\n}\n")
    result = CliRunner().invoke(cli, ["check", str(examples), "--policy", str(tmp_path / "team")])
    assert result.exit_code == 2
    assert "broken.rego:4:" in result.output


def test_schema_prints_json_schema() -> None:
    doc = json.loads(run("schema").output)
    assert doc["title"] == "scrapegate/v1 CollectionJob"
    assert "facial_recognition" in json.dumps(doc)


def test_help_teaches_every_command() -> None:
    from gate.cli import COMMANDS, LazyGroup

    names = LazyGroup().list_commands(None)  # type: ignore[arg-type]
    assert set(names) <= set(COMMANDS)
    for name in names:
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in result.output or "Commands:" in result.output, f"{name} --help has no example"


def test_parallel_check_gives_the_same_report_in_the_same_order(tmp_path: Path, examples: Path) -> None:
    from gate.core.batch import decide_jobs
    from gate.engines.embedded import EmbeddedEngine
    from gate.model.manifest import load_manifests

    for i in range(12):
        text = (examples / ("clearview-like.yaml" if i % 3 == 0 else "price-monitoring.yaml")).read_text()
        (tmp_path / f"job{i:02d}.yaml").write_text(text.replace("name: ", f"name: j{i}-", 1))
    jobs = load_manifests([tmp_path])
    engine = EmbeddedEngine()
    serial = decide_jobs(jobs, engine, workers=1)
    import gate.core.batch as check_module

    check_module.PARALLEL_MIN_TARGETS, saved = 1, check_module.PARALLEL_MIN_TARGETS
    try:
        parallel = decide_jobs(jobs, engine, workers=2)
    finally:
        check_module.PARALLEL_MIN_TARGETS = saved
    summary = lambda report: [(r.file, r.target, r.decision.allow, r.decision.deny_codes) for r in report.results]  # noqa: E731
    assert summary(parallel) == summary(serial)
    assert len(serial.results) == 24


WAIVER = """\
  - id: W-FB
    rules: [terms.automated_collection_prohibited]
    jobs: "*"
    sites: facebook.com
    approved_by: dpo@example.com
    reason: licence
    ticket: LEGAL-9
    expires: 2999-12-31
"""


@pytest.mark.parametrize("flag,key", [("--waivers", "waivers"), ("--exceptions", "exceptions")])
def test_waivers_flag_and_its_old_name_both_waive(examples: Path, tmp_path: Path, flag: str, key: str) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"{key}:\n{WAIVER}")
    result = run("check", str(examples / "clearview-like.yaml"), "-f", "json", flag, str(waivers))
    fb = {r["target"]: r["decision"] for r in json.loads(result.output)["results"]}["https://www.facebook.com/"]
    assert [(w["code"], w["waiver"]) for w in fb["waived"]] == [("terms.automated_collection_prohibited", "W-FB")]
    assert "terms.automated_collection_prohibited" not in {d["code"] for d in fb["deny"]}


def test_the_old_flag_is_hidden_and_two_different_files_are_refused(examples: Path, tmp_path: Path) -> None:
    help_text = run("check", "--help").output
    assert "--waivers" in help_text and "--exceptions" not in help_text
    (tmp_path / "a.yaml").write_text(f"waivers:\n{WAIVER}")
    (tmp_path / "b.yaml").write_text("waivers: []\n")
    result = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml"),
                                      "--waivers", str(tmp_path / "a.yaml"), "--exceptions", str(tmp_path / "b.yaml")])
    assert result.exit_code == 2 and "name different files" in result.output


def test_a_waiver_naming_an_unknown_code_warns(tmp_path: Path, examples: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("- id: W-TYPO\n  rules: [gdpr.art9_prohibted, gdpr.art9_prohibited]\n  jobs: '*'\n  sites: '*'\n"
                       "  approved_by: dpo@example.com\n  reason: r\n  ticket: LEGAL-9\n  expires: 2099-12-31\n")
    job = str(examples / "price-monitoring.yaml")
    plain = CliRunner().invoke(cli, ["check", job, "--waivers", str(waivers)])
    assert plain.exit_code == 0
    assert plain.stderr == (f"warning: {waivers}: waiver W-TYPO names 'gdpr.art9_prohibted', which no rule produces: "
                            "it waives nothing\n")
    strict = CliRunner().invoke(cli, ["check", job, "--waivers", str(waivers), "--fail-on-warn"])
    assert strict.exit_code == 1 and "gdpr.art9_prohibted" in strict.stderr
