"""Saying, as it happens, that decisions are denied because the ledger cannot record them.

A ledger outage (PostgreSQL down, a full disk) turns every decision into a `ledger.unavailable`
deny. The decisions themselves say so, but an adapter logs a deny at DEBUG (Scrapy), and a crawl
can run through its whole queue in seconds: the operator reads it in the log, once when it
starts and then at most every REPEAT_S with the count denied since.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from gate.errors import redact_url, scrub_secrets

__all__ = ["UnrecordedLog", "REPEAT_S"]

logger = logging.getLogger("scrapegate")

REPEAT_S = 30.0


class UnrecordedLog:
    def __init__(self, repeat_s: float = REPEAT_S) -> None:
        self.repeat_s = repeat_s
        self._lock = threading.Lock()
        self._said_at: float | None = None
        self._since = 0  # denied since the last message

    def note(self, ledger: Any, exc: BaseException) -> None:
        """One decision denied for `exc`; log it if nothing was said for REPEAT_S."""
        now = time.monotonic()
        with self._lock:
            self._since += 1
            if self._said_at is not None and now - self._said_at < self.repeat_s:
                return
            count, self._since, self._said_at = self._since, 0, now
        where = str(getattr(ledger, "path", "") or type(ledger).__name__)
        # A message may quote the URL: passwords hidden, whichever part carries them.
        cause = scrub_secrets(str(exc), getattr(ledger, "url", "") or "")
        logger.error("scrapegate: the ledger %s cannot record decisions (%s): %d decision(s) denied "
                     "(ledger.unavailable)%s; nothing is sent unrecorded", redact_url(where), cause, count,
                     "" if count == 1 else f" in the last {self.repeat_s:g} s")
