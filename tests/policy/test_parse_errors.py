"""Issue 20.5 and 20.6: a Rego file that does not parse is reported once, at file:line:col,
on stderr, with exit 2, by `policy lint`, `check` (any format, with or without -o) and
`policy test`; stdout stays clean. rego-cpp prints its own dump on file descriptor 1, which
click's CliRunner does not see, so these run the command as a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BROKEN = "package scrapegate.team\n\nx if {\n  input.a ==\n}\n"
WHERE = "broken.rego:4:11: Invalid boolean operator"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "team" / "scrapegate" / "team"
    folder.mkdir(parents=True)
    (folder / "broken.rego").write_text(BROKEN)
    return tmp_path / "team"


def scrapegate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def assert_reported_once(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == "", f"stdout must stay clean: {result.stdout!r}"
    assert result.stderr.count("broken.rego") == 1, result.stderr
    assert "Traceback" not in result.stderr and "wellformed_error" not in result.stderr


def test_lint_reports_a_parse_error_at_file_line_col_and_exits_2(broken: Path, tmp_path: Path) -> None:
    result = scrapegate("policy", "lint", str(broken), cwd=tmp_path)
    assert_reported_once(result)
    assert WHERE in result.stderr
    assert "METADATA" not in result.stderr and "never-fires" not in result.stderr
    as_json = scrapegate("policy", "lint", str(broken), "-f", "json", cwd=tmp_path)
    assert_reported_once(as_json)


@pytest.mark.parametrize("fmt", ["sarif", "json", "text"])
def test_check_keeps_the_report_clean_of_the_engine_dump(broken: Path, tmp_path: Path, examples: Path, fmt: str) -> None:
    job = str(examples / "price-monitoring.yaml")
    to_stdout = scrapegate("check", job, "--policy", str(broken), "--format", fmt, cwd=tmp_path)
    assert_reported_once(to_stdout)
    assert WHERE in to_stdout.stderr
    report = tmp_path / f"report.{fmt}"
    to_file = scrapegate("check", job, "--policy", str(broken), "--format", fmt, "-o", str(report), cwd=tmp_path)
    assert_reported_once(to_file)
    assert not report.exists() or "Invalid boolean operator" not in report.read_text()


@pytest.mark.parametrize("engine", ["regopy", "opa"])
def test_policy_test_reports_a_parse_error_once(broken: Path, tmp_path: Path, engine: str) -> None:
    if engine == "opa":
        pytest.importorskip("opa_bindings", reason="the real OPA engine's bindings are not installed")
    (broken / "scrapegate" / "team" / "ok_test.rego").write_text("package scrapegate.ok_test\n\ntest_ok if true\n")
    result = scrapegate("policy", "test", str(broken), "--engine", engine, cwd=tmp_path)
    assert_reported_once(result)
    assert "broken.rego:4:11" in result.stderr or "broken.rego:5" in result.stderr  # regopy / OPA's position
