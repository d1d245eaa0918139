"""Exit codes at the edge of every command, as a tester on a fresh install met them: bad input
is exit 2 with a message naming the file, the flag or the value; a failure of the engine or of
I/O is exit 3; exit 1 stays a policy denial; never a traceback."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli

OPA_HINT = "pip install 'scrapegate[opa]'"


def run(*args: str) -> Any:
    # catch_exceptions=False: a traceback fails the test instead of becoming an exit code.
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def job(tmp_path: Path, examples: Path) -> Path:
    path = tmp_path / "local.yaml"
    path.write_text((examples / "price-monitoring.yaml").read_text())
    return path


# -- 1. the opa extra missing ----------------------------------------------------------------

@pytest.fixture
def no_opa_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opa_client", None)  # what an uninstalled package looks like to import


@pytest.mark.parametrize("command", [
    ["check", "{job}"],
    ["explain", "{job}", "--target", "https://shop.example.com/products/"],
    ["bundle", "push"],
])
def test_a_missing_opa_extra_is_bad_input_naming_the_pip_command(no_opa_client: None, job: Path,
                                                                 command: list[str]) -> None:
    args = [a.format(job=job) for a in command]
    engine = [] if args[0] == "bundle" else ["--engine", "opa"]
    result = run(*args, *engine, "--opa-url", "http://127.0.0.1:1")
    assert result.exit_code == 2, result.output
    assert OPA_HINT in result.output


def test_run_with_a_missing_opa_extra_is_bad_input(no_opa_client: None, job: Path) -> None:
    pytest.importorskip("proxy")  # run checks its own extra first
    result = run("run", "--job", str(job), "--engine", "opa", "--opa-url", "http://127.0.0.1:1",
                 "--signals", "static", "--", sys.executable, "-c", "pass")
    assert result.exit_code == 2, result.output
    assert OPA_HINT in result.output


# -- 2. output files -------------------------------------------------------------------------

def _one_decision_ledger() -> None:
    from gate.ledger.sqlite.ledger import SQLiteLedger

    from ledger_helpers import allowed, policy_input

    with SQLiteLedger() as book:  # at $SCRAPEGATE_LEDGER, which the commands read by default
        book.record(allowed(), policy_input("https://example.com/"), mode="enforce", job="j", owner="o@example.com")


@pytest.mark.parametrize("command", [["check", "{job}"], ["ledger", "export"], ["ledger", "erase-plan", "--job", "j"],
                                     ["report"]])
@pytest.mark.parametrize("where", ["dir/", "missing/dir/x", "dir"])
def test_an_output_that_cannot_be_opened_is_a_bad_argument_naming_it(tmp_path: Path, job: Path,
                                                                      command: list[str], where: str) -> None:
    _one_decision_ledger()
    (tmp_path / "dir").mkdir()
    target = f"{tmp_path}/{where}"
    result = run(*[a.format(job=job) for a in command], "-o", target)
    assert result.exit_code == 2, result.output
    assert target in result.output and "--output" in result.output


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["check", "{job}"], ["ledger", "export"], ["report"], ["policy", "docs"]])
def test_a_write_that_fails_is_an_io_failure_not_a_denial(job: Path, command: list[str]) -> None:
    _one_decision_ledger()
    result = run(*[a.format(job=job) for a in command], "-o", "/dev/full")
    assert result.exit_code == 3, result.output
    assert "cannot write /dev/full: No space left on device" in result.output


def test_an_earlier_report_is_left_alone_when_the_manifest_is_bad(tmp_path: Path) -> None:
    bad, out = tmp_path / "bad.yaml", tmp_path / "report.txt"
    bad.write_text("kind: [\n")
    out.write_text("earlier report\n")
    assert run("check", str(bad), "-o", str(out)).exit_code == 2
    assert out.read_text() == "earlier report\n"


# -- 3. --timeout ----------------------------------------------------------------------------

TIMED = [
    ["robots", "https://127.0.0.1:1/"],
    ["signals", "https://127.0.0.1:1/"],
    ["terms", "https://127.0.0.1:1/"],
    ["check", "{job}", "--live"],
    ["explain", "{job}", "--target", "https://shop.example.com/products/", "--live"],
    ["bundle", "push", "--opa-url", "http://127.0.0.1:1"],
    ["run", "--job", "{job}", "--signals", "static"],
]


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf"])
@pytest.mark.parametrize("command", TIMED, ids=[c[0] + ("-" + c[1] if c[0] == "bundle" else "") for c in TIMED])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(job: Path, command: list[str],
                                                                       timeout: str) -> None:
    args = [a.format(job=job) for a in command] + ["--timeout", timeout]
    if args[0] == "run":
        args += ["--", sys.executable, "-c", "pass"]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "'--timeout'" in result.output


def test_a_refused_timeout_caches_no_failed_terms_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")
    assert run("terms", "https://127.0.0.1:1/", "--timeout", "-1").exit_code == 2
    assert not (tmp_path / "state" / "terms.db").exists()


# -- 4. --policy FILE ------------------------------------------------------------------------

def _revision(*args: str) -> str:
    result = run("check", *args, "-f", "json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["policy_revision"])


@pytest.mark.parametrize("name, content", [("team.yaml", b"team: {a: 1}\n"), ("README.md", b"# Policies\n"),
                                           ("policy.bin", bytes(range(256))), ("notes.json", b"{}")],
                         ids=["yaml", "markdown", "binary", "json"])
@pytest.mark.parametrize("command", [["check", "{job}"], ["bundle", "build", "-o", "{tmp}/b.tar.gz"]])
def test_a_policy_file_that_is_neither_rego_nor_data_is_refused_naming_it(tmp_path: Path, job: Path, name: str,
                                                                          content: bytes, command: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run(*[a.format(job=job, tmp=tmp_path) for a in command], "--policy", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}: not a policy" in result.output


def test_a_data_file_given_on_its_own_is_loaded(tmp_path: Path, job: Path) -> None:
    data = tmp_path / "data.yaml"
    data.write_text("team_settings: {strict: true}\n")
    assert _revision(str(job), "--policy", str(data)) != _revision(str(job))


# -- 5. report --ledger ----------------------------------------------------------------------

@pytest.mark.parametrize("content", [None, b"not a database, not a ledger\n"], ids=["missing", "corrupt"])
@pytest.mark.parametrize("command", [["report", "-o", "{tmp}/r.html"], ["ledger", "show"]])
def test_report_and_ledger_agree_a_missing_or_corrupt_ledger_is_bad_input(tmp_path: Path, content: bytes | None,
                                                                         command: list[str]) -> None:
    path = tmp_path / "some.db"
    if content is not None:
        path.write_bytes(content)
    result = run(*[a.format(tmp=tmp_path) for a in command], "--ledger", str(path))
    assert result.exit_code == 2, result.output
    assert str(path) in result.output
    assert not (tmp_path / "r.html").exists()


# -- 6. a policy that decides nothing --------------------------------------------------------

NO_DECISION = {
    "tests-only": ("only_test.rego", "package scrapegate_test\n\nimport rego.v1\n\ntest_nothing if true\n",
                   "holds only tests"),
    "other-package": ("team.rego", "package team\n\nimport rego.v1\n\nx := 1\n", "none of the 1 module(s)"),
}


@pytest.mark.parametrize("case", NO_DECISION)
@pytest.mark.parametrize("command", [["check", "{job}"],
                                     ["explain", "{job}", "--target", "https://shop.example.com/products/"]])
def test_a_policy_without_a_decision_rule_is_a_policy_failure_not_a_denial(tmp_path: Path, job: Path, case: str,
                                                                           command: list[str]) -> None:
    name, source, says = NO_DECISION[case]
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / name).write_text(source)
    result = run(*[a.format(job=job) for a in command], "--policy", str(folder), "--no-shipped-policies")
    assert result.exit_code == 3, result.output
    assert "no decision rule found in the given policy" in result.output
    assert says in result.output and str(folder) in result.output
    assert "e3b0c44298fc" not in result.output  # no report of an empty policy's 'decisions'


def test_a_decision_undefined_for_some_input_is_exit_3_with_the_report(tmp_path: Path, job: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "main.rego").write_text('package scrapegate\n\nimport rego.v1\n\n'
                                      'decision := {"allow": true} if input.never\n')
    result = run("check", str(job), "--policy", str(folder), "--no-shipped-policies")
    assert result.exit_code == 3, result.output
    assert "engine.undefined" in result.output and "no decision rule" not in result.output


# -- 7. --agent ------------------------------------------------------------------------------

@pytest.mark.parametrize("agent", ["", "   ", "/1.0"])
@pytest.mark.parametrize("command", ["robots", "signals", "terms"])
def test_an_agent_without_a_product_token_is_refused(command: str, agent: str) -> None:
    result = run(command, "https://127.0.0.1:1/", "--agent", agent, "--timeout", "0.5")
    assert result.exit_code == 2, result.output
    assert "'--agent'" in result.output and "no product token" in result.output


# -- bundle build -o a device or a pipe ------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_bundle_build_writes_into_a_pipe_and_leaves_it_a_pipe(tmp_path: Path) -> None:
    # As /dev/null or /dev/stdout: a bundle renamed over one replaced it (as root, /dev/null itself).
    fifo = tmp_path / "bundle.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("bundle", "build", "-o", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got and got[0][:2] == b"\x1f\x8b"  # the gzip'd bundle went through the pipe
