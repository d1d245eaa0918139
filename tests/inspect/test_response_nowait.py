"""The response phase's inline path (run_response_phase_nowait, used by the Scrapy middleware on
its reactor): it answers at once when no classifier costs more than a thread's round trip and
nothing is fetched, leaves images and large pages to a worker thread, counts each response once
in the sampler, and reaches the same verdict as the full phase. Real gate, real site, real
classifiers."""

from __future__ import annotations

from typing import Any

import requests
import response_site as rs

from gate.enforce.admit import inspect_hop_nowait
from gate.errors import CollectionBlocked
from gate.inspect import SamplingPolicy
from gate.inspect.phase import NOWAIT_INSPECT_MAX, run_response_phase_nowait, warm_response_phase
from gate.model.response import ResponseFacts
from gate.model.url import normalize


def _facts(url: str) -> ResponseFacts:
    r = requests.get(url, timeout=10)
    return ResponseFacts.of(url, r.status_code, r.headers, r.content)


def test_small_pages_inline_images_and_large_pages_in_a_thread(response_site: Any, gate_for: Any) -> None:
    g = gate_for(rs.PRICES, sampling=SamplingPolicy(trust_after=1000, one_in=1, draw="every_nth"))  # every response sampled
    page, image = response_site.url_for("/products/kettle"), response_site.url_for("/img/portrait.jpg")
    assert run_response_phase_nowait(g, g.check(page), _facts(page)) is None  # the phase is not built yet
    warm_response_phase(g)
    assert g.response_phase._inspector is not None  # the classifiers are loaded ahead of the crawl
    decision = g.check(page)
    facts = _facts(page)
    assert len(facts.body) <= NOWAIT_INSPECT_MAX
    assert run_response_phase_nowait(g, decision, facts) is decision  # inspected inline: clean
    large = ResponseFacts.of(page, 200, [("Content-Type", "text/html")], facts.body * (NOWAIT_INSPECT_MAX // len(facts.body) + 1))
    assert run_response_phase_nowait(g, decision, large) is None
    assert run_response_phase_nowait(g, g.check(image), _facts(image)) is None  # the face detector: a thread
    state = g.response_phase.sampler.state("prices", normalize(page).site)
    assert state.responses == 1 and state.inspected == 1  # only the inline one counted


def test_the_inline_path_withholds_what_the_phase_withholds(response_site: Any, gate_for: Any) -> None:
    g = gate_for(rs.PRICES)
    warm_response_phase(g)
    team = response_site.url_for("/team")  # personal data on a non-personal job
    try:
        inspect_hop_nowait(g, g.check(team), _facts(team))
    except CollectionBlocked as blocked:
        assert blocked.decision.deny_codes == ["content.undeclared_category"]
    else:
        raise AssertionError("the /team page must be withheld inline as by the full phase")
