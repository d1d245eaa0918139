"""Decisions and policy inputs shaped as the Gate builds them, for the ledger tests."""

from __future__ import annotations

import hashlib
from typing import Any

from gate.model.decision import Decision, Violation
from gate.model.url import normalize

LEGAL_BASIS = {"gdpr_art6": "legitimate_interests", "gdpr_art9": None,
               "consent": {"kind": "none", "evidence": None}, "assessments": {"lia": "LIA-7", "dpia": None}}


def policy_input(url: str, *, subjects: list[str] | None = None, job: str = "face-index",
                 inferred: list[str] | None = None) -> dict[str, Any]:
    n = normalize(url)
    return {
        "request": {"url": n.url, "method": "GET", "scheme": n.scheme, "host": n.host, "port": n.port,
                    "site": n.site, "path": n.path, "authenticated": False},
        "job": {"name": job, "owner": "data-team@example.com", "legal_basis": LEGAL_BASIS,
                "data_subjects": {"jurisdictions": subjects or ["*"], "minors": False}},
        "subjects": {"declared": subjects or ["*"], "inferred": inferred or []},
        "signals": {"robots": {"status": "ok", "allowed": True, "crawl_delay": None, "rule": None}},
        "now": "2026-11-26T10:00:00Z",
        "now_date": "2026-11-26",
    }


def allowed(**kw: Any) -> Decision:
    return Decision(allow=True, policy_revision="rev-1", engine="embedded", **kw)


def denied(code: str = "robots.disallowed", jurisdiction: str | None = None, **kw: Any) -> Decision:
    return Decision(allow=False, deny=[Violation(code=code, jurisdiction=jurisdiction)],
                    policy_revision="rev-1", engine="embedded", **kw)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
