"""robots.txt `Content-Signal` (contentsignals.org: ai-train, ai-input, search = yes/no) and
`Content-Usage` lines (IETF aipref attach + vocabulary: train-ai=y/n ...), and the
`Content-Usage` HTTP header. Pure and self-contained: this reads the robots.txt text itself
(groups and product tokens per RFC 9309) rather than depending on the robots.txt matcher.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gate.signals.optout_parse import (
    ALLOWED, CATEGORIES, RESERVED, Finding, match_target, normalize_pattern, header_values,
    pattern_matches, product_token,
)

__all__ = ["MAX_ROBOTS_SCAN_CHARS", "robots_txt_findings", "content_usage_header_findings", "preferences"]

# RFC 9309 asks parsers to read at least 500 KiB of robots.txt.
MAX_ROBOTS_SCAN_CHARS = 512 * 1024
# Parsed robots.txt texts kept (each at most MAX_ROBOTS_SCAN_CHARS of source).
ROBOTS_PARSE_CACHE_SIZE = 16
# robots.txt Content-Signal keys (contentsignals.org) and Content-Usage keys (IETF aipref
# vocabulary, including labels of earlier drafts) -> categories.
_CONTENT_SIGNAL_KEYS = {"ai-train": ("ai_train",), "ai-input": ("ai_input",), "search": ("search",)}
_CONTENT_USAGE_KEYS = {
    "train-ai": ("ai_train",),
    "train-genai": ("ai_train",),  # a subset of training: "n" still reserves training we cannot scope
    "ai-use": ("ai_input",),
    "search": ("search",),
    "bots": CATEGORIES,  # "automated processing" (early drafts) covers every category
}
_YES = frozenset({"yes", "y"})
_NO = frozenset({"no", "n"})
_ROBOTS_RULE_KEYS = frozenset({"allow", "disallow", "crawl-delay", "content-signal", "content-usage"})
_LINE_END = re.compile(r"\r\n|\r|\n")


def preferences(text: str, keys: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Effects of a "key=value, key=value" list (Content-Signal yes/no, Content-Usage y/n as
    an RFC 9651 dictionary; parameters and unknown keys ignored). Conflicts resolve to the
    more restrictive value."""
    effects: dict[str, str] = {}
    for member in text.split(","):
        key, eq, value = member.partition("=")
        if not eq:
            continue
        value = value.split(";", 1)[0].strip().strip('"').lower()
        verdict = RESERVED if value in _NO else ALLOWED if value in _YES else None
        for category in keys.get(key.strip().lower(), ()):
            if verdict and (effects.get(category) != RESERVED):
                effects[category] = verdict
    return effects


def content_usage_header_findings(headers: Any) -> list[Finding]:
    """The HTTP `Content-Usage` header (IETF aipref attach), e.g. `Content-Usage: train-ai=n`."""
    findings = []
    for value in header_values(headers, "content-usage"):
        effects = preferences(value[:8192], _CONTENT_USAGE_KEYS)
        if effects:
            findings.append(Finding("content-usage", value.strip(), "header Content-Usage", effects))
    return findings


@dataclass(frozen=True, slots=True)
class _RobotsRule:
    signal: str
    line: int
    raw: str
    pattern: str
    effects: Mapping[str, str]


_Groups = tuple[tuple[frozenset[str], tuple[_RobotsRule, ...]], ...]


def _robots_groups(text: str) -> tuple[tuple[_RobotsRule, ...], _Groups]:
    return _parse_groups(text[:MAX_ROBOTS_SCAN_CHARS].lstrip("\ufeff"))


@lru_cache(maxsize=ROBOTS_PARSE_CACHE_SIZE)
def _parse_groups(text: str) -> tuple[tuple[_RobotsRule, ...], _Groups]:
    """(global rules before any User-agent line, ((agent tokens, rules), ...)) for the
    Content-Signal and Content-Usage lines. Blank and unknown lines neither open nor close
    a group; a User-agent line after a rule opens a new one (RFC 9309 section 2.1).
    Cached: a crawl asks about the same robots.txt text for every URL of an origin."""
    global_rules: list[_RobotsRule] = []
    groups: list[tuple[set[str], list[_RobotsRule]]] = []
    in_agents = False
    for n, line in enumerate(_LINE_END.split(text), start=1):
        line = line.split("#", 1)[0]
        key, colon, value = line.partition(":")
        if not colon:
            continue
        key, value = key.strip().lower(), value.strip()
        if key in ("user-agent", "useragent", "user agent"):
            if not in_agents:
                groups.append((set(), []))
                in_agents = True
            groups[-1][0].add("*" if value.startswith("*") else (product_token(value) or ""))
            continue
        if key not in _ROBOTS_RULE_KEYS:
            continue
        in_agents = False
        if key not in ("content-signal", "content-usage"):
            continue
        path, prefs = "/", value
        if value.startswith("/"):  # aipref attach: the path, then whitespace, then preferences
            path, _, prefs = value.replace("\t", " ").partition(" ")
        keys = _CONTENT_SIGNAL_KEYS if key == "content-signal" else _CONTENT_USAGE_KEYS
        rule = _RobotsRule(key, n, value, normalize_pattern(path), preferences(prefs, keys))
        (groups[-1][1] if groups else global_rules).append(rule)
    return tuple(global_rules), tuple((frozenset(agents), tuple(rules)) for agents, rules in groups)


def robots_txt_findings(text: str | None, url_path: str = "/", user_agent: str | None = None,
                        where: str = "robots.txt") -> list[Finding]:
    """The Content-Signal and Content-Usage lines of a robots.txt that apply to `url_path`
    for `user_agent`: lines before any group apply to every agent; inside groups, those of
    the groups naming the agent's product token, else those of the `*` groups (RFC 9309
    group selection; no agent given = `*`). An optional leading path scopes a line (aipref
    attach: `Content-Usage: /path train-ai=n`); per signal the longest matching path wins,
    and lines with equally long paths combine to the most restrictive."""
    if not text:
        return []
    global_rules, groups = _robots_groups(text)
    token = product_token(user_agent)
    chosen = [rules for agents, rules in groups if token and token in agents]
    if not chosen:
        chosen = [rules for agents, rules in groups if "*" in agents]
    candidates = list(global_rules) + [r for rules in chosen for r in rules]
    target = match_target(url_path)
    findings: list[Finding] = []
    for signal in ("content-signal", "content-usage"):
        matching = [r for r in candidates if r.signal == signal and pattern_matches(r.pattern, target)]
        if not matching:
            continue
        longest = max(len(r.pattern) for r in matching)
        for r in sorted((r for r in matching if len(r.pattern) == longest), key=lambda r: r.line):
            findings.append(Finding(signal, r.raw, f"{where} line {r.line}", r.effects))
    return findings
