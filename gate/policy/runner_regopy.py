"""The Rego tests on the embedded engine (regopy), in worker processes.

regopy can crash the whole process on some constructs (for example `with input as {...}`
over rules that call builtins), so the tests run in a worker: a crash costs the test that
caused it, reported as an error, and a fresh worker runs the rest. rego-cpp compiles every
rule of every module it holds whatever the entrypoints, and a `with` over a large rule graph
costs it seconds and gigabytes (the shipped main_test.rego alone passes 6 GB), so a worker
holds only the test files the selected tests need (their files and the test packages those
refer to), it alone compiles them (the parent never does), and a watchdog kills a worker
whose memory passes a bound rather than let it take the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

from gate.engines.policy_set import load_policy_set
from gate.errors import PolicyError
from gate.policy.rego_tests import ERROR, FAIL, PASS, TestCase, TestResult

__all__ = ["run_isolated", "max_rss_mb"]

# How long a worker that has reported every result may take to exit before it is killed.
WORKER_EXIT_TIMEOUT_S = 30.0
# A worker past half the machine's memory is killed; SCRAPEGATE_TEST_MAX_RSS_MB overrides it.
FALLBACK_MAX_RSS_MB = 4096
RSS_POLL_S = 0.2


def max_rss_mb() -> int:
    raw = os.environ.get("SCRAPEGATE_TEST_MAX_RSS_MB", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2 // 2**20
    except (ValueError, OSError, AttributeError):
        return FALLBACK_MAX_RSS_MB


def run_isolated(roots: list[str], cases: list[TestCase], test_files: list[str] | None,
                 on_result: Callable[[TestResult], None]) -> bool:
    """Run `cases` in worker processes, handing each result to `on_result` as it comes; a
    worker that dies takes only its current test (twice in a row on a worker's first test:
    all the rest). Returns whether the tests compiled at all; when they did not, every case
    is an error."""
    pending = list(cases)
    crashed_first = False
    while pending:
        done, ready, returncode, stderr = 0, False, 0, ""
        for kind, payload in _worker_run(roots, pending, test_files):
            if kind == "ready":
                ready = True
            elif kind == "result":
                on_result(TestResult(pending[done], payload["status"], payload["duration_s"],
                                     payload.get("message", "")))
                done += 1
            else:  # the worker is gone: payload = (returncode, stderr)
                returncode, stderr = payload
        if done == len(pending):
            break
        why = "\n".join([f"the engine crashed (exit status {returncode})"] + stderr.strip().splitlines()[-4:])
        if not ready or (done == 0 and crashed_first):
            where = "compiling the tests" if not ready else "on every test"
            for case in pending[done:]:
                on_result(TestResult(case, ERROR, 0.0, f"{why}\n({where}: no test from here on could run)"))
            return ready
        crashed_first = done == 0
        on_result(TestResult(pending[done], ERROR, 0.0, why + " evaluating this test"))
        pending = pending[done + 1:]
    return True


def _rss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 0


def _over_limit(rss_mb: int, limit_mb: int) -> str:
    return (f"killed at {rss_mb} MB resident (limit {limit_mb} MB, SCRAPEGATE_TEST_MAX_RSS_MB): rego-cpp "
            "compiles a `with` over a large rule graph slowly; `--engine opa` runs these tests")


def _watch(proc: subprocess.Popen[str], limit_mb: int, tripped: list[int]) -> None:
    """Kill the worker when its resident memory passes `limit_mb` (Linux: /proc)."""
    while proc.poll() is None:
        rss = _rss_mb(proc.pid)
        if rss > limit_mb:
            tripped.append(rss)
            proc.kill()
            return
        time.sleep(RSS_POLL_S)


def _worker_run(roots: list[str], cases: list[TestCase], test_files: list[str] | None
                ) -> Iterator[tuple[str, Any]]:
    """Start a worker for `cases`; yield ("ready", None), ("result", {...}) per test, and
    finally ("exit", (returncode, stderr))."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gate.policy.runner_regopy", "--worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    limit, tripped = max_rss_mb(), list[int]()
    try:
        proc.stdin.write(json.dumps({"roots": roots, "tests": [c.name for c in cases], "test_files": test_files,
                                     "max_rss_mb": limit}))
        proc.stdin.close()
    except BrokenPipeError:  # the worker died at start: its exit status and stderr say why
        pass
    threading.Thread(target=_watch, args=(proc, limit, tripped), daemon=True).start()
    setup_error = None
    try:
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
    finally:  # the caller stopped early (an exception, Ctrl-C): the worker goes too
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    if setup_error is not None:
        raise PolicyError(setup_error)
    if tripped:
        stderr += "\n" + _over_limit(tripped[0], limit)
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
    # The parent's watchdog polls; a compile that grew past the bound between two polls stops here.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if peak > job["max_rss_mb"]:
        sys.stderr.write(_over_limit(peak, job["max_rss_mb"]) + "\n")
        sys.stderr.flush()
        os._exit(70)
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
    sys.exit("usage: python -m gate.policy.runner_regopy --worker  (internal; use `scrapegate policy test`)")
