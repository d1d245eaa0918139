"""`scrapegate bundle build`: the tarball has OPA's bundle layout (unpacked and checked),
rebuilds exactly the data the embedded engine sees, and an OPA stand-in serves it."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gate.cli import cli
from gate.engines.embedded import EmbeddedEngine
from gate.engines.policy_set import load_policy_set, shipped_policies_dir
from gate.engines.waivers import load_waivers
from gate.errors import PolicyError
from gate.policy.bundle import build_bundle, bundle_files, bundle_roots

from opa_fake import FakeOPA, write_test_policies

WAIVERS = """\
waivers:
  - id: W-1
    rules: [test.blocked]
    jobs: "*"
    sites: "*"
    approved_by: dpo@example.com
    reason: contract with the site
    ticket: LEGAL-1
    expires: 2099-12-31
"""


def unpack(bundle: Path, into: Path) -> dict[str, bytes]:
    with tarfile.open(bundle, "r:gz") as tar:
        names = tar.getnames()
        tar.extractall(into, filter="data")
    return {n: (into / n).read_bytes() for n in names}


def test_layout_of_the_shipped_policies(tmp_path: Path) -> None:
    policy_set = load_policy_set([shipped_policies_dir()])
    result = CliRunner().invoke(cli, ["bundle", "build", "-o", str(tmp_path / "bundle.tar.gz")])
    assert result.exit_code == 0, result.output
    assert f"revision {policy_set.revision}" in result.output
    files = unpack(tmp_path / "bundle.tar.gz", tmp_path / "x")
    manifest = json.loads(files[".manifest"])
    assert manifest["revision"] == policy_set.revision
    assert manifest["roots"] == ["scrapegate"]
    assert manifest["rego_version"] == 1
    # every policy module, at its path under policies/, and no tests
    shipped = shipped_policies_dir()
    expected = {p.relative_to(shipped).as_posix() for p in shipped.rglob("*.rego") if not p.name.endswith("_test.rego")}
    assert {n for n in files if n.endswith(".rego")} == expected
    for name in expected:
        assert files[name] == (shipped / name).read_bytes()
    # data.yaml became data.json in the same directory, same content
    for data_yaml in shipped.rglob("data.yaml"):
        rel = data_yaml.relative_to(shipped).with_name("data.json").as_posix()
        assert json.loads(files[rel]) == yaml.safe_load(data_yaml.read_text())
    assert not [n for n in files if n.endswith((".yaml", ".yml"))]
    assert not [n for n in files if n.startswith("/") or ".." in n]


def test_the_unpacked_bundle_is_the_same_policy_set(tmp_path: Path) -> None:
    """Loading the unpacked tarball as a policy directory (the way OPA maps a bundle's
    directories) gives the data and the decisions of the original."""
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS)
    extra = load_waivers(waivers)
    original = load_policy_set([shipped_policies_dir()], extra)
    build_bundle(original, tmp_path / "b.tar.gz")
    unpack(tmp_path / "b.tar.gz", tmp_path / "unpacked")
    again = load_policy_set([tmp_path / "unpacked"])
    assert again.data == original.data
    assert again.data["scrapegate"]["granted_waivers"][0]["id"] == "W-1"
    assert sorted(m.source for m in again.modules) == sorted(m.source for m in original.policy_modules())


def test_waivers_override_bundle_data_without_a_merge_conflict(tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    (root / "scrapegate" / "data.yaml").write_text("law: Test Act s. 1\ngranted_waivers: []\n")
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVERS)
    policy_set = load_policy_set([root], load_waivers(waivers))
    files = dict(bundle_files(policy_set))
    assert json.loads(files["scrapegate/data.json"])["granted_waivers"][0]["id"] == "W-1"
    assert json.loads(files["scrapegate/blocked/data.json"]) == {"hosts": ["bad.example"]}
    build_bundle(policy_set, tmp_path / "b.tar.gz")
    with FakeOPA() as opa:  # OPA merges the files: a key defined twice would fail the load
        opa.load_bundle(tmp_path / "b.tar.gz")
        assert opa.evaluate(["scrapegate", "granted_waivers"])[1][0]["id"] == "W-1"


def test_waivers_without_a_data_file_above_them_go_to_the_root(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "scrapegate" / "blocked").mkdir(parents=True)
    (root / "scrapegate" / "main.rego").write_text("package scrapegate\n\nx := 1\n")
    (root / "scrapegate" / "blocked" / "data.json").write_text('{"hosts": []}')
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVERS)
    files = dict(bundle_files(load_policy_set([root], load_waivers(waivers))))
    assert set(files) == {".manifest", "data.json", "scrapegate/blocked/data.json", "scrapegate/main.rego"}
    assert json.loads(files["data.json"])["scrapegate"]["granted_waivers"][0]["id"] == "W-1"


def test_roots_cover_team_packages_and_data(tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    team = tmp_path / "team"
    (team / "acme").mkdir(parents=True)
    (team / "acme" / "rules.rego").write_text("package acme.rules\n\nblocked := {\"x.example\"}\n")
    (team / "acme" / "data.yaml").write_text("owner: acme\n")
    policy_set = load_policy_set([root, team])
    assert bundle_roots(policy_set) == ["acme", "scrapegate"]
    build_bundle(policy_set, tmp_path / "b.tar.gz")
    with FakeOPA() as opa:
        manifest = opa.load_bundle(tmp_path / "b.tar.gz")
        assert manifest["roots"] == ["acme", "scrapegate"]
        assert opa.evaluate(["acme", "owner"]) == (True, "acme")


def test_same_path_in_two_roots_ships_both_modules(tmp_path: Path) -> None:
    a = write_test_policies(tmp_path / "a")
    b = tmp_path / "b"
    (b / "scrapegate").mkdir(parents=True)
    (b / "scrapegate" / "main.rego").write_text("package scrapegate.extra\n\ny := 2\n")
    names = [n for n, _ in bundle_files(load_policy_set([a, b])) if n.endswith(".rego")]
    assert names == ["b/scrapegate/main.rego", "scrapegate/main.rego"]


def test_the_build_is_reproducible(tmp_path: Path) -> None:
    policy_set = load_policy_set([write_test_policies(tmp_path / "p")])
    build_bundle(policy_set, tmp_path / "1.tar.gz")
    build_bundle(policy_set, tmp_path / "2.tar.gz")
    assert (tmp_path / "1.tar.gz").read_bytes() == (tmp_path / "2.tar.gz").read_bytes()


def test_the_stand_in_serves_the_bundle_like_the_embedded_engine(tmp_path: Path) -> None:
    from gate.engines.opa import OPAServerEngine

    root = write_test_policies(tmp_path / "p")
    build_bundle(load_policy_set([root]), tmp_path / "b.tar.gz")
    embedded = EmbeddedEngine([root], include_shipped=False)
    with FakeOPA() as opa:
        opa.load_bundle(tmp_path / "b.tar.gz")
        engine = OPAServerEngine(opa.url)
        for host in ("bad.example", "good.example"):
            assert engine.evaluate({"request": {"host": host}}) == embedded.evaluate({"request": {"host": host}})
        assert engine.revision == embedded.revision


def test_data_that_is_not_json_is_refused(tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    (root / "scrapegate" / "data.yaml").write_text("law: Test Act\nsince: 2024-01-01\n")  # a YAML date
    with pytest.raises(PolicyError, match="not JSON"):
        bundle_files(load_policy_set([root]))
    result = CliRunner().invoke(cli, ["bundle", "build", "--no-shipped-policies", "--policy", str(root),
                                      "-o", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 2 and "not JSON" in result.output
    assert not (tmp_path / "b.tar.gz").exists()


def test_cli_build_with_policy_dirs_and_waivers(tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    (tmp_path / "w.yaml").write_text(WAIVERS)
    out = tmp_path / "dist" / "bundle.tar.gz"
    result = CliRunner().invoke(cli, ["bundle", "build", "--no-shipped-policies", "--policy", str(root),
                                      "--waivers", str(tmp_path / "w.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: 1 modules, 2 data files")
    files = unpack(out, tmp_path / "x")
    assert sorted(files) == [".manifest", "scrapegate/blocked/data.json", "scrapegate/data.json", "scrapegate/main.rego"]
    assert json.loads(files["scrapegate/data.json"])["granted_waivers"][0]["ticket"] == "LEGAL-1"


def test_cli_build_without_any_policy_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bundle", "build", "--no-shipped-policies", "-o", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 2 and "--policy" in result.output


def test_cli_build_refuses_a_bad_waivers_file_and_writes_nothing(tmp_path: Path) -> None:
    root = write_test_policies(tmp_path / "p")
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVERS.replace("rules: [test.blocked]", "rules: 42"))
    out = tmp_path / "b.tar.gz"
    result = CliRunner().invoke(cli, ["bundle", "build", "--no-shipped-policies", "--policy", str(root),
                                      "--waivers", str(waivers), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output == f"Error: {waivers}:3: waivers[0].rules: must be a list of rule codes, not int 42\n"
    assert not out.exists()


def test_cli_build_compiles_the_policies_first_like_check(tmp_path: Path, examples: Path) -> None:
    """A module that does not parse is exit 2 at file:line:col, as `check --policy` says, and
    no bundle is written (before, the broken module was packed and the build exited 0)."""
    team = tmp_path / "pol_bad" / "scrapegate" / "team"
    team.mkdir(parents=True)
    (team / "team.rego").write_text("package scrapegate.team\n\nimport rego.v1\nx = := 1\n")
    out = tmp_path / "b.tar.gz"
    built = CliRunner().invoke(cli, ["bundle", "build", "-o", str(out), "--policy", str(tmp_path / "pol_bad")])
    checked = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml"),
                                       "--policy", str(tmp_path / "pol_bad")])
    assert checked.exit_code == 2 and f"{team / 'team.rego'}:4:" in checked.output
    assert built.exit_code == 2, built.output
    assert built.output == checked.output
    assert not out.exists()
