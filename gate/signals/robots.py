"""robots.txt (RFC 9309): parse a file, pick the crawler's group, match the longest rule.

    robots = parse(body)
    robots.allowed("https://example.com/photos/1", "ExampleBot/1.0 (+https://x)")
    robots.decisive_rule(...)   # "Disallow: /photos", or None when no rule decided

Group selection and line reading are written here, not delegated: every measured library
(Protego included) got BOM handling, product tokens or group merging wrong. Matching is
written here too (see `_Matcher`): Protego given only the selected group's rules also
passes the shared cases, but this matcher costs 2-4 us a cached query where Protego costs
5 us on 50 rules and 175 us on 2,000, and it cannot backtrack: a rule with many wildcards
costs linear time.

The gate reads a path twice (`Robots.gate_verdict`): as RFC 9309 does, case-sensitively, and
as a case-insensitive server (IIS, a Windows or macOS file system) does, where `/Private/a`
is the file `Disallow: /private` keeps out. A URL is allowed only when both readings allow
it; a deny of the second names its rule with "(read case-insensitively ...)". `verdict`,
`allowed` and `_Matcher.rule_for` stay the RFC reading.

The product token, the canonical form paths compare in and the pattern matcher are
gate.signals.tokens', shared with the opt-out readers. Rules keep their dot segments:
`Disallow: /.` is a prefix of `/.git`, and removing it would turn it into `Disallow: /`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from gate.model.url import NormalizedURL
from gate.signals.tokens import (
    GLOBAL_AGENT,
    agent_of_line,
    canonical,
    compile_pattern,
    product_token,
    rest_matches,
)
from gate.signals.tokens import canonical_target as _target

__all__ = ["parse", "product_token", "canonical_target", "Robots", "Group", "Rule", "SignalLine", "Verdict",
           "ROBOTS_TXT_PATH"]

ROBOTS_TXT_PATH = "/robots.txt"
_ROBOTS_TXT_QUERY = ROBOTS_TXT_PATH + "?"

# Record keys, with the frequent typos Google's parser accepts (its 145-case suite and the
# shared cases expect them); anything else is an "other record" that neither opens nor
# closes a group.
_USER_AGENT_KEYS = frozenset({"user-agent", "useragent", "user agent"})
_ALLOW_KEYS = frozenset({"allow"})
_DISALLOW_KEYS = frozenset({"disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"})
_SIGNAL_KEYS = {"content-signal": "Content-Signal", "content-usage": "Content-Usage"}
_LINE_END = re.compile(r"\r\n|\r|\n")
_PREFIX_SCAN_MAX = 64
_NO_HIT: tuple[int, None] = (-1, None)
# An ASCII capital outside a percent-escape (whose hex digits are upper case in canonical
# form): only a path or a rule with one reads differently case-insensitively.
_CAPITAL = re.compile(r"(?<!%)(?<!%[0-9A-F])[A-Z]")
_FOLDED_NOTE = " (read case-insensitively, as IIS and Windows or macOS file systems read paths)"


def canonical_target(url: NormalizedURL) -> str:
    """The canonical path[?query] of a normalised URL, as rules are matched against it."""
    return canonical(url.path_query)


@dataclass(frozen=True, slots=True)
class Rule:
    """One Allow or Disallow line, as written (comment and surrounding blanks removed)."""

    allow: bool
    value: str
    line: int
    # "Allow: /x" as the decisions and the ledger show it; formatted once, read per request.
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"{'Allow' if self.allow else 'Disallow'}: {self.value}")

    def __str__(self) -> str:
        return self.text


class SignalLine(NamedTuple):
    """A Content-Signal or Content-Usage line, raw, for the opt-out module. `agents` names
    the group it sits in; () means it stands before any group and applies to every agent."""

    name: str
    value: str
    line: int
    agents: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class Verdict(NamedTuple):
    """The answer for one URL: whether it may be fetched, the rule that decided (None when
    no rule matched or the URL is /robots.txt) and the group used ("*", a token, or None)."""

    allowed: bool
    rule: Rule | None
    agent: str | None


@dataclass(slots=True)
class Group:
    """One group as read: its agents (tokens or "*"), rules, crawl-delays, signal lines."""

    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delays: list[float] = field(default_factory=list)
    signals: list[SignalLine] = field(default_factory=list)


class _Matcher:
    """The merged rules of one group, compiled. The longest rule wins and Allow wins a tie
    (RFC 9309 2.2.2), so each rule gets rank = 2 * octets + allow. Literal rules live in
    dicts keyed by their canonical text (one lookup per distinct length); rules with '*'
    are bucketed by the literal text before their first '*', and their other pieces are
    found left to right with str.find (leftmost is exact when '*' is the only wildcard), so
    no input makes matching super-linear: no regex, no backtracking."""

    __slots__ = ("exact", "prefixes", "lengths", "prefix_scan", "globs", "glob_lengths", "rules", "capitals",
                 "_folded", "_folded_rules")

    def __init__(self, rules: list[Rule], fold: bool = False) -> None:
        self.exact: dict[str, tuple[int, Rule]] = {}
        self.prefixes: dict[str, tuple[int, Rule]] = {}
        globs: dict[str, list[tuple[int, int, tuple[str, ...], str, bool, Rule]]] = {}
        self.rules = rules
        self.capitals = False  # some rule has a capital letter (outside its escapes)
        self._folded: _Matcher | None = None  # the case-insensitive reading, built when first needed
        self._folded_rules: dict[int, Rule] = {}
        for rule in rules:
            pattern = compile_pattern(rule.value)  # '$' before the end and every '%' escape are literal
            if pattern is None:
                continue  # not a path pattern (RFC 9309 2.2.2): it can never match
            if fold:  # canonical pieces are ASCII: lower() folds A-Z and the escapes' hex alike
                pattern = pattern._replace(first=pattern.first.lower(), middle=tuple(m.lower() for m in pattern.middle),
                                           last=pattern.last.lower())
            elif not self.capitals:
                self.capitals = any(_CAPITAL.search(piece) for piece in (pattern.first, *pattern.middle, pattern.last))
            rank = 2 * pattern.size + rule.allow
            if not pattern.wildcard:
                table = self.exact if pattern.anchored else self.prefixes
                old = table.get(pattern.first)
                if old is None or rank > old[0]:
                    table[pattern.first] = (rank, rule)
                continue
            globs.setdefault(pattern.first, []).append(
                (-rank, rule.line, pattern.middle, pattern.last, pattern.anchored, rule))
        self.lengths = sorted({len(k) for k in self.prefixes}, reverse=True)
        # Few literal prefixes: one C-level scan of "longest first" alternatives finds the
        # longest that is a prefix of the target (the first alternative to match wins).
        # Literals only, so it cannot backtrack; many prefixes use the per-length lookups.
        self.prefix_scan = (re.compile("|".join(map(re.escape, sorted(self.prefixes, key=len, reverse=True)))).match
                            if 0 < len(self.prefixes) <= _PREFIX_SCAN_MAX else None)
        self.globs = {k: [(-g[0], *g[2:]) for g in sorted(v)] for k, v in globs.items()}
        self.glob_lengths = sorted({len(k) for k in self.globs}, reverse=True)

    def rule_for(self, target: str) -> Rule | None:
        """The rule deciding `target` (a canonical path[?query]); None when none matches or
        the target is /robots.txt itself, which is always allowed (RFC 9309 2.2.2)."""
        if target == ROBOTS_TXT_PATH or target.startswith(_ROBOTS_TXT_QUERY):
            return None
        return self.match(target)

    def gate_rule_for(self, target: str) -> Rule | None:
        """`rule_for`, unless that allows and the case-insensitive reading disallows: then
        the disallowing rule, its text marked (a Rule of its own, so decision keys differ)."""
        rule = self.rule_for(target)
        if rule is not None and not rule.allow:
            return rule
        if not self.capitals and (target.islower() or not _CAPITAL.search(target)):
            return rule  # nothing to fold: both readings are the same
        folded = self._folded
        if folded is None:
            folded = self._folded = _Matcher(self.rules, fold=True)
        other = folded.rule_for(target.lower())
        if other is None or other.allow:
            return rule
        marked = self._folded_rules.get(id(other))
        if marked is None:
            marked = Rule(other.allow, other.value, other.line)
            object.__setattr__(marked, "text", other.text + _FOLDED_NOTE)
            self._folded_rules[id(other)] = marked
        return marked

    def match(self, target: str) -> Rule | None:
        best_rank, best = self.exact.get(target, _NO_HIT) if self.exact else _NO_HIT
        scan = self.prefix_scan
        if scan is not None:
            found = scan(target)
            if found is not None:
                hit = self.prefixes[found.group()]
                if hit[0] > best_rank:
                    best_rank, best = hit
        else:
            size = len(target)
            for n in self.lengths:
                if n <= size:
                    longest = self.prefixes.get(target[:n])
                    if longest is not None:  # the longest literal prefix outranks every shorter one
                        if longest[0] > best_rank:
                            best_rank, best = longest
                        break
        for n in self.glob_lengths:
            if n > len(target):
                continue
            for rank, middle, last, anchored, rule in self.globs.get(target[:n], ()):
                if rank <= best_rank:
                    break
                if rest_matches(middle, last, anchored, target, n):
                    best_rank, best = rank, rule
                    break
        return best


class Robots:
    """A parsed robots.txt. Thread-safe: matchers are compiled once per product token."""

    def __init__(self, groups: list[Group], sitemaps: list[str], signal_lines: list[SignalLine],
                 licenses: list[str] | None = None) -> None:
        self.groups = groups
        self.sitemaps = sitemaps
        self.licenses = licenses or []  # RSL 1.0 `License:` URLs (file-wide, like Sitemap)
        self.signal_lines = signal_lines  # every Content-Signal/Content-Usage line, in file order
        self._global_signals = [s for s in signal_lines if not s.agents]
        self._by_agent: dict[str, list[Group]] = {}
        for group in groups:
            for agent in dict.fromkeys(group.agents):
                self._by_agent.setdefault(agent, []).append(group)
        self._matchers: dict[str, tuple[str | None, _Matcher | None]] = {}
        # Per User-Agent string: what a caller derives from this file for its hot path
        # (gate.signals.live keeps its precomputed verdict keys here), freed with the file.
        self.memo: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<Robots groups={len(self.groups)} rules={sum(len(g.rules) for g in self.groups)}>"

    def _groups_for(self, token: str) -> tuple[str | None, list[Group]]:
        """The groups that apply to `token`, merged (RFC 9309 2.1): those naming it, else
        the "*" groups, else none."""
        if token and token != GLOBAL_AGENT and token in self._by_agent:
            return token, self._by_agent[token]
        if GLOBAL_AGENT in self._by_agent:
            return GLOBAL_AGENT, self._by_agent[GLOBAL_AGENT]
        return None, []

    def _matcher(self, user_agent: str) -> tuple[str | None, _Matcher | None]:
        token = product_token(user_agent)
        found = self._matchers.get(token)
        if found is None:
            agent, groups = self._groups_for(token)
            rules = [r for g in groups for r in g.rules]
            found = (agent, _Matcher(rules) if rules else None)
            self._matchers[token] = found
        return found

    def matcher_for(self, user_agent: str) -> "_Matcher | None":
        """The compiled rules of the group used for `user_agent` (None: no rules apply).
        `matcher_for(ua).gate_rule_for(canonical_target(url))` is `gate_verdict(url, ua).rule`."""
        return self._matcher(user_agent)[1]

    def matched_agent(self, user_agent: str) -> str | None:
        """The group used for `user_agent`: its product token, "*", or None (no rules apply)."""
        return self._matcher(user_agent)[0]

    def verdict(self, url: str | NormalizedURL, user_agent: str) -> Verdict:
        """The RFC 9309 verdict: paths compare case-sensitively."""
        agent, matcher = self._matcher(user_agent)
        if matcher is None:
            return Verdict(True, None, agent)
        rule = matcher.rule_for(canonical_target(url) if isinstance(url, NormalizedURL) else _target(url))
        return Verdict(rule is None or rule.allow, rule, agent)

    def gate_verdict(self, url: str | NormalizedURL, user_agent: str) -> Verdict:
        """The gate's verdict: `verdict`, and a deny when a case-insensitive server's
        reading of the path is disallowed (see the module's doc)."""
        agent, matcher = self._matcher(user_agent)
        if matcher is None:
            return Verdict(True, None, agent)
        rule = matcher.gate_rule_for(canonical_target(url) if isinstance(url, NormalizedURL) else _target(url))
        return Verdict(rule is None or rule.allow, rule, agent)

    def allowed(self, url: str | NormalizedURL, user_agent: str) -> bool:
        """Whether `user_agent` may fetch `url` (a full URL, a NormalizedURL or an absolute
        path). Raises gate.errors.InvalidURL for a URL the gate cannot evaluate."""
        return self.verdict(url, user_agent).allowed

    def decisive_rule(self, url: str | NormalizedURL, user_agent: str) -> str | None:
        """The rule line that decided, e.g. "Disallow: /photos", or None."""
        rule = self.verdict(url, user_agent).rule
        return rule.text if rule else None

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay of the group used (not part of RFC 9309; the largest value when
        merged groups disagree), in seconds, or None."""
        _, groups = self._groups_for(product_token(user_agent))
        delays = [d for g in groups for d in g.crawl_delays]
        return max(delays) if delays else None

    def content_signals(self, user_agent: str) -> list[SignalLine]:
        """Content-Signal/Content-Usage lines for `user_agent`: those before any group, then
        those of the group used (file order). `signal_lines` has every line of the file."""
        _, groups = self._groups_for(product_token(user_agent))
        own = sorted((s for g in groups for s in g.signals), key=lambda s: s.line)
        return self._global_signals + own


# Google's robots.txt parser keeps the first 2083 * 8 - 1 characters of a line and drops the
# rest (its GoogleOnly_LineTooLong case). RFC 9309 2.5 lets a parser bound what it reads, so
# the same cap is taken here: a site tested against Google's parser reads the same.
MAX_LINE_CHARS = 2083 * 8 - 1
# The longest Crawl-delay honoured, in seconds; larger values are clamped to it.
MAX_CRAWL_DELAY_S = 86400.0

def _key_value(line: str) -> tuple[str, str] | None:
    line = line.split("#", 1)[0].strip(" \t\v\f")
    if not line:
        return None
    key, colon, value = line.partition(":")
    if not colon:
        # Google's parser accepts a missing colon when the line is exactly two words.
        words = line.split()
        if len(words) != 2:
            return None
        key, value = words
    return " ".join(key.split()).lower(), value.strip(" \t\v\f")


def _delay(value: str) -> float | None:
    try:
        delay = float(value)
    except ValueError:
        return None
    if not math.isfinite(delay) or delay < 0:
        return None
    # A crawl-delay of 1e300 would overflow every clock it is added to: clamped, so the site
    # still gets the slowest pace the gate keeps (one request a day), never an error.
    return min(delay, MAX_CRAWL_DELAY_S)


def parse(text: str | bytes) -> Robots:
    """Parse a robots.txt body. Bytes are read as UTF-8 with errors replaced; a leading BOM
    and CR, LF or CRLF line ends are accepted. Never raises on content."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff")
    groups: list[Group] = []
    sitemaps: list[str] = []
    signals: list[SignalLine] = []
    licenses: list[str] = []
    current: Group | None = None
    in_rules = False  # a rule was seen since the last User-agent line
    for number, raw in enumerate(_LINE_END.split(text), start=1):
        kv = _key_value(raw[:MAX_LINE_CHARS])
        if kv is None:
            continue  # blank lines and comments neither open nor close a group
        key, value = kv
        if key in _USER_AGENT_KEYS:
            if current is None or in_rules:
                current = Group()
                groups.append(current)
                in_rules = False
            current.agents.append(agent_of_line(value))
        elif key in _ALLOW_KEYS or key in _DISALLOW_KEYS:
            if current is None:
                continue  # rules before the first group are ignored (RFC 9309 2.1)
            in_rules = True
            if value:  # an empty value matches nothing
                current.rules.append(Rule(key in _ALLOW_KEYS, value, number))
        elif key == "crawl-delay":
            delay = _delay(value)
            if current is not None and delay is not None:
                current.crawl_delays.append(delay)
        elif key in ("sitemap", "site-map"):
            if value:
                sitemaps.append(value)
        elif key == "license":
            if value:
                licenses.append(value)
        elif key in _SIGNAL_KEYS:
            line = SignalLine(_SIGNAL_KEYS[key], value, number, tuple(current.agents) if current else ())
            signals.append(line)
            if current is not None:
                current.signals.append(line)
    return Robots(groups, sitemaps, signals, licenses)
