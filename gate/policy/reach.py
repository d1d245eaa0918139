"""Which deny, warn and obligations rules reach the decision.

`data.scrapegate.decision` (main.rego) collects the `deny`, `warn` and `obligations` of the
packages it names: the law packages, and `scrapegate.team`, the one package a team's own
rules go in. A rule of that kind in any other package evaluates, can even show as fired,
and changes nothing: `policy lint` flags it and `explain` keeps it apart from the decision.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from gate.policy.meta import RegoModule, RegoRule, parse_module

__all__ = ["KINDS", "TEAM_PACKAGE", "DECISION_PACKAGES", "collected", "unreachable"]

KINDS = ("deny", "warn", "obligations")
TEAM_PACKAGE = "scrapegate.team"
# The decision is a rule of `scrapegate` (main.rego) or a package of its own.
DECISION_PACKAGES = ("scrapegate", "scrapegate.decision")


def _shipped_decision() -> list[RegoModule]:
    from gate.engines.policy_set import shipped_policies_dir

    main = shipped_policies_dir() / "scrapegate" / "main.rego"
    return [parse_module(main, main.read_text(encoding="utf-8"))]


def collected(modules: Sequence[RegoModule]) -> set[tuple[str, str]]:
    """(package, kind) pairs the decision package reads: `alias.deny` through an import, or
    `data.<package>.deny` written out. Without a decision module among `modules` (linting
    a team's folder alone), the shipped main.rego is the decision."""
    deciders = [m for m in modules if m.package in DECISION_PACKAGES and not m.is_test] or _shipped_decision()
    kinds = "|".join(KINDS)
    found: set[tuple[str, str]] = set()
    for module in deciders:
        for alias, ref in module.aliases.items():
            package = ref.removeprefix("data.")
            for kind in re.findall(rf"(?<![\w.]){re.escape(alias)}\.({kinds})\b", module.masked):
                found.add((package, kind))
        for package, kind in re.findall(rf"\bdata\.([\w.]+?)\.({kinds})\b", module.masked):
            found.add((package, kind))
    return found


def unreachable(modules: Sequence[RegoModule]) -> Iterable[tuple[RegoModule, RegoRule]]:
    """Every deny/warn/obligations rule outside the decision package that it does not read."""
    reads = collected(modules)
    for module in modules:
        if module.is_test or module.package in DECISION_PACKAGES:
            continue
        for rule in module.rules:
            if rule.name in KINDS and not rule.is_default and (module.package, rule.name) not in reads:
                yield module, rule
