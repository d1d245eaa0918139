"""Google's robotstxt GoogleOnly expectations (robots_test.cc), where RFC 9309 is silent:
each case records what Google's parser answers, what scrapegate answers, and why (the
choice is also in docs/security.md). Long lines are written `{a*N}` in the data file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gate.signals.robots import MAX_LINE_CHARS, parse

CASES = json.loads((Path(__file__).parent / "data" / "google_only_cases.json").read_text(encoding="utf-8"))


def expand(text: str) -> str:
    return re.sub(r"\{(\w)\*(\d+)\}", lambda m: m.group(1) * int(m.group(2)), text)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_google_only_case(case: dict) -> None:
    robots = parse(expand(case["robots"]))
    assert robots.allowed(expand(case["url"]), case["agent"]) is case["scrapegate"], case["choice"]
    if case["scrapegate"] != case["google"]:
        assert case["choice"].startswith("differs"), "every difference from Google is documented"


def test_matches_google_where_the_rfc_is_silent() -> None:
    differ = [c["id"] for c in CASES if c["google"] != c["scrapegate"]]
    assert differ == ["ua_up_to_first_space.full_string", "index_html_is_directory.directory"]


def test_the_line_cap_keeps_google_length() -> None:
    robots = parse("User-agent: *\nDisallow: /" + "x" * (MAX_LINE_CHARS - len("Disallow: /")) + "TAIL\n")
    assert not robots.allowed("http://h/" + "x" * (MAX_LINE_CHARS - len("Disallow: /")) + "OTHER", "bot")
    assert MAX_LINE_CHARS == 16663
