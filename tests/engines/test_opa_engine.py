"""OPAServerEngine against a local OPA stand-in: results, revisions, and every failure
mode failing closed (undefined, 5xx, timeouts, slow answers, hang-ups, a server that
dies mid-crawl)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gate.core.config import engine_choice, make_engine
from gate.core.gate import Gate
from gate.engines.opa import OPAServerEngine, bundle_revision, parse_opa_url
from gate.engines.policy_set import load_policy_set
from gate.errors import EngineError, EngineUnavailable, PolicyError
from gate.policy.bundle import build_bundle

from opa_fake import FakeOPA, write_test_policies

FAST = {"timeout": 2.0, "retries": 1, "backoff": 0.01}


@pytest.fixture
def policy_set(tmp_path: Path):
    return load_policy_set([write_test_policies(tmp_path / "policies")])


@pytest.fixture
def served(fake_opa: FakeOPA, policy_set, tmp_path: Path) -> FakeOPA:
    build_bundle(policy_set, tmp_path / "bundle.tar.gz")
    fake_opa.load_bundle(tmp_path / "bundle.tar.gz", name="scrapegate")
    return fake_opa


def job(examples: Path) -> Path:
    return examples / "price-monitoring.yaml"


def blocked(host: str = "bad.example") -> dict:
    return {"request": {"host": host}}


# -- results --------------------------------------------------------------------------
def test_evaluate_returns_opas_result(served: FakeOPA) -> None:
    engine = OPAServerEngine(served.url, **FAST)
    denied = engine.evaluate(blocked())
    assert denied["allow"] is False
    assert denied["deny"] == [{"code": "test.blocked", "jurisdiction": None, "law": "Test Act s. 1",
                               "message": "blocked", "precedents": []}]
    assert engine.evaluate(blocked("ok.example"))["allow"] is True
    assert ("POST", "/v1/data/scrapegate/decision") in served.requests


def test_undefined_result_is_none_and_the_gate_denies(served: FakeOPA, examples: Path) -> None:
    served.undefined = True
    engine = OPAServerEngine(served.url, **FAST)
    assert engine.evaluate(blocked("ok.example")) is None
    with Gate(job(examples), engine=engine, signals="static") as gate:
        decision = gate.check("https://shop.example.com/p/1")
    assert decision.allow is False and decision.deny_codes == ["engine.undefined"]
    assert decision.engine == "opa"


def test_a_non_object_decision_is_undefined(fake_opa: FakeOPA, tmp_path: Path, examples: Path) -> None:
    fake_opa.put_policy("p.rego", "package scrapegate\n\ndecision := true\n")
    engine = OPAServerEngine(fake_opa.url, **FAST)
    assert engine.evaluate({}) is None
    with Gate(job(examples), engine=engine, signals="static") as gate:
        assert gate.check("https://shop.example.com/").deny_codes == ["engine.undefined"]


# -- failure modes ----------------------------------------------------------------------
def test_500_is_unavailable_after_bounded_retries(served: FakeOPA, examples: Path) -> None:
    served.fail_status = 500
    engine = OPAServerEngine(served.url, timeout=2.0, retries=2, backoff=0.01)
    before = served.data_queries
    with pytest.raises(EngineUnavailable, match="HTTP 500.*3 attempts"):
        engine.evaluate(blocked("ok.example"))
    assert served.data_queries - before == 3  # the first try and two retries, no more
    with Gate(job(examples), engine=engine, signals="static") as gate:
        decision = gate.check("https://shop.example.com/p/1")
    assert decision.allow is False and decision.deny_codes == ["engine.unavailable"]
    assert "HTTP 500" in decision.error


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_then_unavailable(served: FakeOPA, status: int) -> None:
    served.fail_status = status
    with pytest.raises(EngineUnavailable, match=f"HTTP {status}"):
        OPAServerEngine(served.url, **FAST).evaluate(blocked())


def test_a_transient_500_is_retried_and_the_answer_is_used(served: FakeOPA) -> None:
    served.fail_status, served.fail_count = 500, 1
    engine = OPAServerEngine(served.url, timeout=2.0, retries=2, backoff=0.01)
    assert engine.evaluate(blocked())["deny"][0]["code"] == "test.blocked"


def test_a_4xx_is_an_engine_error_and_not_retried(served: FakeOPA, examples: Path) -> None:
    served.fail_status = 400
    engine = OPAServerEngine(served.url, timeout=2.0, retries=3, backoff=0.01)
    before = served.data_queries
    with pytest.raises(EngineError) as info:
        engine.evaluate(blocked())
    assert not isinstance(info.value, EngineUnavailable)
    assert served.data_queries - before == 1
    with Gate(job(examples), engine=engine, signals="static") as gate:
        assert gate.check("https://shop.example.com/").deny_codes == ["engine.error"]


def test_a_timeout_is_unavailable(served: FakeOPA, examples: Path) -> None:
    served.delay = 2.0
    engine = OPAServerEngine(served.url, timeout=0.2, retries=1, backoff=0.01)
    started = time.monotonic()
    with Gate(job(examples), engine=engine, signals="static") as gate:
        decision = gate.check("https://shop.example.com/p/1")
    assert decision.allow is False and decision.deny_codes == ["engine.unavailable"]
    assert "in time" in decision.error
    assert time.monotonic() - started < 10  # two short timeouts, not the slow answers


def test_a_slow_answer_within_the_timeout_is_used(served: FakeOPA, examples: Path) -> None:
    served.delay = 0.3
    engine = OPAServerEngine(served.url, timeout=5.0, retries=0)
    with Gate(job(examples), engine=engine, signals="static") as gate:
        decision = gate.check("https://shop.example.com/p/1")
    assert decision.allow is True, decision.deny_codes


def test_a_hang_up_is_unavailable(served: FakeOPA) -> None:
    served.hang_up = True
    with pytest.raises(EngineUnavailable, match="cannot reach OPA"):
        OPAServerEngine(served.url, **FAST).evaluate(blocked())


def test_nobody_listening_is_unavailable(served: FakeOPA) -> None:
    url = served.url
    served.stop()
    with pytest.raises(EngineUnavailable, match="2 attempts"):
        OPAServerEngine(url, **FAST).evaluate(blocked())


def test_a_server_dying_mid_crawl_denies_every_later_request(served: FakeOPA, examples: Path) -> None:
    engine = OPAServerEngine(served.url, timeout=1.0, retries=1, backoff=0.01)
    hosts = [f"https://shop{i}.example.com/products/" for i in range(8)]
    with Gate(job(examples), engine=engine, signals="static") as gate:
        before = [gate.check(url) for url in hosts[:4]]
        served.stop()
        after = [gate.check(url) for url in hosts[4:]]
        again = gate.check(hosts[5])  # failures are not cached: asked again, denied again
    assert [d.allow for d in before] == [True] * 4
    assert all(not d.allow and d.deny_codes == ["engine.unavailable"] for d in after + [again])
    assert {d.policy_revision for d in before + after} == {engine.revision}


def test_a_token_is_sent_and_a_wrong_one_denies(tmp_path: Path, policy_set, examples: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    build_bundle(policy_set, tmp_path / "b.tar.gz")
    with FakeOPA(token="s3cret") as opa:
        opa.load_bundle(tmp_path / "b.tar.gz")
        assert OPAServerEngine(opa.url, token="s3cret", **FAST).evaluate(blocked())["allow"] is False
        monkeypatch.setenv("SCRAPEGATE_OPA_TOKEN", "s3cret")
        assert OPAServerEngine(opa.url, **FAST).evaluate(blocked())["allow"] is False
        wrong = OPAServerEngine(opa.url, token="nope", **FAST)
        with pytest.raises(EngineError, match="HTTP 401"):
            wrong.evaluate(blocked())
        with Gate(job(examples), engine=wrong, signals="static") as gate:
            assert gate.check("https://shop.example.com/").deny_codes == ["engine.error"]


# -- revision ---------------------------------------------------------------------------
def test_revision_is_the_bundle_manifest_revision(served: FakeOPA, policy_set) -> None:
    from gate.engines.embedded import EmbeddedEngine

    engine = OPAServerEngine(served.url, **FAST)
    assert engine.revision == policy_set.revision
    assert engine.revision == EmbeddedEngine([policy_set.roots[0]], include_shipped=False).revision


def test_revision_falls_back_to_a_hash_of_the_server(fake_opa: FakeOPA) -> None:
    engine = OPAServerEngine(fake_opa.url, **FAST)
    assert engine.revision.startswith("opa-")
    assert engine.revision == OPAServerEngine(fake_opa.url, **FAST).revision
    assert engine.revision != OPAServerEngine(fake_opa.url, entrypoint="other/decision", **FAST).revision


def test_revision_of_an_unreachable_server_does_not_raise(fake_opa: FakeOPA) -> None:
    url = fake_opa.url
    fake_opa.stop()
    assert OPAServerEngine(url, **FAST).revision.startswith("opa-")


def test_a_new_bundle_changes_the_revision_and_clears_the_gate_cache(served: FakeOPA, tmp_path: Path,
                                                                       examples: Path) -> None:
    engine = OPAServerEngine(served.url, revision_ttl=0.0, **FAST)
    with Gate(job(examples), engine=engine, signals="static") as gate:
        first = gate.check("https://shop.example.com/a")
        gate.check("https://shop.example.com/b")  # same host and signals: from the cache
        evaluations = sum(1 for e in served.decision_log if e["path"] == "scrapegate/decision")
        assert evaluations == 1
        root = write_test_policies(tmp_path / "v2")
        (root / "scrapegate" / "blocked" / "data.json").write_text('{"hosts": ["shop.example.com"]}')
        v2 = load_policy_set([root])
        build_bundle(v2, tmp_path / "v2.tar.gz")
        served.load_bundle(tmp_path / "v2.tar.gz", name="scrapegate")
        second = gate.check("https://shop.example.com/c")
    assert first.allow is True and first.policy_revision != v2.revision
    assert second.allow is False and second.policy_revision == v2.revision


def test_bundle_revision_reads_provenance() -> None:
    assert bundle_revision({"bundles": {"b": {"revision": "r1"}}}) == "r1"
    assert bundle_revision({"bundles": {"b": {"revision": "r1"}, "a": {"revision": "r0"}}}) == "a=r0;b=r1"
    assert bundle_revision({"revision": "legacy"}) == "legacy"
    assert bundle_revision({"bundles": {}}) is None
    assert bundle_revision(None) is None


# -- configuration ------------------------------------------------------------------------
@pytest.mark.parametrize("url,expected", [
    ("http://127.0.0.1:8181", ("http://127.0.0.1:8181", "127.0.0.1", 8181, False)),
    ("https://opa.internal", ("https://opa.internal:443", "opa.internal", 443, True)),
    ("http://opa/", ("http://opa:80", "opa", 80, False)),
    ("http://[::1]:8181", ("http://[::1]:8181", "[::1]", 8181, False)),
])
def test_parse_opa_url(url: str, expected: tuple) -> None:
    address = parse_opa_url(url)
    assert (address.url, address.host, address.port, address.ssl) == expected


@pytest.mark.parametrize("url", ["opa:8181", "ftp://opa", "http://opa:8181/prefix", "http://u:p@opa:8181",
                                 "http://opa:99999"])
def test_parse_opa_url_rejects(url: str) -> None:
    with pytest.raises(PolicyError):
        parse_opa_url(url)


def test_timeout_from_the_environment(fake_opa: FakeOPA, monkeypatch: pytest.MonkeyPatch) -> None:
    assert OPAServerEngine(fake_opa.url).timeout == 5.0
    monkeypatch.setenv("SCRAPEGATE_OPA_TIMEOUT", "0.5")
    assert OPAServerEngine(fake_opa.url).timeout == 0.5
    assert OPAServerEngine(fake_opa.url, timeout=2).timeout == 2
    monkeypatch.setenv("SCRAPEGATE_OPA_TIMEOUT", "soon")
    with pytest.raises(PolicyError, match="SCRAPEGATE_OPA_TIMEOUT"):
        OPAServerEngine(fake_opa.url)


def test_make_engine_builds_the_opa_engine(fake_opa: FakeOPA) -> None:
    engine = make_engine(engine_choice(kind="opa", opa_url=fake_opa.url), timeout=1.5)
    assert isinstance(engine, OPAServerEngine) and engine.timeout == 1.5 and engine.name == "opa"
    with pytest.raises(PolicyError, match="--opa-url"):
        make_engine(engine_choice(kind="opa"))


def test_gate_with_opa_url_uses_the_server(served: FakeOPA, examples: Path) -> None:
    with Gate(job(examples), opa_url=served.url, signals="static") as gate:
        assert gate.engine.name == "opa"
        assert gate.check("https://bad.example/").deny_codes == ["test.blocked"]


def test_health(tmp_path: Path, policy_set) -> None:
    build_bundle(policy_set, tmp_path / "b.tar.gz")
    with FakeOPA(expect_bundle=True) as opa:
        engine = OPAServerEngine(opa.url, **FAST)
        assert engine.healthy() is True
        assert engine.healthy(bundles=True) is False
        opa.load_bundle(tmp_path / "b.tar.gz")
        assert engine.healthy(bundles=True) is True
    assert engine.healthy() is False
