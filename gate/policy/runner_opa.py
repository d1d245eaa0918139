"""The Rego tests on the real OPA engine (opa-golib-python-bindings), the engine `opa test` is.

OPA compiles the modules once per distinct query (~0.3 s for the shipped library), so the
selected tests are evaluated together in one query, each inside its own comprehension:
`[x | x := data.p_test.test_a]` is `[]` when the test is undefined and `[v]` otherwise, so
one failing test does not hide the others. When the query errors (a builtin error or a
conflict in some test), the set is split in halves until each error is pinned to its test:
k erroring tests cost about 2·k·log2(n) more compiles, none cost nothing more.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable, Sequence

from gate.engines.policy_set import PolicyModule, PolicySet
from gate.errors import PolicyError

__all__ = ["available", "run_on_opa"]

# How a test's outcome is handed back: (status, message)
Outcome = tuple[str, str]


def available() -> bool:
    try:
        import opa_bindings  # noqa: F401
    except ImportError:
        return False
    return True


def _located(text: str, modules: Sequence[PolicyModule]) -> str:
    """OPA names a module by the name it was added under; name the file on disk instead."""
    for module in sorted(modules, key=lambda m: -len(m.name)):
        text = re.sub(rf"(?<![\w/.]){re.escape(module.name)}(?=:\d)", str(module.path), text)
    return text


def run_on_opa(policy_set: PolicySet, names: list[str], judge: Callable[[bool, Any], Outcome],
               on_outcome: Callable[[str, Outcome, float], None]) -> None:
    """Evaluate the tests `names` (data.<package>.<rule>); call `on_outcome(name, outcome,
    seconds of its batch)` for each, in order. `judge(defined, value)` turns a value into
    an outcome."""
    import opa_bindings

    modules = policy_set.policy_modules(include_tests=True)
    engine = opa_bindings.OpaEngine()
    try:
        for module in modules:
            try:
                engine.add_policy(module.name, module.source)
            except opa_bindings.OpaError as exc:
                raise PolicyError(_located(str(exc).removeprefix("parse_error: "), modules)) from exc
        engine.add_data(policy_set.data)
        pending = [names] if names else []
        while pending:
            batch = pending.pop(0)
            start = time.perf_counter()
            try:
                values = _evaluate(engine, batch)
            except opa_bindings.OpaError as exc:
                if exc.code not in ("eval_error",):  # a compile error: no test can run
                    raise PolicyError(_located(str(exc), modules)) from exc
                if len(batch) == 1:
                    on_outcome(batch[0], ("ERROR", _located(str(exc).removeprefix("eval_error: "), modules)),
                               time.perf_counter() - start)
                else:
                    half = len(batch) // 2
                    pending[:0] = [batch[:half], batch[half:]]
                continue
            took = time.perf_counter() - start
            for name in batch:
                found = values.get(name, [])
                on_outcome(name, judge(bool(found), found[0] if found else None), took)
    finally:
        engine.close()


def _evaluate(engine: Any, names: list[str]) -> dict[str, list[Any]]:
    parts = ", ".join(f'"{name}": [x | x := {name}]' for name in names)
    rows = engine.eval_query(f"r := {{{parts}}}")
    return dict(rows[0]["r"]) if rows else {}
