"""The policy library end to end: every manifest under tests/manifests/ goes through
`scrapegate check --format json` (static mode) and must be denied for exactly the codes
tests/manifests/expected.yaml lists per target - across jurisdictions, purposes and data
categories, allowed and denied. Plus waivers through `--exceptions`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from gate.cli import cli

MANIFESTS = Path(__file__).resolve().parents[1] / "manifests"
EXPECTED: dict[str, dict[str, list[str]]] = yaml.safe_load((MANIFESTS / "expected.yaml").read_text())
FILES = sorted(p.name for p in MANIFESTS.glob("*.yaml") if p.name != "expected.yaml")


def check(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def decisions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["target"]: r["decision"] for r in doc["results"]}


def deny_codes(decision: dict[str, Any]) -> list[str]:
    return sorted({d["code"] for d in decision["deny"]})


def test_the_library_is_broad_enough() -> None:
    assert len(FILES) >= 30
    assert sorted(EXPECTED) == FILES, "every manifest has expectations, and only manifests do"
    targets = [codes for per_target in EXPECTED.values() for codes in per_target.values()]
    assert sum(1 for codes in targets if not codes) >= 10, "allowed cases"
    assert sum(1 for codes in targets if codes) >= 20, "denied cases"


@pytest.mark.parametrize("name", FILES)
def test_manifest_is_denied_for_exactly_the_expected_codes(name: str) -> None:
    exit_code, doc = check(str(MANIFESTS / name))
    got = {target: deny_codes(d) for target, d in decisions(doc).items()}
    assert got == EXPECTED[name]
    assert exit_code == (1 if any(EXPECTED[name].values()) else 0)
    for decision in decisions(doc).values():
        assert decision["allow"] is (not decision["deny"])
        for entry in decision["deny"] + decision["warn"]:
            assert entry["law"] and entry["message"] and isinstance(entry["precedents"], list)
            assert "jurisdiction" in entry


def test_clearview_denials_carry_jurisdictions_and_precedents() -> None:
    _, doc = check(str(MANIFESTS / "26-clearview-like.yaml"))
    fb = decisions(doc)["https://www.facebook.com/"]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for d in fb["deny"]:
        by_code.setdefault(d["code"], []).append(d)
    assert {d["jurisdiction"] for d in by_code["gdpr.art9_prohibited"]} >= {"FR", "IT", "NL", "GB", "CH"}
    assert by_code["eu_ai_act.art5_1e"][0]["jurisdiction"] == "EU"
    assert by_code["terms.automated_collection_prohibited"][0]["jurisdiction"] is None
    french = next(d for d in by_code["gdpr.art9_prohibited"] if d["jurisdiction"] == "FR")
    assert any("SAN-2022-019" in p for p in french["precedents"])
    for code, needle in [("bipa.written_release_missing", "ACLU v. Clearview"), ("au.app3_consent_missing", "AICmr 54"),
                         ("ca.consent_missing", "#2021-001"), ("gdpr.lia_missing", "Garante")]:
        assert any(needle in p for d in by_code[code] for p in d["precedents"]), code
    assert {o["code"] for o in fb["obligations"]} == {"art14_notice", "notice_at_collection"}
    assert {w["code"] for w in fb["warn"]} == {"ccpa.notice_at_collection", "review_required"}


def test_warnings_without_denials() -> None:
    for name, code, jurisdiction in [("24-biometric-japan.yaml", "review_required", "JP"),
                                     ("25-personal-uncovered-korea.yaml", "jurisdiction.uncovered", "KR"),
                                     ("17-face-match-california.yaml", "ccpa.notice_at_collection", "US-CA")]:
        exit_code, doc = check(str(MANIFESTS / name))
        (decision,) = decisions(doc).values()
        assert exit_code == 0 and decision["allow"] is True
        assert {(w["code"], w["jurisdiction"]) for w in decision["warn"]} == {(code, jurisdiction)}


WAIVERS = """\
exceptions:
  - id: W-TERMS-FB
    rules: [terms.automated_collection_prohibited, bipa.written_release_missing]
    jobs: "clearview-*"
    sites: "facebook.com"
    approved_by: general-counsel@example.com
    reason: platform licence (test)
    ticket: LEGAL-101
    expires: "2099-12-31"
  - id: W-AI-ACT
    rules: [eu_ai_act.art5_1e]
    jobs: "*"
    sites: "*"
    approved_by: general-counsel@example.com
    reason: cannot be waived (test)
    ticket: LEGAL-102
    expires: "2099-12-31"
  - id: W-EXPIRED
    rules: [gdpr.no_legal_basis]
    jobs: "*"
    sites: "*"
    approved_by: dpo@example.com
    reason: expired on purpose (test)
    ticket: LEGAL-103
    expires: "2020-01-01"
"""


def test_waivers_move_denials_and_report_what_they_cannot_waive(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS)
    _, doc = check(str(MANIFESTS / "26-clearview-like.yaml"), "--exceptions", str(waivers))
    fb, fr = decisions(doc)["https://www.facebook.com/"], decisions(doc)["https://news.example.fr/photos/"]
    want = [c for c in EXPECTED["26-clearview-like.yaml"]["https://www.facebook.com/"]
            if c not in ("terms.automated_collection_prohibited", "bipa.written_release_missing")]
    assert deny_codes(fb) == sorted(want)
    assert "eu_ai_act.art5_1e" in deny_codes(fb)  # never waivable
    assert {(w["code"], w["waiver"]) for w in fb["waived"]} == {
        ("terms.automated_collection_prohibited", "W-TERMS-FB"), ("bipa.written_release_missing", "W-TERMS-FB")}
    assert {w["code"] for w in fb["warn"]} >= {"waiver.not_waivable"}
    assert deny_codes(fr) == EXPECTED["26-clearview-like.yaml"]["https://news.example.fr/photos/"]  # another site
    assert fr["waived"] == []

    _, doc = check(str(MANIFESTS / "06-archiving-without-basis.yaml"), "--exceptions", str(waivers))
    (decision,) = decisions(doc).values()
    assert deny_codes(decision) == ["gdpr.no_legal_basis"]
    assert {(w["code"], w.get("waiver")) for w in decision["warn"]} == {("waiver.expired", "W-EXPIRED")}
