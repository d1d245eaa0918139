"""`scrapegate policy test`: discovery, PASS/FAIL/ERROR/SKIPPED, opa-test-like output, exit
codes, and isolation of an engine crash, on small policy directories written per test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.errors import PolicyError
from gate.policy.runner import ERROR, FAIL, PASS, SKIP, run_tests

POLICY = """\
package p

n if count(input.js) == 1
"""
TESTS = """\
package p_test

import data.p

test_pass if { p.n with input.js as [1] }
test_fail if { p.n with input.js as [] }
test_undefined if data.p.missing
test_error if glob.match("[", [], "x")
# test_commented_out if true
todo_test_later if false
"""
# regopy 1.5.2 aborts compiling `with input as {...}` over a rule that calls a builtin.
CRASHING = """\
package boom_test

import data.p

test_boom if { p.n with input as {"js": [1]} }
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    return write(tmp_path / "policies", {"p/p.rego": POLICY, "p/p_test.rego": TESTS})


def statuses(report) -> dict[str, str]:
    return {r.case.name: r.status for r in report.results}


def test_each_test_passes_fails_errs_or_is_skipped(policies: Path) -> None:
    report = run_tests([policies])
    assert statuses(report) == {
        "data.p_test.test_pass": PASS,
        "data.p_test.test_fail": FAIL,
        "data.p_test.test_undefined": FAIL,
        "data.p_test.test_error": ERROR,
        "data.p_test.todo_test_later": SKIP,
    }
    assert report.exit_code() == 1


def test_output_reads_like_opa_test_verbose(policies: Path) -> None:
    text = run_tests([policies], verbose=True).render()
    assert text.startswith("FAILURES\n" + "-" * 80 + "\n")
    assert "\nSUMMARY\n" in text
    assert f"{policies / 'p' / 'p_test.rego'}:\n" in text
    assert re.search(r"^data\.p_test\.test_pass: PASS \(\d+(\.\d+)?(µs|ms|s)\)$", text, re.MULTILINE)
    assert "data.p_test.todo_test_later: SKIPPED\n" in text
    assert text.endswith("PASS: 1/5\nFAIL: 2/5\nERROR: 1/5\nSKIPPED: 1/5\n")


def test_quiet_output_lists_only_what_failed(policies: Path) -> None:
    text = run_tests([policies]).render()
    assert "test_pass" not in text
    assert "data.p_test.test_fail: FAIL" in text
    assert f"{policies / 'p' / 'p_test.rego'}:6" in text  # where the failing test is


def test_all_passing_exits_0(tmp_path: Path) -> None:
    root = write(tmp_path, {"p.rego": POLICY, "p_test.rego": "package p_test\n\ntest_ok if true\n"})
    report = run_tests([root], verbose=True)
    assert report.exit_code() == 0
    assert report.render().endswith("-" * 80 + "\nPASS: 1/1\n")


def test_run_pattern_selects_tests(policies: Path) -> None:
    report = run_tests([policies], run="pass$")
    assert statuses(report) == {"data.p_test.test_pass": PASS}
    assert report.exit_code() == 0
    with pytest.raises(PolicyError, match="not a regular expression"):
        run_tests([policies], run="(")


def test_no_test_found_exits_2(tmp_path: Path) -> None:
    root = write(tmp_path, {"p.rego": POLICY})
    report = run_tests([root])
    assert report.exit_code() == 2
    assert "no tests found" in report.render()


def test_a_crashing_test_file_costs_only_its_own_tests(policies: Path) -> None:
    write(policies, {"p/boom_test.rego": CRASHING})
    report = run_tests([policies])
    got = statuses(report)
    assert got["data.boom_test.test_boom"] == ERROR
    assert got["data.p_test.test_pass"] == PASS
    assert got["data.p_test.test_fail"] == FAIL
    crashed = next(r for r in report.results if r.case.rule == "test_boom")
    assert "crashed" in crashed.message
    assert any("with input as" in note for note in report.notes)


def test_a_policy_that_does_not_parse_is_a_policy_error(tmp_path: Path) -> None:
    root = write(tmp_path, {"p.rego": "package p\n\nn if {\n", "p_test.rego": "package p_test\n\ntest_ok if true\n"})
    with pytest.raises(PolicyError):
        run_tests([root])


def test_cli_exit_codes(policies: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    failed = runner.invoke(cli, ["policy", "test", str(policies)])
    assert failed.exit_code == 1, failed.output
    assert "FAIL: 2/5" in failed.output

    passed = runner.invoke(cli, ["policy", "test", str(policies), "-r", "test_pass", "-v"])
    assert passed.exit_code == 0, passed.output
    assert passed.output.endswith("PASS: 1/1\n")

    empty = write(tmp_path / "empty", {"p.rego": POLICY})
    none = runner.invoke(cli, ["policy", "test", str(empty)])
    assert none.exit_code == 2
    assert "no tests found" in none.output

    broken = write(tmp_path / "broken", {"p.rego": "package p\n\nn if {\n"})
    bad = runner.invoke(cli, ["policy", "test", str(broken)])
    assert bad.exit_code == 2
    assert "p.rego" in bad.output


def test_policy_test_has_help() -> None:
    result = CliRunner().invoke(cli, ["policy", "test", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "opa test" in result.output
