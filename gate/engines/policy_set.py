"""Find and load a policy bundle's files: every `.rego` module and every `data.json` /
`data.yaml`, mapped to `data.<directory path>` exactly as OPA maps a bundle directory."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from gate.errors import ManifestError, PolicyError

__all__ = ["PolicySet", "PolicyModule", "load_policy_set", "shipped_policies_dir", "load_data_file",
           "load_data_document"]

DATA_FILE_NAMES = ("data.json", "data.yaml", "data.yml")
SKIP_DIRS = {".git", "__pycache__", ".opa", "node_modules"}


def shipped_policies_dir() -> Path:
    """The policies shipped with scrapegate: inside the installed package (wheel), or the
    repository's policies/ folder when running from a checkout or an editable install."""
    package = Path(__file__).resolve().parents[1]  # gate/ (this file is gate/engines/policy_set.py)
    for candidate in (package / "policies", package.parent / "policies"):
        if (candidate / "scrapegate").is_dir():
            return candidate
    raise PolicyError(f"shipped policies not found next to {package}")


@dataclass(frozen=True)
class PolicyModule:
    path: Path          # on disk
    name: str           # path relative to its root, with the root's folder name: policies/scrapegate/main.rego
    source: str
    is_test: bool


@dataclass
class PolicySet:
    """What one engine loads: modules, merged data and the revision hash."""

    roots: list[Path]
    modules: list[PolicyModule]
    data: dict[str, Any]
    data_files: list[tuple[str, Path, Any]] = field(default_factory=list)  # (data path, file, value)
    revision: str = ""

    def policy_modules(self, include_tests: bool = False) -> list[PolicyModule]:
        return [m for m in self.modules if include_tests or not m.is_test]


def _walk(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if path.is_file():
            yield path


def load_data_document(path: Path, *, plain_dates: bool = False) -> tuple[Any, Any]:
    """(value, YAML node or None) of a JSON or YAML data file, read with the manifests' safe
    YAML loader (anchor bombs and duplicate keys refused unbuilt); errors name the file and,
    where known, the line. A YAML date or time is not JSON (OPA reads it as a string, Python
    as a date): refused, unless `plain_dates` keeps it as its text."""
    from gate.model.manifest import safe_yaml_documents

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read data file: {exc}") from exc
    if path.suffix == ".json":
        try:
            return json.loads(text), None
        except json.JSONDecodeError as exc:
            raise PolicyError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
        except RecursionError:
            raise PolicyError(f"{path}: JSON nested too deeply; refused") from None
    try:
        docs = safe_yaml_documents(text, str(path), plain_dates=True, max_nodes=None)
    except ManifestError as exc:
        raise PolicyError(str(exc)) from None
    if len(docs) > 1:
        raise PolicyError(f"{path}:{int(docs[1][1].start_mark.line) + 1}: a data file holds one YAML document; "
                          f"this one holds {len(docs)}")
    if not docs:
        return None, None
    value, node = docs[0]
    if not plain_dates:
        line = _timestamp_line(node)
        if line is not None:
            raise PolicyError(f"{path}:{line}: data is not JSON: a YAML date or time; quote it "
                              "(OPA would read it as a string)")
    return value, node


def _timestamp_line(root: Any) -> int | None:
    """The line of the first value YAML reads as a date or time, or None."""
    from gate.model.manifest import yaml_nodes

    for node in yaml_nodes(root):
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            return int(node.start_mark.line) + 1
    return None


def load_data_file(path: Path) -> Any:
    """Parse a JSON or YAML data file (see load_data_document)."""
    return load_data_document(path)[0]


def _merge(target: dict[str, Any], key_path: list[str], value: Any, origin: str,
           owners: dict[tuple[str, ...], str]) -> None:
    """Place `value` at `key_path`, merging objects; a leaf defined twice is an error."""
    node = target
    for i, key in enumerate(key_path):
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise PolicyError(f"{origin}: data path {'.'.join(key_path[: i + 1])} is already a value")
    if not isinstance(value, dict):
        if key_path and node:
            other = owners.get(tuple(key_path), "other data")
            raise PolicyError(f"{origin}: data at {'.'.join(key_path)} conflicts with {other}")
        raise PolicyError(f"{origin}: a data file must hold an object at its top level")
    for key, sub in value.items():
        here = tuple(key_path) + (str(key),)
        if isinstance(sub, dict) and isinstance(node.get(key), dict):
            _merge(target, list(here), sub, origin, owners)
        elif key in node:
            other = owners.get(here, "another file")
            raise PolicyError(f"{origin}: data key {'.'.join(here)} is also defined by {other}")
        else:
            node[key] = sub
            owners[here] = origin


def deep_override(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` layered over `base`: objects merge, anything else replaces."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_override(out[key], value)
        else:
            out[key] = value
    return out


def load_policy_set(roots: Sequence[Path | str], extra_data: dict[str, Any] | None = None) -> PolicySet:
    """Load every module and data file under `roots`. `extra_data` (e.g. waivers from
    --waivers) is layered over the bundle's data and counted in the revision."""
    seen: set[Path] = set()
    resolved: list[Path] = []
    for root in roots:
        p = Path(root)
        if not p.exists():
            raise PolicyError(f"{p}: policy directory does not exist")
        if p.is_file() and p.suffix != ".rego" and p.name not in DATA_FILE_NAMES:
            # Below a directory such a file is skipped, as OPA's bundles skip it; named on its
            # own it was meant to be loaded, and skipping it silently would hide the mistake.
            raise PolicyError(f"{p}: not a policy: give a directory, a .rego module or a data file named "
                              f"{', '.join(DATA_FILE_NAMES)}")
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            resolved.append(p)
    modules: list[PolicyModule] = []
    data: dict[str, Any] = {}
    owners: dict[tuple[str, ...], str] = {}
    data_files: list[tuple[str, Path, Any]] = []
    digest = hashlib.sha256()
    for root in resolved:
        files = [root] if root.is_file() else list(_walk(root))
        base = root.parent if root.is_file() else root
        for path in files:
            rel = path.relative_to(base).as_posix()
            if path.suffix == ".rego":
                try:
                    raw = path.read_bytes()
                    source = raw.decode("utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise PolicyError(f"{path}: cannot read policy: {exc}") from exc
                is_test = path.name.endswith("_test.rego")
                modules.append(PolicyModule(path, f"{base.name}/{rel}", source, is_test))
                if not is_test:
                    digest.update(f"{rel}\0".encode() + raw + b"\0")
            elif path.name in DATA_FILE_NAMES:
                value = load_data_file(path)
                if value is None:
                    value = {}
                key_path = [part for part in Path(rel).parent.parts if part not in ("", ".")]
                _merge(data, key_path, value, str(path), owners)
                data_files.append((".".join(key_path), path, value))
                digest.update(f"{rel}\0".encode() + path.read_bytes() + b"\0")
    if extra_data:
        data = deep_override(data, extra_data)
        digest.update(b"extra\0" + json.dumps(extra_data, sort_keys=True, default=str).encode())
    if not any(not m.is_test for m in modules) and not any(m.is_test for m in modules):
        raise PolicyError("no .rego policy found under " + ", ".join(str(r) for r in resolved))
    return PolicySet(resolved, modules, data, data_files, digest.hexdigest())
