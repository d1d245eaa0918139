"""Done-when of issue 7: the policy library's manifests give identical decisions through
the embedded engine and through OPAServerEngine against the local OPA stand-in (serving
the bundle `scrapegate bundle build` writes), with regopy behind it and, when
opa-golib-python-bindings is installed, the real OPA engine behind it.

Also `scrapegate check --engine opa --opa-url ...` end to end."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from signal_cases import SITE_SAYS_NO

from gate.cli import cli
from gate.engines.embedded import EmbeddedEngine
from gate.engines.opa import OPAServerEngine, new_client, parse_opa_url
from gate.engines.policy_set import load_policy_set, shipped_policies_dir
from gate.engines.waivers import load_waivers
from gate.errors import ManifestError
from gate.model.input import build_input
from gate.model.manifest import load_manifests
from gate.model.url import normalize
from gate.policy.bundle import build_bundle, push_policy_set
from gate.signals.static import static_signals

from opa_fake import FakeOPA, opa_bindings_available

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
WAIVERS = """\
- id: W-BIPA
  rules: [bipa.written_release_missing]
  jobs: "face-*"
  sites: "*facebook.com"
  approved_by: dpo@example.com
  reason: written releases collected offline
  ticket: LEGAL-7
  expires: 2099-12-31
- id: W-OLD
  rules: [gdpr.art9_prohibited]
  jobs: "*"
  sites: "*"
  approved_by: dpo@example.com
  reason: expired on purpose
  ticket: LEGAL-8
  expires: 2020-01-01
"""
UNREACHABLE = {**static_signals(), "robots": {"status": "unreachable", "allowed": None, "crawl_delay": None, "rule": None}}
# The site's own terms page (issue 22, R22), as gate.signals.terms_signal reports it: a clause
# that forbids scraping, one that reserves TDM in prose, and a registry site's page changed
# since its review (facebook.com's entry: reviewed 2026-11-26).
_TERMS_READ = {
    "known": True, "status": "found", "automated_collection": "prohibited", "tdm_reserved_in_prose": False,
    "clause": "Automated access, scraping and crawling are prohibited.", "source": "https://shop.example.com/terms",
    "how_found": "link", "read_at": "2026-11-26T09:00:00Z", "language": "en", "sha256": "ab" * 32, "modified": "",
    "clauses": [{"label": "prohibition", "text": "Automated access, scraping and crawling are prohibited.",
                 "confidence": 0.9}],
}
TERMS_VARIANTS = {
    "terms-forbid": {**static_signals(), "terms": _TERMS_READ},
    "terms-tdm-prose": {**static_signals(), "terms": {
        **_TERMS_READ, "tdm_reserved_in_prose": True,
        "clauses": [{"label": "tdm_reservation", "text": "We reserve text and data mining.", "confidence": 0.9}]}},
    "terms-changed": {**static_signals(), "terms": {
        **_TERMS_READ, "source": "https://www.facebook.com/terms.php", "modified": "2026-12-01"}},
}
# A site that objected to the examples' operator (a registry entry given as extra data).
OBJECTOR = {"scrapegate": {"sites": {"objector.example": {
    "objections": [{"operator": "Example Corp", "date": "2026-10-01", "evidence": "letter"}]}}}}


def manifest_files() -> list[Path]:
    files = sorted((REPO / "examples" / "jobs").glob("*.yaml"))
    library = REPO / "tests" / "manifests"
    if library.is_dir():  # the policy library's manifests, once they exist
        files += sorted(p for p in library.rglob("*.y*ml") if p.name not in ("expected.yaml", "expected.yml"))
    return files


def cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in manifest_files():
        try:
            jobs = load_manifests([path])
        except ManifestError:
            continue  # a manifest the library keeps to test validation: nothing to evaluate
        examples = path.parent.name == "jobs"
        for loaded in jobs:
            for target in loaded.job.target_list():
                url = normalize(target.url)
                variants = {"static": static_signals()}
                if examples:
                    variants.update({"site-says-no": SITE_SAYS_NO, "robots-unreachable": UNREACHABLE})
                    variants.update(TERMS_VARIANTS)
                for name, signals in variants.items():
                    policy_input = build_input(loaded.job, url, authenticated=target.authenticated,
                                               signals=signals, now=NOW)
                    out.append((f"{path.name}:{loaded.job.name}:{target.url}:{name}", policy_input))
    out += terms_cases()
    return out


def terms_cases() -> list[tuple[str, dict[str, Any]]]:
    """R22 beyond the example targets: an authenticated target, a site that objected to the
    operator, and AI / TDM jobs at a site whose terms reserve TDM in prose."""
    loaded = load_manifests([REPO / "examples" / "jobs" / "price-monitoring.yaml"])[0]
    out = []
    for name, url, auth, signals in [
        ("authenticated", "https://shop.example.com/account", True, TERMS_VARIANTS["terms-forbid"]),
        ("objector", "https://shop.objector.example/", False, TERMS_VARIANTS["terms-forbid"]),
        ("objector-unknown", "https://shop.objector.example/", False, static_signals()),
    ]:
        out.append((f"r22:{name}", build_input(loaded.job, normalize(url), authenticated=auth, signals=signals, now=NOW)))
    for purpose in ("ai_training", "text_and_data_mining", "academic_research"):
        job = loaded.job.model_copy(update={"spec": loaded.job.spec.model_copy(update={
            "purpose": loaded.job.spec.purpose.model_copy(update={"category": purpose})})})
        policy_input = build_input(job, normalize("https://shop.example.com/"), signals=TERMS_VARIANTS["terms-tdm-prose"],
                                   now=NOW)
        out.append((f"r22:tdm-prose:{purpose}", policy_input))
    return out


def canonical(result: dict[str, Any] | None) -> Any:
    """Rego sets come back as JSON arrays in an engine's own order: compare them sorted."""
    if result is None:
        return None
    out = dict(result)
    for key in ("deny", "warn", "obligations", "waived"):
        if isinstance(out.get(key), list):
            out[key] = sorted(out[key], key=lambda v: json.dumps(v, sort_keys=True))
    return out


@pytest.fixture(scope="module")
def waivers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("waivers") / "waivers.yaml"
    path.write_text(WAIVERS)
    return path


@pytest.fixture(scope="module")
def embedded(waivers: Path) -> EmbeddedEngine:
    return EmbeddedEngine(extra_data={**load_waivers(waivers), "scrapegate": {
        **load_waivers(waivers).get("scrapegate", {}), **OBJECTOR["scrapegate"]}})


@pytest.fixture(scope="module")
def bundle(embedded: EmbeddedEngine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "bundle.tar.gz"
    build_bundle(embedded.policy_set, path)
    return path


@pytest.fixture(scope="module")
def expected(embedded: EmbeddedEngine) -> list[tuple[str, dict[str, Any], Any]]:
    """Every case evaluated once by the embedded engine."""
    all_cases = cases()
    assert len(all_cases) >= 12, "the examples alone give 4 targets x 3 signal variants"
    return [(name, policy_input, canonical(embedded.evaluate(policy_input))) for name, policy_input in all_cases]


# Equality, not latency, is tested here: a regopy-backed stand-in on a loaded CI machine may
# take seconds for a worldwide biometric job.
SLOW_OK = {"timeout": 120.0, "retries": 0}


def assert_same(engine: OPAServerEngine, expected: list[tuple[str, dict[str, Any], Any]]) -> None:
    mismatches = [name for name, policy_input, want in expected if canonical(engine.evaluate(policy_input)) != want]
    assert not mismatches, f"{len(mismatches)} of {len(expected)} differ: {mismatches[:5]}"


@pytest.mark.parametrize("evaluator", [
    "regopy",
    pytest.param("opa", marks=pytest.mark.skipif(not opa_bindings_available(), reason="opa-golib-python-bindings")),
])
def test_bundle_on_a_server_decides_like_the_embedded_engine(evaluator: str, bundle: Path, embedded: EmbeddedEngine,
                                                             expected: list) -> None:
    with FakeOPA(evaluator=evaluator) as opa:
        opa.load_bundle(bundle, name="scrapegate")
        engine = OPAServerEngine(opa.url, **SLOW_OK)
        assert engine.revision == embedded.revision
        assert_same(engine, expected)
    # the cases do exercise the policies: denials, waivers, obligations
    results = [want for _, _, want in expected]
    assert any(r["allow"] for r in results) and any(not r["allow"] for r in results)
    assert any(w["waiver"] == "W-BIPA" for r in results for w in r["waived"])
    assert any(o["code"] == "rate_limit" for r in results for o in r["obligations"])


def test_pushed_policies_decide_like_the_embedded_engine(embedded: EmbeddedEngine, expected: list) -> None:
    with FakeOPA() as opa:
        client = new_client(parse_opa_url(opa.url))
        push_policy_set(embedded.policy_set, client)
        engine = OPAServerEngine(opa.url, **SLOW_OK)
        assert engine.revision == embedded.revision
        assert_same(engine, [case for case in expected if case[0].startswith("price-monitoring")])


def test_check_with_engine_opa_matches_embedded(waivers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`scrapegate check --engine opa --opa-url URL` against the stand-in, and the same with
    SCRAPEGATE_ENGINE and SCRAPEGATE_OPA_URL: the same verdicts, the same policy revision,
    the same exit code."""
    jobs = str(REPO / "examples" / "jobs")
    bundle = tmp_path / "bundle.tar.gz"
    build_bundle(load_policy_set([shipped_policies_dir()], load_waivers(waivers)), bundle)
    monkeypatch.setenv("SCRAPEGATE_OPA_TIMEOUT", str(SLOW_OK["timeout"]))
    local = CliRunner().invoke(cli, ["check", jobs, "--format", "json", "--exceptions", str(waivers)])
    with FakeOPA() as opa:
        opa.load_bundle(bundle)
        remote = CliRunner().invoke(cli, ["check", jobs, "--format", "json", "--engine", "opa", "--opa-url", opa.url])
        monkeypatch.setenv("SCRAPEGATE_OPA_URL", opa.url)
        monkeypatch.setenv("SCRAPEGATE_ENGINE", "opa")
        from_env = CliRunner().invoke(cli, ["check", jobs, "--format", "json"])
    assert local.exit_code == remote.exit_code == from_env.exit_code == 1, remote.output
    a, b, c = (json.loads(r.output) for r in (local, remote, from_env))
    assert (a["engine"], b["engine"]) == ("embedded", "opa")
    assert a["policy_revision"] == b["policy_revision"] == c["policy_revision"]

    def verdicts(doc: dict[str, Any]) -> list[Any]:
        keep = ("allow", "deny", "warn", "obligations", "waived")
        return [(r["target"], canonical({k: r["decision"][k] for k in keep})) for r in doc["results"]]

    assert verdicts(a) == verdicts(b) == verdicts(c)
    assert a["summary"] == b["summary"]


def test_check_with_engine_opa_and_no_server_exits_with_denials(tmp_path: Path) -> None:
    with FakeOPA() as opa:
        url = opa.url
    result = CliRunner().invoke(cli, ["check", str(REPO / "examples" / "jobs" / "price-monitoring.yaml"),
                                      "--format", "json", "--engine", "opa", "--opa-url", url])
    assert result.exit_code == 3, result.output  # an outage, not a violation (issue 17.8)
    doc = json.loads(result.output)
    assert {code for r in doc["results"] for code in (d["code"] for d in r["decision"]["deny"])} == {"engine.unavailable"}
    assert not any(r["decision"]["allow"] for r in doc["results"])
