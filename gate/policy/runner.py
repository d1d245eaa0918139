"""`scrapegate policy test`: run the Rego unit tests (`test_*` rules in `*_test.rego`) with
the embedded engine and report them the way `opa test -v` does.

Each test is the query `data.<package>.<rule>`: true passes, false or undefined fails, an
evaluation error is an error. regopy can crash the whole process on some constructs (for
example `with input as {...}` over rules that call builtins), so the tests run in a worker
process: a crash costs the test that caused it, reported as an error, and a fresh worker
runs the rest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from gate.engines.policy_set import PolicyModule, load_policy_set
from gate.errors import PolicyError

__all__ = ["TestCase", "TestResult", "TestReport", "discover", "run_tests", "PASS", "FAIL", "ERROR", "SKIP"]

PASS, FAIL, ERROR, SKIP = "PASS", "FAIL", "ERROR", "SKIPPED"
EXIT_OK, EXIT_FAILED, EXIT_NO_TESTS = 0, 1, 2
RULE_LINE = "-" * 80
# How long a worker that has reported every result may take to exit before it is killed.
WORKER_EXIT_TIMEOUT_S = 30.0

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)", re.MULTILINE)
# A test is a rule whose head starts a line: `test_x if {`, `test_x := ...`, `test_x {`.
_TEST_RULE = re.compile(r"^((?:todo_)?test_\w+)\b(?!\s*\()", re.MULTILINE)
_WITH_WHOLE_INPUT = re.compile(r"\bwith\s+input\s+as\b")
_DATA_REF = re.compile(r"\bdata\.([A-Za-z_][\w.]*)")


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class

    package: str
    rule: str
    file: str
    line: int

    @property
    def name(self) -> str:
        return f"data.{self.package}.{self.rule}"

    @property
    def skipped(self) -> bool:
        return self.rule.startswith("todo_")


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class

    case: TestCase
    status: str
    duration_s: float = 0.0
    message: str = ""

    def line(self) -> str:
        took = f" ({_duration(self.duration_s)})" if self.status != SKIP else ""
        return f"{self.case.name}: {self.status}{took}"


@dataclass
class TestReport:
    __test__ = False  # not a pytest test class

    results: list[TestResult] = field(default_factory=list)
    verbose: bool = False
    notes: list[str] = field(default_factory=list)

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
        total = len(self.results)
        for status in (PASS, FAIL, ERROR, SKIP):
            n = self.count(status)
            if n or status == PASS:
                out.append(f"{status}: {n}/{total}")
        return "\n".join(out) + "\n"


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    return f"{seconds:.2f}s"


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
    # Blank out comments (keeping line numbers) so commented-out tests are not run. A '#'
    # inside a string literal is rare in tests; raw strings (backticks) are left alone.
    return "\n".join(_drop_comment(line) for line in source.split("\n"))


def _drop_comment(line: str) -> str:
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i]
    return line


def run_tests(dirs: Sequence[Path | str], verbose: bool = False, *, run: str | None = None) -> TestReport:
    """Load the policies and data under `dirs` (as OPA maps a bundle directory), and run
    every test whose name matches the `run` regex (all by default)."""
    from gate.engines.embedded import new_interpreter

    policy_set = load_policy_set([Path(d) for d in dirs])
    new_interpreter(policy_set, include_tests=True)  # parse every module here: syntax errors are PolicyErrors
    cases = discover(policy_set.modules)
    if run:
        try:
            pattern = re.compile(run)
        except re.error as exc:
            raise PolicyError(f"--run {run!r} is not a regular expression: {exc}") from exc
        cases = [c for c in cases if pattern.search(c.name)]
    report = TestReport(verbose=verbose)
    for module in policy_set.modules:
        if module.is_test and _WITH_WHOLE_INPUT.search(_strip_comments(module.source)):
            report.notes.append(
                f"{module.path}: `with input as` may crash regopy 1.5.2; "
                "replace the input key by key (`with input.job as ...`)"
            )
    runnable = [c for c in cases if not c.skipped]
    roots = [str(Path(d)) for d in dirs]
    outcomes, compiled = _run_isolated(roots, runnable, None)
    if not compiled:
        # The engine died compiling all test files together: compile each test file (with
        # the test packages it imports) on its own, so one bad file costs only its tests.
        outcomes = {}
        for file, file_cases in _by_file(runnable).items():
            found, _ = _run_isolated(roots, file_cases, sorted(_test_files_for(file, policy_set.modules)))
            outcomes.update(found)
    for case in cases:
        report.results.append(outcomes.get(case.name) or TestResult(case, SKIP))
    return report


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


def _run_isolated(roots: list[str], cases: list[TestCase], test_files: list[str] | None
                  ) -> tuple[dict[str, TestResult], bool]:
    """Run `cases` in worker processes; a worker that dies takes only its current test
    (twice in a row on a worker's first test: all the rest). Returns the results and
    whether the tests compiled at all; when they did not, every case is an error."""
    outcomes: dict[str, TestResult] = {}
    pending = list(cases)
    crashed_first = False
    while pending:
        done, ready, returncode, stderr = 0, False, 0, ""
        for kind, payload in _worker_run(roots, pending, test_files):
            if kind == "ready":
                ready = True
            elif kind == "result":
                case = pending[done]
                outcomes[case.name] = TestResult(case, payload["status"], payload["duration_s"],
                                                 payload.get("message", ""))
                done += 1
            else:  # the worker is gone: payload = (returncode, stderr)
                returncode, stderr = payload
        if done == len(pending):
            break
        why = "\n".join([f"the engine crashed (exit status {returncode})"] + stderr.strip().splitlines()[-4:])
        if not ready or (done == 0 and crashed_first):
            where = "compiling the tests" if not ready else "on every test"
            for case in pending[done:]:
                outcomes[case.name] = TestResult(case, ERROR, 0.0, f"{why}\n({where}: no test from here on could run)")
            return outcomes, ready
        crashed_first = done == 0
        outcomes[pending[done].name] = TestResult(pending[done], ERROR, 0.0, why + " evaluating this test")
        pending = pending[done + 1:]
    return outcomes, True


def _worker_run(roots: list[str], cases: list[TestCase], test_files: list[str] | None
                ) -> Iterator[tuple[str, Any]]:
    """Start a worker for `cases`; yield ("ready", None), ("result", {...}) per test, and
    finally ("exit", (returncode, stderr))."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gate.policy.runner", "--worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(json.dumps({"roots": roots, "tests": [c.name for c in cases], "test_files": test_files}))
    proc.stdin.close()
    setup_error = None
    for raw in proc.stdout:
        msg = json.loads(raw)
        if "setup_error" in msg:
            setup_error = msg["setup_error"]
        elif msg.get("ready"):
            yield "ready", None
        else:
            yield "result", msg
    try:
        proc.wait(timeout=WORKER_EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    stderr = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if setup_error is not None:
        raise PolicyError(setup_error)
    yield "exit", (proc.returncode, stderr)


def _worker() -> int:
    """Evaluate the tests named on stdin; one JSON line per test on stdout. The tests are
    compiled once, as entrypoints of one bundle; if that fails, each is queried alone."""
    from gate.engines.embedded import new_interpreter, rego_error_message

    _reserve_stdout()
    job = json.loads(sys.stdin.read())
    try:
        policy_set = load_policy_set([Path(r) for r in job["roots"]])
        if job.get("test_files") is not None:
            keep = set(job["test_files"])
            policy_set = replace(policy_set, modules=[m for m in policy_set.modules
                                                      if not m.is_test or str(m.path) in keep])
        interp = new_interpreter(policy_set, include_tests=True)
    except PolicyError as exc:
        _emit({"setup_error": str(exc)})
        return 0
    names: list[str] = job["tests"]
    bundle = None
    try:
        bundle = interp.build(None, [_entrypoint(n) for n in names])
    except Exception:  # noqa: BLE001 - fall back to one query per test, which names the test
        bundle = None
    _emit({"ready": True})
    for name in names:
        start = time.perf_counter()
        try:
            if bundle is not None:
                out = interp.query_bundle_entrypoint(bundle, _entrypoint(name))
                value = json.loads(str(out)).get("expressions", [None])[0] if _defined(out) else None
            else:
                out = interp.query(f"x := {name}")
                value = json.loads(str(out)).get("bindings", {}).get("x") if _defined(out) else None
            status, message = _judge(out, value)
        except Exception as exc:  # noqa: BLE001 - any engine failure is this test's error
            status, message = ERROR, rego_error_message(exc, policy_set.modules)
        _emit({"status": status, "duration_s": time.perf_counter() - start, "message": message})
    return 0


def _entrypoint(name: str) -> str:
    # data.scrapegate.gdpr_test.test_x -> scrapegate/gdpr_test/test_x
    return name[len("data."):].replace(".", "/")


def _defined(out: Any) -> bool:
    return bool(out.ok()) and str(out) != "undefined"


def _judge(out: Any, value: Any) -> tuple[str, str]:
    """true passes; false or undefined fails; an evaluation error is an error."""
    if not out.ok():
        text = str(out).strip()
        detail = text if text != "<error>" else ""
        return ERROR, detail or "evaluation error (a builtin failed, or rules conflict; regopy gives no detail)"
    if str(out) == "undefined":
        return FAIL, "undefined"
    if value is True:
        return PASS, ""
    return FAIL, f"evaluated to {json.dumps(value)[:200]}"


_protocol = sys.stdout


def _reserve_stdout() -> None:
    """Keep stdout for the result lines: regopy prints compile errors on file descriptor 1,
    so point that at stderr."""
    global _protocol
    _protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)


def _emit(message: dict[str, Any]) -> None:
    _protocol.write(json.dumps(message) + "\n")
    _protocol.flush()


if __name__ == "__main__":  # the worker process
    if sys.argv[1:] == ["--worker"]:
        sys.exit(_worker())
    sys.exit("usage: python -m gate.policy.runner --worker  (internal; use `scrapegate policy test`)")
