"""`policy diff`: a policy change that turns an allowed job into a denied one is reported,
with the base given as a directory and as a git revision (read without touching the
working tree)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli.policy_tools import diff
from gate.policy.diff import diff_policies

from legal_workflow_bundle import write_bundle, write_job

SHOP = "https://shop.example.com/p/1"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def manifests(tmp_path: Path) -> list[Path]:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    return [
        write_job(jobs / "prices.yaml", name="prices", targets=[SHOP, "https://other.example.org/x"]),
        write_job(jobs / "faces.yaml", name="faces", categories="[biometric]", targets=["https://news.example.fr/"]),
    ]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose policies/ has two commits: the second adds shop.example.com to
    the terms registry and removes the special-category rule's `special_category` trigger."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    write_bundle(repo / "policies")
    _git(repo, "add", "policies")
    _git(repo, "commit", "-q", "-m", "policies v1")
    write_bundle(repo / "policies", extra_sites=["example.com"])
    _git(repo, "commit", "-q", "-am", "policies v2: shop.example.com terms")
    return repo


def test_directory_form_reports_allow_to_deny(tmp_path: Path, manifests: list[Path]) -> None:
    base = write_bundle(tmp_path / "base")
    head = write_bundle(tmp_path / "head", extra_sites=["example.com"])
    result = CliRunner().invoke(diff, ["--base", str(base), "--head", str(head), *map(str, manifests)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"policy diff: base {base} (policy ")
    line = next(i for i, t in enumerate(manifests[0].read_text().splitlines(), 1) if SHOP in t)
    assert lines[1:4] == [
        f"{manifests[0]}:{line} job prices {SHOP}",
        "  ALLOW -> DENY",
        "    + deny terms.automated_collection_prohibited: example.com terms: no scraping",
    ]
    assert lines[-1] == "3 target(s) in 2 job(s): 1 allow -> deny, 0 deny -> allow, 0 with codes changed, 2 unchanged"


def test_deny_to_allow_exits_0(tmp_path: Path, manifests: list[Path]) -> None:
    base = write_bundle(tmp_path / "base", extra_sites=["example.com"])
    head = write_bundle(tmp_path / "head")
    result = CliRunner().invoke(diff, ["--base", str(base), "--head", str(head), str(manifests[0])])
    assert result.exit_code == 0, result.output
    assert "  DENY -> ALLOW" in result.output.splitlines()
    assert "    - deny terms.automated_collection_prohibited" in result.output.splitlines()


def test_codes_added_on_a_denied_target(tmp_path: Path, manifests: list[Path]) -> None:
    # head adds a warn rule and drops nothing: faces stays denied, its warnings change
    base = write_bundle(tmp_path / "base")
    extra = """package scrapegate.gdpr

# METADATA
# title: Any biometric collection needs a review
# custom:
#   code: gdpr.review
#   law: GDPR Art. 35
#   owner: dpo@example.com
warn contains v if {
	"biometric" in input.job.data_categories
	v := {"code": "gdpr.review", "jurisdiction": "EU", "law": "GDPR Art. 35", "message": "review biometric collection"}
}
"""
    head = write_bundle(tmp_path / "head", files={"review.rego": extra})
    d = diff_policies([manifests[1]], str(base), str(head))
    assert d.exit_code() == 0
    (change,) = d.changes
    assert change.change == "codes changed" and not change.base_allow and not change.head_allow
    assert change.warn_added == {"gdpr.review": ["EU"]} and change.deny_added == {}


def test_git_ref_form_reads_the_revision_without_touching_the_working_tree(repo: Path, manifests: list[Path],
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    before_status = _git(repo, "status", "--porcelain")
    before = (repo / "policies" / "scrapegate" / "data.yaml").read_text()
    result = CliRunner().invoke(diff, ["--base", "HEAD~1", *map(str, manifests)])  # head: ./policies
    assert result.exit_code == 1, result.output
    commit = _git(repo, "rev-parse", "HEAD~1").strip()
    assert result.output.startswith(f"policy diff: base HEAD~1 @ {commit[:12]} (policy ")
    assert f" -> head {repo / 'policies'} (policy " in result.output.splitlines()[0]
    assert "  ALLOW -> DENY" in result.output
    assert "1 allow -> deny" in result.output.splitlines()[-1]
    # nothing checked out, nothing left behind
    assert _git(repo, "status", "--porcelain") == before_status
    assert (repo / "policies" / "scrapegate" / "data.yaml").read_text() == before
    # the same revision on both sides: nothing changes
    same = CliRunner().invoke(diff, ["--base", "HEAD", *map(str, manifests)])
    assert same.exit_code == 0, same.output
    assert "no decision changed" in same.output


def test_git_ref_with_json_and_markdown(repo: Path, manifests: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(diff, ["--base", "main~1", "--format", "json", str(manifests[0])])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["base"]["kind"] == "git" and len(doc["base"]["commit"]) == 40
    assert doc["summary"] == {"jobs": 1, "targets": 2, "changed": 1, "allow_to_deny": 1, "deny_to_allow": 0,
                              "codes_changed": 0, "unchanged": 1}
    assert doc["changes"][0]["deny_added"] == {"terms.automated_collection_prohibited": []}
    md = CliRunner().invoke(diff, ["--base", "main~1", "--format", "markdown", str(manifests[0])])
    assert md.exit_code == 1
    assert md.output.startswith("### scrapegate policy impact\n")
    assert "**1 target(s) newly denied**" in md.output
    assert f"| prices | {SHOP} | **allow -> deny** | terms.automated_collection_prohibited |" in md.output


def test_bad_base_is_exit_2(repo: Path, manifests: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(diff, ["--base", "no-such-ref", str(manifests[0])])
    assert result.exit_code == 2
    assert "no-such-ref: neither a policy directory nor a git revision" in result.output
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    result = CliRunner().invoke(diff, ["--base", "HEAD~1", "--head", str(repo / "policies"), str(manifests[0])])
    assert result.exit_code == 2
    assert "not in a git repository" in result.output
