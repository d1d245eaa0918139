"""The labelled sentence set: its shape, and a guard that the classifier keeps the issue's
targets on the held-out split. The figures themselves come from
`python benchmarks/terms_bench.py` (see BENCHMARKS.md, "Terms of the long tail")."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gate.signals.terms import LABELS, LANGUAGES, RESTRICTIVE, classify_sentence

DATA = Path(__file__).parent / "data" / "terms_sentences.jsonl"
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "terms_bench.py"


def rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_shape_of_the_set() -> None:
    data = rows()
    assert len(data) >= 200
    assert len({r["id"] for r in data}) == len(data)
    assert len({(r["lang"], r["text"]) for r in data}) == len(data)
    for r in data:
        assert set(r) <= {"id", "lang", "split", "label", "text", "context"}, r
        assert r["lang"] in LANGUAGES and r["label"] in LABELS and r["split"] in ("test", "dev", "stress", "blind2", "blind3", "blind4"), r
        assert r["text"].strip() == r["text"] and r["text"], r
    test = Counter((r["lang"], r["label"]) for r in data if r["split"] == "test")
    for lang in LANGUAGES:
        assert sum(n for (code, _), n in test.items() if code == lang) >= 20, lang
        for label in LABELS:
            assert test[(lang, label)] >= 3, (lang, label)  # every class, in every language


def _strict(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    tp = sum(1 for gold, got in pairs if gold in RESTRICTIVE and got == gold)
    fp = sum(1 for gold, got in pairs if got in RESTRICTIVE and got != gold)
    fn = sum(1 for gold, got in pairs if gold in RESTRICTIVE and got != gold)
    return tp / (tp + fp), tp / (tp + fn)


@pytest.mark.parametrize("split", ["test", "dev"])
def test_targets_hold_on_the_split(split: str) -> None:
    by_lang: dict[str, list[tuple[str, str]]] = {}
    for r in rows():
        if r["split"] == split:
            got = classify_sentence(r["text"], None, r.get("context", "")).label
            by_lang.setdefault(r["lang"], []).append((r["label"], got))
    precision, recall = _strict([p for pairs in by_lang.values() for p in pairs])
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)
    for lang, pairs in by_lang.items():
        p, r = _strict(pairs)
        assert p >= 0.85 and r >= 0.85, (lang, p, r)


def test_a_50_kb_page_within_10x_of_its_target() -> None:
    spec = importlib.util.spec_from_file_location("terms_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figures = bench.page_cost_ms("en", rounds=1, runs=3)
    assert figures["bytes"] >= 50_000
    assert figures["median_ms"] <= 200  # target 20 ms
