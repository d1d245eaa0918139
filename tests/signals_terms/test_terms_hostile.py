"""Markup a hostile server could send to stall the gate: unclosed scripts and comments,
runs of "<", endless links. Each is read in linear time (the regular expressions of a
first version took 15 to 55 seconds on some of these 200 KB pages)."""

from __future__ import annotations

import time

import pytest

from gate.signals.terms import analyse_page, link_candidates

HOSTILE = {
    "unclosed scripts": "<script>x" * 20000,
    "unclosed comments": "<!-- x" * 20000,
    "a run of <": "<" * 200000,
    "unclosed tags": "<p class=x" * 50000,
    "unclosed quotes": '<a href="' * 50000,
    "one endless attribute list": "<a " + "x=1 " * 50000 + ">",
    "no sentence end": "if you may not use bots, " * 8000,
    "many empty links": "<a href='/x'>" * 20000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_markup_is_read_in_linear_time(name: str) -> None:
    page = HOSTILE[name]
    start = time.perf_counter()
    analyse_page(page, "text/html")
    link_candidates(page, "https://shop.example/")
    assert time.perf_counter() - start < 3.0, name  # ~0.1-0.4 s here; quadratic would be minutes


def test_content_after_an_unclosed_script_is_hidden_as_in_a_browser() -> None:
    page = "<p>Crawlers are welcome.</p><script>var a = 1;<p>Scraping is prohibited.</p>"
    assert [c.label for c in analyse_page(page, "text/html").clauses] == ["permission"]


def test_links_inside_scripts_and_comments_are_not_links() -> None:
    page = ('<script>document.write("<a href=/terms>Terms of Use</a>")</script>'
            '<!-- <a href="/agb">AGB</a> --><a href="/legal/tos">Terms of Service</a>')
    assert [c.url for c in link_candidates(page, "https://shop.example/")] == ["https://shop.example/legal/tos"]
