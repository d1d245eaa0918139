"""robots.txt parsing and matching (gate.signals.robots) against RFC 9309.

The shared cases are a copy of the project's shared RFC 9309 cases, kept in the repository
(tests/signals/data/rfc9309_cases.json) so a clone alone runs them; the rest are
the RFC's own examples (sections 2.1 to 2.2.3 and 5) and the edge cases of this parser.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import time
from pathlib import Path

import pytest

from gate.errors import InvalidURL
from gate.model.url import normalize
from gate.signals.robots import parse, product_token

REPO = Path(__file__).resolve().parents[2]
CASES_FILE = REPO / "tests" / "signals" / "data" / "rfc9309_cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))


def test_shared_case_file_is_complete() -> None:
    assert len(CASES) == 62
    assert len({c["id"] for c in CASES}) == 62


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_shared_rfc9309_case(case: dict) -> None:
    robots = parse(case["robots"])
    assert robots.allowed(case["url"], case["agent"]) is case["allowed"], case["why"]


# -- RFC 9309 section 5.1, "Simple Example" -------------------------------------------
SIMPLE = """\
User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF
"""


@pytest.mark.parametrize(
    "agent, path, allowed",
    [
        # foobot: only /example/page.html and /example/allowed.gif
        ("foobot", "/example/page.html", True),
        ("foobot", "/example/allowed.gif", True),
        ("foobot", "/example/other.html", False),
        ("foobot", "/publications/", False),
        ("foobot", "/", False),
        # barbot and bazbot share one group: only /example/page.html is off limits, and
        # the "*" rules do not apply to them.
        ("barbot", "/example/page.html", False),
        ("bazbot", "/example/page.html", False),
        ("barbot", "/example/other.html", True),
        ("bazbot", "/img/cat.gif", True),
        # quxbot: an empty group at the end of the file, everything allowed.
        ("quxbot", "/example/page.html", True),
        ("quxbot", "/img/cat.gif", True),
        # any other crawler: the "*" group
        ("otherbot", "/img/cat.gif", False),
        ("otherbot", "/example/x", False),
        ("otherbot", "/publications/paper.pdf", True),
        ("otherbot", "/publications/figure.gif", True),  # Allow /publications/ (14) beats *.gif$ (6)
        ("otherbot", "/example/figure.gif", False),
        ("otherbot", "/about", True),
    ],
)
def test_rfc_section_5_1_simple_example(agent: str, path: str, allowed: bool) -> None:
    assert parse(SIMPLE).allowed("https://example.com" + path, agent) is allowed


def test_rfc_section_5_2_longest_match() -> None:
    robots = parse("User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n")
    assert not robots.allowed("https://example.com/example/page/disallowed.gif", "foobot")
    assert robots.decisive_rule("https://example.com/example/page/disallowed.gif", "foobot") == (
        "Disallow: /example/page/disallowed.gif"
    )
    assert robots.allowed("https://example.com/example/page/other.gif", "foobot")
    assert robots.decisive_rule("https://example.com/example/page/other.gif", "foobot") == "Allow: /example/page/"


# -- RFC 9309 section 2.1 / 2.2.1: groups and the product token ------------------------
def test_rfc_2_2_1_user_agent_example() -> None:
    # The RFC's own example: the product token appears inside a browser-style UA string.
    ua = "Mozilla/5.0 (compatible; ExampleBot/0.1; https://www.example.com/bot.html)"
    assert product_token(ua) == "examplebot"
    robots = parse("user-agent: ExampleBot\ndisallow: /foo\n\nuser-agent: *\ndisallow: /\n")
    assert not robots.allowed("https://example.com/foo/1", ua)
    assert robots.allowed("https://example.com/other", ua)


@pytest.mark.parametrize(
    "ua, token",
    [
        ("ExampleBot/1.0 (+https://x)", "examplebot"),
        ("ExampleBot", "examplebot"),
        ("  examplebot/2", "examplebot"),
        ("Example-Bot_2/1.0", "example-bot_2"),
        ("MJ12bot/v1.4.8", "mj12bot"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "googlebot"),
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "mozilla"),
        ("(no token)", ""),
        ("", ""),
    ],
)
def test_product_token(ua: str, token: str) -> None:
    assert product_token(ua) == token


def test_rfc_2_2_1_groups_for_the_same_agent_are_combined() -> None:
    robots = parse("user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\nuser-agent: ExampleBot\ndisallow: /baz\n")
    for path in ("/foo", "/bar", "/baz"):
        assert not robots.allowed("https://example.com" + path, "ExampleBot"), path
    assert robots.allowed("https://example.com/qux", "ExampleBot")


def test_group_of_several_agents_and_an_agent_named_twice() -> None:
    robots = parse("User-agent: a\nUser-agent: b\nUser-agent: A\nDisallow: /x\n")
    assert robots.matched_agent("A/1") == "a"
    assert not robots.allowed("https://example.com/x", "b")
    assert robots.matched_agent("c") is None


def test_user_agent_line_with_version_and_star_with_comment_text() -> None:
    robots = parse("User-agent: ExampleBot/1.0\nDisallow: /a\n\nUser-agent: * everyone\nDisallow: /b\n")
    assert not robots.allowed("https://example.com/a", "examplebot")
    assert robots.allowed("https://example.com/b", "examplebot")
    assert not robots.allowed("https://example.com/b", "other")


def test_token_matching_is_exact_not_prefix_or_substring() -> None:
    robots = parse("User-agent: bot\nDisallow: /\n")
    assert robots.allowed("https://example.com/x", "ExampleBot")
    assert robots.allowed("https://example.com/x", "botanic")


# -- RFC 9309 section 2.2.2: paths and percent-encoding ---------------------------------
@pytest.mark.parametrize(
    "rule, url_path",
    [
        # The section's table: a rule written as in the first column matches the URI path.
        ("/foo/bar?baz=quz", "/foo/bar?baz=quz"),
        ("/foo/bar?baz=https://foo.bar", "/foo/bar?baz=https%3A%2F%2Ffoo.bar"),
        ("/foo/bar?baz=https://foo.bar", "/foo/bar?baz=https://foo.bar"),
        ("/foo/bar/\u30c4", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%E3%83%84", "/foo/bar/\u30c4"),
        ("/foo/bar/%e3%83%84", "/foo/bar/%E3%83%84"),
        ("/foo/bar/%62%61%7A", "/foo/bar/baz"),
        ("/foo/bar/baz", "/foo/bar/%62%61%7A"),
    ],
)
def test_rfc_2_2_2_percent_encoding_table(rule: str, url_path: str) -> None:
    robots = parse(f"User-agent: *\nDisallow: {rule}\n")
    assert not robots.allowed("https://example.com" + url_path, "ExampleBot")


def test_rfc_2_2_2_matching_is_case_sensitive_and_a_prefix_match() -> None:
    robots = parse("User-agent: *\nDisallow: /Private\n")
    assert robots.allowed("https://example.com/private", "x")
    assert not robots.allowed("https://example.com/Private-notes/a", "x")
    assert robots.allowed("https://example.com/public/Private", "x")


def test_rfc_2_2_2_no_rules_or_no_match_allows() -> None:
    assert parse("").allowed("https://example.com/anything", "x")
    assert parse("User-agent: *\n").allowed("https://example.com/anything", "x")
    assert parse("User-agent: *\nDisallow: /a\n").allowed("https://example.com/b", "x")


@pytest.mark.parametrize("path", ["/robots.txt", "/robots.txt?x=1"])
def test_rfc_2_2_2_robots_txt_is_implicitly_allowed(path: str) -> None:
    robots = parse("User-agent: *\nDisallow: /\nDisallow: /robots.txt\n")
    assert robots.allowed("https://example.com" + path, "x")
    assert robots.decisive_rule("https://example.com" + path, "x") is None
    assert not robots.allowed("https://example.com/robots.txt.bak", "x")


# -- RFC 9309 section 2.2.3: special characters ----------------------------------------
@pytest.mark.parametrize(
    "rule, path, matches",
    [
        ("/ # comment in line", "/anything", True),
        ("/this/path/exactly$", "/this/path/exactly", True),
        ("/this/path/exactly$", "/this/path/exactly/not", False),
        ("/this/path/exactly$", "/this/path/exactly?q", False),
        ("/this/*/exactly", "/this/a/b/exactly", True),
        ("/this/*/exactly", "/this/exactly", False),
        # %-encoded special characters are matched literally (the section's last table).
        ("/path/file-with-a-%2A.html", "/path/file-with-a-*.html", True),
        ("/path/file-with-a-%2A.html", "/path/file-with-a-%2A.html", True),
        ("/path/file-with-a-%2A.html", "/path/file-with-a-x.html", False),
        ("/path/foo-%24", "/path/foo-$", True),
        ("/path/foo-%24", "/path/foo-%24", True),
        ("/path/foo-%24", "/path/foo-", False),
        ("/a$b", "/a$b/c", True),  # '$' before the end is literal
        ("/a**b", "/a-x-b", True),
        ("*", "/x", True),
        ("/x*", "/x", True),
        ("/x*$", "/xyz", True),
        ("private", "/private", False),  # not a path pattern: never matches
    ],
)
def test_rfc_2_2_3_special_characters(rule: str, path: str, matches: bool) -> None:
    robots = parse(f"User-agent: *\nDisallow: {rule}\n")
    assert robots.allowed("https://example.com" + path, "x") is not matches


def test_specificity_counts_octets_of_the_normalised_rule() -> None:
    # /%7Ejoe/ and /~joe/ are the same rule: equal length, so Allow wins the tie.
    robots = parse("User-agent: *\nDisallow: /%7Ejoe/\nAllow: /~joe/\n")
    assert robots.allowed("https://example.com/~joe/x", "x")
    # A UTF-8 rule counts its percent-encoded octets: /é (7 octets) beats /ab/c (5).
    robots = parse("User-agent: *\nDisallow: /ab/c\nAllow: /ab/c\u00e9\n")
    assert robots.allowed("https://example.com/ab/c%C3%A9", "x")


def test_dot_segments_in_rules_are_kept() -> None:
    # Removing them would turn "Disallow: /." into "Disallow: /".
    robots = parse("User-agent: *\nDisallow: /.\n")
    assert not robots.allowed("https://example.com/.git/config", "x")
    assert robots.allowed("https://example.com/index.html", "x")


def test_url_is_normalised_before_matching() -> None:
    robots = parse("User-agent: *\nDisallow: /private/\n")
    for url in (
        "https://EXAMPLE.com/private/x",
        "https://example.com/public/../private/x",
        "https://example.com/%70rivate/x",
        "https://example.com/./private/x",
    ):
        assert not robots.allowed(url, "x"), url
    assert not robots.allowed(normalize("https://example.com/private/x"), "x")
    assert not robots.allowed("/private/x?y", "x")  # an absolute path works too
    with pytest.raises(InvalidURL):
        robots.allowed("ftp://example.com/private/x", "x")


# -- reading lines ----------------------------------------------------------------------
def test_bytes_bom_and_invalid_utf8() -> None:
    body = b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /caf\xc3\xa9\r\nDisallow: /\xff\xfe\r\n"
    robots = parse(body)
    assert not robots.allowed("https://example.com/caf%C3%A9", "x")
    assert robots.allowed("https://example.com/other", "x")


def test_binary_body_does_not_crash() -> None:
    rng = random.Random(1)
    body = bytes(rng.randrange(256) for _ in range(200_000)) + b"\nUser-agent: *\nDisallow: /after-binary\n"
    robots = parse(body)
    assert not robots.allowed("https://example.com/after-binary", "x")


def test_unknown_records_do_not_end_the_user_agent_list() -> None:
    robots = parse("User-agent: a\nCrawl-delay: 5\nFoo: bar\nUser-agent: b\nDisallow: /x\n")
    assert not robots.allowed("https://example.com/x", "a")
    assert not robots.allowed("https://example.com/x", "b")


def test_rule_before_any_group_and_lines_without_value_are_ignored() -> None:
    robots = parse("Disallow: /\nAllow\nUser-agent: *\nDisallow\nDisallow: /a b c\n")
    assert robots.allowed("https://example.com/x", "x")


# -- decisive rule, crawl-delay, sitemaps, content signals ------------------------------
def test_decisive_rule_is_the_line_as_written() -> None:
    robots = parse("User-agent: *\nDisallow: /photos   # no\nallow: /photos/public\n")
    assert robots.decisive_rule("https://example.com/photos/1", "x") == "Disallow: /photos"
    assert robots.decisive_rule("https://example.com/photos/public/1", "x") == "Allow: /photos/public"
    assert robots.decisive_rule("https://example.com/else", "x") is None
    verdict = robots.verdict("https://example.com/photos/1", "x")
    assert (verdict.allowed, verdict.rule.line, verdict.agent) == (False, 2, "*")


def test_crawl_delay() -> None:
    robots = parse(
        "User-agent: a\nCrawl-delay: 2\nDisallow: /a\n\nUser-agent: a\nCrawl-delay: 7.5\nDisallow: /a2\n\n"
        "User-agent: *\nCrawl-delay: 1\nDisallow: /s\n\n"
        "User-agent: b\nCrawl-delay: -3\nCrawl-delay: nan\nDisallow: /b\n"
    )
    assert robots.crawl_delay("a/1.0") == 7.5  # merged groups: the largest
    assert robots.crawl_delay("other") == 1.0
    assert robots.crawl_delay("b") is None  # its own group has no valid delay; no fallback to *
    assert parse("User-agent: *\nDisallow: /\n").crawl_delay("x") is None


def test_sitemaps_and_content_signal_lines() -> None:
    robots = parse(
        "Content-Usage: train-ai=n\n"
        "Sitemap: https://example.com/sitemap.xml\n"
        "User-Agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n\n"
        "User-agent: ExampleBot\ncontent-signal: ai-input=no # why\nDisallow: /x\n"
    )
    assert robots.sitemaps == ["https://example.com/sitemap.xml"]
    mine = robots.content_signals("ExampleBot/1.0")
    assert [str(s) for s in mine] == ["Content-Usage: train-ai=n", "Content-Signal: ai-input=no"]
    assert [(s.line, s.agents) for s in mine] == [(1, ()), (8, ("examplebot",))]
    others = robots.content_signals("OtherBot")
    assert [str(s) for s in others] == ["Content-Usage: train-ai=n", "Content-Signal: search=yes, ai-train=no"]
    assert len(robots.signal_lines) == 3
    # Content-Signal lines neither open nor close a group.
    assert not robots.allowed("https://example.com/x", "ExampleBot")


# -- matcher soundness and cost -----------------------------------------------------------
def _reference_allowed(rules: list[tuple[bool, str]], path: str) -> bool:
    best: tuple[int, bool] | None = None
    for allow, pattern in rules:
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        rx = "".join(".*" if ch == "*" else re.escape(ch) for ch in body) + (r"\Z" if anchored else "")
        if re.match(rx, path, re.S):
            key = (len(pattern), allow)
            best = key if best is None or key > best else best
    return best is None or best[1]


def test_matcher_agrees_with_a_regex_reference() -> None:
    rng = random.Random(20260126)
    for _ in range(3000):
        rules = []
        for _ in range(rng.randint(1, 6)):
            pattern = "/" + "".join(rng.choice("ab*") for _ in range(rng.randint(0, 6)))
            rules.append((rng.random() < 0.5, pattern + ("$" if rng.random() < 0.3 else "")))
        text = "User-agent: *\n" + "".join(f"{'Allow' if a else 'Disallow'}: {p}\n" for a, p in rules)
        path = "/" + "".join(rng.choice("ab/") for _ in range(rng.randint(0, 8)))
        assert parse(text).allowed(path, "x") is _reference_allowed(rules, path), (rules, path)


@pytest.mark.parametrize("n_rules", [3, 200])  # one regex scan of the prefixes; per-length lookups
def test_literal_prefixes_agree_with_the_reference_in_both_matcher_forms(n_rules: int) -> None:
    rng = random.Random(n_rules)
    for _ in range(300):
        rules = [(rng.random() < 0.5, "/" + "".join(rng.choice("ab.(+?[") for _ in range(rng.randint(0, 5))))
                 for _ in range(n_rules)]
        text = "User-agent: *\n" + "".join(f"{'Allow' if a else 'Disallow'}: {p}\n" for a, p in rules)
        robots = parse(text)
        for _ in range(10):
            path = "/" + "".join(rng.choice("ab.(+[") for _ in range(rng.randint(0, 7)))
            if "." in path.split("/") or ".." in path.split("/"):
                continue  # dot segments are removed from the URL before matching
            assert robots.allowed(path, "x") is _reference_allowed(rules, path), (rules, path)


def test_pathological_wildcards_take_bounded_time() -> None:
    robots = parse(
        "User-agent: *\n"
        f"Disallow: /{'a*' * 25}b\n"
        f"Disallow: /{'*a' * 25}$\n"
        f"Allow: /{'*' * 25}x*y*z\n"
    )
    long_path = "/" + "a" * 50_000
    started = time.perf_counter()
    assert not robots.allowed(long_path, "x")  # ends in a: the anchored rule
    assert robots.allowed(long_path + "c", "x")
    assert not robots.allowed("/" + "ab" * 25_000, "x")
    # A backtracking matcher takes minutes here; this one well under a second.
    assert time.perf_counter() - started < 5.0


def test_cached_check_on_a_50_rule_file_is_fast() -> None:
    spec = importlib.util.spec_from_file_location("robots_bench", REPO / "benchmarks" / "robots_bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench_allowed_us = bench.bench_allowed_us
    # The target is 20 us; the guard only catches a 10x regression on a slow machine.
    assert bench_allowed_us(rounds=3, queries=200) < 200
