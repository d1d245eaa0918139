"""Load a waivers file (`--waivers FILE`) into the data document the policies read,
`data.scrapegate.granted_waivers` (see policies/scrapegate/waivers.rego), validated the way a
manifest is (gate.model.waiver.Waiver): every error names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gate.engines.policy_set import load_data_document
from gate.errors import PolicyError
from gate.model.manifest import MAX_ERRORS, render_validation_error
from gate.model.waiver import WAIVER_FIELDS, Waiver

__all__ = ["load_waivers", "WAIVER_FIELDS", "WAIVERS_DATA_KEY"]

# Where the waivers sit under data.scrapegate ("waivers" itself is the Rego package's path).
WAIVERS_DATA_KEY = "granted_waivers"
# The top-level keys a waivers file may hold its list under ("exceptions": the old name).
_FILE_KEYS = ("waivers", "exceptions")
_SCHEMA = "a waiver: " + ", ".join(WAIVER_FIELDS)


def _child(node: Any, key: Any) -> Any:
    """The YAML node under `key` (a mapping key or a list index), or None."""
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _at(path: Path, node: Any) -> str:
    """`file:line` where the node is known (YAML), else the file (JSON)."""
    return f"{path}:{int(node.start_mark.line) + 1}" if node is not None else str(path)


def load_waivers(path: str | Path) -> dict[str, Any]:
    """A YAML/JSON list of waivers, or {"waivers": [...]}, as data.scrapegate.granted_waivers.
    Each waiver must carry every field (an unapproved or open-ended waiver is an error), jobs
    and sites are a glob or a list of globs, expires a real YYYY-MM-DD date, and no two
    waivers share an id. Errors (all of them, at once) name the file, the line and the field."""
    p = Path(path)
    if not p.is_file():
        raise PolicyError(f"{p}: waivers file does not exist")
    value, node = load_data_document(p, plain_dates=True)  # expires: 2026-12-31 as written
    prefix = "waivers"
    if isinstance(value, dict):
        keys = [k for k in _FILE_KEYS if k in value]
        others = [k for k in value if k not in _FILE_KEYS]
        if others or len(keys) != 1:
            bad = others[0] if others else keys[-1]
            key_node = next((k for k, _ in node.value if getattr(k, "value", None) == bad), None) if node else None
            where = _at(p, key_node)
            raise PolicyError(f"{where}: {str(bad)[:80]!r}: a waivers file is a list of waivers, or holds it under "
                              "one key, waivers: (exceptions: is its old name)")
        prefix = keys[0]
        value, node = value[prefix], _child(node, prefix)
    if value is None:
        value = []
    if not isinstance(value, list):
        raise PolicyError(f"{_at(p, node)}: {prefix}: expected a list of waivers, not {type(value).__name__}")
    errors: list[str] = []
    granted: list[dict[str, Any]] = []
    first_of: dict[str, int] = {}
    for i, raw in enumerate(value):
        item = _child(node, i)
        here = f"{prefix}[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{_at(p, item)}: {here}: a waiver is a mapping of {', '.join(WAIVER_FIELDS)}")
            continue
        try:
            waiver = Waiver.model_validate(raw)
        except ValidationError as exc:
            where = str(p) if item is not None else f"{p}:"
            errors += render_validation_error(exc, where, item, schema=_SCHEMA, loc_prefix=here)
            continue
        if waiver.id in first_of:
            errors.append(f"{_at(p, _child(item, 'id'))}: {here}.id: {waiver.id!r} is already the id of "
                          f"{prefix}[{first_of[waiver.id]}]: a waiver's id names it in every decision")
            continue
        first_of[waiver.id] = i
        granted.append(waiver.model_dump())
    if errors:
        if len(errors) > MAX_ERRORS:
            errors = errors[:MAX_ERRORS] + [f"{p}: ... and {len(errors) - MAX_ERRORS} more problems"]
        raise PolicyError("\n".join(errors))
    return {"scrapegate": {WAIVERS_DATA_KEY: granted}}
