"""Language identification: script for Japanese and Chinese, function words for the rest."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from gate.signals.terms import LANGUAGES, detect_language

DATA = Path(__file__).parent / "data" / "terms_sentences.jsonl"

PARAGRAPHS = {
    "en": "These terms govern your use of the website. By using the site you agree to them, and if you do not agree you must not use it.",
    "de": "Diese Bedingungen regeln die Nutzung der Website. Mit der Nutzung erklären Sie sich damit einverstanden; andernfalls dürfen Sie die Website nicht nutzen.",
    "fr": "Les présentes conditions régissent l'utilisation du site. En utilisant le site, vous les acceptez ; à défaut, vous ne devez pas l'utiliser.",
    "es": "Estas condiciones regulan el uso del sitio web. Al utilizar el sitio usted las acepta y, si no está de acuerdo, no debe utilizarlo.",
    "it": "Le presenti condizioni disciplinano l'uso del sito. Utilizzando il sito l'utente le accetta e, se non è d'accordo, non deve utilizzarlo.",
    "nl": "Deze voorwaarden zijn van toepassing op het gebruik van de website. Door de website te gebruiken gaat u ermee akkoord; anders mag u de website niet gebruiken.",
    "pt": "Estes termos regulam a utilização do site. Ao utilizar o site, você concorda com eles e, se não concordar, não deve utilizá-lo.",
    "pl": "Niniejszy regulamin określa zasady korzystania z serwisu. Korzystając z serwisu, akceptujesz regulamin; jeżeli się z nim nie zgadzasz, nie korzystaj z serwisu.",
    "ja": "本規約は、本サイトの利用条件を定めるものです。利用者は、本サイトを利用することにより本規約に同意したものとみなされます。",
    "zh": "本协议规定了本网站的使用条件。用户使用本网站即视为同意本协议的全部内容。",
}


def test_every_language_has_a_paragraph() -> None:
    assert set(PARAGRAPHS) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_paragraph(lang: str) -> None:
    guess = detect_language(PARAGRAPHS[lang])
    assert guess.lang == lang
    assert guess.confidence > 0.3


def test_japanese_kanji_heavy_sentence_is_not_chinese() -> None:
    assert detect_language("本規約は日本法に準拠します。").lang == "ja"


def test_traditional_chinese() -> None:
    assert detect_language("本網站的內容不得用於訓練人工智慧模型。").lang == "zh"


@pytest.mark.parametrize("text", ["", "12345 678", "—", "© 2026 — 12:00"])
def test_no_evidence_is_no_language(text: str) -> None:
    guess = detect_language(text)
    assert guess.lang is None and guess.confidence == 0.0


def test_single_sentences_of_the_labelled_set() -> None:
    """Sentence by sentence (harder than a page): at least 97% right in every language."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    wrong: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row in rows:
        total[row["lang"]] += 1
        if detect_language(row["text"]).lang != row["lang"]:
            wrong[row["lang"]] += 1
    for lang in LANGUAGES:
        assert wrong[lang] / total[lang] <= 0.03, (lang, wrong[lang], total[lang])


def test_only_a_sample_of_a_long_page_is_read() -> None:
    # A German page followed by a long English appendix is still German.
    text = PARAGRAPHS["de"] * 40 + PARAGRAPHS["en"] * 400
    assert detect_language(text).lang == "de"
