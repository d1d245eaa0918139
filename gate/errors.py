"""Exceptions raised by scrapegate.

The hierarchy::

    GateError
    ├── CollectionBlocked      a request was denied; carries the Decision
    ├── ManifestError          a job manifest could not be read or validated
    ├── PolicyError            a policy or data file could not be loaded or compiled
    ├── InvalidURL             a URL the gate will not evaluate (scheme, userinfo, host)
    ├── LedgerError            the decision ledger could not be written or read
    ├── ClusterError           the cluster settings (SCRAPEGATE_REDIS, ...) are unusable
    ├── ExtraMissing           an optional extra (pip install 'scrapegate[...]') is not installed
    └── EngineError            the policy engine failed to evaluate
        └── EngineUnavailable  the policy engine could not be reached
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from gate.model.decision import Decision

__all__ = [
    "GateError",
    "CollectionBlocked",
    "ManifestError",
    "PolicyError",
    "InvalidURL",
    "LedgerError",
    "ClusterError",
    "ExtraMissing",
    "EngineError",
    "EngineUnavailable",
    "redact_url",
    "scrub_secrets",
]

# A password may sit in the userinfo (user:pw@) or, for libpq and redis-py, in the query.
_QUERY_SECRET = re.compile(r"([?&](?:ssl)?password=)([^&#]*)", re.IGNORECASE)


def redact_url(url: str) -> str:
    """`url` (a database or Redis URL) with its passwords hidden, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    userinfo, at, host = rest.rpartition("@")
    if at and ":" in userinfo:
        rest = f"{userinfo.split(':', 1)[0]}:***@{host}"
    return scheme + sep + _QUERY_SECRET.sub(r"\1***", rest)


def scrub_secrets(text: str, url: str) -> str:
    """`text` (a driver's message may quote the URL or its parts) with `url`'s passwords hidden."""
    rest = url.partition("://")[2]
    userinfo = rest.rpartition("@")[0]
    secrets = [userinfo.split(":", 1)[1]] if ":" in userinfo else []
    secrets += [m.group(2) for m in _QUERY_SECRET.finditer(rest)]
    for secret in sorted({s for raw in secrets if raw for s in (raw, unquote(raw))}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class GateError(Exception):
    """Base class of every error scrapegate raises."""


class CollectionBlocked(GateError):
    """The gate denied a request; `decision` says why."""

    def __init__(self, decision: "Decision", url: str | None = None) -> None:
        self.decision = decision
        self.url = url or decision.url
        reasons = "; ".join(
            f"{v.code}" + (f" [{v.jurisdiction}]" if v.jurisdiction else "") + (f" ({v.law})" if v.law else "")
            for v in decision.deny
        ) or "denied"
        # The first denial's own words name what matched (robots: "... (Disallow: /private)").
        first = decision.deny[0].message if decision.deny and decision.deny[0].message else ""
        super().__init__(f"scrapegate blocked {self.url}: {reasons}" + (f" - {first}" if first else "")
                         + f" (why: {_where_to_look(decision, self.url)})")


# Denials `explain` cannot reproduce: they come from the response (its content) or from the
# request's own headers, not from the policies' view of the URL.
_RESPONSE_CODES = ("content.",)
_HEADER_CODES = ("request.host_mismatch", "request.agent_mismatch", "request.rewrite_header")


def _where_to_look(decision: "Decision", url: str | None) -> str:
    codes = [v.code for v in decision.deny]
    if codes and all(c.startswith(_RESPONSE_CODES) for c in codes):
        return "what the response held; scrapegate ledger quarantine lists the URL"
    if codes and all(c in _HEADER_CODES for c in codes):
        return "the request's headers, as the message says"
    return f"scrapegate explain JOB.yaml --target {url} --live"


class ManifestError(GateError):
    """A job manifest could not be read or validated."""

    def __init__(self, message: str, *, file: str | None = None, errors: list[str] | None = None) -> None:
        self.file = file
        self.errors = errors or [message]
        super().__init__(message)


class PolicyError(GateError):
    """A policy or data file could not be loaded or compiled."""


class InvalidURL(GateError, ValueError):
    """A URL the gate will not evaluate."""

    def __init__(self, message: str, url: Any = None) -> None:
        self.url = url
        super().__init__(message)


class LedgerError(GateError):
    """The decision ledger could not be written or read."""


class ClusterError(GateError):
    """The cluster settings (SCRAPEGATE_REDIS, SCRAPEGATE_CLUSTER_NODES, ...) are unusable."""


class ExtraMissing(GateError, ImportError):
    """An optional extra is not installed; the message names the pip command. Still an
    ImportError, for callers that catch that."""


class EngineError(GateError):
    """The policy engine failed to evaluate."""


class EngineUnavailable(EngineError):
    """The policy engine could not be reached."""
