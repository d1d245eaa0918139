"""Load a waivers file (`--waivers FILE`) into the data document the policies read,
`data.scrapegate.granted_waivers` (see policies/scrapegate/waivers.rego)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate.engines.policy_set import load_data_document
from gate.errors import PolicyError

__all__ = ["load_waivers", "WAIVER_FIELDS", "WAIVERS_DATA_KEY"]

WAIVER_FIELDS = ("id", "rules", "jobs", "sites", "approved_by", "reason", "ticket", "expires")
# Where the waivers sit under data.scrapegate ("waivers" itself is the Rego package's path).
WAIVERS_DATA_KEY = "granted_waivers"
# The top-level keys a waivers file may hold its list under ("exceptions": the old name).
_FILE_KEYS = ("waivers", "exceptions")


def load_waivers(path: str | Path) -> dict[str, Any]:
    """A YAML/JSON list of waivers, or {"waivers": [...]}, as data.scrapegate.granted_waivers.
    Each waiver must carry every field, so an unapproved or open-ended waiver is an error."""
    p = Path(path)
    if not p.is_file():
        raise PolicyError(f"{p}: waivers file does not exist")
    value, _ = load_data_document(p, plain_dates=True)  # expires: 2026-12-31 as written
    if isinstance(value, dict):
        key = next((k for k in _FILE_KEYS if k in value), None)
        if key is not None:
            value = value[key]
    if value is None:
        value = []
    if not isinstance(value, list):
        raise PolicyError(f"{p}: expected a list of waivers (or a 'waivers:' list)")
    for i, waiver in enumerate(value):
        if not isinstance(waiver, dict):
            raise PolicyError(f"{p}: waivers[{i}] must be a mapping")
        missing = [f for f in WAIVER_FIELDS if waiver.get(f) in (None, "", [])]
        if missing:
            raise PolicyError(f"{p}: waivers[{i}] ({waiver.get('id', 'no id')}): missing {', '.join(missing)}")
        unknown = sorted(set(waiver) - set(WAIVER_FIELDS))
        if unknown:
            raise PolicyError(f"{p}: waivers[{i}] ({waiver['id']}): unknown field(s) {', '.join(unknown)}")
        if isinstance(waiver["rules"], str):
            waiver["rules"] = [waiver["rules"]]
        waiver["expires"] = str(waiver["expires"])  # YAML reads 2026-12-31 as a date
    return {"scrapegate": {WAIVERS_DATA_KEY: value}}
