"""Where the terms read of each site are kept between processes: one SQLite file
($SCRAPEGATE_HOME/terms.db, the per-user state directory) holding, per site and user
agent, the last few `TermsRecord`s with the page's hash and the date read.

The newest record is the cache (fresh for a day: a crawl, and every `scrapegate check
--live` that day, costs at most two discovery fetches per site); the one before it is
what `scrapegate terms` compares against ("what changed since the last read").
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

from gate.signals.terms.finder import TermsRecord

__all__ = ["TermsStore", "default_store_path", "STATE_ENV", "TERMS_STORE_FILE", "KEEP_PER_SITE"]

STATE_ENV = "SCRAPEGATE_HOME"  # the same state directory as the proxy's (gate/proxy/state.py)
TERMS_STORE_FILE = "terms.db"
KEEP_PER_SITE = 8  # reads kept per site and agent: enough history to say what changed
_SCHEMA = """
CREATE TABLE IF NOT EXISTS terms_reads (
    site TEXT NOT NULL, agent TEXT NOT NULL, read_at REAL NOT NULL, sha256 TEXT,
    status TEXT NOT NULL, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS terms_reads_site ON terms_reads (site, agent, read_at);
"""


def default_store_path() -> Path:
    """$SCRAPEGATE_HOME/terms.db, else $XDG_STATE_HOME/scrapegate/terms.db, else
    ~/.local/state/scrapegate/terms.db."""
    explicit = os.environ.get(STATE_ENV)
    if explicit:
        return Path(explicit).expanduser() / TERMS_STORE_FILE
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    return base / "scrapegate" / TERMS_STORE_FILE


class TermsStore:
    """The reads of sites' terms, newest first per (site, agent). `path=None`: in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = None if path is None else Path(path)
        self._db = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False,
                                   isolation_level=None, timeout=10)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)

    def history(self, site: str, agent: str, limit: int = 2) -> list[TermsRecord]:
        """The newest `limit` records of a site for an agent, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM terms_reads WHERE site = ? AND agent = ? ORDER BY read_at DESC LIMIT ?",
                (site, agent, limit)).fetchall()
        out = []
        for (text,) in rows:
            try:
                out.append(TermsRecord.from_dict(json.loads(text)))
            except ValueError:  # a row another version wrote: skip it, the next read replaces it
                continue
        return out

    def latest(self, site: str, agent: str) -> TermsRecord | None:
        found = self.history(site, agent, 1)
        return found[0] if found else None

    def save(self, record: TermsRecord, agent: str) -> None:
        """Add a read; keep the newest KEEP_PER_SITE of the site's."""
        text = json.dumps(record.to_dict(), ensure_ascii=False)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT INTO terms_reads VALUES (?, ?, ?, ?, ?, ?)",
                                 (record.site, agent, record.read_at, record.sha256, record.status, text))
                self._db.execute(
                    "DELETE FROM terms_reads WHERE site = ? AND agent = ? AND rowid NOT IN (SELECT rowid FROM "
                    "terms_reads WHERE site = ? AND agent = ? ORDER BY read_at DESC LIMIT ?)",
                    (record.site, agent, record.site, agent, KEEP_PER_SITE))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()
