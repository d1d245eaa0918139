"""`policy lint`: checks a reviewer would otherwise do by hand, each finding with file:line.

- metadata / law / owner / code: every deny and warn rule carries METADATA with
  `custom.code`, `custom.law` and an owner (`custom.owner`, or its package's METADATA).
- code-not-produced: the code the METADATA declares appears in the rule itself (STYLE:
  "the rule body states its code itself"); otherwise the documented code is never emitted.
- untested: every code appears in some `*_test.rego`.
- builtin: only builtins verified to behave as in OPA under regopy 1.5.2 (VERIFIED_BUILTINS,
  re-probed by the tests); known-broken ones are named with the reason.
- unreachable: a deny, warn or obligations rule in a package the decision does not collect
  (gate/policy/reach.py) changes no decision; a team's rules go in `package scrapegate.team`.
- never-fires: a reference to an input field the policy input contract (CONTRACT.md, the
  manifest model) does not define is always undefined, so a condition on it never holds;
  so is a comparison of a closed-set field (purpose.category, data_categories, ...) with a
  value outside the set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from gate.engines.base import DECISION_PATH
from gate.policy.meta import RegoModule, RegoRule, input_refs, iter_deny_warn, line_of, parse_module
from gate.policy.reach import TEAM_PACKAGE, unreachable

# The shipped file that keeps data.scrapegate.team.{deny,warn,obligations} defined (and cheap).
TEAM_DEFAULTS = "team_defaults.rego"

__all__ = ["Finding", "lint_policies", "lint_modules", "VERIFIED_BUILTINS", "KNOWN_BROKEN", "input_contract"]

# Probed one by one in regopy 1.5.2 against the values OPA returns (tests/test_policy_lint_docs.py).
# json.patch: string JSON-pointer paths only (regopy errors on OPA's array-path form).
VERIFIED_BUILTINS = frozenset({
    "abs", "array.concat", "array.reverse", "array.slice", "base64.decode", "base64.encode", "bits.and",
    "ceil", "concat", "contains", "count", "crypto.sha256", "endswith", "floor", "format_int", "glob.match",
    "indexof", "intersection", "is_array", "is_boolean", "is_null", "is_number", "is_object", "is_set",
    "is_string", "json.marshal", "json.patch", "json.unmarshal", "lower", "max", "min", "numbers.range",
    "object.filter",
    "object.get", "object.keys", "object.remove", "object.subset", "object.union", "product",
    "regex.find_n", "regex.match", "regex.replace", "regex.split", "replace", "round", "semver.compare",
    "sort", "split", "sprintf", "startswith", "strings.any_prefix_match", "strings.any_suffix_match",
    "strings.replace_n", "strings.reverse", "substring", "sum", "to_number", "trim", "trim_left",
    "trim_prefix", "trim_right", "trim_space", "trim_suffix", "type_name", "union", "units.parse", "upper",
    "walk",
})

KNOWN_BROKEN = {
    "net.cidr_contains": "errors in regopy 1.5.2 (with strict builtin errors the whole evaluation fails)",
    "time.parse_rfc3339_ns": "errors in regopy 1.5.2; time comes from input.now / input.now_date",
    "urlquery.encode": "regopy 1.5.2 encodes a space as %20 where OPA writes +",
    "any": "removed in Rego v1",
    "all": "removed in Rego v1",
}
BROKEN_PREFIXES = {
    "rego.metadata.": "not implemented by regopy 1.5.2: a rule that calls it never fires there",
    "time.": "no time builtins: time comes from input.now / input.now_date (CONTRACT)",
    "http.": "no network from policies: signals are gathered in Python",
    "opa.": "OPA-only runtime builtin",
}

_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\(")
# keywords, and `set()`, the empty-set literal (syntax, not a call)
_KEYWORDS = {"if", "not", "some", "every", "in", "with", "as", "else", "default", "import", "package", "set"}
# The decision's own package(s): their deny/warn rules without METADATA only gather what the
# law packages emit, so they carry no code of their own.
DECISION_PACKAGES = (DECISION_PATH, DECISION_PATH.rsplit(".", 1)[0])
# `name := input.a.b` (or `default name := ...`): an alias of an input path.
_ALIAS_RULE = re.compile(r"(?:default\s+)?([A-Za-z_]\w*)\s*:?=\s*input((?:\.[A-Za-z_]\w*)+)")
_INPUT_REF = r"input(?:\.[A-Za-z_]\w*|\[_\])+"
_CODE_LITERAL = re.compile(r'"([a-z0-9_]+(?:\.[a-z0-9_]+)*)"')


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.check}: {self.message}"


# -- the input contract ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """A node of the policy input: an object (`children`), an array (`items`), a leaf with
    an optional closed set of values (`enum`), or `open` (anything below is allowed)."""

    children: dict[str, "Field"] | None = None
    items: "Field | None" = None
    enum: tuple[str, ...] | None = None
    open: bool = False


ANY = Field()
OPEN = Field(open=True)


def _obj(**children: Field) -> Field:
    return Field(children=children)


def _from_schema(node: dict[str, Any], defs: dict[str, Any]) -> Field:
    if "$ref" in node:
        return _from_schema(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1:
            return _from_schema(branches[0], defs)
        return ANY
    if "enum" in node:
        return Field(enum=tuple(str(v) for v in node["enum"]))
    if node.get("type") == "object" and "properties" in node:
        return Field(children={k: _from_schema(v, defs) for k, v in node["properties"].items()})
    if node.get("type") == "array":
        return Field(items=_from_schema(node.get("items", {}), defs))
    return ANY


def _signals_contract() -> Field:
    """`input.signals`, from the signals' own definitions (gate.signals.base): robots.txt's
    part, each registered site signal's, the terms and the login wall."""
    from typing import get_args

    from gate.signals.base import ROBOTS_NOT_CHECKED, site_signal_kinds
    from gate.signals.robots_fetch import RobotsStatus

    def part(fields: dict[str, Any], enums: dict[str, tuple[str, ...]]) -> Field:
        return Field(children={name: Field(enum=tuple(enums[name])) if name in enums
                               else OPEN if isinstance(value, (list, dict)) else ANY
                               for name, value in fields.items()})

    children = {"robots": part(ROBOTS_NOT_CHECKED, {"status": get_args(RobotsStatus)})}
    for kind in site_signal_kinds():
        children[kind.name] = part(kind.not_checked(), kind.enums)
    # What the response phase adds (gate.core.site_memory): data categories a site already
    # yielded.
    children.update(terms=OPEN, login_required=ANY, content=OPEN)
    return Field(children=children)


def _sample_input() -> dict[str, Any]:
    """An input as the gate builds it, for the field names the builder writes."""
    from gate.model.input import build_input
    from gate.model.job import CollectionJob
    from gate.model.url import normalize
    from gate.signals.base import not_checked_signals

    job = CollectionJob.model_validate({
        "apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "contract"},
        "spec": {"operator": {"name": "o", "establishment": "DE"}, "purpose": {"category": "other"},
                 "user_agent": "ContractBot/1.0", "data_categories": ["non_personal"],
                 "data_subjects": {"jurisdictions": ["*"]}}})
    return build_input(job, normalize("https://example.com/"), signals=not_checked_signals())


def input_contract() -> Field:
    """The policy input, from what writes it: the fields gate.model.input.build_input
    writes, `job` from the manifest model (closed sets included) and `signals` from the
    signals' definitions, so the contract cannot drift apart from what the gate sends."""
    from gate.model.job import JobSpec

    sample = _sample_input()
    schema = JobSpec.model_json_schema()
    job = _from_schema(schema, schema.get("$defs", {}))
    job_children = {k: v for k, v in (job.children or {}).items() if k != "targets"}
    job_children.update({k: ANY for k in sample["job"] if k not in job_children})
    request = {k: ANY for k in sample["request"]}
    request["scheme"] = Field(enum=("http", "https"))
    parts = {k: ANY for k in sample if k not in ("request", "job", "subjects", "signals")}
    parts["response"] = OPEN  # the response phase's (Gate.decide_response): status and the inspection
    return _obj(
        request=Field(children=request),
        job=Field(children=job_children),
        subjects=_obj(declared=Field(items=ANY), inferred=Field(items=ANY)),
        signals=_signals_contract(),
        **parts,
    )


def resolve(contract: Field, path: Sequence[str]) -> tuple[Field | None, int]:
    """(the field at `path`, or None and the index of the first unknown part)."""
    node = contract
    for i, part in enumerate(path):
        if node.open:
            return node, len(path)
        if node.items is not None:
            node = node.items  # an index, or a member of the array's items
            if part == "*":
                continue
        if node.children is not None:
            if part == "*":
                return OPEN, len(path)  # a computed key: cannot be checked
            if part not in node.children:
                return None, i
            node = node.children[part]
            continue
        if node.items is None and not node.open:
            return None, i  # below a scalar
    return node, len(path)


# -- the checks ------------------------------------------------------------------------------------------

def _rel(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def _check_metadata(module: RegoModule, rule: RegoRule, where: str, out: list[Finding]) -> None:
    if rule.metadata is None:
        out.append(Finding(where, rule.line, "metadata",
                           f"{rule.name} rule has no METADATA block (title, custom.code, custom.law, custom.owner)"))
        return
    line = rule.metadata_line or rule.line
    custom = rule.custom
    package_custom = (module.package_metadata or {}).get("custom") or {}
    if not rule.codes:
        out.append(Finding(where, line, "code", f"{rule.name} rule METADATA has no custom.code"))
    named = f"{rule.name} rule {', '.join(rule.codes)}".strip()
    if not str(custom.get("law") or "").strip():
        out.append(Finding(where, line, "law", f"{named} METADATA has no custom.law"))
    if not str(custom.get("owner") or package_custom.get("owner") or "").strip():
        out.append(Finding(where, line, "owner", f"{named} has no custom.owner (in its METADATA or its package's)"))
    literals = set(_CODE_LITERAL.findall(rule.text))
    for code in rule.codes:
        if code not in literals:
            out.append(Finding(where, rule.line, "code-not-produced", f"METADATA declares {code} but the rule "
                               "never states it: the documented code is never emitted"))


def _aliases(module: RegoModule) -> dict[str, list[str]]:
    """Module-level `name := input.path` rules: references through them are checked too."""
    out: dict[str, list[str]] = {}
    for rule in module.rules:
        if rule.body or rule.is_function:
            continue
        m = _ALIAS_RULE.fullmatch(" ".join(rule.head.split()))
        if m:
            out[m.group(1)] = m.group(2).strip(".").split(".")
    return out


def _resolved_refs(module: RegoModule, aliases: dict[str, list[str]]) -> list[tuple[list[str], int, int, int]]:
    """(input path, line, start, end) of every input reference, aliases expanded."""
    refs = [(p, ln, 0, 0) for p, ln in input_refs(module.code, module.masked)]
    for name, base in aliases.items():
        for m in re.finditer(rf"(?<![\w.]){re.escape(name)}((?:\.[A-Za-z_]\w*)+)", module.masked):
            path = base + m.group(1).strip(".").split(".")
            refs.append((path, line_of(module.masked, m.start()), m.start(), m.end()))
    return refs


def _check_contract(module: RegoModule, where: str, contract: Field, out: list[Finding]) -> None:
    aliases = _aliases(module)
    seen: set[tuple[str, int]] = set()
    for path, line, _, _ in _resolved_refs(module, aliases):
        field, bad = resolve(contract, path)
        if field is None:
            shown = "input." + ".".join(p if p != "*" else "[_]" for p in path)
            key = (shown, line)
            if key not in seen:
                seen.add(key)
                known = ".".join(path[:bad]) or "(root)"
                out.append(Finding(where, line, "never-fires",
                                   f"{shown}: {path[bad]!r} is not a field of input.{known} in the policy input "
                                   "contract; it is always undefined, so a condition on it never holds"))
    # comparisons of closed-set fields with literals
    through_aliases = "".join("|" + re.escape(a) + r"(?:\.[A-Za-z_]\w*)+" for a in aliases)
    ref = f"({_INPUT_REF}{through_aliases})"
    patterns = [
        re.compile(ref + r'\s*[!=]=\s*"([^"]*)"'),
        re.compile(r'"([^"]*)"\s*[!=]=\s*' + ref),
        re.compile(r'"([^"]*)"\s+in\s+' + ref),
        re.compile(ref + r"\s+in\s+\{([^{}]*)\}"),
    ]
    for n, pattern in enumerate(patterns):
        for m in pattern.finditer(module.code):
            target, literal = (m.group(1), m.group(2)) if n in (0, 3) else (m.group(2), m.group(1))
            first, _, rest = target.partition(".")
            if first in aliases:
                path = aliases[first] + rest.split(".")
            else:
                path = target.replace("[_]", ".*").split(".")[1:]
            field, _ = resolve(contract, [p for p in path if p])
            if field is not None and field.items is not None:
                field = field.items
            if field is None or field.enum is None:
                continue
            values = re.findall(r'"([^"]*)"', literal) if n == 3 else [literal]
            for value in values:
                if value not in field.enum:
                    out.append(Finding(where, line_of(module.code, m.start()), "never-fires",
                                       f"input.{'.'.join(path)} is never {value!r} (one of: {', '.join(field.enum)}): "
                                       "this comparison can never hold"))


def _check_builtins(module: RegoModule, where: str, functions: dict[str, set[str]], out: list[Finding]) -> None:
    local = functions.get(module.package, set())
    for m in _CALL.finditer(module.masked):
        name = m.group(1)
        first = name.split(".", 1)[0]
        if name in _KEYWORDS or first == "data" or first in module.aliases or name in local:
            continue
        line = line_of(module.masked, m.start())
        if name in KNOWN_BROKEN:
            out.append(Finding(where, line, "builtin", f"{name}: {KNOWN_BROKEN[name]}"))
            continue
        prefix = next((p for p in BROKEN_PREFIXES if name.startswith(p)), None)
        if prefix:
            out.append(Finding(where, line, "builtin", f"{name}: {BROKEN_PREFIXES[prefix]}"))
        elif name not in VERIFIED_BUILTINS:
            out.append(Finding(where, line, "builtin",
                               f"{name} is not a builtin verified on both engines (regopy 1.5.2 and OPA); "
                               "probe it and add it to VERIFIED_BUILTINS, or avoid it"))


def lint_modules(modules: Sequence[RegoModule], *, base: Path | None = None) -> list[Finding]:
    findings: list[Finding] = []
    contract = input_contract()
    functions: dict[str, set[str]] = {}
    for module in modules:
        functions.setdefault(module.package, set()).update(r.name for r in module.rules if r.is_function)
    tests_text = "\n".join(m.source for m in modules if m.is_test)
    tested = set(_CODE_LITERAL.findall(tests_text))
    for module in modules:
        where = _rel(module.path, base)
        for err in module.metadata_errors:
            findings.append(Finding(where, err.line, "metadata", err.message))
        _check_builtins(module, where, functions, findings)
        if module.is_test:
            continue
        _check_contract(module, where, contract, findings)
    for module, rule in unreachable(modules):
        findings.append(Finding(_rel(module.path, base), rule.line, "unreachable",
                                f"{module.package}.{rule.name} never reaches the decision: data.scrapegate.decision "
                                f"does not collect it; put a team's rules in `package {TEAM_PACKAGE}`"))
    for module, rule in iter_deny_warn(modules):
        if module.package in DECISION_PACKAGES and rule.metadata is None:
            continue
        if module.package == TEAM_PACKAGE and module.path.name == TEAM_DEFAULTS and rule.metadata is None:
            continue  # the shipped empty team rules: they decide nothing, a team's own rules carry METADATA
        where = _rel(module.path, base)
        _check_metadata(module, rule, where, findings)
        for code in rule.codes:
            if code not in tested:
                findings.append(Finding(where, rule.metadata_line or rule.line, "untested", f"{code} appears in no "
                                        "*_test.rego: add a test that fires it and one that does not"))
    return sorted(set(findings))


def lint_policies(roots: Sequence[Path | str], *, base: Path | None = None) -> list[Finding]:
    """Lint every module under the policy directories. A module that does not parse is a
    PolicyError at file:line:col (the CLI's exit 2), not a list of findings about a file
    the engine would refuse."""
    from gate.engines.embedded import new_interpreter
    from gate.engines.policy_set import load_policy_set

    policy_set = load_policy_set(list(roots))
    new_interpreter(policy_set, include_tests=True)  # parses every module; raises at the first error
    modules = [parse_module(m.path, m.source) for m in policy_set.modules]
    return lint_modules(modules, base=base)
