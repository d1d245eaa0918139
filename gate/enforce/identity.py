"""Who a request claims to be, checked against what the gate decided for.

Two headers can make the request that is sent differ from the request that was checked:

- `Host`: a caller-supplied Host that names another authority than the URL reaches a
  different virtual host than the one the gate decided on (and the ledger names the wrong
  site). It is denied as `request.host_mismatch`.
- `X-Forwarded-Host`, `X-Host` and `Forwarded: host=`: servers behind a proxy that trusts
  them (Werkzeug's ProxyFix, Django's USE_X_FORWARDED_HOST, Symfony's trusted headers) route
  by them as by Host: read the same way.
- `X-Original-URL`, `X-Rewrite-URL`: IIS URL Rewrite and Symfony serve the path they name
  instead of the request's. One naming another path than the URL is denied as
  `request.rewrite_header`.
- `User-Agent`: robots.txt is read for the job's `user_agent`. The origin must receive that
  agent: a library's default (python-requests/..., python-httpx/..., python-urllib3/...,
  HeadlessChrome) is replaced by it, and a caller who sets any other agent is denied as
  `request.agent_mismatch` (scrapegate does not decide again for the other agent: the job
  declares one agent, and its robots.txt groups are read for that one).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urljoin

from gate.errors import InvalidURL
from gate.model.url import DEFAULT_PORTS, normalize, normalize_host

if TYPE_CHECKING:
    from gate.core.gate import Gate

__all__ = ["HOST_MISMATCH", "AGENT_MISMATCH", "REWRITE_HEADER", "header_problem", "is_library_agent", "sent_agent"]

HOST_MISMATCH = "request.host_mismatch"
AGENT_MISMATCH = "request.agent_mismatch"
REWRITE_HEADER = "request.rewrite_header"
_HOST_HEADERS = ("Host", "X-Forwarded-Host", "X-Host")  # an authority a server may route by
_REWRITE_HEADERS = ("X-Original-URL", "X-Rewrite-URL")  # a path a server may serve instead
_CHECKED = frozenset(n.lower() for n in (*_HOST_HEADERS, *_REWRITE_HEADERS, "Forwarded", "User-Agent"))
_FORWARDED_HOST = re.compile(r"""(?:^|[;,\s])host\s*=\s*(?:"([^"]*)"|([^;,\s]*))""", re.IGNORECASE)
# The agents HTTP libraries and browsers send when the caller sets none.
_LIBRARY_AGENT = re.compile(
    r"^(python-requests|python-httpx|python-urllib3|Python-urllib|aiohttp|Scrapy|curl|Wget)/"
    r"|HeadlessChrome/", re.IGNORECASE)


def is_library_agent(agent: str | None) -> bool:
    """True for no agent or a library's or headless browser's default."""
    return not agent or bool(_LIBRARY_AGENT.search(agent))


def sent_agent(gate: "Gate", agent: str | None) -> str:
    """The agent to send: the job's, in place of a library default."""
    return gate.job.spec.user_agent if is_library_agent(agent) else str(agent)


def _authority(value: str, scheme: str) -> tuple[str, int]:
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        host, rest = value[: end + 1], value[end + 1:]
    else:
        host, _, port_text = value.partition(":")
        rest = ":" + port_text if port_text else ""
    port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else DEFAULT_PORTS[scheme]
    if rest and not rest[1:].isdigit():
        raise InvalidURL(f"invalid port in Host header {value!r}", value)
    return normalize_host(host), port


def _checked_headers(headers: Mapping[Any, Any] | None) -> dict[str, str]:
    """The headers header_problem reads, by lower-case name, in one pass over `headers`."""
    found: dict[str, str] = {}
    for key, value in (headers or {}).items():
        name = (key.decode("latin-1") if isinstance(key, bytes) else str(key)).lower()
        if name in _CHECKED and name not in found:
            if isinstance(value, (list, tuple)):
                value = value[0] if value else b""
            found[name] = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return found


def header_problem(gate: "Gate", url: str, headers: Mapping[Any, Any] | None) -> tuple[str, str] | None:
    """(code, message) when the headers make the request differ from the one decided on."""
    sent = _checked_headers(headers)
    if not sent:
        return None
    for name in _HOST_HEADERS:
        problem = _authority_problem(name, sent.get(name.lower()), url)
        if problem is not None:
            return problem
    forwarded = sent.get("forwarded")
    if forwarded is not None:
        for quoted, bare in _FORWARDED_HOST.findall(forwarded):
            problem = _authority_problem("Forwarded host", quoted or bare, url)
            if problem is not None:
                return problem
    for name in _REWRITE_HEADERS:
        problem = _rewrite_problem(name, sent.get(name.lower()), url)
        if problem is not None:
            return problem
    agent = sent.get("user-agent")
    if agent is not None and not is_library_agent(agent) and agent != gate.job.spec.user_agent:
        return AGENT_MISMATCH, (f"the request sends User-Agent {agent!r}, but robots.txt was checked for the job's "
                                f"user_agent {gate.job.spec.user_agent!r}")
    return None


def _authority_problem(name: str, value: str | None, url: str) -> tuple[str, str] | None:
    if value is None:
        return None
    try:
        nurl = normalize(url)
        host, port = _authority(value, nurl.scheme)
    except (InvalidURL, ValueError, KeyError):
        return HOST_MISMATCH, f"the {name} header {value!r} cannot be read as an authority"
    if (host, port) != (nurl.host, nurl.port):
        return HOST_MISMATCH, (f"the {name} header {value!r} names another authority than the URL "
                               f"({nurl.origin}): the origin would serve a different site than the one checked")
    return None


def _rewrite_problem(name: str, value: str | None, url: str) -> tuple[str, str] | None:
    if value is None:
        return None
    try:
        asked, named = normalize(url), normalize(urljoin(url, value.strip()))
    except (InvalidURL, ValueError):
        return REWRITE_HEADER, f"the {name} header {value!r} cannot be read as a URL"
    if named.url != asked.url:
        return REWRITE_HEADER, (f"the {name} header {value!r} asks servers that honour it (IIS URL Rewrite, Symfony) "
                                f"for {named.url} instead of the URL checked ({asked.url})")
    return None
