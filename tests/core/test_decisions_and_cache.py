"""The Gate's hand-offs: decisions are immutable and a cached decision's copies share nothing
that can change; `decide` returns a typed `Evaluation`; the decision cache evicts first in,
first out, as its name says."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from gate.core.decision_cache import FIFOCache
from gate.core.evaluation import Evaluation
from gate.core.gate import Gate
from gate.engines.static import StaticEngine
from gate.model.decision import Decision, FrozenDict

JOB: dict[str, Any] = {
    "apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": "prices"},
    "spec": {"operator": {"name": "Shop Watch", "establishment": "DE"}, "purpose": {"category": "price_monitoring"},
             "user_agent": "PriceBot/1.0", "data_categories": ["non_personal"],
             "data_subjects": {"jurisdictions": ["EU"]}, "targets": ["https://shop.example.com/"]},
}


def _result(policy_input: dict[str, Any]) -> dict[str, Any]:
    return {"allow": True, "deny": [], "warn": [{"code": "review.needed", "precedents": ["a case"]}],
            "obligations": [{"code": "rate_limit", "min_interval_s": 10, "hosts": [policy_input["request"]["host"]]}],
            "waived": [{"code": "x.y", "waiver": "W-1"}]}


@pytest.fixture
def gate() -> Any:
    engine = StaticEngine(_result)
    with Gate(JOB, engine=engine, signals="static", ledger=False) as g:
        yield g


def test_copies_of_a_cached_decision_cannot_change_each_other(gate: Gate) -> None:
    first = gate.check("https://shop.example.com/p/1")
    second = gate.check("https://shop.example.com/p/2")
    assert gate.engine.calls == 1  # type: ignore[attr-defined]  # the second is a copy of the cached one
    assert first.decision_id != second.decision_id and first.url != second.url
    with pytest.raises(AttributeError):
        first.obligations.clear()  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        first.obligations[0]["min_interval_s"] = 0  # type: ignore[index]
    with pytest.raises(TypeError):
        first.waived[0].pop("waiver")  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        first.obligations[0]["hosts"].append("elsewhere.example")
    with pytest.raises(ValidationError):
        first.warn[0].code = "changed"  # type: ignore[misc]
    third = gate.check("https://shop.example.com/p/3")
    for d in (first, second, third):
        assert d.obligations == ({"code": "rate_limit", "min_interval_s": 10, "hosts": ("shop.example.com",)},)
        assert [w.code for w in d.warn] == ["review.needed"] and d.waived[0]["waiver"] == "W-1"


def test_a_decision_is_frozen_and_copied_the_supported_way(gate: Gate) -> None:
    decision = gate.check("https://shop.example.com/p/1")
    with pytest.raises(ValidationError):
        decision.allow = False  # type: ignore[misc]
    copy_ = decision.for_request("id-2", "https://shop.example.com/p/9", "audit", "2026-11-26T10:00:00.000000Z")
    assert (copy_.decision_id, copy_.url, copy_.mode) == ("id-2", "https://shop.example.com/p/9", "audit")
    assert copy_.obligations is decision.obligations  # shared, and immutable
    assert decision.mode == "enforce" and decision.url == "https://shop.example.com/p/1"


def test_for_request_is_model_copy_written_out(gate: Gate) -> None:
    """for_request skips model_copy's copy.copy calls (the hot path): same object otherwise."""
    decision = gate.check("https://shop.example.com/p/1")
    update = {"decision_id": "id-3", "url": "https://shop.example.com/p/3", "mode": "audit",
              "evaluated_at": "2026-11-26T10:00:00.000000Z"}
    ours, theirs = decision.for_request(**update), decision.model_copy(update=update)
    assert type(ours) is Decision and ours == theirs
    assert ours.model_dump() == theirs.model_dump() and ours.model_dump_json() == theirs.model_dump_json()
    assert ours.model_fields_set == theirs.model_fields_set
    assert (ours.model_extra, ours.__pydantic_private__) == (theirs.model_extra, theirs.__pydantic_private__)
    assert pickle.loads(pickle.dumps(ours)) == theirs and copy.deepcopy(ours) == theirs
    assert decision.url == "https://shop.example.com/p/1" and decision.mode == "enforce"  # the template is untouched
    with pytest.raises(ValidationError):
        ours.url = "https://elsewhere.example/"  # type: ignore[misc]


def test_frozen_entries_travel_as_plain_json_and_through_pickle(gate: Gate) -> None:
    decision = gate.check("https://shop.example.com/p/1")
    dumped = decision.model_dump(mode="json")
    assert dumped["obligations"] == [{"code": "rate_limit", "min_interval_s": 10, "hosts": ["shop.example.com"]}]
    assert json.loads(json.dumps(decision.obligations[0])) == dumped["obligations"][0]
    for again in (pickle.loads(pickle.dumps(decision)), copy.deepcopy(decision)):
        assert again == decision and isinstance(again.obligations[0], FrozenDict)
    editable = dict(decision.obligations[0])
    editable["min_interval_s"] = 1  # a copy the caller owns
    assert decision.obligations[0]["min_interval_s"] == 10


def test_decide_returns_an_evaluation_and_input_for_rebuilds_the_cached_one() -> None:
    moment = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    with Gate(JOB, engine=StaticEngine(_result), signals="static", ledger=False, clock=lambda: moment) as gate:
        evaluated = gate.decide("https://shop.example.com/p/1")
        cached = gate.decide("https://shop.example.com/p/1")
        invalid = gate.decide("ftp://shop.example.com/p/1")
    assert isinstance(evaluated, Evaluation) and not evaluated.cached and evaluated.policy_input is not None
    assert cached.cached and cached.policy_input is None and cached.template is not None
    assert gate.input_for(cached) == evaluated.policy_input
    assert evaluated.moment == moment and evaluated.policy_input["now"] == "2026-11-26T10:00:00Z"
    assert invalid.url is None and invalid.decision.deny_codes == ["request.invalid_url"]
    assert gate.input_for(invalid) is None


def test_the_decision_cache_evicts_the_oldest_insertion_even_when_it_is_read() -> None:
    cache: FIFOCache[str] = FIFOCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a hit does not refresh "a"
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, "B", "C")
    assert (cache.hits, cache.misses, len(cache)) == (3, 1, 2)


def test_a_decision_built_from_an_engine_result_is_immutable_all_the_way_down() -> None:
    decision = Decision.from_result({"allow": True, "obligations": [{"code": "o", "nested": {"k": [1, 2]}}]})
    nested = decision.obligations[0]["nested"]
    assert isinstance(nested, FrozenDict) and nested["k"] == (1, 2)
    with pytest.raises(TypeError):
        nested["k"] = ()
