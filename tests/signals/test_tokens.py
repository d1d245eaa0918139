"""One product token, one canonical path form and one pattern matcher (gate.signals.tokens),
shared by robots.txt and every opt-out reader: they pick the same group for the same crawler
and match the same paths."""

from __future__ import annotations

import pytest

from gate.signals import optout_parse, robots
from gate.signals.content_signals import robots_txt_findings
from gate.signals.optout import assess
from gate.signals.tokens import canonical, canonical_target, compile_pattern, pattern_matches, product_token

BROWSER_STYLE = "Mozilla/5.0 (compatible; ExampleBot/2.1; +https://example.com/bot)"
ROBOTS = """User-agent: ExampleBot
Content-Signal: ai-train=no
Disallow: /private

User-agent: *
Content-Signal: ai-train=yes
Allow: /
"""


def test_the_compatible_token_selects_the_group_everywhere() -> None:
    """RFC 9309 2.2.1's own example: "Mozilla/5.0 (compatible; ExampleBot/0.1; ...)" obeys
    "user-agent: ExampleBot" (google/robotstxt matches the token its caller extracts)."""
    assert product_token(BROWSER_STYLE) == "examplebot"
    parsed = robots.parse(ROBOTS)
    assert parsed.matched_agent(BROWSER_STYLE) == "examplebot"
    assert not parsed.allowed("https://example.com/private/1", BROWSER_STYLE)
    findings = robots_txt_findings(ROBOTS, "/", BROWSER_STYLE)
    assert [(f.value, f.where) for f in findings] == [("ai-train=no", "robots.txt line 2")]
    headers = [("X-Robots-Tag", "examplebot: noai"), ("X-Robots-Tag", "otherbot: noindex")]
    page = '<html><head><meta name="examplebot" content="noimageai"></head></html>'
    signal = assess("https://example.com/a", user_agent=BROWSER_STYLE, headers=headers, body=page,
                    robots_txt=ROBOTS).to_signal()
    assert signal["ai_train"] == "reserved" and signal["search"] == "unknown"
    assert {s["signal"] for s in signal["sources"]} == {"x-robots-tag", "meta robots", "content-signal"}


@pytest.mark.parametrize("ua, token", [
    ("ExampleBot/1.0 (+https://x)", "examplebot"),
    ("MJ12bot/v1.4.8", "mj12bot"),  # digits kept: not "mj", another crawler's token
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "googlebot"),
    ("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "mozilla"),  # no crawler named: the browser token
    ("", ""), (None, ""),
])
def test_product_token(ua: str | None, token: str) -> None:
    assert product_token(ua) == token
    assert optout_parse.product_token is product_token and robots.product_token is product_token


@pytest.mark.parametrize("pattern, path, expected", [
    ("/fish", "/fish.html", True), ("/fish$", "/fish/", False), ("/*.php$", "/a/b.php", True),
    ("/*.php$", "/b.php?x", False), ("/a%7Eb", "/a~b", True), ("/a%2Fb", "/a/b", True),
    ("/p/%E3%83%84", "/p/\u30c4", True), ("/a%2Ab", "/a*b", True), ("/a%2Ab", "/axb", False),
    ("/x$y", "/x$y/z", True), ("/" + "*a" * 50 + "b", "/" + "a" * 400, False),
])
def test_robots_rules_and_opt_out_locations_match_alike(pattern: str, path: str, expected: bool) -> None:
    rule = robots.parse(f"User-agent: *\nDisallow: {pattern}\n")
    assert (not rule.allowed(path, "AnyBot")) is expected
    assert optout_parse.match_path(pattern, path) is expected
    compiled = compile_pattern(pattern)
    assert compiled is not None and pattern_matches(compiled, canonical_target(path)) is expected


def test_canonical_form() -> None:
    assert canonical("/a%7e%2F%25/\u00e9") == "/a~/%25/%C3%A9"
    assert compile_pattern("no-slash") is None  # not a path pattern: never matches
