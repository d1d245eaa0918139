"""Which of the ten supported languages a terms page (or one sentence) is written in.

No model and no download: Japanese and Chinese are told apart by script (kana is only
Japanese; Han without kana is Chinese), the eight Latin-script languages by their function
words. A word that several languages share counts 1/k for each of the k languages, so
"de" or "in" barely moves the score while "nicht", "não" or "się" decide it; letters that
only some languages use (ß, ł, ã, ñ, ...) add a little. Cheap enough to run per sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

__all__ = ["LANGUAGES", "LanguageGuess", "detect_language"]

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "ja", "zh")

_FUNCTION_WORDS: Mapping[str, str] = {
    "en": "the of and to in is that for you your we our on with by or not be are any this may "
          "from as at it an will all such which these those must shall have has been use using "
          "without other than its their they who if no including site website content",
    "de": "der die das den dem des und ist nicht zu von mit für auf im ein eine einer eines "
          "sich sie wir uns unsere unserer oder auch als wird werden dürfen darf sind bei nach "
          "durch zur zum kein keine keinen diese dieser dieses ohne sowie insbesondere ihr ihre "
          "es zu gemäß über vor jede jeder jeglicher",
    "fr": "le la les de du des et que qui en un une pour par avec dans sur se au aux est ne "
          "pas ou comme plus mais ce cette ces vous nous site sans tout toute toutes tous être "
          "sont notre nos votre vos l d s n qu leur leurs conformément présentes",
    "es": "ni el la los las de del y que en un una por con para se al lo su sus es no o como "
          "más pero este esta estos estas sitio usted cualquier mediante sin sobre también ser "
          "está nuestro nuestra nuestros nuestras queda le les podrá puede ningún ninguna",
    "it": "il lo la i gli le di del della dei degli delle e che in un una per con da dal "
          "dalla si al alla ai è non o come più ma questo questa questi sono sito può "
          "qualsiasi senza sul sulla nostro nostra nostri nostre nessun nessuna l d dell "
          "all nell sull presenti",
    "nl": "de het een van en dat die in op te voor met is niet of aan door om bij naar zijn "
          "worden wordt deze dit u uw wij we ons onze geen mag mogen kunnen ook alle elke "
          "zonder toe tot als er alleen ook hun haar wordt",
    "pt": "nem o a os as de do da dos das e que em no na nos nas um uma por com para se ao à é "
          "não ou como mais mas este esta estes estas você pode qualquer meio sem sobre "
          "também ser são nosso nossa nossos nossas pelo pela pelos pelas site ao aos",
    "pl": "i w z na do się nie jest że to o od po przez dla lub oraz są może ich jak ze przy "
          "tym ten ta te być który która które jakichkolwiek wyłącznie serwisu serwis "
          "użytkownik zgodnie treści bez ani niż",
}

# Letters that point at a language (each hit adds this weight, capped per text).
_LETTERS: Mapping[str, str] = {
    "de": "ßäöü", "pl": "łąęśćźżń", "pt": "ãõçê", "es": "ñ¿¡", "fr": "œêâîûëç", "it": "ìò",
}
_LETTER_WEIGHT = 0.5
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Sample of a long page that is enough to decide (keeps a 50 KB page cheap).
_SAMPLE_CHARS = 8000


def _weights() -> dict[str, dict[str, float]]:
    owners: dict[str, set[str]] = {}
    for lang, words in _FUNCTION_WORDS.items():
        for word in words.split():
            owners.setdefault(word, set()).add(lang)
    return {w: {lang: 1.0 / len(langs) for lang in langs} for w, langs in owners.items()}


_WORD_WEIGHTS = _weights()
_LETTER_OWNERS: dict[str, tuple[str, ...]] = {
    ch: tuple(lang for lang, letters in _LETTERS.items() if ch in letters)
    for ch in set("".join(_LETTERS.values()))
}
_LETTER_SET = frozenset(_LETTER_OWNERS)


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The most likely language (None when the text gives no evidence) and how sure."""

    lang: str | None
    confidence: float
    scores: Mapping[str, float]


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of `text` among LANGUAGES; only the first ~8,000 characters count."""
    sample = text[:_SAMPLE_CHARS]
    # Kana and Han are counted only when the text has a character that high at all (one
    # C-level max() instead of two regex scans: this runs once per topical sentence).
    cjk = bool(sample) and max(sample) >= "\u3040"
    kana = len(_KANA.findall(sample)) if cjk else 0
    han = len(_HAN.findall(sample)) if cjk else 0
    if kana + han >= 2:
        # Japanese prose is rarely under ~10% kana; Chinese has none.
        if kana >= max(2, 0.1 * (kana + han)):
            return LanguageGuess("ja", min(1.0, 0.6 + kana / (kana + han)), {"ja": kana, "zh": han})
        if kana == 0 or han > 20 * kana:
            return LanguageGuess("zh", min(1.0, 0.6 + han / (kana + han) / 2.5), {"ja": kana, "zh": han})
    scores: dict[str, float] = {lang: 0.0 for lang in _FUNCTION_WORDS}
    lowered = sample.lower()
    for word in _WORD.findall(lowered):  # strings, not match objects: this runs per sentence
        weights = _WORD_WEIGHTS.get(word)
        if weights is not None:
            for lang, weight in weights.items():
                scores[lang] += weight
    present = _LETTER_SET.intersection(lowered)
    for ch, langs in _LETTER_OWNERS.items():
        if ch not in present:
            continue
        hits = lowered.count(ch)
        if hits:
            for lang in langs:
                scores[lang] += _LETTER_WEIGHT * min(hits, 20) / len(langs)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, second = ranked[0], ranked[1]
    if best[1] <= 0:
        return LanguageGuess(None, 0.0, scores)
    confidence = (best[1] - second[1]) / best[1]
    return LanguageGuess(best[0], round(confidence, 3), scores)
