"""Load a waivers file (`--exceptions FILE`) into the data document the policies read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate.errors import PolicyError
from gate.engines.policy_set import load_data_file

__all__ = ["load_exceptions", "WAIVER_FIELDS"]

WAIVER_FIELDS = ("id", "rules", "jobs", "sites", "approved_by", "reason", "ticket", "expires")


def load_exceptions(path: str | Path) -> dict[str, Any]:
    """A YAML/JSON list of waivers, or {"exceptions": [...]}, as data.scrapegate.exceptions.
    Each waiver must carry every field, so an unapproved or open-ended waiver is an error."""
    p = Path(path)
    if not p.is_file():
        raise PolicyError(f"{p}: exceptions file does not exist")
    value = load_data_file(p)
    if isinstance(value, dict) and "exceptions" in value:
        value = value["exceptions"]
    if value is None:
        value = []
    if not isinstance(value, list):
        raise PolicyError(f"{p}: expected a list of waivers (or an 'exceptions:' list)")
    for i, waiver in enumerate(value):
        if not isinstance(waiver, dict):
            raise PolicyError(f"{p}: exceptions[{i}] must be a mapping")
        missing = [f for f in WAIVER_FIELDS if waiver.get(f) in (None, "", [])]
        if missing:
            raise PolicyError(f"{p}: exceptions[{i}] ({waiver.get('id', 'no id')}): missing {', '.join(missing)}")
        unknown = sorted(set(waiver) - set(WAIVER_FIELDS))
        if unknown:
            raise PolicyError(f"{p}: exceptions[{i}] ({waiver['id']}): unknown field(s) {', '.join(unknown)}")
        if isinstance(waiver["rules"], str):
            waiver["rules"] = [waiver["rules"]]
        waiver["expires"] = str(waiver["expires"])  # YAML reads 2026-12-31 as a date
    return {"scrapegate": {"exceptions": value}}
