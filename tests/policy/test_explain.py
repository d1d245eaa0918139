"""`explain`: the input facts, the rules that fired with the facts behind them, and the
rules of the job's jurisdictions that did not fire with the condition that did not hold,
each evaluated on the real input (change the input, the reason changes)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gate.cli import cli

from legal_workflow_bundle import write_job

FB = "https://www.facebook.com/a"
SHOP = "https://shop.example.com/p/1"


def _explain(legal_bundle: Path, job: Path, url: str, *extra: str) -> object:
    return CliRunner().invoke(cli, ["explain", str(job), "--target", url, "--no-shipped-policies",
                                    "--policy", str(legal_bundle), *extra])


def _section(output: str, title: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def test_fired_and_not_fired_rules_with_their_facts(legal_bundle: Path, tmp_path: Path) -> None:
    job = write_job(tmp_path / "people.yaml", name="people", categories="[personal]", art6="legitimate_interests",
                    targets=[FB])
    result = _explain(legal_bundle, job, FB)
    assert result.exit_code == 1, result.output
    out = result.output
    assert out.splitlines()[0] == f"explain: job people ({job}), target {FB}"
    assert out.splitlines()[1].startswith("decision: DENY (2 deny, 0 warn, 0 waived; policy ")
    # input facts
    assert '  job.legal_basis.gdpr_art6 = "legitimate_interests"' in out.splitlines()
    assert '  request.site = "facebook.com"' in out.splitlines()
    fired = _section(out, "Rules that fired:")
    assert fired[0] == f"  DENY gdpr.lia_missing [EU] (GDPR Art. 6(1)(f)) {legal_bundle}/scrapegate/gdpr.rego:30"
    assert fired[1:4] == [
        "    because `_in_scope`: _in_scope = true",
        '    because `input.job.legal_basis.gdpr_art6 == "legitimate_interests"`: input.job.legal_basis.gdpr_art6 = "legitimate_interests"',
        "    because `input.job.legal_basis.assessments.lia == null`: input.job.legal_basis.assessments.lia = null",
    ]
    assert any(line.startswith("  DENY terms.automated_collection_prohibited") for line in fired)
    assert '    because `entry.site == input.request.site`: input.request.site = "facebook.com"' in fired
    not_fired = _section(out, "Rules for this job's jurisdictions that did not fire:")
    assert not_fired == [
        '  gdpr.art9_prohibited: not fired, `_special_category` does not hold (_special_category is undefined; '
        f'input.job.data_categories = ["personal"])  ({legal_bundle}/scrapegate/gdpr.rego:17)',
        "  gdpr.retention_long: not fired, `input.job.retention_days > 365` does not hold "
        f"(input.job.retention_days = 30)  ({legal_bundle}/scrapegate/gdpr.rego:47)",
    ]


def test_the_reason_follows_the_input(legal_bundle: Path, tmp_path: Path) -> None:
    """Same rule, another input: the first failing condition and its facts change with it."""
    job = write_job(tmp_path / "prices.yaml", name="prices", targets=[SHOP])
    result = _explain(legal_bundle, job, SHOP)
    assert result.exit_code == 0, result.output
    assert _section(result.output, "Rules that fired:") == ["  (none)"]
    not_fired = _section(result.output, "Rules for this job's jurisdictions that did not fire:")
    assert ('  gdpr.lia_missing: not fired, `input.job.legal_basis.gdpr_art6 == "legitimate_interests"` does not hold '
            f'(input.job.legal_basis.gdpr_art6 = null)  ({legal_bundle}/scrapegate/gdpr.rego:32)') in not_fired
    assert ('  terms.automated_collection_prohibited: not fired, `entry.site == input.request.site` does not hold '
            f'(input.request.site = "example.com")  ({legal_bundle}/scrapegate/terms.rego:14)') in not_fired
    # a documented assessment moves lia_missing's failing condition to the next line
    job = write_job(tmp_path / "lia.yaml", name="lia", categories="[personal]", art6="legitimate_interests",
                    lia='"LIA-2026-7"', targets=[SHOP])
    result = _explain(legal_bundle, job, SHOP)
    assert result.exit_code == 0, result.output
    assert ('  gdpr.lia_missing: not fired, `input.job.legal_basis.assessments.lia == null` does not hold '
            f'(input.job.legal_basis.assessments.lia = "LIA-2026-7")  ({legal_bundle}/scrapegate/gdpr.rego:33)') in result.output.splitlines()


def test_site_permission_shows_as_the_reason(legal_bundle: Path, tmp_path: Path) -> None:
    job = write_job(tmp_path / "p.yaml", name="permitted", targets=[FB])
    text = job.read_text().replace("  retention_days:", '  site_permissions: [{site: facebook.com, evidence: "contract 7"}]\n  retention_days:')
    job.write_text(text)
    result = _explain(legal_bundle, job, FB)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("  terms.automated_collection_prohibited:"))
    assert line == ("  terms.automated_collection_prohibited: not fired, `not _permitted` does not hold "
                    f"(`_permitted` holds; _permitted = true)  ({legal_bundle}/scrapegate/terms.rego:15)")


def test_json_format(legal_bundle: Path, tmp_path: Path) -> None:
    job = write_job(tmp_path / "people.yaml", name="people", categories="[personal]", art6="legitimate_interests",
                    targets=[FB])
    result = _explain(legal_bundle, job, FB, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["decision"]["allow"] is False and doc["input"]["request"]["site"] == "facebook.com"
    assert [r["code"] for r in doc["fired"]] == ["gdpr.lia_missing", "terms.automated_collection_prohibited"]
    art9 = next(r for r in doc["not_fired"] if r["code"] == "gdpr.art9_prohibited")
    assert art9["fired"] is False and art9["conditions"][-1] == {
        "text": "_special_category", "line": 17, "held": False,
        "facts": {"_special_category": None, "input.job.data_categories": ["personal"]}}


def test_target_outside_the_job_and_bad_input(legal_bundle: Path, tmp_path: Path) -> None:
    job = write_job(tmp_path / "prices.yaml", name="prices", targets=[SHOP])
    # any URL the job might fetch can be explained
    result = _explain(legal_bundle, job, "https://m.facebook.com/x")
    assert result.exit_code == 1
    assert "  DENY terms.automated_collection_prohibited [-]" in result.output
    result = _explain(legal_bundle, job, "not a url")
    assert result.exit_code == 2


def test_clearview_example_with_the_shipped_policies(examples: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", str(examples / "clearview-like.yaml"), "--target", "https://www.facebook.com/"])
    assert result.exit_code == 1, result.output
    fired = "\n".join(_section(result.output, "Rules that fired:"))
    for code in ("eu_ai_act.art5_1e", "gdpr.art9_prohibited", "terms.automated_collection_prohibited"):
        assert f" {code} " in fired
    assert 'input.job.purpose.category = "facial_recognition"' in fired
    not_fired = _section(result.output, "Rules for this job's jurisdictions that did not fire:")
    robots = next(x for x in not_fired if x.startswith("  robots.disallowed: not fired"))
    assert 'input.signals.robots.status = "not_checked"' in robots
