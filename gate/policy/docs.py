"""The rule catalogue: every code the policies emit, from the METADATA above each deny and
warn rule, with the precedents the policies' data keys by code. `policy docs` renders it as
Markdown; the SARIF formatter uses it for its rule table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from gate.policy.meta import RegoModule, iter_deny_warn, parse_module

__all__ = ["CodeDoc", "build_catalogue", "load_catalogue", "render_markdown", "find_precedents"]

DOCS_TITLE = "scrapegate policy catalogue"
CATALOGUE_KINDS = ("deny", "warn", "obligations")
KIND_NAMES = {"obligations": "obligation"}


@dataclass
class CodeDoc:
    """One code: what the METADATA of the rule(s) that emit it say."""

    code: str
    kind: str                       # "deny" or "warn"
    title: str = ""
    description: str = ""
    law: str = ""
    owner: str = ""
    jurisdictions: list[str] = field(default_factory=list)
    waivable: bool | None = None
    precedents: list[str] = field(default_factory=list)
    package: str = ""
    locations: list[tuple[str, int]] = field(default_factory=list)   # (file, line)

    def help_text(self) -> str:
        """Plain-text help: description, law, jurisdictions, precedents, owner, waivable."""
        parts = [self.description or self.title or self.code]
        if self.law:
            parts.append(f"Law: {self.law}.")
        if self.jurisdictions:
            parts.append(f"Jurisdictions: {', '.join(self.jurisdictions)}.")
        if self.precedents:
            parts.append("Precedents: " + "; ".join(self.precedents) + ".")
        if self.owner:
            parts.append(f"Owner: {self.owner}.")
        if self.waivable is not None:
            parts.append("Can be waived." if self.waivable else "Never waivable.")
        return " ".join(parts)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    return [str(value)]


def _cite(ids: Any, cases: Mapping[str, Any]) -> list[str]:
    return [str(cases.get(i, i)) if isinstance(i, str) else str(i) for i in _as_list(ids)]


def find_precedents(data: Any) -> dict[str, list[str]]:
    """Precedents keyed by code, wherever the data keeps a `precedents` mapping whose keys
    look like codes (`area.rule`). A value is a list of case ids (resolved through a
    `cases` mapping beside it) or citations, or a mapping of jurisdiction -> list, whose
    non-default entries are labelled with their jurisdiction."""
    found: dict[str, list[str]] = {}

    def add(code: str, items: list[str]) -> None:
        bucket = found.setdefault(code, [])
        bucket.extend(i for i in items if i not in bucket)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            table = node.get("precedents")
            cases: Mapping[str, Any] = node["cases"] if isinstance(node.get("cases"), dict) else {}
            if isinstance(table, dict):
                for code, value in table.items():
                    if not (isinstance(code, str) and "." in code):
                        continue
                    if isinstance(value, dict):
                        add(code, _cite(value.get("default"), cases))
                        for where, ids in value.items():
                            if where != "default":
                                add(code, [f"[{where}] {c}" for c in _cite(ids, cases) if c not in found[code]])
                    else:
                        add(code, _cite(value, cases))
            for key, value in node.items():
                if key != "precedents":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


def build_catalogue(modules: Iterable[RegoModule], data: Any = None) -> dict[str, CodeDoc]:
    """Code -> CodeDoc for every deny/warn rule that declares a code; a rule's missing
    `owner` falls back to its package's METADATA."""
    precedents = find_precedents(data or {})
    out: dict[str, CodeDoc] = {}
    for module, rule in iter_deny_warn(modules, kinds=CATALOGUE_KINDS):
        package_custom = ((module.package_metadata or {}).get("custom") or {})
        for code in rule.codes:
            doc = out.get(code)
            if doc is None:
                doc = out[code] = CodeDoc(code=code, kind=KIND_NAMES.get(rule.name, rule.name), package=module.package)
            custom = rule.custom
            doc.title = doc.title or rule.title
            doc.description = doc.description or rule.description
            doc.law = doc.law or str(custom.get("law") or "")
            doc.owner = doc.owner or str(custom.get("owner") or package_custom.get("owner") or "")
            for j in _as_list(custom.get("jurisdictions")):
                if j not in doc.jurisdictions:
                    doc.jurisdictions.append(j)
            if "waivable" in custom and doc.waivable is None:
                doc.waivable = bool(custom.get("waivable"))
            doc.locations.append((str(module.path), rule.line))
    for code, doc in out.items():
        # an obligation's code may be unqualified (art14_notice) where data keys it by area
        qualified = f"{doc.package.rsplit('.', 1)[-1]}.{code}"
        doc.precedents = precedents.get(code) or precedents.get(qualified, [])
    return out


def load_catalogue(roots: Sequence[Path | str]) -> dict[str, CodeDoc]:
    """The catalogue of the policy directories `roots` (METADATA and data)."""
    from gate.engines.policy_set import load_policy_set

    policy_set = load_policy_set(list(roots))
    modules = [parse_module(m.path, m.source) for m in policy_set.policy_modules()]
    return build_catalogue(modules, policy_set.data)


def rule_catalogue(roots: Sequence[Path | str]) -> dict[str, CodeDoc]:
    """`load_catalogue`, or {} when the policies cannot be read: a report that describes its
    rules from the catalogue must still be written (they then come from the decisions alone)."""
    from gate.errors import PolicyError

    try:
        return load_catalogue(roots)
    except (PolicyError, OSError):
        return {}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _relative(path: str, base: Path | None) -> str:
    """`path` relative to `base`; a shipped policy outside it (an installed wheel's
    site-packages) as `policies/...`, the repository's own layout, never an absolute path."""
    if base is None:
        return path
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(base.resolve()).as_posix()
    except ValueError:
        pass
    from gate.engines.policy_set import shipped_policies_dir

    try:
        return "policies/" + resolved.relative_to(shipped_policies_dir().resolve()).as_posix()
    except ValueError:
        return path


def render_markdown(catalogue: dict[str, CodeDoc], *, base: Path | None = None) -> str:
    """The catalogue as Markdown: a summary table, then a section per code."""
    docs = sorted(catalogue.values(), key=lambda d: (d.package, d.code))
    lines = [
        f"# {DOCS_TITLE}",
        "",
        "Generated by `scrapegate policy docs` from the METADATA of the Rego rules and the",
        "precedents in the policies' data. Do not edit by hand: change the policies and regenerate.",
        "",
        "| code | kind | law | jurisdictions | owner | waivable |",
        "|---|---|---|---|---|---|",
    ]
    for d in docs:
        waivable = "—" if d.waivable is None else ("yes" if d.waivable else "**never**")
        lines.append(f"| [`{d.code}`](#{d.code.replace('.', '')}) | {d.kind} | {_cell(d.law) or '—'} | "
                     f"{_cell(', '.join(d.jurisdictions)) or '—'} | {_cell(d.owner) or '—'} | {waivable} |")
    for d in docs:
        lines += ["", f"## {d.code}", ""]
        if d.title:
            lines += [f"**{d.title}**", ""]
        if d.description:
            lines += [d.description, ""]
        lines.append(f"- Kind: {d.kind}")
        lines.append(f"- Law: {d.law or '(none given)'}")
        lines.append(f"- Jurisdictions: {', '.join(d.jurisdictions) or '(none given)'}")
        lines.append(f"- Owner: {d.owner or '(none given)'}")
        lines.append("- Waivable: " + ("(not stated)" if d.waivable is None else "yes" if d.waivable else "no, never"))
        if d.precedents:
            lines.append("- Precedents:")
            lines += [f"  - {p}" for p in d.precedents]
        else:
            lines.append("- Precedents: none recorded")
        where = ", ".join(f"`{_relative(f, base)}:{line}`" for f, line in d.locations)
        lines.append(f"- Source: {where}")
    return "\n".join(lines) + "\n"
