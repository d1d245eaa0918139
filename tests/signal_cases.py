"""Signal documents the engine tests share: a site that says no in every way it can."""

from __future__ import annotations

from typing import Any

# robots.txt, an opt-out and a login wall all refuse.
SITE_SAYS_NO: dict[str, Any] = {
    "robots": {"status": "ok", "allowed": False, "crawl_delay": 10, "rule": "Disallow: /"},
    "optout": {"status": "ok", "tdm_reserved": True, "ai_train": "reserved",
               "sources": [{"kind": "tdm-reservation-header"}]},
    "terms": {"known": False},
    "login_required": True,
}
