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


def waiver_text(**fields: str) -> str:
    base = {"id": "W-1", "rules": "[terms.automated_collection_prohibited]", "jobs": '"*"', "sites": "facebook.com",
            "approved_by": "dpo@example.com", "reason": "licence", "ticket": "LEGAL-9", "expires": "2999-12-31"}
    base.update(fields)
    return "waivers:\n" + "".join(f"  {'-' if i == 0 else ' '} {k}: {v}\n" for i, (k, v) in enumerate(base.items())
                                  if v != "DROP")


# (waivers file, the one error line after "Error: <file>"): every field a tester got through.
BAD_WAIVERS = [
    (waiver_text(rules="42"), ":3: waivers[0].rules: must be a list of rule codes, not int 42"),
    (waiver_text(rules="[]"), ":3: waivers[0].rules: an empty list waives nothing: name the rule codes"),
    (waiver_text(jobs="{name: face-index}"), ":4: waivers[0].jobs: must be a glob string or a list of globs, not dict {'name': 'face-index'}"),
    (waiver_text(sites="[facebook.com, 7]"), ":5: waivers[0].sites: each site glob must be a string, not int 7"),
    # OPA and the embedded engine read [...], {...} and \\ differently: only * and ? are wildcards
    (waiver_text(sites='"{www.facebook.com,x.com"'), ":5: waivers[0].sites: '{www.facebook.com,x.com': a site glob holds lower-case letters, digits, . _ - (IDN as punycode) and the wildcards * and ? only"),
    (waiver_text(sites='["[a-]b.example.com"]'), ":5: waivers[0].sites: '[a-]b.example.com': a site glob holds lower-case letters, digits, . _ - (IDN as punycode) and the wildcards * and ? only"),
    (waiver_text(jobs='"face-{a,b}"'), ":4: waivers[0].jobs: 'face-{a,b}': a job glob holds letters, digits, . _ - and the wildcards * and ? only"),
    (waiver_text(expires="someday"), ":9: waivers[0].expires: 'someday' is not a date: write YYYY-MM-DD (the last day the waiver holds)"),
    (waiver_text(expires="2026-02-30"), ":9: waivers[0].expires: '2026-02-30' is not a date: day is out of range for month"),
    (waiver_text(approved_by="DROP"), ":2: waivers[0].approved_by: required field is missing"),
    (waiver_text(owner="me"), ":10: waivers[0].owner: unknown field (not part of a waiver: id, rules, jobs, sites, approved_by, reason, ticket, expires)"),
    (waiver_text() + "  - 42\n", ":10: waivers[1]: a waiver is a mapping of id, rules, jobs, sites, approved_by, reason, ticket, expires"),
    (waiver_text() + waiver_text()[len("waivers:\n"):], ":10: waivers[1].id: 'W-1' is already the id of waivers[0]: a waiver's id names it in every decision"),
    ("waivers: 42\n", ":1: waivers: expected a list of waivers, not int"),
    ("waiver:\n" + waiver_text()[len("waivers:\n"):], ":1: 'waiver': a waivers file is a list of waivers, or holds it under one key, waivers: (exceptions: is its old name)"),
]


@pytest.mark.parametrize("text,error", BAD_WAIVERS, ids=[e.split(":", 2)[2].strip().split(":")[0] + str(i) for i, (_, e) in enumerate(BAD_WAIVERS)])
@pytest.mark.parametrize("command", ["check", "explain"])
def test_a_bad_waiver_is_bad_input_at_file_line_and_field(tmp_path: Path, examples: Path, text: str, error: str,
                                                         command: str) -> None:
    waivers = tmp_path / "wv.yaml"
    waivers.write_text(text)
    args = [command, str(examples / "clearview-like.yaml"), "--waivers", str(waivers)]
    if command == "explain":
        args += ["--target", "https://www.facebook.com/"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.output == f"Error: {waivers}{error}\n"


def test_a_site_glob_is_read_as_the_site_a_denial_names(tmp_path: Path, examples: Path) -> None:
    """sites: "Facebook.COM." loaded and waived nothing (the site is lower case, without the dot)."""
    waivers = tmp_path / "wv.yaml"
    waivers.write_text(waiver_text(sites='"Facebook.COM."', rules="[terms.automated_collection_prohibited]"))
    result = CliRunner().invoke(cli, ["explain", str(examples / "clearview-like.yaml"), "--waivers", str(waivers),
                                      "--target", "https://www.facebook.com/", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.output)
    waived = doc["decision"]["waived"]
    assert [w["code"] for w in waived] == ["terms.automated_collection_prohibited"]


def test_a_json_waivers_file_names_the_waiver_and_field(tmp_path: Path, examples: Path) -> None:
    waivers = tmp_path / "wv.json"
    waivers.write_text(json.dumps([{"id": "W-1", "rules": 42, "jobs": "*", "sites": "*", "approved_by": "a",
                                    "reason": "r", "ticket": "t", "expires": "2026-02-30"}]))
    result = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml"), "--waivers", str(waivers)])
    assert result.exit_code == 2
    assert result.output == (f"Error: {waivers}: waivers[0].rules: must be a list of rule codes, not int 42\n"
                             f"{waivers}: waivers[0].expires: '2026-02-30' is not a date: day is out of range for month\n")


def test_jobs_and_sites_may_be_lists_of_globs(tmp_path: Path, examples: Path) -> None:
    """Written like rules, as lists: any glob of the list matching is a match (before, a list
    loaded and waived nothing)."""
    waivers = tmp_path / "wv.yaml"
    waivers.write_text(waiver_text(jobs="[price-*, face-index]", sites="[linkedin.com, facebook.com]", ticket="1234"))
    result = run("check", str(examples / "clearview-like.yaml"), "-f", "json", "--waivers", str(waivers))
    by_target = {r["target"]: r["decision"] for r in json.loads(result.output)["results"]}
    fb, fr = by_target["https://www.facebook.com/"], by_target["https://news.example.fr/photos/"]
    assert [(w["code"], w["waiver"], w["ticket"]) for w in fb["waived"]] == [
        ("terms.automated_collection_prohibited", "W-1", "1234")]
    assert "terms.automated_collection_prohibited" not in {d["code"] for d in fb["deny"]}
    assert fr["waived"] == []  # another site
    waivers.write_text(waiver_text(jobs="[price-*, face-search]", sites="[linkedin.com, facebook.com]"))
    result = run("check", str(examples / "clearview-like.yaml"), "-f", "json", "--waivers", str(waivers))
    assert all(r["decision"]["waived"] == [] for r in json.loads(result.output)["results"])  # another job
