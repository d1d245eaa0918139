"""`scrapegate bundle push`: modules through OPA's Policy API, data through its Data API,
then evaluated through the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.engines.embedded import EmbeddedEngine
from gate.engines.opa import OPAServerEngine, new_client, parse_opa_url
from gate.engines.policy_set import load_policy_set
from gate.errors import PolicyError
from gate.policy.bundle import POLICY_ID_PREFIX, build_bundle, push_policy_set

from opa_fake import FakeOPA, opa_bindings_available, write_test_policies

needs_opa = pytest.mark.skipif(not opa_bindings_available(), reason="opa-golib-python-bindings not installed")


def push(url: str, *args: str) -> object:
    return CliRunner().invoke(cli, ["bundle", "push", "--opa-url", url, *args])


def test_push_then_evaluate_through_the_server(fake_opa: FakeOPA, tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    result = push(fake_opa.url, "--no-shipped-policies", "--policy", str(root))
    assert result.exit_code == 0, result.output
    policy_set = load_policy_set([root])
    assert f"revision {policy_set.revision}" in result.output
    assert set(fake_opa.modules) == {POLICY_ID_PREFIX + "p/scrapegate/main.rego"}  # no test modules
    assert fake_opa.data["scrapegate"] == {"law": "Test Act s. 1", "blocked": {"hosts": ["bad.example"]}}
    engine = OPAServerEngine(fake_opa.url)
    embedded = EmbeddedEngine([root], include_shipped=False)
    for host in ("bad.example", "good.example"):
        assert engine.evaluate({"request": {"host": host}}) == embedded.evaluate({"request": {"host": host}})
    assert engine.revision == embedded.revision  # read back from data.scrapegate_meta


def test_push_with_the_env_url_and_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_test_policies(tmp_path / "p")
    with FakeOPA(token="t0k") as opa:
        monkeypatch.setenv("SCRAPEGATE_OPA_URL", opa.url)
        refused = CliRunner().invoke(cli, ["bundle", "push", "--no-shipped-policies", "--policy", str(root)])
        assert refused.exit_code == 3 and "unauthorized" in refused.output
        monkeypatch.setenv("SCRAPEGATE_OPA_TOKEN", "t0k")
        ok = CliRunner().invoke(cli, ["bundle", "push", "--no-shipped-policies", "--policy", str(root)])
        assert ok.exit_code == 0, ok.output
        assert OPAServerEngine(opa.url).evaluate({"request": {"host": "bad.example"}})["allow"] is False


def test_a_second_push_deletes_modules_it_no_longer_has(fake_opa: FakeOPA, tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    (root / "scrapegate" / "old.rego").write_text("package scrapegate.old\n\nx := 1\n")
    fake_opa.put_policy("someone-else.rego", "package other\n\ny := 2\n")
    assert push(fake_opa.url, "--no-shipped-policies", "--policy", str(root)).exit_code == 0
    assert POLICY_ID_PREFIX + "p/scrapegate/old.rego" in fake_opa.modules
    (root / "scrapegate" / "old.rego").unlink()
    result = push(fake_opa.url, "--no-shipped-policies", "--policy", str(root))
    assert result.exit_code == 0, result.output
    assert "deleted 1 stale modules" in result.output
    assert set(fake_opa.modules) == {POLICY_ID_PREFIX + "p/scrapegate/main.rego", "someone-else.rego"}


def test_push_onto_a_server_that_serves_a_bundle_is_refused(fake_opa: FakeOPA, tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    build_bundle(load_policy_set([root]), tmp_path / "b.tar.gz")
    fake_opa.load_bundle(tmp_path / "b.tar.gz")
    result = push(fake_opa.url, "--no-shipped-policies", "--policy", str(root))
    assert result.exit_code == 2
    assert "owned by bundle" in result.output


def test_a_policy_opa_rejects_is_bad_input(fake_opa: FakeOPA, tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    (root / "scrapegate" / "broken.rego").write_text("package scrapegate.broken\n\nx := 1 +\n")
    with pytest.raises(PolicyError):  # regopy's parser refuses it before the push
        load_policy_set([root]) and EmbeddedEngine([root], include_shipped=False)
    client = new_client(parse_opa_url(fake_opa.url))
    with pytest.raises(PolicyError, match="rejected"):
        push_policy_set(load_policy_set([root]), client)
    assert POLICY_ID_PREFIX + "p/scrapegate/broken.rego" not in fake_opa.modules


def test_an_unreachable_server_exits_3(fake_opa: FakeOPA, tmp_path: Path) -> None:
    url = fake_opa.url
    fake_opa.stop()
    result = push(url, "--no-shipped-policies", "--policy", str(write_test_policies(tmp_path / "p")), "--timeout", "1")
    assert result.exit_code == 3 and "cannot reach OPA" in result.output


@needs_opa
def test_modules_are_pushed_in_an_order_real_opa_compiles(tmp_path: Path) -> None:
    """`a.rego` calls a function `z.rego` defines: OPA refuses `a` until `z` is in."""
    root = write_test_policies(tmp_path / "p")
    (root / "scrapegate" / "a.rego").write_text("package scrapegate.a\n\nvalue := data.scrapegate.z.double(21)\n")
    (root / "scrapegate" / "z.rego").write_text("package scrapegate.z\n\ndouble(x) := x * 2\n")
    with FakeOPA(evaluator="opa") as opa:
        with pytest.raises(Exception, match="compiling"):  # the stand-in's real OPA refuses `a` alone
            opa.put_policy("only-a", (root / "scrapegate" / "a.rego").read_text())
        result = push(opa.url, "--no-shipped-policies", "--policy", str(root))
        assert result.exit_code == 0, result.output
        assert opa.evaluate(["scrapegate", "a", "value"]) == (True, 42)
