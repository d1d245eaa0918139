"""The shortcuts the page reader takes for speed (issue 22.5) never change a verdict.

`may_decide` lets find_clauses skip re-reading a mention in another language: it must say
False only where classify_sentence would say mention or other. topical() hands the
classifier the sentences it normalised: they must be what normalise() makes.
"""

from __future__ import annotations

import json
from pathlib import Path

from gate.signals.terms import LANGUAGES, classify_sentence
from gate.signals.terms.reading import MENTION, OTHER, may_decide, normalise
from gate.signals.terms.text import split_sentences
from gate.signals.terms.topics import topical

DATA = Path(__file__).parent / "data" / "terms_sentences.jsonl"


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_may_decide_is_false_only_where_no_decision_is_possible() -> None:
    skipped = decided = 0
    for row in _rows():
        for lang in LANGUAGES:
            verdict = classify_sentence(row["text"], lang, row.get("context", ""))
            if may_decide(row["text"], lang, row.get("context", "")):
                decided += verdict.label not in (MENTION, OTHER)
            else:
                skipped += 1
                assert verdict.label in (MENTION, OTHER), (lang, row["id"], verdict)
    # Both sides are exercised: most cross-language readings are skipped, and every
    # restrictive or permissive verdict came through may_decide's True.
    assert skipped > 1000 and decided > 500


def test_topical_hands_over_what_normalise_makes() -> None:
    text = ("Nutzungsbedingungen.\nDas automatisierte Auslesen ist untersagt. Crawlers are welcome\u00a0to "
            "index “public” pages.\nDie Preise enthalten die Mehrwertsteuer.\nDer Einsatz von KI-Systemen ist "
            "nicht gestattet.")
    lows: dict[str, str] = {}
    found = topical(text, "de", split_sentences(text), lows)
    assert len(found) == 3 and lows
    for full, low in lows.items():
        assert low == normalise(full)
