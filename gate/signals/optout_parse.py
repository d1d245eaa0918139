"""Pure parsers for machine-readable opt-outs (no network): TDMRep (W3C CG final report,
10 May 2024) from /.well-known/tdmrep.json, response headers and HTML meta; X-Robots-Tag and
robots meta `noai`/`noimageai`. robots.txt `Content-Signal` / `Content-Usage` lines are read
by `gate.signals.content_signals`. The product token and path matching are
gate.signals.tokens', shared with robots.txt.

Every parser caps the work it does on hostile input (sizes below), and every finding says
where it was found. `gate.signals.optout` combines the findings into one signal.

The page-level readers (`tdm_from_headers`, `tdm_from_meta`, `parse_html_meta`,
`x_robots_findings`, `meta_robots_findings`, and `content_usage_header_findings` in
gate.signals.content_signals) read a fetched response. Nothing in the gate calls them yet:
the response phase that will (gate/inspect, issue 19) is not wired in. They are kept,
tested, for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from gate.signals.tokens import canonical_target, compile_pattern, product_token
from gate.signals.tokens import pattern_matches as _matches

__all__ = [
    "RESERVED", "ALLOWED", "UNKNOWN", "CATEGORIES",
    "MAX_TDMREP_BYTES", "MAX_TDMREP_RULES", "MAX_HTML_SCAN_CHARS", "MAX_HEADER_VALUES",
    "Finding", "TDMDeclaration", "TDMRepRule", "TDMRepFile", "HtmlMeta",
    "product_token", "normalize_pattern", "match_target", "pattern_matches", "match_path", "header_values",
    "parse_tdmrep_json", "tdm_from_headers", "tdm_from_meta", "parse_html_meta",
    "x_robots_findings", "meta_robots_findings",
]

RESERVED, ALLOWED, UNKNOWN = "reserved", "allowed", "unknown"
CATEGORIES = ("ai_train", "ai_input", "search")

MAX_TDMREP_BYTES = 1024 * 1024
MAX_TDMREP_RULES = 10_000
MAX_PATTERN_CHARS = 4096
# Meta tags belong in <head>; parsing stops at </head> or <body>, or after this many
# characters (html.parser costs 1-3 us a character on tag-dense hostile input: <1 s).
MAX_HTML_SCAN_CHARS = 256 * 1024
MAX_META_TAGS = 2000
MAX_HEADER_VALUES = 64

# X-Robots-Tag / robots meta directives that matter here, and their effects.
_ROBOTS_DIRECTIVES: dict[str, dict[str, str]] = {
    "noai": {"ai_train": RESERVED, "ai_input": RESERVED},
    "noimageai": {"ai_train": RESERVED, "ai_input": RESERVED},
    "noindex": {"search": RESERVED},
    "none": {"search": RESERVED},
}
# Directives whose value follows a colon; "name:" before them is not a user agent.
_COLON_DIRECTIVES = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})

_STRAY_LT = re.compile(r"<(?![A-Za-z/!?])")
_AGENT_PREFIX = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*:\s*(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Finding:
    """One opt-out signal that applies to the URL and agent, and its effect per category."""

    signal: str
    value: str
    where: str
    effects: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TDMDeclaration:
    """A TDMRep declaration from one technique: `reservation` is 1, 0, or None (unset)."""

    signal: str
    reservation: int | None
    policy: str | None
    where: str
    value: str


@dataclass(frozen=True, slots=True)
class TDMRepRule:
    index: int
    location: str
    pattern: str
    reservation: int | None
    policy: str | None


@dataclass(frozen=True)
class TDMRepFile:
    """A parsed tdmrep.json. `valid` is False when the body is not the JSON array the spec
    requires: per the spec the origin then does not implement the protocol."""

    rules: tuple[TDMRepRule, ...] = ()
    valid: bool = True
    errors: tuple[str, ...] = ()

    def lookup(self, path: str) -> TDMRepRule | None:
        """The first rule whose location matches `path` (the spec: the most specific match
        is the first in sequence), or None."""
        target = match_target(path)
        for rule in self.rules:
            if pattern_matches(rule.pattern, target):
                return rule
        return None

    def declaration(self, path: str, where: str) -> TDMDeclaration | None:
        rule = self.lookup(path)
        if rule is None:
            return None
        return TDMDeclaration(
            "tdmrep.json", rule.reservation, rule.policy,
            f"{where} (rule {rule.index + 1}, location {rule.location!r})",
            "invalid" if rule.reservation is None else str(rule.reservation),
        )


@dataclass(frozen=True)
class HtmlMeta:
    """The <meta name=... content=...> pairs of a page's head, names lower-cased."""

    metas: tuple[tuple[str, str], ...] = ()
    truncated: bool = False

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [content for n, content in self.metas if n == name]


def normalize_pattern(pattern: str) -> str:
    """A TDMRep location or aipref path as a robots.txt-style path pattern: trimmed, a full
    URL reduced to its path, a leading '/' added. Matching canonicalises it (gate.signals.tokens)."""
    pattern = pattern.strip()[:MAX_PATTERN_CHARS]
    if pattern.lower().startswith(("http://", "https://")):  # a full URL: use its path
        try:
            parts = urlsplit(pattern)
            pattern = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        except ValueError:
            pattern = "/"  # unparseable: match broadly rather than drop a possible reservation
    if not pattern.startswith(("/", "*")):
        pattern = "/" + pattern
    return pattern


def match_target(path: str) -> str:
    """A path[?query] in the canonical form patterns match (the robots.txt one)."""
    return canonical_target(path if path.startswith("/") else "/" + path)


def pattern_matches(pattern: str, target: str) -> bool:
    """Whether a normalised pattern matches a canonical target: robots.txt matching, a
    prefix match, '*' any run of characters, a final '$' anchoring the end."""
    compiled = compile_pattern(pattern)
    return compiled is not None and _matches(compiled, target)


def match_path(pattern: str, path: str) -> bool:
    """Whether a raw robots/TDMRep `pattern` matches the raw `path` (both normalised here)."""
    return pattern_matches(normalize_pattern(pattern), match_target(path))


def _reservation(value: Any) -> int | None:
    """tdm-reservation: 1 or 0; any other value is a protocol error, i.e. unset."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip())
    return None


def parse_tdmrep_json(data: str | bytes) -> TDMRepFile:
    """Parse /.well-known/tdmrep.json: an array of {location, tdm-reservation, tdm-policy}."""
    if len(data) > MAX_TDMREP_BYTES:
        return TDMRepFile(valid=False, errors=(f"tdmrep.json larger than {MAX_TDMREP_BYTES} bytes",))
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return TDMRepFile(valid=False, errors=(f"tdmrep.json is not JSON: {exc}",))
    if not isinstance(doc, list):
        return TDMRepFile(valid=False, errors=("tdmrep.json is not a JSON array",))
    rules: list[TDMRepRule] = []
    errors: list[str] = []
    if len(doc) > MAX_TDMREP_RULES:
        errors.append(f"tdmrep.json has {len(doc)} rules; only the first {MAX_TDMREP_RULES} are read")
    for i, item in enumerate(doc[:MAX_TDMREP_RULES]):
        location = item.get("location") if isinstance(item, dict) else None
        if not isinstance(location, str) or not location.strip():
            errors.append(f"tdmrep.json rule {i + 1} has no location; ignored")
            continue
        reservation = _reservation(item.get("tdm-reservation"))
        if reservation is None:
            errors.append(f"tdmrep.json rule {i + 1}: tdm-reservation {item.get('tdm-reservation')!r} "
                          "is not 0 or 1 (unset)")
        policy = item.get("tdm-policy")
        rules.append(TDMRepRule(i, location, normalize_pattern(location), reservation,
                                policy.strip() if isinstance(policy, str) and policy.strip() else None))
    return TDMRepFile(tuple(rules), True, tuple(errors))


def header_values(headers: Any, name: str) -> list[str]:
    """Every value of header `name` (case-insensitive), one per header line where the
    container keeps them apart: urllib3/werkzeug/Scrapy `getlist`, httpx `get_list`,
    http.client `get_all`, a list of (name, value) pairs or of {"name", "value"} dicts
    (Playwright's headers_array()). A plain mapping gives what it holds: requests joins
    repeated lines with ", ", Playwright's all_headers() with newlines (split here)."""
    if headers is None:
        return []
    values: list[Any]
    for method in ("getlist", "get_list", "get_all"):
        if hasattr(headers, method):
            values = list(getattr(headers, method)(name) or [])
            break
    else:
        items = headers.items() if isinstance(headers, Mapping) else headers
        values = []
        for item in items:
            key, value = (item.get("name"), item.get("value")) if isinstance(item, Mapping) else item
            key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            if key.lower() == name.lower():
                values.extend(value if isinstance(value, (list, tuple)) else [value])
    out: list[str] = []
    for v in values:
        text = v.decode("latin-1") if isinstance(v, bytes) else str(v)
        out.extend(line for line in text.split("\n") if line.strip())
    return out[:MAX_HEADER_VALUES]


def _combine_tdm(signal: str, raw_values: list[str], policies: list[str], where: str,
                 errors: list[str]) -> TDMDeclaration | None:
    """One declaration from the values one technique gave; conflicting values within one
    technique resolve to the reservation (fail closed)."""
    parts = [p.strip() for v in raw_values for p in v.split(",") if p.strip()]
    if not parts:
        return None
    valid = [r for r in (_reservation(p) for p in parts) if r is not None]
    if len(valid) < len(parts):
        errors.append(f"{signal}: value {', '.join(parts)!r} is not 0 or 1 (treated as unset)")
    reservation = max(valid) if valid else None
    policy = next((p.strip() for p in policies if p.strip()), None)
    return TDMDeclaration(signal, reservation, policy, where, ", ".join(parts))


def tdm_from_headers(headers: Any, errors: list[str] | None = None) -> TDMDeclaration | None:
    """The `tdm-reservation` / `tdm-policy` response headers, or None when absent."""
    errs = errors if errors is not None else []
    return _combine_tdm("tdm-reservation header", header_values(headers, "tdm-reservation"),
                        header_values(headers, "tdm-policy"), "header tdm-reservation", errs)


def tdm_from_meta(meta: HtmlMeta, url: str, errors: list[str] | None = None) -> TDMDeclaration | None:
    """`<meta name="tdm-reservation">` / `tdm-policy`, or None when absent."""
    errs = errors if errors is not None else []
    return _combine_tdm("meta tdm-reservation", meta.get_all("tdm-reservation"), meta.get_all("tdm-policy"),
                        f'{url} <meta name="tdm-reservation">', errs)


class _StopParsing(Exception):
    pass


class _MetaCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.metas: list[tuple[str, str]] = []
        self.truncated = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # the head is over (its end tag is optional)
            raise _StopParsing
        if tag != "meta":
            return
        found = {k: (v or "") for k, v in attrs}
        name = found.get("name", "").strip().lower()
        if name:
            self.metas.append((name, found.get("content", "")))
            if len(self.metas) >= MAX_META_TAGS:
                self.truncated = True
                raise _StopParsing

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            raise _StopParsing


def parse_html_meta(body: str | bytes | None, content_type: str | None = None) -> HtmlMeta:
    """The named meta tags of an HTML page's head (stdlib html.parser; stops at </head>,
    <body> or after MAX_HTML_SCAN_CHARS). Non-HTML content types give no tags."""
    if not body:
        return HtmlMeta()
    if content_type and not any(t in content_type.lower() for t in ("html", "xml")):
        return HtmlMeta()
    if isinstance(body, bytes):
        text = body[: MAX_HTML_SCAN_CHARS * 2].decode("utf-8", errors="replace")
    else:
        text = body
    truncated = len(text) > MAX_HTML_SCAN_CHARS
    # A '<' that cannot open a tag is text (which we do not need); blanking it first spares
    # html.parser a slow character-by-character path on inputs such as "<<<<...".
    text = _STRAY_LT.sub(" ", text[:MAX_HTML_SCAN_CHARS])
    collector = _MetaCollector()
    try:
        # No close(): it only flushes an unfinished construct at the end of the input,
        # which holds no complete meta tag, and it is quadratic on unclosed start tags.
        collector.feed(text)
    except _StopParsing:
        pass
    return HtmlMeta(tuple(collector.metas), truncated or collector.truncated)


def _robots_directives(element: str) -> Iterator[str]:
    for word in re.split(r"[\s,]+", element.lower()):
        if word in _ROBOTS_DIRECTIVES:
            yield word


def x_robots_findings(headers: Any, user_agent: str | None) -> list[Finding]:
    """noai / noimageai (and noindex / none, for search) from every X-Robots-Tag header:
    global directives, and those scoped to the agent's product token ("examplebot: noai").
    Within one header line, a "name:" prefix scopes the directives that follow it."""
    token = product_token(user_agent)
    findings: list[Finding] = []
    for line in header_values(headers, "x-robots-tag"):
        agent: str | None = None
        for element in line[:8192].split(","):
            m = _AGENT_PREFIX.match(element)
            if m and m.group(1).lower() not in _COLON_DIRECTIVES:
                agent, element = m.group(1).lower(), m.group(2)
            if agent is not None and agent != token:
                continue
            for directive in _robots_directives(element):
                value = f"{agent}: {directive}" if agent else directive
                findings.append(Finding("x-robots-tag", value, "header X-Robots-Tag", _ROBOTS_DIRECTIVES[directive]))
    return findings


def meta_robots_findings(meta: HtmlMeta, url: str, user_agent: str | None) -> list[Finding]:
    """noai / noimageai (and noindex / none) from <meta name="robots"> and from a meta tag
    named for the agent's product token (<meta name="examplebot" content="noai">)."""
    names = ["robots"]
    token = product_token(user_agent)
    if token and token != "robots":
        names.append(token)
    findings: list[Finding] = []
    for name in names:
        for content in meta.get_all(name):
            for directive in _robots_directives(content[:8192]):
                findings.append(Finding("meta robots", directive, f'{url} <meta name="{name}">',
                                        _ROBOTS_DIRECTIVES[directive]))
    return findings
