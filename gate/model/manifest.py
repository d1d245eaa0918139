"""Read job manifests (YAML or JSON, several documents per file) into CollectionJob models,
with errors that name the file, the document, the field path and the allowed values."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import yaml
from pydantic import ValidationError

from gate.errors import ManifestError
from gate.model.job import CollectionJob

__all__ = ["LoadedJob", "load_manifests", "load_job", "parse_job", "expand_paths", "MANIFEST_SUFFIXES",
           "safe_yaml_documents", "render_validation_error", "node_line"]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
API_VERSION = "scrapegate/v1"
# A manifest is a few hundred nodes. Aliases can make a 676-byte file stand for billions
# (an anchor bomb): past this many nodes, expanded, the document is refused unread.
MAX_YAML_NODES = 100_000
# Error rendering stays bounded whatever the input: a value is shown up to this many
# characters, and a document's errors up to MAX_ERRORS lines.
MAX_VALUE_CHARS = 120
MAX_ERRORS = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class LoadedJob:
    """A validated job and where it came from (for reports that point at lines)."""

    job: CollectionJob
    file: str
    document: int  # 1-based
    line: int = 1
    target_lines: list[int] = field(default_factory=list)

    def target_line(self, index: int) -> int:
        return self.target_lines[index] if index < len(self.target_lines) else self.line


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "Target") or str(part).startswith("function-"):
            continue  # union branch names pydantic adds
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


_BRANCH_MISMATCH = {"model_type", "string_type", "dict_type", "model_attributes_type"}


def _allowed(expected: str) -> list[str]:
    return [x.strip().strip("'\"") for x in re.split(r",\s*|\s+or\s+", expected) if x.strip()]


def _short(value: Any) -> str:
    """repr(value), cut to MAX_VALUE_CHARS without ever building a huge repr."""
    import reprlib

    shown = reprlib.Repr()  # attributes, not keywords: Python 3.10 and 3.11 take none
    shown.maxlevel, shown.maxlist, shown.maxdict = 2, 4, 4
    shown.maxstring = shown.maxother = MAX_VALUE_CHARS
    text = shown.repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def render_validation_error(exc: ValidationError, where: str, node: Any = None, *,
                            schema: str = "scrapegate/v1 CollectionJob", loc_prefix: str = "") -> list[str]:
    """One `file:line: field.path: message` line per problem (at most MAX_ERRORS); without
    the YAML node (JSON, a dict), `where field.path: message`. `schema` names what an unknown
    field is not part of; `loc_prefix` goes before each field path (`waivers`)."""
    lines: list[str] = []
    seen: set[str] = set()
    errors = exc.errors(include_input=True, include_url=False)[: MAX_ERRORS * 4]
    # A union (URL string or {url, authenticated}) reports a type mismatch for the branch
    # that did not apply; keep only the error of the branch that did.
    specific = {_loc(e["loc"]) for e in errors if e["type"] not in _BRANCH_MISMATCH}
    for err in errors:
        loc = _loc(err["loc"])
        if err["type"] in _BRANCH_MISMATCH and any(s == loc or s.startswith(loc + ".") for s in specific):
            continue
        if loc_prefix:
            loc = loc_prefix if loc == "(document)" else loc_prefix + ("" if loc.startswith("[") else ".") + loc
        value = err.get("input")
        kind = err["type"]
        if kind == "literal_error":
            allowed = _allowed(str(err.get("ctx", {}).get("expected", "")))
            if loc == "apiVersion":
                msg = f"unknown apiVersion {_short(value)}; this scrapegate reads {API_VERSION}"
            else:
                msg = f"{_short(value)} is not one of: {', '.join(allowed)}"
        elif kind == "extra_forbidden":
            msg = f"unknown field (not part of {schema})"
        elif kind == "missing":
            msg = "required field is missing"
        else:
            msg = err["msg"].removeprefix("Value error, ")
        if node is not None:
            line = f"{where}:{_node_line(node, list(err['loc']))}: {loc}: {msg}"
        else:
            line = f"{where} {loc}: {msg}"
        line = line if len(line) <= 4 * MAX_VALUE_CHARS else line[: 4 * MAX_VALUE_CHARS - 3] + "..."
        if line not in seen:  # a union reports the same problem per branch
            seen.add(line)
            lines.append(line)
    if len(lines) > MAX_ERRORS:
        lines = lines[:MAX_ERRORS] + [f"{where}: ... and {len(lines) - MAX_ERRORS} more problems"]
    return lines


def _node_line(node: Any, path: list[Any]) -> int:
    """The 1-based line of the YAML node at `path` (keys and indexes), or of its nearest parent."""
    line = int(node.start_mark.line) + 1
    for key in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = int(node.start_mark.line) + 1
    return line


def _control_character(value: Any, path: str = "") -> str | None:
    """The field path of the first string holding a NUL or another control character
    (tab and line ends aside): such a string would become a header, a log line or a
    ledger field it was never meant to be."""
    if isinstance(value, str):
        return (path or "(document)") if _CONTROL.search(value) else None
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = _control_character(k, path) or _control_character(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _control_character(v, f"{path}[{i}]")
            if found:
                return found
    return None


def parse_job(doc: Any, where: str, node: Any = None) -> CollectionJob:
    if not isinstance(doc, Mapping):
        raise ManifestError(f"{where}: a manifest must be a mapping with apiVersion, kind, metadata, spec", file=where)
    bad = _control_character(doc)
    if bad is not None:
        raise ManifestError(f"{where} {bad}: contains a NUL or another control character", file=where)
    try:
        return CollectionJob.model_validate(doc)
    except ValidationError as exc:
        lines = render_validation_error(exc, where, node)
        raise ManifestError("\n".join(lines), file=where, errors=lines) from None


# libyaml's parser when PyYAML was built with it (10x faster on large manifest sets).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _PlainDatesLoader(_Loader):  # type: ignore[misc,valid-type]
    """The safe loader with dates and times kept as the strings they are written as (what
    OPA and JSON see): a field that wants a date validates the text itself."""


_PlainDatesLoader.add_constructor(_TIMESTAMP, yaml.SafeLoader.construct_yaml_str)


def yaml_nodes(root: Any) -> Iterator[Any]:
    """Every node of a composed YAML document once (a node shared through aliases once), in
    document order: what the document's text spells out, without expanding its aliases."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            todo += [part for pair in reversed(node.value) for part in reversed(pair)]
        elif isinstance(node, yaml.SequenceNode):
            todo += reversed(node.value)


def _distinct_nodes(root: Any) -> int:
    """How many nodes the document holds, each shared node once (what its text spells out)."""
    return sum(1 for _ in yaml_nodes(root))


def _bounded(root: Any, path: str, limit: int = MAX_YAML_NODES) -> None:
    """Refuse a document whose aliases expand past `limit` nodes (counted over the node
    graph, each shared node once per use, without expanding anything) or refer to themselves."""
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        known = sizes.get(id(node))
        if known == -1:  # reached again from inside itself
            raise ManifestError(f"{path}:{int(node.start_mark.line) + 1}: a YAML alias refers to itself; refused",
                                file=path)
        if known is not None:
            return known
        sizes[id(node)] = -1
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > limit:
                    break
        elif isinstance(node, yaml.MappingNode):
            for key, child in node.value:
                total += size(key) + size(child)
                if total > limit:
                    break
        sizes[id(node)] = total
        return total

    try:
        total = size(root)
    except RecursionError:
        raise ManifestError(f"{path}: YAML nested too deeply; refused", file=path) from None
    if total > limit:
        line = int(root.start_mark.line) + 1
        raise ManifestError(f"{path}:{line}: YAML aliases expand to more than {limit} nodes "
                            "(an anchor bomb?); refused", file=path)


def _no_duplicate_keys(root: Any, path: str) -> None:
    """A key given twice in one mapping: YAML would silently keep the last; refuse it, at the
    second one's line (the nodes are a graph through aliases: each is visited once)."""
    for node in yaml_nodes(root):
        if isinstance(node, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for key, _ in node.value:
                value = getattr(key, "value", None)
                if isinstance(value, str):
                    line = int(key.start_mark.line) + 1
                    if value in keys and value != "<<":
                        raise ManifestError(f"{path}:{line}: duplicate key {value!r} (first at line {keys[value]}): "
                                            "YAML would silently keep only the last", file=path)
                    keys[value] = line


def _bad_timestamp_line(root: Any) -> int | None:
    """The line of the first date or time that is no date or time (2026-02-30): YAML's
    constructor raises a bare ValueError for it, without a position."""
    constructor = yaml.SafeLoader("")
    for node in yaml_nodes(root):
        if isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
            try:
                constructor.construct_yaml_timestamp(node)
            except (ValueError, OverflowError):
                return int(node.start_mark.line) + 1
    return None


def safe_yaml_documents(text: str, path: str, *, plain_dates: bool = False,
                        max_nodes: int | None = MAX_YAML_NODES) -> list[tuple[Any, Any]]:
    """(value, node) per document, parsed once, with the safe loader: an anchor bomb (aliases
    expanding past `max_nodes`; None: past MAX_YAML_NODES or twice the nodes the text spells
    out, for data files that may be large by themselves), a self-referring alias and a
    duplicate key are refused before anything is built, and YAML errors carry the parser's
    line. `plain_dates` keeps dates as the strings they are written as. Raises ManifestError
    (a caller reading other files re-raises it as its own)."""
    loader = (_PlainDatesLoader if plain_dates else _Loader)(text)
    docs: list[tuple[Any, Any]] = []
    node = None
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                limit = max_nodes if max_nodes is not None else max(MAX_YAML_NODES, 2 * _distinct_nodes(node))
                _bounded(node, path, limit)
                _no_duplicate_keys(node, path)
                docs.append((loader.construct_document(node), node))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(f"{loc}: invalid YAML: {problem}", file=path) from None
    except (ValueError, OverflowError) as exc:  # a date that is none: 2026-02-30
        line = _bad_timestamp_line(node) if node is not None else None
        loc = f"{path}:{line}" if line else path
        raise ManifestError(f"{loc}: invalid YAML date: {exc}", file=path) from None
    finally:
        loader.dispose()
    return docs


node_line = _node_line


def load_job_file(path: Path) -> list[LoadedJob]:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{shown}: cannot read manifest: {exc}", file=shown) from None
    if path.suffix == ".json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}", file=shown) from None
        docs: list[tuple[Any, Any]] = [(v, None) for v in (value if isinstance(value, list) else [value])]
    else:
        docs = safe_yaml_documents(text, shown)
    if not docs:
        raise ManifestError(f"{shown}: no manifest document in file", file=shown)
    loaded: list[LoadedJob] = []
    errors: list[str] = []
    for i, (value, node) in enumerate(docs, start=1):
        try:
            job = parse_job(value, shown if len(docs) == 1 else f"{shown} (document {i})", node)
        except ManifestError as exc:
            errors += exc.errors
            continue
        line = node.start_mark.line + 1 if node is not None else 1
        target_lines = ([_node_line(node, ["spec", "targets", t]) for t in range(len(job.spec.targets))]
                        if node is not None else [])
        loaded.append(LoadedJob(job, shown, i, line, target_lines))
    if errors:
        raise ManifestError("\n".join(errors), file=shown, errors=errors)
    return loaded


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; directories expanded to their manifests (recursively, sorted)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.suffix in MANIFEST_SUFFIXES and q.is_file())
            if not found:
                raise ManifestError(f"{p}: no manifest (*.yaml, *.yml, *.json) in directory", file=str(p))
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise ManifestError(f"{p}: no such file or directory", file=str(p))
    return out


def load_manifests(paths: Iterable[str | Path]) -> list[LoadedJob]:
    """Every job in the given files and directories; all errors are collected and raised
    together, so one run shows every bad manifest."""
    jobs: list[LoadedJob] = []
    errors: list[str] = []
    for path in expand_paths(paths):
        try:
            jobs += load_job_file(path)
        except ManifestError as exc:
            errors += exc.errors
    if errors:
        raise ManifestError("\n".join(errors), errors=errors)
    return jobs


def load_job(job: Any) -> CollectionJob:
    """A job given as a model, a dict or a manifest path (its single document)."""
    if isinstance(job, CollectionJob):
        return job
    if isinstance(job, Mapping):
        return parse_job(job, "job")
    if isinstance(job, (str, Path)):
        loaded = load_job_file(Path(job))
        if len(loaded) != 1:
            raise ManifestError(f"{job}: holds {len(loaded)} jobs; a Gate takes one", file=str(job))
        return loaded[0].job
    raise ManifestError(f"a job is a CollectionJob, a dict or a manifest path, not {type(job).__name__}")
