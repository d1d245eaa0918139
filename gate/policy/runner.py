"""`scrapegate policy test`: run the Rego unit tests (`test_*` rules in `*_test.rego`) and
report them the way `opa test -v` does, each result as soon as it is known (StreamPrinter).

Each test is the query `data.<package>.<rule>`: true passes, false or undefined fails, an
evaluation error is an error. The real OPA engine runs them when its bindings are installed
(runner_opa: one compile, about a second for the shipped library); otherwise the embedded
regopy engine does, in worker processes (runner_regopy: a crash costs one test).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from gate.engines.policy_set import PolicyModule, load_policy_set
from gate.errors import PolicyError
from gate.model.rego_source import strip_comments
from gate.policy.rego_tests import ERROR, FAIL, PASS, SKIP, TestCase, TestResult

__all__ = ["TestCase", "TestResult", "TestReport", "StreamPrinter", "discover", "run_tests", "ENGINES",
           "PASS", "FAIL", "ERROR", "SKIP"]

EXIT_OK, EXIT_FAILED, EXIT_NO_TESTS = 0, 1, 2
RULE_LINE = "-" * 80

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)", re.MULTILINE)
# A test is a rule whose head starts a line: `test_x if {`, `test_x := ...`, `test_x {`.
_TEST_RULE = re.compile(r"^((?:todo_)?test_\w+)\b(?!\s*\()", re.MULTILINE)
_WITH_WHOLE_INPUT = re.compile(r"\bwith\s+input\s+as\b")
# A test file that only the real OPA engine can run: `# scrapegate: opa-only (why)` on a line
# of its own. rego-cpp 1.5.2 compiles a `with` over the whole decision for minutes and past
# 12 GB; such a file's tests are reported SKIP on the embedded engine, with the reason.
_OPA_ONLY = re.compile(r"^#\s*scrapegate:\s*opa-only\b(.*)$", re.MULTILINE)
_DATA_REF = re.compile(r"\bdata\.([A-Za-z_][\w.]*)")


@dataclass
class TestReport:
    __test__ = False  # not a pytest test class

    results: list[TestResult] = field(default_factory=list)
    verbose: bool = False
    notes: list[str] = field(default_factory=list)
    engine: str = ""

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def exit_code(self) -> int:
        if not self.results:
            return EXIT_NO_TESTS
        return EXIT_FAILED if any(r.status in (FAIL, ERROR) for r in self.results) else EXIT_OK

    def render(self) -> str:
        """The report as `opa test` prints it; every test with `verbose`."""
        out: list[str] = [f"note: {n}" for n in self.notes]
        if not self.results:
            out.append("no tests found (test_* rules in *_test.rego files)")
            return "\n".join(out) + "\n"
        bad = [r for r in self.results if r.status in (FAIL, ERROR)]
        if bad:
            out.append("FAILURES")
            out.append(RULE_LINE)
            for r in bad:
                out.append(r.line())
                out.append(f"  {r.case.file}:{r.case.line}")
                if r.message:
                    out.extend("  " + m for m in r.message.splitlines())
                out.append("")
            out.append("SUMMARY")
            out.append(RULE_LINE)
        current_file = None
        for r in self.results if self.verbose else bad:
            if r.case.file != current_file:
                if current_file is not None:
                    out.append("")
                current_file = r.case.file
                out.append(f"{current_file}:")
            out.append(r.line())
        if self.verbose or bad:
            out.append(RULE_LINE)
        out.extend(self.counts())
        return "\n".join(out) + "\n"

    def counts(self) -> list[str]:
        total = len(self.results)
        return [f"{status}: {self.count(status)}/{total}" for status in (PASS, FAIL, ERROR, SKIP)
                if self.count(status) or status == PASS]


class StreamPrinter:
    """Prints results as they come, like `opa test -v`: a file's name before its first
    result, every test with `verbose` (only failures otherwise, each with its location and
    message), then the counts."""

    def __init__(self, write: Callable[[str], None], verbose: bool) -> None:
        self.write, self.verbose = write, verbose
        self._file: str | None = None
        self._printed = False

    def note(self, text: str) -> None:
        self.write(f"note: {text}\n")

    def __call__(self, result: TestResult) -> None:
        bad = result.status in (FAIL, ERROR)
        if not (self.verbose or bad):
            return
        lines = []
        if result.case.file != self._file:
            lines += ([""] if self._file is not None else []) + [f"{result.case.file}:"]
            self._file = result.case.file
        lines.append(result.line())
        if bad:
            lines.append(f"  {result.case.file}:{result.case.line}")
            lines += ["  " + m for m in result.message.splitlines()]
        self.write("\n".join(lines) + "\n")
        self._printed = True

    def finish(self, report: TestReport) -> None:
        if not report.results:
            self.write("no tests found (test_* rules in *_test.rego files)\n")
            return
        self.write("\n".join(([RULE_LINE] if self._printed else []) + report.counts()) + "\n")


def discover(modules: Iterable[PolicyModule]) -> list[TestCase]:
    """Every `test_*` (and `todo_test_*`) rule of the test modules, in file order; a rule
    defined twice is one test."""
    cases: list[TestCase] = []
    seen: set[str] = set()
    for module in modules:
        if not module.is_test:
            continue
        source = _strip_comments(module.source)
        found = _PACKAGE.search(source)
        if not found:
            continue
        package = found.group(1)
        for m in _TEST_RULE.finditer(source):
            case = TestCase(package, m.group(1), str(module.path), source.count("\n", 0, m.start()) + 1)
            if case.name not in seen:
                seen.add(case.name)
                cases.append(case)
    return cases


def _strip_comments(source: str) -> str:
    # Blank out comments (keeping line numbers) so commented-out tests are not run.
    return strip_comments(source)


ENGINES = ("auto", "opa", "regopy")


def run_tests(dirs: Sequence[Path | str], verbose: bool = False, *, run: str | None = None,
              engine: str = "auto", on_result: Callable[[TestResult], None] | None = None) -> TestReport:
    """Load the policies and data under `dirs` (as OPA maps a bundle directory), and run
    every test whose name matches the `run` regex (all by default), handing each result to
    `on_result` as soon as it is known.

    `engine`: "opa" is the real OPA engine (opa-golib-python-bindings; what `opa test` runs,
    about a second for the shipped library), "regopy" the embedded one in worker processes
    (minutes and gigabytes for a `with` over the whole decision), "auto" OPA when installed."""
    if engine not in ENGINES:
        raise PolicyError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    policy_set = load_policy_set([Path(d) for d in dirs])
    cases = discover(policy_set.modules)
    if run:
        try:
            pattern = re.compile(run)
        except re.error as exc:
            raise PolicyError(f"--run {run!r} is not a regular expression: {exc}") from exc
        cases = [c for c in cases if pattern.search(c.name)]
    from gate.policy import runner_opa

    use_opa = engine == "opa" or (engine == "auto" and runner_opa.available())
    if engine == "opa" and not runner_opa.available():
        raise PolicyError("--engine opa needs the OPA engine's Python bindings: "
                          "pip install --ignore-requires-python opa-golib-python-bindings")
    report = TestReport(verbose=verbose, engine="opa" if use_opa else "regopy")
    opa_only: set[str] = set()
    if not use_opa:
        for module in policy_set.modules:
            if module.is_test and _WITH_WHOLE_INPUT.search(_strip_comments(module.source)):
                report.notes.append(
                    f"{module.path}: `with input as` may crash regopy 1.5.2; "
                    "replace the input key by key (`with input.job as ...`)"
                )
            marked = _OPA_ONLY.search(module.source) if module.is_test else None
            if marked:
                opa_only.add(str(module.path))
                why = marked.group(1).strip().strip("()")
                report.notes.append(f"{module.path}: skipped on the embedded engine ({why}); `--engine opa` runs it")
    by_name: dict[str, TestResult] = {}

    def emit(result: TestResult) -> None:
        by_name[result.case.name] = result
        if on_result is not None:
            on_result(result)

    runnable = [c for c in cases if not c.skipped and c.file not in opa_only]
    # Only the test files the selected tests need: their own and the test packages they
    # refer to (fixtures), transitively. OPA then compiles once; regopy once per file.
    groups = _by_file(runnable)
    needed = sorted(set().union(*(_test_files_for(f, policy_set.modules) for f in groups)))
    selected = replace(policy_set, modules=[m for m in policy_set.modules if not m.is_test or str(m.path) in needed])
    if use_opa:
        by_case = {c.name: c for c in runnable}
        runner_opa.run_on_opa(selected, [c.name for c in runnable], _judge_value,
                              lambda name, outcome, took: emit(TestResult(by_case[name], outcome[0], None, outcome[1])))
    else:
        from gate.policy.runner_regopy import run_isolated

        roots = [str(Path(d)) for d in dirs]
        if not groups:  # nothing to run, but a policy that does not parse is still an error
            from gate.engines.embedded import new_interpreter

            new_interpreter(policy_set, include_tests=True)
        for file, file_cases in groups.items():
            run_isolated(roots, file_cases, sorted(_test_files_for(file, policy_set.modules)), emit)
    for case in cases:
        if case.skipped or case.file in opa_only:
            emit(TestResult(case, SKIP))
    report.results = [by_name.get(c.name) or TestResult(c, SKIP) for c in cases]
    return report


def _judge_value(defined: bool, value: Any) -> tuple[str, str]:
    """true passes; false or undefined fails."""
    if not defined:
        return FAIL, "undefined"
    if value is True:
        return PASS, ""
    return FAIL, f"evaluated to {json.dumps(value)[:200]}"


def _by_file(cases: list[TestCase]) -> dict[str, list[TestCase]]:
    grouped: dict[str, list[TestCase]] = {}
    for case in cases:
        grouped.setdefault(case.file, []).append(case)
    return grouped


def _test_files_for(file: str, modules: Sequence[PolicyModule]) -> set[str]:
    """The test module `file` and the test modules whose packages it refers to (imports or
    data.<package> references), transitively."""
    by_package: dict[str, list[PolicyModule]] = {}
    for module in modules:
        found = _PACKAGE.search(_strip_comments(module.source))
        if module.is_test and found:
            by_package.setdefault(found.group(1), []).append(module)
    wanted, todo = set(), [file]
    sources = {str(m.path): m.source for m in modules}
    while todo:
        current = todo.pop()
        if current in wanted:
            continue
        wanted.add(current)
        for imported in _DATA_REF.findall(_strip_comments(sources.get(current, ""))):
            for package, package_modules in by_package.items():
                if imported == package or imported.startswith(package + "."):
                    todo.extend(str(m.path) for m in package_modules)
    return wanted


