"""`explain`: why a target of a job is allowed or denied, rule by rule.

Nothing here is a canned sentence. For every deny and warn rule of the policies, each
prefix of its body (the first k conditions) is compiled as a rule of its own in the rule's
package and evaluated with regopy on the very input the gate built. A rule that fired shows
the facts its conditions read; a rule that did not fire names the first condition that did
not hold, with the facts that condition (and the helpers it calls) evaluated to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from gate.errors import PolicyError
from gate.model.decision import Decision
from gate.policy.meta import RegoModule, RegoRule, RegoStatement, iter_deny_warn, mask, parse_module
from gate.policy.reach import TEAM_PACKAGE, unreachable

__all__ = ["Fact", "Condition", "RuleExplanation", "Explanation", "explain_input", "UNDEFINED"]

PREFIX = "__scrapegate_explain"
MAX_FACTS = 8          # per condition: enough to see why, short enough to read
HELPER_DEPTH = 2       # how far a failed helper is unfolded into the facts it reads
MAX_FACT_CHARS = 160   # a value longer than this is cut in the text output (never in JSON)
_TOKEN = re.compile(r"(?<![\w.\"])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\"[^\"]*\"\])*)(\s*\()?")
_KEYWORDS = {"if", "not", "some", "every", "in", "with", "as", "else", "default", "true", "false", "null",
             "contains", "set", "import", "package", "data", "input"}
_CODE_IN_BODY = re.compile(r'(?:violation\(\s*|"code"\s*:\s*)"([a-z0-9_]+(?:\.[a-z0-9_]+)+)"')
UNDEFINED = object()


@dataclass
class Fact:
    ref: str
    value: Any      # UNDEFINED renders as "undefined"

    def text(self) -> str:
        if self.value is UNDEFINED:
            return f"{self.ref} is undefined"
        if self.value == "holds" and self.ref.startswith("`"):
            return f"{self.ref} holds"
        shown = json.dumps(self.value, sort_keys=True)
        if len(shown) > MAX_FACT_CHARS:
            shown = shown[: MAX_FACT_CHARS - 1] + "…"
        return f"{self.ref} = {shown}"


@dataclass
class Condition:
    text: str
    line: int
    held: bool | None
    facts: list[Fact] = field(default_factory=list)


@dataclass
class RuleExplanation:
    code: str
    kind: str
    title: str
    law: str
    jurisdictions: list[str]
    file: str
    line: int
    fired: bool
    conditions: list[Condition]
    failed: Condition | None = None
    error: str | None = None
    in_decision: list[str] = field(default_factory=list)  # jurisdictions of the decision's entries
    waived_by: list[str] = field(default_factory=list)
    note: str = ""  # why a rule that holds is not in the decision

    def reason(self) -> str:
        if self.error:
            return f"could not be evaluated: {self.error}"
        if self.fired or self.failed is None:
            return "fired"
        facts = "; ".join(f.text() for f in self.failed.facts)
        return f"not fired, `{self.failed.text}` does not hold" + (f" ({facts})" if facts else "")


@dataclass
class Explanation:
    job: str
    file: str
    target: str
    decision: Decision
    policy_input: dict[str, Any]
    jurisdictions: list[str]
    fired: list[RuleExplanation]
    not_fired: list[RuleExplanation]
    other_jurisdictions: int
    # Rules that hold but whose entries are not in the decision (a package main.rego does not
    # collect): never listed as fired, so an ALLOW never shows a fired deny.
    not_in_decision: list[RuleExplanation] = field(default_factory=list)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _constructs_entry(stmt: RegoStatement, rule: RegoRule) -> bool:
    """`v := lib.violation(...)`, `v := {...}`: the statement that builds the head's value."""
    head_var = re.search(r"\bcontains\s+([A-Za-z_]\w*)\s*$", rule.head)
    m = re.match(r"\s*([A-Za-z_]\w*)\s*:=", stmt.text)
    return bool(m and ((head_var and m.group(1) == head_var.group(1)) or "violation(" in stmt.text))


def _rule_codes(rule: RegoRule) -> list[str]:
    return rule.codes or sorted(set(_CODE_IN_BODY.findall(rule.text)))


class _Evaluator:
    """One regopy interpreter: the policies plus a synthetic module per package holding
    the body prefixes of its rules."""

    def __init__(self, policy_set: Any, modules: list[RegoModule], policy_input: dict[str, Any]) -> None:
        from gate.engines.embedded import new_interpreter

        self.modules = modules
        self.input = policy_input
        self.interp = new_interpreter(policy_set)
        self.names: dict[str, set[str]] = {}
        self.rules: dict[tuple[str, str], list[tuple[RegoModule, RegoRule]]] = {}
        for m in modules:
            self.names.setdefault(m.package, set()).update(m.rule_names())
            for r in m.rules:
                self.rules.setdefault((m.package, r.name), []).append((m, r))
        self._cache: dict[str, Any] = {}
        self._snapshots: dict[str, Any] = {}

    def add_prefixes(self, targets: list[tuple[RegoModule, RegoRule]]) -> dict[int, list[str]]:
        """Compile `PREFIX_<i>_<k> if { first k conditions }` for each rule; returns, per
        rule index, the query of each prefix."""
        queries: dict[int, list[str]] = {}
        by_module: dict[int, list[str]] = {}
        for i, (module, rule) in enumerate(targets):
            lines = by_module.setdefault(id(module), [f"package {module.package}", *module.imports])
            queries[i] = []
            for k in range(1, len(rule.body) + 1):
                name = f"{PREFIX}_{i}_{k}"
                body = "\n".join(s.text for s in rule.body[:k])
                lines.append(f"{name} if {{\n{body}\n}}")
                queries[i].append(f"data.{module.package}.{name}")
        for n, lines in enumerate(by_module.values()):
            try:
                self.interp.add_module(f"explain/{n}.rego", "\n\n".join(lines) + "\n")
            except Exception as exc:  # regopy.RegoError: a prefix the compiler rejects
                raise PolicyError(f"explain could not compile the rule conditions: {str(exc)[:300]}") from exc
        # The engine's own input path (escapes as rego-cpp expects), not regopy's set_input.
        from gate.engines.rego_binding import set_input

        set_input(self.interp, self.input)
        return queries

    def _query(self, ref: str) -> Any:
        out = self.interp.query(f"x := {ref}")
        text = str(out)
        if not out.ok():
            raise PolicyError(text[:300])
        return UNDEFINED if text == "undefined" else json.loads(text).get("bindings", {}).get("x", UNDEFINED)

    def _snapshot(self, top: str) -> Any:
        """The whole `data.<top>` document, evaluated once (regopy compiles per query, so one
        query instead of hundreds); None when some rule in it errors."""
        if top not in self._snapshots:
            try:
                self._snapshots[top] = self._query(f"data.{top}")
            except PolicyError:
                self._snapshots[top] = None
        return self._snapshots[top]

    def value(self, ref: str) -> Any:
        """The value of a data reference (`data.scrapegate.derive.subjects`), UNDEFINED when
        undefined; raises PolicyError when the evaluation errors."""
        if ref in self._cache:
            return self._cache[ref]
        parts = [p for p in re.split(r"\.|\[\"|\"\]", ref) if p]
        snapshot = self._snapshot(parts[1]) if len(parts) > 1 and parts[0] == "data" else None
        if snapshot is not None and snapshot is not UNDEFINED:
            node: Any = snapshot
            for part in parts[2:]:
                if isinstance(node, dict) and part in node:
                    node = node[part]
                else:
                    node = UNDEFINED
                    break
            value = node
        else:
            value = self._query(ref)
        self._cache[ref] = value
        return value

    def holds(self, ref: str) -> bool:
        value = self.value(ref)
        return value is not UNDEFINED and value is not False

    # -- facts ------------------------------------------------------------------------------
    def _input_value(self, path: list[str]) -> Any:
        node: Any = self.input
        for part in path:
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return UNDEFINED
        return node

    def _resolve(self, token: str, module: RegoModule) -> tuple[str, str | None, str | None]:
        """(shown name, data ref or None, (package, rule) key as 'pkg\\0name' or None)."""
        first, _, rest = token.partition(".")
        if first in module.aliases:
            target = module.aliases[first]
            pkg = target[len("data."):]
            name = rest.split(".", 1)[0] if rest else ""
            key = f"{pkg}\0{name}" if name and name in self.names.get(pkg, set()) else None
            return token, f"{target}.{rest}" if rest else target, key
        if first in self.names.get(module.package, set()):
            return token, f"data.{module.package}.{token}", f"{module.package}\0{first}"
        return token, None, None

    def facts(self, text: str, module: RegoModule, depth: int = 0, seen: set[str] | None = None) -> list[Fact]:
        """The values of what `text` reads: input fields, helper rules (unfolded when they do
        not hold), rules of other packages."""
        seen = seen if seen is not None else set()
        _, masked = mask(text)
        out: list[Fact] = []
        for m in _TOKEN.finditer(masked):
            token = text[m.start(1):m.end(1)]
            is_call = bool(m.group(2))
            if token.startswith("input."):
                path = [p for p in re.split(r"\.|\[\"|\"\]", token[len("input."):]) if p]
                if token not in seen:
                    seen.add(token)
                    out.append(Fact(token, self._input_value(path)))
                continue
            if token.split(".")[0] in _KEYWORDS:
                continue
            shown, ref, key = self._resolve(token, module)
            if is_call:
                if key and depth < HELPER_DEPTH and shown not in seen:
                    seen.add(shown)
                    pkg, name = key.split("\0")
                    for hmod, helper in self.rules.get((pkg, name), []):
                        for stmt in helper.body:
                            out += self.facts(stmt.text, hmod, depth + 1, seen)
                continue
            if ref is None or shown in seen:
                continue
            seen.add(shown)
            try:
                value = self.value(ref)
            except PolicyError:
                continue
            out.append(Fact(shown, value))
            if (value is UNDEFINED or value is False) and key and depth < HELPER_DEPTH:
                pkg, name = key.split("\0")
                for hmod, helper in self.rules.get((pkg, name), []):
                    for stmt in helper.body:
                        out += self.facts(stmt.text, hmod, depth + 1, seen)
        return out[:MAX_FACTS] if depth == 0 else out


def _relevant(rule_js: list[str], job_js: set[str], groups: dict[str, list[str]]) -> bool:
    if not rule_js or "*" in rule_js or "*" in job_js:
        return True
    expanded = set(rule_js)
    for j in rule_js:
        expanded |= set(groups.get(j, []))
    return bool(expanded & job_js)


def _job_jurisdictions(ev: _Evaluator, policy_input: dict[str, Any], groups: dict[str, list[str]]) -> set[str]:
    """Whose data it is and where the operator is: from the policies' own derivations when
    they have them (subjects with ccTLD inference), else the declared subjects."""
    found: set[str] = set()
    for name in ("subjects", "establishment", "markets"):
        try:
            value = ev.value(f"data.scrapegate.derive.{name}")
        except PolicyError:
            value = UNDEFINED
        if isinstance(value, list):
            found |= {str(v) for v in value}
    if not found:
        declared = list(policy_input.get("subjects", {}).get("declared", []))
        op = policy_input.get("job", {}).get("operator", {})
        for j in declared + [op.get("establishment")] + list(op.get("markets") or []):
            if isinstance(j, str):
                found |= {j, *groups.get(j, [])}
    return found


def explain_input(policy_set: Any, policy_input: dict[str, Any], decision: Decision, *, job: str = "",
                  file: str = "", target: str = "") -> Explanation:
    """Explain `decision` for `policy_input` under the policies of `policy_set`."""
    modules = [parse_module(m.path, m.source) for m in policy_set.policy_modules()]
    ev = _Evaluator(policy_set, modules, policy_input)
    targets = [(m, r) for m, r in iter_deny_warn(modules) if _rule_codes(r)]
    queries = ev.add_prefixes(targets)
    groups = ((policy_set.data.get("scrapegate") or {}).get("jurisdictions") or {}).get("groups") or {}
    job_js = _job_jurisdictions(ev, policy_input, groups)
    entries: dict[str, list[str]] = {}
    for v in [*decision.deny, *decision.warn]:
        entries.setdefault(v.code, []).append(v.jurisdiction or "-")
    waived: dict[str, list[str]] = {}
    for w in decision.waived:
        waived.setdefault(str(w.get("code")), []).append(str(w.get("waiver")))
    fired: list[RuleExplanation] = []
    not_fired: list[RuleExplanation] = []
    not_in_decision: list[RuleExplanation] = []
    cut_off = {(m.package, r.line) for m, r in unreachable(modules)}
    other = 0
    for i, (module, rule) in enumerate(targets):
        custom = rule.custom
        rule_js = [str(j) for j in (custom.get("jurisdictions") or [])]
        conditions: list[Condition] = []
        failed: Condition | None = None
        error = None
        held_all = True
        for stmt, query in zip(rule.body, queries[i]):
            try:
                held = ev.holds(query)
            except PolicyError as exc:
                error, held_all = _one_line(str(exc))[:200], False
                break
            cond = Condition(_one_line(stmt.text), stmt.line, held)
            conditions.append(cond)
            if not held:
                cond.facts = ev.facts(stmt.text, module)
                negated = re.match(r"\s*not\s+(.*)", stmt.text, re.S)
                if negated:
                    cond.facts.insert(0, Fact(f"`{_one_line(negated.group(1))}`", "holds"))
                failed, held_all = cond, False
                break
            if _constructs_entry(stmt, rule):
                conditions.pop()  # building the deny/warn entry is no reason
            else:
                cond.facts = ev.facts(stmt.text, module)
        for code in _rule_codes(rule):
            item = RuleExplanation(code, rule.name, rule.title, str(custom.get("law") or ""), rule_js,
                                   str(module.path), rule.line, held_all and error is None, conditions, failed,
                                   error, entries.get(code, []), waived.get(code, []))
            if code in entries or code in waived:
                fired.append(item)
            elif item.fired:
                item.note = (f"package {module.package} is not collected by data.scrapegate.decision; put a "
                              f"team's rules in `package {TEAM_PACKAGE}`" if (module.package, rule.line) in cut_off
                              else "its entry is not in the decision")
                not_in_decision.append(item)
            elif any(n.code == code for n in not_fired):
                continue  # one code, several rules (tdm.reserved): listed once, at its first rule
            elif _relevant(rule_js, job_js, groups):
                not_fired.append(item)
            else:
                other += 1
    return Explanation(job, file, target, decision, policy_input, sorted(job_js), fired, not_fired, other,
                       not_in_decision)
