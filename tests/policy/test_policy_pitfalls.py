"""Static checks that keep the shipped Rego clear of constructs where regopy 1.5.2 and OPA
part ways (each one found the hard way while writing the policies):

- `with input as {...}` aborts or segfaults regopy once the rules call builtins;
- sprintf quotes its second and later string arguments in regopy;
- sort() of a set returns a set in regopy, never equal to an array;
- a name used for rules in two packages, or for a rule and a parameter, is conflated by
  regopy under `with` ("unify due to cycle", wrong results, crashes);
- `not f(input.x)` with input.x missing is true in regopy but undefined in OPA;
- `[... | some k, v in xs]` does not parse in regopy;
- rego.metadata.*, net.cidr_contains and time parsing are missing or broken in regopy.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from gate.engines.policy_set import shipped_policies_dir
from gate.model.rego_source import strip_comments

FILES = sorted(shipped_policies_dir().rglob("*.rego"))
# The package contract: every law package exposes these, main unions them.
SHARED_RULE_NAMES = {"deny", "warn", "obligations"}


def code(path: Path) -> str:
    """The source without comments (METADATA may mention anything)."""
    return strip_comments(path.read_text())


def where(path: Path, pattern: str) -> list[str]:
    return [f"{path.name}:{i}" for i, line in enumerate(code(path).splitlines(), 1) if re.search(pattern, line)]


def test_there_are_policies() -> None:
    assert len(FILES) >= 20


@pytest.mark.parametrize("pattern,why", [
    (r"\bwith\s+input\s+as\b", "replace the input key by key: `with input.job as doc.job ...`"),
    (r"\brego\.metadata\.|\bnet\.cidr_contains\b|\btime\.", "missing or broken in regopy; time comes from input.now"),
    (r"\[[^\]|]*\|\s*some\s+\w+\s*,\s*\w+\s+in\b", "regopy cannot parse `some k, v in` inside an array comprehension"),
])
def test_no_construct_regopy_gets_wrong(pattern: str, why: str) -> None:
    found = [hit for path in FILES for hit in where(path, pattern)]
    assert not found, f"{why}: {found}"


def test_no_input_field_as_an_argument_under_not() -> None:
    """`not f(input.x)`: with input.x missing regopy says true, OPA undefined. Pass
    object.get(input..., "x", default) or a rule with a default instead."""
    found = []
    for path in FILES:
        for i, line in enumerate(code(path).splitlines(), 1):
            m = re.search(r"\bnot\s+[\w.]+\((.*)\)", line)
            if m and re.search(r"\binput\.", re.sub(r"object\.get\([^()]*(\([^()]*\))?[^()]*\)", "", m.group(1))):
                found.append(f"{path.name}:{i}")
    assert not found, found


def _top_level_commas(text: str) -> int:
    depth, in_string, commas = 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            in_string = not in_string
        elif not in_string and ch in "([{":
            depth += 1
        elif not in_string and ch in ")]}":
            depth -= 1
        elif not in_string and ch == "," and depth == 0:
            commas += 1
    return commas


def test_sprintf_takes_one_argument() -> None:
    found = []
    for path in FILES:
        source = code(path)
        for m in re.finditer(r"sprintf\(\s*\"(?:[^\"\\]|\\.)*\"\s*,\s*\[", source):
            depth, end = 1, m.end()
            while depth and end < len(source):
                depth += {"[": 1, "]": -1}.get(source[end], 0)
                end += 1
            if _top_level_commas(source[m.end():end - 1]):
                found.append(f"{path.name}: {m.group(0)}...")
    assert not found, f"build messages with lib.text([...]) instead: {found}"


def test_sort_only_through_lib_sorted() -> None:
    found = [hit for path in FILES for hit in where(path, r"(?<![\w.])sort\(") if not hit.startswith("lib.rego")]
    assert not found, f"use lib.sorted(...) (regopy's sort of a set is a set): {found}"


def _definitions() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    rules: dict[str, set[str]] = defaultdict(set)
    params: dict[str, set[str]] = defaultdict(set)
    for path in FILES:
        source = code(path)
        package = re.search(r"^package\s+(\S+)", source, re.M).group(1)
        for m in re.finditer(r"^(?:default\s+)?([a-z_]\w*)\s*(?:\(([^)]*)\))?\s*(?::=|\bif\b|\bcontains\b|=|\{)", source, re.M):
            rules[m.group(1)].add(package)
            for param in (m.group(2) or "").split(","):
                if param.strip() not in ("", "_"):
                    params[param.strip()].add(package)
    return rules, params


def test_rule_names_are_unique_across_packages() -> None:
    rules, _ = _definitions()
    shared = {name: sorted(pkgs) for name, pkgs in rules.items() if len(pkgs) > 1 and name not in SHARED_RULE_NAMES}
    assert not shared, f"regopy conflates same-named rules of different packages under `with`: {shared}"


def test_no_parameter_is_named_like_a_rule() -> None:
    rules, params = _definitions()
    clashes = {name: (sorted(params[name]), sorted(rules[name])) for name in params if name in rules}
    assert not clashes, f"parameter named like a rule (params in, rule in): {clashes}"


OPA_ANNOTATION_KEYS = {"scope", "title", "description", "related_resources", "authors", "organizations",
                       "schemas", "entrypoint", "custom"}


def _metadata_blocks(path: Path) -> list[tuple[int, str]]:
    blocks, lines = [], path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "# METADATA":
            body = []
            for follow in lines[i + 1:]:
                if not follow.startswith("#"):
                    break
                body.append(follow[2:] if follow.startswith("# ") else follow[1:])
            blocks.append((i + 1, "\n".join(body)))
    return blocks


def test_metadata_blocks_are_valid_opa_annotations() -> None:
    """regopy ignores METADATA, but OPA (`opa test`, `opa check`, bundles) parses it and
    rejects a block that is not valid YAML or uses keys outside its annotation schema."""
    problems = []
    for path in FILES:
        for line, text in _metadata_blocks(path):
            where = f"{path.name}:{line}"
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if not isinstance(doc, dict) or not doc.get("title"):
                problems.append(f"{where}: no title")
                continue
            if set(doc) - OPA_ANNOTATION_KEYS:
                problems.append(f"{where}: unknown keys {sorted(set(doc) - OPA_ANNOTATION_KEYS)}")
            if doc.get("scope", "rule") not in ("rule", "document", "package", "subpackages"):
                problems.append(f"{where}: scope {doc['scope']!r}")
            for resource in doc.get("related_resources") or []:
                ref = resource.get("ref") if isinstance(resource, dict) else resource
                if not (isinstance(ref, str) and re.match(r"^https?://[^\s/]+", ref)):
                    problems.append(f"{where}: related resource without a URL: {resource!r}")
            if not isinstance(doc.get("custom", {}), dict):
                problems.append(f"{where}: custom must be a mapping")
    assert not problems, "\n".join(problems)
