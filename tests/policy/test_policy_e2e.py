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
    assert {d["jurisdiction"] for d in by_code["gdpr.art9_prohibited"]} >= {"FR", "IT", "NL", "GB"}
    assert "CH" not in {d["jurisdiction"] for d in by_code["gdpr.art9_prohibited"]}  # LEGAL-R2 R13
    assert by_code["eu_ai_act.art5_1e"][0]["jurisdiction"] == "EU"
    assert by_code["terms.automated_collection_prohibited"][0]["jurisdiction"] is None
    french = next(d for d in by_code["gdpr.art9_prohibited"] if d["jurisdiction"] == "FR")
    assert any("SAN-2022-019" in p for p in french["precedents"])
    for code, needle in [("bipa.written_release_missing", "ACLU v. Clearview"), ("au.app3_consent_missing", "AICmr 54"),
                         ("ca.consent_missing", "#2021-001"), ("gdpr.lia_missing", "Garante")]:
        assert any(needle in p for d in by_code[code] for p in d["precedents"]), code
    assert {o["code"] for o in fb["obligations"]} == {
        "art14_notice", "notice_at_collection", "gdpr.art27_representative", "gdpr.data_subject_rights",
        "qc.biometric_database_disclosure", "pipl.impact_assessment"}
    assert {w["code"] for w in fb["warn"]} == {"ccpa.notice_at_collection", "review_required", "jurisdiction.uncovered"}


def test_warnings_without_denials() -> None:
    for name, code, jurisdiction in [("24-biometric-japan.yaml", "review_required", "JP"),
                                     ("39-personal-uncovered-mexico.yaml", "jurisdiction.uncovered", "MX"),
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


# --- LEGAL-R2 (issue 16): what the processing does decides -------------------------------

CLEARVIEW_FACTS = sorted(f for f in FILES if "clearview-facts-as-" in f)


def test_the_clearview_facts_are_stated_under_every_purpose_label() -> None:
    from gate.model.job import PURPOSES

    labels = {f.split("-as-", 1)[1].removesuffix(".yaml").replace("-", "_") for f in CLEARVIEW_FACTS}
    assert labels == set(PURPOSES)


@pytest.mark.parametrize("name", CLEARVIEW_FACTS)
def test_the_clearview_facts_are_denied_whatever_they_are_called(name: str) -> None:
    exit_code, doc = check(str(MANIFESTS / name))
    assert exit_code == 1
    for decision in decisions(doc).values():
        codes = deny_codes(decision)
        assert decision["allow"] is False
        assert {"eu_ai_act.art5_1e", "gdpr.art9_prohibited", "bipa.profit_prohibited",
                "wa.mhmda_consent_missing"} <= set(codes), codes
        assert len(decision["deny"]) > 25  # the stress case of benchmark c


def warn_pairs(name: str) -> set[tuple[str, Any]]:
    _, doc = check(str(MANIFESTS / name))
    return {(w["code"], w["jurisdiction"]) for d in decisions(doc).values() for w in d["warn"]}


def obligation_codes(name: str) -> set[str]:
    _, doc = check(str(MANIFESTS / name))
    return {o["code"] for d in decisions(doc).values() for o in d["obligations"]}


@pytest.mark.parametrize("name,pair", [
    ("35-photos-for-price-monitoring.yaml", ("declaration.identification_assumed", None)),  # R1
    ("53-face-search-targeting-omitted.yaml", ("declaration.targeting_assumed", None)),  # R2
    ("80-face-search-declared-non-personal.yaml", ("declaration.categories_assumed", None)),  # R1
    ("54-face-database-eea-subjects-only.yaml", ("eu_ai_act.scope_review", "EU")),  # R3
    ("29-manifestly-made-public.yaml", ("review_required", "IT")),  # R5 (e)
    ("36-biometric-switzerland.yaml", ("review_required", "CH")),  # R13
    ("26-clearview-like.yaml", ("jurisdiction.uncovered", "*")),  # R14
    ("73-texas-journalism-faces.yaml", ("review_required", "US-TX")),  # R19
    ("75-untargeted-forum-minors-omitted.yaml", ("declaration.minors_assumed", None)),  # R20
])
def test_facts_left_out_and_reviews_are_warned(name: str, pair: tuple[str, Any]) -> None:
    assert pair in warn_pairs(name)


@pytest.mark.parametrize("name,code", [
    ("70-brazil-research-body.yaml", "lgpd.anonymise_where_possible"),  # R15
    ("26-clearview-like.yaml", "gdpr.art27_representative"),  # R16
    ("26-clearview-like.yaml", "gdpr.data_subject_rights"),
    ("26-clearview-like.yaml", "qc.biometric_database_disclosure"),
    ("26-clearview-like.yaml", "pipl.impact_assessment"),
    ("47-clearview-facts-as-ai-training.yaml", "eu_ai_act.art53_copyright_policy"),
])
def test_obligations_regulators_enforced(name: str, code: str) -> None:
    assert code in obligation_codes(name)


def test_every_legal_r2_code_is_reached_by_some_manifest() -> None:
    """R1-R20 end to end: every code LEGAL-R2.md names (but R21's and R22's, which land with
    their own issues) is denied, warned or obliged by at least one manifest here."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "legal" / "LEGAL-R2.md").read_text()
    named = {c for c in re.findall(r"`([a-z_]+\.[a-z0-9_]+)`", text)
             if c.split(".")[0] not in ("spec", "legal_basis", "data_subjects", "rsl")}
    named -= {"terms.prohibition_detected", "tdm.reservation_in_prose", "terms.changed_since_review", "tdm.reserved"}
    reached: set[str] = set()
    for name in FILES:
        _, doc = check(str(MANIFESTS / name))
        for d in decisions(doc).values():
            reached |= {e["code"] for e in d["deny"] + d["warn"] + d["obligations"]}
    assert named - reached == set()
