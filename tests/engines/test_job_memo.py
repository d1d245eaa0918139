"""Issue 16.5: the embedded engine's job memo (gate/engines/job_memo.py). A decision joined
from site.host_findings and the memoized job_findings must be identical to decision evaluated
whole: the same denials, warnings and obligations in the same order, for every example and
end-to-end manifest, every target, several signal variants and hosts of several TLDs, with
the memo cold and warm; waivers and malformed inputs go to decision itself; a team module in
a job-level package switches the memo off."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from signal_cases import SITE_SAYS_NO

from gate.engines import job_memo
from gate.engines.embedded import EmbeddedEngine
from gate.engines.policy_set import load_policy_set, shipped_policies_dir
from gate.errors import EngineError, ManifestError
from gate.model.input import build_input
from gate.model.manifest import load_manifests
from gate.model.url import normalize
from gate.signals.static import static_signals

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
# Hosts whose TLDs add subject codes (or none), beside each manifest's own targets.
EXTRA_HOSTS = ["https://news.example.fr/a", "https://shop.example.co.uk/b", "https://x.example.com/c",
               "https://portal.example.com.br/d", "https://www.facebook.com/e"]


def manifest_files() -> list[Path]:
    files = sorted((REPO / "examples" / "jobs").glob("*.yaml"))
    return files + sorted(p for p in (REPO / "tests" / "manifests").glob("*.yaml") if p.name != "expected.yaml")


def cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in manifest_files():
        try:
            jobs = load_manifests([path])
        except ManifestError:
            continue  # a manifest kept to test validation
        for loaded in jobs:
            targets = [(t.url, t.authenticated) for t in loaded.job.target_list()]
            targets += [(url, False) for url in EXTRA_HOSTS]
            for url, auth in targets:
                for name, signals in (("static", static_signals()), ("site-says-no", SITE_SAYS_NO)):
                    policy_input = build_input(loaded.job, normalize(url), authenticated=auth, signals=signals, now=NOW)
                    out.append((f"{path.name}:{loaded.job.name}:{url}:{name}", policy_input))
    return out


@pytest.fixture(scope="module")
def engines() -> tuple[EmbeddedEngine, EmbeddedEngine]:
    whole, memo = EmbeddedEngine(use_job_memo=False), EmbeddedEngine()
    assert whole.job_memo is None and memo.job_memo is not None
    return whole, memo


def test_every_manifest_decides_identically_with_the_memo(engines: tuple[EmbeddedEngine, EmbeddedEngine]) -> None:
    whole, memo = engines
    assert memo.job_memo is not None
    all_cases = cases()
    assert len(all_cases) >= 500, "every manifest's targets and the extra hosts, two signal variants"
    mismatches = []
    personal = 0
    for name, policy_input in all_cases:
        want = whole.evaluate(policy_input)
        # cold or warm (the memo is shared by every case), then surely warm
        for _ in range(2):
            if memo.evaluate(policy_input) != want:  # == on the lists: the same order too
                mismatches.append(name)
        personal += bool(want and (want["deny"] or want["warn"]) and any(
            e["code"].startswith(("gdpr.", "bipa.", "eu_ai_act.")) for e in want["deny"] + want["warn"]))
    assert not mismatches, f"{len(mismatches)} differ: {mismatches[:5]}"
    assert personal >= 20, "the cases exercise the job-level packages"
    assert memo.job_memo.hits > memo.job_memo.misses > 10


def test_the_job_query_sees_no_request_and_no_signals() -> None:
    policy_input = build_input(load_manifests([REPO / "examples" / "jobs" / "clearview-like.yaml"])[0].job,
                               normalize("https://news.example.fr/p"), signals=static_signals(), now=NOW)
    job_in = job_memo.job_input(policy_input, ["FR"])
    assert job_in is not None and sorted(job_in) == ["job", "subjects"]
    assert job_in["subjects"]["inferred"] == policy_input["subjects"].get("inferred", []) + ["FR"]
    assert job_memo.job_input({**policy_input, "subjects": {"declared": [], "inferred": "FR"}}, []) is None


def test_shipped_job_level_packages_read_only_the_job_and_the_subjects() -> None:
    """What makes the split sound: the packages job_findings evaluates read the input only as
    input.job and input.subjects (the target's TLD codes in facts are the one exception, and
    site.host_findings reports them) and import only derive, facts and lib."""
    offenders = []
    for module in load_policy_set([shipped_policies_dir()]).policy_modules():
        package = job_memo.module_package(module)
        if package not in job_memo.JOB_PACKAGES or package in ("scrapegate", "scrapegate.site"):
            continue
        code = "\n".join(line.split("#", 1)[0] for line in module.source.splitlines())
        for m in re.finditer(r"\binput\b(\.\w+)?", code):
            if m.group(1) not in (".job", ".subjects"):
                offenders.append(f"{module.name}: {code[m.start():].splitlines()[0]}")
        offenders += [f"{module.name}: import {i}" for i in re.findall(r"^import\s+(\S+)", code, re.MULTILINE)
                      if i not in ("data.scrapegate.derive", "data.scrapegate.facts", "data.scrapegate.lib")]
    assert offenders == ["policies/scrapegate/facts.rego: input.request.host)"]


def test_waivers_and_malformed_inputs_take_the_whole_decision(tmp_path: Path) -> None:
    waivers = {"scrapegate": {"granted_waivers": [{
        "id": "W-1", "rules": ["gdpr.lia_missing"], "jobs": "*", "sites": "example.fr", "approved_by": "dpo@example.com",
        "reason": "an assessment exists on paper", "ticket": "LEGAL-1", "expires": "2099-12-31"}]}}
    whole, memo = EmbeddedEngine(use_job_memo=False, extra_data=waivers), EmbeddedEngine(extra_data=waivers)
    assert memo.job_memo is not None
    job = load_manifests([REPO / "examples" / "jobs" / "clearview-like.yaml"])[0].job
    waived = build_input(job, normalize("https://news.example.fr/p"), signals=static_signals(), now=NOW)
    result = memo.evaluate(waived)
    assert result == whole.evaluate(waived) and result is not None and result["waived"]
    assert memo.job_memo.hits + memo.job_memo.misses == 0, "a waived site never reaches the memo"
    malformed = {k: v for k, v in waived.items() if k != "signals"}
    assert memo.evaluate(malformed) == whole.evaluate(malformed)
    assert [d["code"] for d in (memo.evaluate(malformed) or {})["deny"]] == ["input.malformed"]


GDPR_TEAM_RULE = """\
package scrapegate.gdpr

deny contains {"code": "team.gdpr_host", "jurisdiction": null, "law": "house rule", "message": "m",
	"precedents": []} if input.request.host == "news.example.fr"
"""
TEAM_RULE = """\
package scrapegate.team

deny contains {"code": "team.host", "jurisdiction": null, "law": "house rule", "message": "m",
	"precedents": []} if input.request.host == "news.example.fr"
"""


def test_a_team_module_in_a_job_level_package_switches_the_memo_off(tmp_path: Path) -> None:
    (tmp_path / "gdpr_extra.rego").write_text(GDPR_TEAM_RULE)
    engine = EmbeddedEngine([tmp_path])
    assert engine.job_memo is None, "a job-level package with a module of the team's"
    job = load_manifests([REPO / "examples" / "jobs" / "clearview-like.yaml"])[0].job
    result = engine.evaluate(build_input(job, normalize("https://news.example.fr/p"), signals=static_signals(), now=NOW))
    assert result is not None and "team.gdpr_host" in [d["code"] for d in result["deny"]]


def test_team_rules_decide_with_the_memo(tmp_path: Path) -> None:
    (tmp_path / "team.rego").write_text(TEAM_RULE)
    whole, memo = EmbeddedEngine([tmp_path], use_job_memo=False), EmbeddedEngine([tmp_path])
    assert memo.job_memo is not None
    job = load_manifests([REPO / "examples" / "jobs" / "clearview-like.yaml"])[0].job
    for url in ("https://news.example.fr/p", "https://news2.example.fr/p", "https://news.example.fr/q"):
        policy_input = build_input(job, normalize(url), signals=static_signals(), now=NOW)
        result = memo.evaluate(policy_input)
        assert result == whole.evaluate(policy_input) and result is not None
        assert ("team.host" in [d["code"] for d in result["deny"]]) is ("//news.example.fr/" in url)
    assert memo.job_memo.hits == 2 and memo.job_memo.misses == 1


def test_the_memo_is_bounded() -> None:
    memo = job_memo.JobMemo(max_entries=2)
    for i in range(3):
        memo.put(str(i), f"t{i}")
    assert memo.get("0") is None and memo.get("2") == "t2" and memo.get("1") == "t1"


def test_site_findings_run_in_a_bundle_without_the_law_packages(engines: tuple[EmbeddedEngine, EmbeddedEngine],
                                                                 tmp_path: Path) -> None:
    """Only the shipped modules: main, the law packages, derive and the waivers are left out
    of site.host_findings' bundle, and none of the modules it holds reads one. With a team's
    module the whole bundle is used."""
    _, memo = engines
    assert memo._site_bundle is not memo._bundle
    modules = memo.policy_set.policy_modules()
    kept = job_memo.site_modules(modules)
    assert {job_memo.module_package(m) for m in modules} - {job_memo.module_package(m) for m in kept} \
        == job_memo.LAW_PACKAGES | {"scrapegate", "scrapegate.derive", "scrapegate.waivers"}
    laws = {p.rsplit(".", 1)[1] for p in job_memo.LAW_PACKAGES} | {"derive", "waivers"}
    for module in kept:
        code = "\n".join(line.split("#", 1)[0] for line in module.source.splitlines())
        assert not set(re.findall(r"data\.scrapegate\.(\w+)", code)) & laws, module.name
    (tmp_path / "team.rego").write_text(TEAM_RULE)
    with_team = EmbeddedEngine([tmp_path])
    assert with_team.job_memo is not None and with_team._site_bundle is with_team._bundle


def test_the_site_query_gets_only_the_parts_the_site_modules_read(
        engines: tuple[EmbeddedEngine, EmbeddedEngine], tmp_path: Path) -> None:
    _, memo = engines
    shape = memo._site_shape
    assert isinstance(shape, dict) and set(shape) == {"request", "job", "signals", "response"}
    job = shape["job"]
    # recipients and sells_data: whether a research organisation's claim holds (facts.rego)
    assert isinstance(job, dict) and set(job) == {"allow_ip_literals", "data_categories", "name", "operator",
                                                  "purpose", "recipients", "sells_data", "site_permissions",
                                                  "user_agent"}
    (tmp_path / "team.rego").write_text(TEAM_RULE)
    with_team = EmbeddedEngine([tmp_path / "team.rego"])
    assert with_team.job_memo is not None and with_team._site_shape is None


def test_well_formed_is_main_input_well_formed(engines: tuple[EmbeddedEngine, EmbeddedEngine]) -> None:
    """The engine checks the input's shape in Python before it queries site.host_findings:
    the same answer as main.rego's input_well_formed, for inputs missing or mistyping each part."""
    from gate.engines.rego_binding import query_entrypoint, set_input

    whole, _ = engines
    job = load_manifests([REPO / "examples" / "jobs" / "price-monitoring.yaml"])[0].job
    good = build_input(job, normalize("https://shop.example.com/p"), signals=static_signals(), now=NOW)
    variants: list[Any] = [good, {}, [], "x", {k: v for k, v in good.items() if k != "signals"}]
    for part, field in (("request", "host"), ("job", "purpose"), ("job", "data_categories"),
                        ("subjects", "declared"), ("signals", None)):
        for bad in (None, 1, "s", [], {}, [1], True):
            if field is None:
                variants.append({**good, part: bad})
            else:
                variants.append({**good, part: {**good[part], field: bad}})
                variants.append({**good, part: {k: v for k, v in good[part].items() if k != field}})
        variants.append({**good, part: [good[part]]})
    import regopy

    from gate.engines.embedded import new_interpreter

    interp = regopy.Interpreter()
    bundle = new_interpreter(whole.policy_set).build(None, ["scrapegate/input_well_formed"])
    for variant in variants:
        set_input(interp, variant)
        ok, text = query_entrypoint(interp, bundle, b"scrapegate/input_well_formed")
        in_rego = ok and '"expressions":[true]' in text.replace(" ", "")
        assert job_memo.well_formed(variant) is in_rego, variant


def test_a_job_rego_cpp_cannot_hold_is_an_error_in_a_field_the_site_query_never_sees(
        engines: tuple[EmbeddedEngine, EmbeddedEngine]) -> None:
    """Fail closed: the site query's input leaves legal_basis out, the job query's does not."""
    _, memo = engines
    job = load_manifests([REPO / "examples" / "jobs" / "clearview-like.yaml"])[0].job
    policy_input = build_input(job, normalize("https://news.example.fr/p"), signals=static_signals(), now=NOW)
    for bad in (float("nan"), {1, 2}):
        broken = {**policy_input, "job": {**policy_input["job"], "legal_basis": {"gdpr_art6": bad}}}
        with pytest.raises(EngineError):
            memo.evaluate(broken)
