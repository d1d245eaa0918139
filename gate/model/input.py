"""The policy input (what Rego sees as `input`) for one request of one job: the one place
its document is written. Its `signals` section is the signal source's (gate.signals.base
says its shape); the job part is `CollectionJob.policy_view()`.

    {"request": {...}, "job": {...}, "subjects": {"declared": [...], "inferred": []},
     "signals": {...}, "now": "2026-11-26T10:00:00Z", "now_date": "2026-11-26"}
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from gate.model.agent import product_token
from gate.model.job import CollectionJob
from gate.model.url import NormalizedURL, host_kind

__all__ = ["build_input", "subjects_of", "ledger_view", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def build_input(
    job: CollectionJob | dict[str, Any],
    url: NormalizedURL,
    *,
    method: str = "GET",
    authenticated: bool = False,
    signals: dict[str, Any],
    now: datetime | None = None,
    job_view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The input document of DESIGN.md: `signals` is the section a SignalSource gathered
    (gate.signals; static mode: gate.signals.static.static_signals()). `job_view` lets a
    caller that evaluates many URLs of one job build the job part once."""
    view = job_view if job_view is not None else (job.policy_view() if isinstance(job, CollectionJob) else job)
    moment = now or utc_now()
    sig = signals
    if authenticated and not sig.get("login_required"):
        sig = {**sig, "login_required": True}
    return {
        "request": {
            "url": url.url,
            "method": method.upper(),
            "scheme": url.scheme,
            "host": url.host,
            "port": url.port,
            "site": url.site,
            "path": url.path,
            "authenticated": authenticated,
            # computed here, not in Rego: regopy lacks net.cidr_contains, and the product
            # token has one implementation (gate.model.agent)
            "host_kind": host_kind(url.host),
            "agent_token": product_token(view.get("user_agent")),
        },
        "job": view,
        "subjects": subjects_of(view),
        "signals": sig,
        "now": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "now_date": moment.strftime("%Y-%m-%d"),
    }


def subjects_of(job_view: dict[str, Any]) -> dict[str, Any]:
    """`input.subjects`: the jurisdictions the job declares (the policies infer the rest)."""
    return {"declared": list(job_view["data_subjects"]["jurisdictions"]), "inferred": []}


def ledger_view(url: str | None, method: str, nurl: NormalizedURL | None, job_view: dict[str, Any],
                subjects: dict[str, Any]) -> dict[str, Any]:
    """The part of the input the ledger reads, for a decision not evaluated for this request:
    a cached one, or one denied before the policies (an invalid URL, failed signals)."""
    request: dict[str, Any] = {"url": url, "method": method.upper()}
    if nurl is not None:
        request.update(site=nurl.site, host=nurl.host)
    return {"request": request, "job": job_view, "subjects": subjects}
