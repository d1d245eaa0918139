"""Where scrapegate keeps per-user state (the proxy's CA, its leaf certificates)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STATE_ENV", "state_dir", "private_dir"]

STATE_ENV = "SCRAPEGATE_HOME"
STATE_APP_NAME = "scrapegate"


def state_dir() -> Path:
    """$SCRAPEGATE_HOME, else $XDG_STATE_HOME/scrapegate, else ~/.local/state/scrapegate."""
    explicit = os.environ.get(STATE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    return base / STATE_APP_NAME


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path
