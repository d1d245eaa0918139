"""Where the ledger is when nobody says: $SCRAPEGATE_LEDGER, else ./.scrapegate/ledger.db.
Read here once, for every backend and every entry point (see gate.core.config).

SCRAPEGATE_LEDGER=off (or false, no, none, 0) is the environment's way to say "no ledger":
`ledger_off` tells it, and `ledger_location` never takes such a word for a file name."""

from __future__ import annotations

import os
from pathlib import Path

from gate.errors import LedgerError

__all__ = ["LEDGER_ENV", "DEFAULT_LEDGER_PATH", "OFF_WORDS", "ledger_location", "ledger_off"]

LEDGER_ENV = "SCRAPEGATE_LEDGER"
DEFAULT_LEDGER_PATH = Path(".scrapegate") / "ledger.db"
OFF_WORDS = frozenset({"off", "false", "no", "none", "0"})


def ledger_off(value: object) -> bool:
    """Whether `value` (an environment value or a setting) says "no ledger"."""
    return value is False or (isinstance(value, str) and value.strip().lower() in OFF_WORDS)


def ledger_location(location: str | os.PathLike[str] | None = None) -> str:
    """`location`, else $SCRAPEGATE_LEDGER, else ./.scrapegate/ledger.db. LedgerError when the
    only location is SCRAPEGATE_LEDGER=off: there is no ledger to open or read."""
    if location is None or str(location) == "":
        env = os.environ.get(LEDGER_ENV)
        if env and ledger_off(env):
            raise LedgerError(f"{LEDGER_ENV}={env} switches the ledger off: there is no ledger here "
                              "(unset it, or give a location)")
        return env or str(DEFAULT_LEDGER_PATH)
    return os.fspath(location)
