"""Where the ledger is when nobody says: $SCRAPEGATE_LEDGER, else ./.scrapegate/ledger.db.
Read here once, for every backend and every entry point (see gate.core.config)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["LEDGER_ENV", "DEFAULT_LEDGER_PATH", "ledger_location"]

LEDGER_ENV = "SCRAPEGATE_LEDGER"
DEFAULT_LEDGER_PATH = Path(".scrapegate") / "ledger.db"


def ledger_location(location: str | os.PathLike[str] | None = None) -> str:
    """`location`, else $SCRAPEGATE_LEDGER, else ./.scrapegate/ledger.db."""
    if location is None or str(location) == "":
        return os.environ.get(LEDGER_ENV) or str(DEFAULT_LEDGER_PATH)
    return os.fspath(location)
