"""robots.txt `Content-Signal` (contentsignals.org: ai-train, ai-input, search = yes/no) and
`Content-Usage` lines (IETF aipref attach + vocabulary: train-ai=y/n ...), and the
`Content-Usage` HTTP header. Pure: no network. The lines and their groups come from the one
robots.txt parser (gate.signals.robots), so a crawler's signals come from the very group its
Allow/Disallow rules do.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from gate.signals.optout_parse import (
    ALLOWED,
    CATEGORIES,
    RESERVED,
    Finding,
    header_values,
    match_target,
    normalize_pattern,
    pattern_matches,
)
from gate.signals.robots import Robots, SignalLine, parse
from gate.signals.tokens import compile_pattern

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


@lru_cache(maxsize=ROBOTS_PARSE_CACHE_SIZE)
def _parsed(text: str) -> Robots:
    """robots.txt text parsed by the one group parser (gate.signals.robots), at most
    MAX_ROBOTS_SCAN_CHARS of it. Cached: a crawl asks about the same text for every URL."""
    return parse(text[:MAX_ROBOTS_SCAN_CHARS])


def _rule(line: SignalLine) -> tuple[str, str, Mapping[str, str]]:
    """(signal, pattern, effects) of a Content-Signal / Content-Usage line."""
    signal = line.name.lower()
    value = line.value
    path, prefs = "/", value
    if value.startswith("/"):  # aipref attach: the path, then whitespace, then preferences
        path, _, prefs = value.replace("\t", " ").partition(" ")
    keys = _CONTENT_SIGNAL_KEYS if signal == "content-signal" else _CONTENT_USAGE_KEYS
    return signal, normalize_pattern(path), preferences(prefs, keys)


def _size(pattern: str) -> int:
    compiled = compile_pattern(pattern)
    return compiled.size if compiled is not None else -1


def robots_txt_findings(robots: str | Robots | None, url_path: str = "/", user_agent: str | None = None,
                        where: str = "robots.txt") -> list[Finding]:
    """The Content-Signal and Content-Usage lines of a robots.txt (text, or as parsed) that
    apply to `url_path` for `user_agent`: lines before any group apply to every agent;
    inside groups, those of the group robots.txt's own matching picks for the agent's
    product token, else the `*` group (no agent given = `*`). An optional leading path
    scopes a line (aipref attach: `Content-Usage: /path train-ai=n`); per signal the
    longest matching path wins, and lines with equally long paths combine to the most
    restrictive."""
    if not robots:
        return []
    parsed = _parsed(robots) if isinstance(robots, str) else robots
    target = match_target(url_path)
    findings: list[Finding] = []
    rules = [(line, *_rule(line)) for line in parsed.content_signals(user_agent or "*")]
    for signal in ("content-signal", "content-usage"):
        matching = [(line, pattern, effects) for line, name, pattern, effects in rules
                    if name == signal and pattern_matches(pattern, target)]
        if not matching:
            continue
        size = {pattern: _size(pattern) for _, pattern, _ in matching}
        longest = max(size.values())
        for line, _, effects in sorted((m for m in matching if size[m[1]] == longest), key=lambda m: m[0].line):
            findings.append(Finding(signal, line.value, f"{where} line {line.line}", effects))
    return findings
