"""Read Rego policy text: packages, imports, rules (head, body statements, lines) and the
METADATA comment blocks above them.

regopy cannot read annotations (`rego.metadata.*` is unsupported), so `policy docs`,
`policy lint`, `explain` and the SARIF rule table parse the text themselves. This is a
structural reader for the v1 syntax the shipped policies use (`name if { ... }`,
`deny contains v if { ... }`, functions, `default`), not a full Rego parser: it finds
statements by bracket depth on text whose comments and string contents are masked.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

__all__ = [
    "RegoModule", "RegoRule", "RegoStatement", "MetadataError",
    "parse_module", "load_modules", "mask", "input_refs", "line_of", "iter_deny_warn",
]

_METADATA_LINE = re.compile(r"^\s*#\s*METADATA\s*$")
_IF = re.compile(r"\bif\b")
_HEAD_NAME = re.compile(r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
# input.job.data_categories, input.signals["robots"].status, input.job.site_permissions[_].site
_INPUT_REF = re.compile(r"(?<![\w.])input((?:\s*\.\s*[A-Za-z_]\w*|\[[^\[\]]*\])+)")
_OPEN = "([{"
_CLOSE = ")]}"


@dataclass(frozen=True)
class MetadataError:
    line: int
    message: str


@dataclass
class RegoStatement:
    """One expression of a rule body, as written (comments removed)."""

    text: str
    line: int


@dataclass
class RegoRule:
    name: str                      # "deny", "_special_category", "violation"
    head: str                      # the head as written, comments removed
    line: int                      # 1-based line of the head
    end_line: int
    body: list[RegoStatement]
    text: str                      # head and body, comments removed
    is_function: bool = False
    is_default: bool = False
    metadata: dict[str, Any] | None = None
    metadata_line: int | None = None

    @property
    def custom(self) -> dict[str, Any]:
        custom = (self.metadata or {}).get("custom")
        return custom if isinstance(custom, dict) else {}

    @property
    def codes(self) -> list[str]:
        """The code(s) the METADATA declares (custom.code, a string or a list)."""
        code = self.custom.get("code")
        if isinstance(code, str):
            return [code]
        if isinstance(code, list):
            return [str(c) for c in code]
        return []

    @property
    def title(self) -> str:
        return str((self.metadata or {}).get("title") or "")

    @property
    def description(self) -> str:
        return str((self.metadata or {}).get("description") or "").strip()


@dataclass
class RegoModule:
    path: Path
    source: str
    package: str = ""
    package_line: int = 0
    imports: list[str] = field(default_factory=list)       # import statements as written
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> imported ref
    rules: list[RegoRule] = field(default_factory=list)
    package_metadata: dict[str, Any] | None = None
    metadata_errors: list[MetadataError] = field(default_factory=list)
    code: str = ""                 # source with comments blanked (strings kept)
    masked: str = ""               # source with comments and string contents blanked

    @property
    def is_test(self) -> bool:
        return self.path.name.endswith("_test.rego")

    def rule_names(self) -> set[str]:
        return {r.name for r in self.rules}


def mask(source: str) -> tuple[str, str]:
    """(code, masked): `code` blanks comments; `masked` also blanks the inside of string
    literals. Both keep every offset and newline, so positions map back to the source."""
    code = list(source)
    masked = list(source)
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "#":
            j = source.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                code[k] = masked[k] = " "
            i = j
        elif ch == '"':
            j = i + 1
            while j < n and source[j] != '"' and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                masked[k] = " " if source[k] != "\n" else "\n"
            i = j + 1
        elif ch == "`":
            j = source.find("`", i + 1)
            j = n if j < 0 else j
            for k in range(i + 1, j):
                masked[k] = "\n" if source[k] == "\n" else " "
            i = j + 1
        else:
            i += 1
    return "".join(code), "".join(masked)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _statement_starts(masked: str) -> list[int]:
    """Offsets of top-level statements: a line that starts, at depth 0, with a character
    that is not a closing bracket."""
    starts: list[int] = []
    depth = 0
    at_line_start = True
    for i, ch in enumerate(masked):
        if at_line_start and depth == 0 and not ch.isspace() and ch not in _CLOSE:
            starts.append(i)
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        at_line_start = ch == "\n"
    return starts


def _matching(masked: str, open_at: int, end: int) -> int:
    depth = 0
    for i in range(open_at, end):
        if masked[i] in _OPEN:
            depth += 1
        elif masked[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return end


def _split_body(code: str, masked: str, start: int, end: int) -> list[RegoStatement]:
    """Body expressions: separated by newlines or `;` at depth 0."""
    out: list[RegoStatement] = []
    depth = 0
    piece = start
    for i in range(start, end + 1):
        ch = masked[i] if i < end else "\n"
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        if depth == 0 and ch in "\n;":
            text = code[piece:i].strip()
            if text:
                lead = len(code[piece:i]) - len(code[piece:i].lstrip())
                out.append(RegoStatement(text, line_of(code, piece + lead)))
            piece = i + 1
    return out


def _depth0_match(pattern: re.Pattern[str], masked: str, start: int, end: int) -> int:
    """Offset of the first match of `pattern` at bracket depth 0 in [start, end), or -1."""
    depth = 0
    i = start
    while i < end:
        ch = masked[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 0:
            m = pattern.match(masked, i)
            if m and (i == 0 or not (masked[i - 1].isalnum() or masked[i - 1] == "_")):
                return i
        i += 1
    return -1


def _parse_rule(code: str, masked: str, start: int, end: int) -> RegoRule | None:
    seg = masked[start:end]
    is_default = bool(re.match(r"default\b", seg))
    head_from = start + (len("default") if is_default else 0)
    name_m = _HEAD_NAME.match(masked, head_from)
    if not name_m:
        return None
    name = name_m.group(1)
    after = name_m.end()
    is_function = after < end and masked[after] == "("
    if_at = -1 if is_default else _depth0_match(_IF, masked, start, end)
    body: list[RegoStatement] = []
    stop = end
    if if_at >= 0:
        head = code[start:if_at].strip()
        k = if_at + 2
        while k < end and masked[k].isspace():
            k += 1
        if k < end and masked[k] == "{":
            close = _matching(masked, k, end)
            body = _split_body(code, masked, k + 1, close)
            stop = close + 1
        else:
            body = _split_body(code, masked, k, end)
    else:
        head = code[start:end].strip()
    text = code[start:stop].rstrip()
    return RegoRule(name=name, head=head, line=line_of(code, start), end_line=line_of(code, start + len(text)),
                    body=body, text=text, is_function=is_function, is_default=is_default)


def _metadata_blocks(source: str, errors: list[MetadataError]) -> list[tuple[int, int, dict[str, Any]]]:
    """(first line, last line, parsed YAML) of every `# METADATA` comment block."""
    lines = source.splitlines()
    blocks: list[tuple[int, int, dict[str, Any]]] = []
    i = 0
    while i < len(lines):
        if not _METADATA_LINE.match(lines[i]):
            i += 1
            continue
        first = i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].lstrip().startswith("#") and not _METADATA_LINE.match(lines[i]):
            body.append(lines[i].lstrip()[1:])
            i += 1
        try:
            value = yaml.safe_load(textwrap.dedent("\n".join(body))) if body else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = first + 2 + (mark.line if mark else 0)
            errors.append(MetadataError(where, f"METADATA is not valid YAML: {getattr(exc, 'problem', None) or exc}"))
            value = None
        if value is not None and not isinstance(value, dict):
            errors.append(MetadataError(first + 1, "METADATA must be a YAML mapping"))
            value = None
        if value is not None:
            blocks.append((first + 1, i, value))
    return blocks


def parse_module(path: Path | str, source: str) -> RegoModule:
    """Split a module into its package, imports and rules, each rule with its METADATA."""
    module = RegoModule(Path(path), source)
    code, masked = mask(source)
    module.code, module.masked = code, masked
    starts = _statement_starts(masked)
    blocks = _metadata_blocks(source, module.metadata_errors)
    pending = list(blocks)
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(masked)
        line = line_of(masked, start)
        # a METADATA block annotates the first statement after it
        meta = None
        meta_line = None
        while pending and pending[0][1] <= line:
            meta_line, _, meta = pending.pop(0)
        word = masked[start:end].split(None, 1)[0] if masked[start:end].split() else ""
        if word == "package":
            module.package = code[start:end].split(None, 1)[1].strip() if len(code[start:end].split()) > 1 else ""
            module.package_line = line
            if meta is not None:
                module.package_metadata = meta
            continue
        if word == "import":
            stmt = " ".join(code[start:end].split())
            module.imports.append(stmt)
            m = re.match(r"import\s+(\S+)(?:\s+as\s+(\w+))?", stmt)
            if m and m.group(1).startswith("data."):
                alias = m.group(2) or m.group(1).rsplit(".", 1)[-1]
                module.aliases[alias] = m.group(1)
            continue
        rule = _parse_rule(code, masked, start, end)
        if rule is None:
            continue
        if meta is not None and meta.get("scope") in ("package", "subpackages"):
            module.package_metadata = module.package_metadata or meta
            meta = None
        rule.metadata, rule.metadata_line = meta, meta_line if meta is not None else None
        module.rules.append(rule)
    return module


def load_modules(roots: Sequence[Path | str]) -> list[RegoModule]:
    """Every .rego module (tests included) under the policy roots, parsed."""
    from gate.engines.policy_set import load_policy_set

    policy_set = load_policy_set(list(roots))
    return [parse_module(m.path, m.source) for m in policy_set.modules]


def _ref_path(tail: str) -> list[str]:
    """`.job.site_permissions[_].site` -> ["job", "site_permissions", "*", "site"]."""
    parts: list[str] = []
    for m in re.finditer(r"\.\s*([A-Za-z_]\w*)|\[([^\[\]]*)\]", tail):
        if m.group(1):
            parts.append(m.group(1))
        else:
            key = m.group(2).strip()
            parts.append(key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else "*")
    return parts


def input_refs(code_text: str, masked_text: str | None = None, first_line: int = 1) -> list[tuple[list[str], int]]:
    """Every `input.…` reference in `code_text` as (path, line). Pass the masked twin so
    that text inside string literals is not taken for a reference."""
    scan = masked_text if masked_text is not None else code_text
    out: list[tuple[list[str], int]] = []
    for m in _INPUT_REF.finditer(scan):
        tail = code_text[m.start(1):m.end(1)]
        out.append((_ref_path(tail), first_line + scan.count("\n", 0, m.start())))
    return out


RULE_KINDS = ("deny", "warn")


def iter_deny_warn(modules: Iterable[RegoModule], skip_packages: Iterable[str] = (),
                   kinds: Sequence[str] = RULE_KINDS) -> Iterable[tuple[RegoModule, RegoRule]]:
    """The deny and warn rules (or other `kinds`, e.g. obligations) of non-test modules
    outside `skip_packages`."""
    skip = set(skip_packages)
    for module in modules:
        if module.is_test or module.package in skip:
            continue
        for rule in module.rules:
            if rule.name in kinds and not rule.is_default:
                yield module, rule
