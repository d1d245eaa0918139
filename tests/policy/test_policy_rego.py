"""The shipped policy library's Rego unit tests: they all pass through `scrapegate policy
test` (regopy) and, when opa-golib-python-bindings is installed, on the real OPA engine;
and every rule code LEGAL.md names is emitted by a rule, cited in data and tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gate.engines.policy_set import load_policy_set, shipped_policies_dir
from gate.policy.runner import PASS, SKIP, TestReport, discover, run_tests

REPO = Path(__file__).resolve().parents[2]
LEGAL = REPO / "docs" / "legal" / "LEGAL.md"
POLICIES = shipped_policies_dir() / "scrapegate"

# Every code LEGAL.md names (plus the waiver warnings of issue 3), each with the package
# that emits it.
CODES = {
    "robots.disallowed": "signals", "robots.unreachable": "signals", "access.login_required": "signals",
    "tdm.reserved": "signals", "terms.automated_collection_prohibited": "terms",
    "gdpr.no_legal_basis": "gdpr", "gdpr.lia_missing": "gdpr", "gdpr.art9_prohibited": "gdpr",
    "gdpr.dpia_missing": "gdpr", "eu_ai_act.art5_1e": "eu_ai_act",
    "bipa.written_release_missing": "us_biometric", "bipa.retention_policy_missing": "us_biometric",
    "cubi.consent_missing": "us_biometric", "wa.biometric_consent_missing": "us_biometric",
    "co.biometric_consent_missing": "us_biometric", "ccpa.notice_at_collection": "us_biometric",
    "au.app3_consent_missing": "au", "ca.consent_missing": "ca", "lgpd.sensitive_consent_missing": "br",
    "pipl.separate_consent_missing": "cn", "review_required": "review", "jurisdiction.uncovered": "review",
    "waiver.expired": "waivers", "waiver.not_waivable": "waivers",
    # LEGAL-R2 (R1-R20) and issue 17.3 / 17.5
    "declaration.identification_assumed": "declaration", "declaration.targeting_assumed": "declaration",
    "declaration.minors_assumed": "declaration", "declaration.categories_assumed": "declaration", "eu_ai_act.scope_review": "eu_ai_act",
    "gdpr.art10_prohibited": "gdpr", "bipa.profit_prohibited": "us_biometric",
    "bipa.disclosure_consent_missing": "us_biometric", "cubi.disclosure_prohibited": "us_biometric",
    "wa.mhmda_consent_missing": "us_biometric", "wa.mhmda_sale_authorization_missing": "us_biometric",
    "co.biometric_retention_excessive": "us_biometric", "kr.sensitive_consent_missing": "kr",
    "kvkk.special_category_condition_missing": "tr", "popia.special_pi_prohibited": "za",
    "nz.biometric_assessment_missing": "nz", "request.ip_literal": "request", "robots.impersonation": "request",
    # LEGAL-R2 R21 (RSL licences) and R22 (terms found on the site)
    "rsl.usage_prohibited": "rsl", "rsl.license_required": "rsl", "terms.prohibition_detected": "terms_live",
    "tdm.reservation_in_prose": "terms_live", "terms.changed_since_review": "terms_live",
}
OBLIGATIONS = {
    "rate_limit": "signals", "art14_notice": "gdpr", "notice_at_collection": "us_biometric",
    "gdpr.art27_representative": "gdpr", "gdpr.data_subject_rights": "gdpr", "qc.biometric_database_disclosure": "ca",
    "pipl.impact_assessment": "cn", "eu_ai_act.art53_copyright_policy": "eu_ai_act",
    "lgpd.anonymise_where_possible": "br",
}
LEGAL_R2 = REPO / "docs" / "legal" / "LEGAL-R2.md"


def rego(name: str) -> str:
    return (POLICIES / f"{name}.rego").read_text()


@pytest.fixture(scope="module")
def report() -> TestReport:
    # The real OPA engine when installed (about a second); regopy takes minutes and GBs here.
    return run_tests([shipped_policies_dir()], verbose=True)


def test_the_light_rego_tests_pass_on_the_embedded_engine() -> None:
    """The files without a `with` over large rule graphs, on regopy (each in its own worker)."""
    light = run_tests([shipped_policies_dir()], run=r"\.(lib|signals|terms|waivers|derive)_test\.", engine="regopy")
    bad = [f"{r.line()}\n{r.message}" for r in light.results if r.status != PASS]
    assert not bad, "\n".join(bad)
    assert len(light.results) >= 60 and light.engine == "regopy"


def test_every_rego_test_passes(report: TestReport) -> None:
    # Without the OPA bindings, regopy skips the files marked opa-only (main_decision_test).
    skippable = {"main_decision_test.rego"} if report.engine == "regopy" else set()
    bad = [f"{r.line()}\n{r.message}" for r in report.results
           if r.status != PASS and not (r.status == SKIP and Path(r.case.file).name in skippable)]
    assert not bad, "\n".join(bad)
    assert report.exit_code() == 0
    assert len(report.results) >= 150


def test_every_law_package_has_tests(report: TestReport) -> None:
    tested = {r.case.package.removeprefix("scrapegate.").removesuffix("_test") for r in report.results}
    assert set(CODES.values()) | {"derive", "lib", "main"} <= tested


@pytest.mark.parametrize("code,package", sorted(CODES.items()))
def test_every_code_is_emitted_cited_and_tested(code: str, package: str) -> None:
    assert f'"{code}"' in rego(package), f"{package}.rego does not emit {code}"
    laws = yaml.safe_load((POLICIES / "data.yaml").read_text())["laws"]
    assert code in laws, f"data.yaml has no citation for {code}"
    tests = "\n".join(p.read_text() for p in POLICIES.glob("*_test.rego"))
    assert code in tests, f"no *_test.rego mentions {code}"


@pytest.mark.parametrize("code,package", sorted(OBLIGATIONS.items()))
def test_every_obligation_is_emitted_and_tested(code: str, package: str) -> None:
    assert f'"code": "{code}"' in rego(package)
    assert code in (POLICIES / f"{package}_test.rego").read_text()


def named_codes(text: str) -> set[str]:
    named = set(re.findall(r"`([a-z_]+\.[a-z0-9_]+)`", text)) | ({"review_required"} & set(re.findall(r"`(\w+)`", text)))
    # manifest fields LEGAL-R2 names in backticks are not rule codes
    return {c for c in named if c.split(".")[0] not in ("spec", "legal_basis", "data_subjects")}


def test_codes_match_legal_md() -> None:
    assert named_codes(LEGAL.read_text()) - set(CODES) == set(), "LEGAL.md names a code no policy emits"


def test_codes_match_legal_r2_md() -> None:
    """Every code LEGAL-R2.md names (R1-R22) is emitted (as a denial, a warning or an obligation)."""
    named = named_codes(LEGAL_R2.read_text())
    assert len(named) >= 30
    missing = named - set(CODES) - set(OBLIGATIONS)
    assert missing == set(), f"LEGAL-R2.md names codes no policy emits: {sorted(missing)}"


def test_every_rule_has_metadata() -> None:
    """Each deny/warn rule is preceded by a METADATA block naming its code, law and owner."""
    missing = []
    for path in sorted(POLICIES.glob("*.rego")):
        if path.name.endswith("_test.rego") or path.name == "main.rego":  # main re-exports the decision
            continue
        if path.name == "team_defaults.rego":  # the empty team rules, which decide nothing
            continue
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^(deny|warn) contains ", line):
                block = "\n".join(lines[max(0, i - 25):i])
                block = block[block.rfind("# METADATA"):]
                if not all(key in block for key in ("# title:", "#   code:", "#   law:", "#   owner:")):
                    missing.append(f"{path.name}:{i + 1}")
    assert not missing, f"rules without a METADATA block (title, custom.code/law/owner): {missing}"


def test_rego_tests_pass_on_real_opa() -> None:
    """The same tests on the OPA Go engine (opa-golib-python-bindings): the policies mean the
    same thing there. The runner evaluates them in one batched query; one test of each file is
    also evaluated alone through the bindings (a compile each), and must agree."""
    opa_bindings = pytest.importorskip("opa_bindings")
    batched = run_tests([shipped_policies_dir()], engine="opa")
    assert batched.engine == "opa" and batched.exit_code() == 0
    assert all(r.status == PASS for r in batched.results) and len(batched.results) >= 150
    policy_set = load_policy_set([shipped_policies_dir()])
    engine = opa_bindings.OpaEngine()
    try:
        for module in policy_set.modules:
            engine.add_policy(module.name, module.source)
        engine.add_data(policy_set.data)
        first_of_each_file = {c.file: c for c in reversed(discover(policy_set.modules)) if not c.skipped}
        for case in first_of_each_file.values():
            assert engine.eval_document(case.name.removeprefix("data."), None) is True, case.name
        assert len(first_of_each_file) >= 14
    finally:
        engine.close()
