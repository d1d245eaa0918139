"""EmbeddedEngine: the shipped policies compiled once with regopy and evaluated in-process."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from gate.engines import input_projection, job_memo
from gate.engines.base import DECISION_ENTRYPOINT, BaseEngine
from gate.engines.policy_set import PolicyModule, PolicySet, load_policy_set, shipped_policies_dir
from gate.engines.rego_binding import query_entrypoint, set_input
from gate.errors import EngineError, PolicyError

__all__ = ["EmbeddedEngine", "new_interpreter", "rego_error_message"]

# regopy reports an error as an S-expression: (error 15:policies/x.rego|44|2 (errormsg 24:Invalid ...
_ERR = re.compile(r"\(error \d+:(?P<file>[^|]+)\|(?P<offset>\d+)\|(?P<length>\d+)\s*\(errormsg \d+:(?P<msg>[^)]*)\)")


def rego_error_message(exc: BaseException, modules: Sequence[PolicyModule]) -> str:
    """Turn a regopy error into `file:line:column: message` lines."""
    text = str(exc)
    by_name = {m.name: m for m in modules}
    lines = []
    for m in _ERR.finditer(text):
        module = by_name.get(m.group("file"))
        offset = int(m.group("offset"))
        where = m.group("file")
        if module is not None:
            before = module.source.encode("utf-8")[:offset].decode("utf-8", "replace")
            line = before.count("\n") + 1
            col = len(before) - (before.rfind("\n") + 1) + 1
            where = f"{module.path}:{line}:{col}"
        lines.append(f"{where}: {m.group('msg').strip()}")
    return "\n".join(lines) or text.strip()


@contextmanager
def _no_raw_dump() -> Iterator[None]:
    """rego-cpp prints its own dump of a compile error on file descriptor 1; the error also
    comes back in the exception, which is reported once, as file:line:col, on stderr. So
    nothing of it may reach stdout (a SARIF or JSON report, a pipe): fd 1 points at
    /dev/null while rego-cpp compiles."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no fd 1 (an embedding host): nothing to protect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        _flush_c_stdio()  # what rego-cpp buffered goes to /dev/null, not later to the real stdout
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _flush_c_stdio() -> None:
    import ctypes

    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


@contextmanager
def map_rego_errors(modules: Sequence[PolicyModule], error: type[Exception] = PolicyError) -> Iterator[None]:
    """The one border where regopy's errors become scrapegate's."""
    import regopy

    try:
        with _no_raw_dump():
            yield
    except regopy.RegoError as exc:
        raise error(rego_error_message(exc, modules)) from exc


def new_interpreter(policy_set: PolicySet, include_tests: bool = False,
                    modules: Sequence[PolicyModule] | None = None) -> Any:
    """A regopy interpreter holding the set's modules (or `modules` of them) and data, strict
    about builtin errors (a builtin that fails must fail the evaluation, not silently drop a
    rule)."""
    import regopy

    if modules is None:
        modules = policy_set.policy_modules(include_tests)
    interp = regopy.Interpreter()
    interp.strict_built_in_errors = True
    with map_rego_errors(modules):
        for module in modules:
            interp.add_module(module.name, module.source)
        # As JSON text with non-ASCII kept: add_data escapes it, and rego-cpp would compare
        # the escapes literally ("§" in data would never equal "§" in the input).
        interp.add_data_json(json.dumps(policy_set.data, ensure_ascii=False))
    return interp


class EmbeddedEngine(BaseEngine):
    """Evaluates `data.scrapegate.decision` with regopy.

    The policies are compiled once (`Interpreter.build` with the entrypoint); each
    evaluation only sets the input and runs the compiled plan. An interpreter holds the
    input, so it is not shared between threads: each thread gets a fresh, empty one that
    runs the one compiled bundle (which is read-only).

    Usage: `EmbeddedEngine()` (shipped policies) or `EmbeddedEngine(["policies", "team/"])`.
    """

    name = "embedded"

    def __init__(
        self,
        policy_dirs: Sequence[str | Path] | None = None,
        *,
        include_shipped: bool = True,
        extra_data: dict[str, Any] | None = None,
        entrypoint: str = DECISION_ENTRYPOINT,
        use_job_memo: bool = True,
    ) -> None:
        roots: list[Path] = [shipped_policies_dir()] if include_shipped else []
        roots += [Path(p) for p in policy_dirs or ()]
        if not roots:
            raise PolicyError("no policy directory given")
        self.policy_set = load_policy_set(roots, extra_data)
        self.entrypoint = entrypoint
        self._entrypoint_bytes = entrypoint.encode("utf-8")
        self._site_bytes = job_memo.SITE_ENTRYPOINT.encode("utf-8")
        self._job_bytes = job_memo.JOB_ENTRYPOINT.encode("utf-8")
        self._local = threading.local()
        # Compile now, in the caller's thread, so errors surface at construction.
        builder = new_interpreter(self.policy_set)
        modules = self.policy_set.policy_modules()
        # The job memo (gate/engines/job_memo.py) for the shipped decision, when the
        # job-level packages are the shipped ones and the bundle defines its two parts.
        self.job_memo: job_memo.JobMemo | None = None
        shipped = shipped_policies_dir()
        if use_job_memo and entrypoint == DECISION_ENTRYPOINT and job_memo.memo_applies(modules, shipped):
            try:
                with map_rego_errors(modules):
                    self._bundle = builder.build(None, [self.entrypoint, job_memo.SITE_ENTRYPOINT,
                                                        job_memo.JOB_ENTRYPOINT])
                self.job_memo = job_memo.JobMemo()
            except PolicyError:  # a bundle without the parts: decision alone, below
                builder = new_interpreter(self.policy_set)
        if self.job_memo is None:
            with map_rego_errors(modules):
                self._bundle = builder.build(None, [self.entrypoint])
        self._site_bundle = self._bundle
        # The parts of the input the site bundle reads (None: all of them): with the site bundle
        # only the shipped site modules read the site query's input, so the rest need not be
        # handed to rego-cpp for every new host (gate/engines/input_projection.py).
        self._site_shape: input_projection.Shape = None
        if self.job_memo is not None and job_memo.all_shipped(modules, shipped):
            # site.host_findings in a bundle without the packages it never reads: rego-cpp
            # checks the whole bundle on every query (BENCHMARKS.md, "Issue 16.5").
            site_modules = job_memo.site_modules(modules)
            with map_rego_errors(site_modules):
                self._site_bundle = new_interpreter(self.policy_set, modules=site_modules).build(
                    None, [job_memo.SITE_ENTRYPOINT])
            self._site_shape = input_projection.read_shape([m.source for m in site_modules])
        self._local.interp = builder

    @property
    def revision(self) -> str:
        return self.policy_set.revision

    def _interpreter(self) -> Any:
        import regopy

        interp = regopy.Interpreter()
        interp.strict_built_in_errors = True
        self._local.interp = interp
        return interp

    def evaluate(self, policy_input: dict[str, Any]) -> dict[str, Any] | None:
        interp = getattr(self._local, "interp", None) or self._interpreter()
        if self.job_memo is not None and job_memo.well_formed(policy_input):
            self._set_input(interp, input_projection.project(policy_input, self._site_shape))
            joined = self._joined(interp, policy_input, self.job_memo)
            if joined is not None:
                return joined
        self._set_input(interp, policy_input)
        value = self._query(interp, self._entrypoint_bytes, self._bundle)
        return value if isinstance(value, dict) else None

    def _joined(self, interp: Any, policy_input: dict[str, Any], memo: job_memo.JobMemo) -> dict[str, Any] | None:
        """decision as site.host_findings joined with the memoized job_findings; None (evaluate
        decision itself) when site.host_findings is not plain or a part is not of its shape. An
        engine error in either query is raised: a deny, as for decision."""
        site = job_memo.site_part(self._query(interp, self._site_bytes, self._site_bundle))
        if site is None:
            return None
        job_in = job_memo.job_input(policy_input, site["host_codes"])
        if job_in is None:
            return None
        try:
            key = memo.key(job_in)
        except (TypeError, ValueError) as exc:  # not JSON: what set_input refuses too
            raise EngineError(f"policy evaluation failed: the job is not JSON: {exc}") from exc
        text = memo.get(key)
        if text is None:
            self._set_input(interp, job_in)
            text = self._query_text(interp, self._job_bytes, self._bundle)
            if job_memo.job_part(self._parse(text)) is None:
                return None
            memo.put(key, text)
        job = job_memo.job_part(self._parse(text))
        return None if job is None else job_memo.join(site, job)

    def _set_input(self, interp: Any, policy_input: dict[str, Any]) -> None:
        try:
            set_input(interp, policy_input)
        except Exception as exc:  # an input rego-cpp cannot hold
            message = rego_error_message(exc, self.policy_set.modules)
            raise EngineError(f"policy evaluation failed: {type(exc).__name__}: {message}") from exc

    def _query_text(self, interp: Any, entrypoint: bytes, bundle: Any) -> str:
        try:
            ok, text = query_entrypoint(interp, bundle, entrypoint)
        except Exception as exc:  # rego-cpp's own error
            message = rego_error_message(exc, self.policy_set.modules)
            raise EngineError(f"policy evaluation failed: {type(exc).__name__}: {message}") from exc
        if not ok:
            raise EngineError(f"policy evaluation failed (a builtin or rule errored): {text[:500]}")
        return text

    def _query(self, interp: Any, entrypoint: bytes, bundle: Any) -> Any:
        return self._parse(self._query_text(interp, entrypoint, bundle))

    @staticmethod
    def _parse(text: str) -> Any:
        """The query's value; None when undefined."""
        if text == "undefined":
            return None
        try:
            # strict=False: rego-cpp writes control characters in strings unescaped.
            expressions = json.loads(text, strict=False).get("expressions") or [None]
        except (ValueError, AttributeError) as exc:
            raise EngineError(f"unreadable engine output: {text[:200]!r}") from exc
        return expressions[0]

    def close(self) -> None:
        self._local = threading.local()
