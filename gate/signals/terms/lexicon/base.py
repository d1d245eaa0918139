"""The shape of one language's lexicon: regular-expression fragments by role.

Every fragment is matched against the sentence lower-cased, with typographic apostrophes
and quotes made plain. Latin-script fragments carry their own `\\b`; Japanese and Chinese
ones match anywhere. Roles (see gate.signals.terms.clauses for how they combine):

- topics: `auto` (bots, crawling, scraping, automated access, APIs), `tdm` (text and data
  mining), `ai` (AI, machine learning, model training). A sentence without a topic is
  "other" whatever else it says.
- restrictive cues: `prohibit` (prohibited, verboten, 禁止: restrictive whoever speaks; a
  negation just before it flips it to a permission: "not prohibited"), `restrict_modal`
  (may not, agree not to, do not: restrictive unless the operator speaks of itself: "we
  do not use bots"), `need_consent` (without our consent, requires a licence: weakly
  restrictive), `reserve` (reserve, opt out, object: restrictive only about TDM or AI).
- permissive cues: `permit` (permitted, gestattet, 許可; negated it restricts),
  `modal` (may, dürfen, できます; negated it restricts; the operator's own "we may" is
  neither), `api` (use our public API), `allow_negated` ("nothing in these terms
  prohibits").
- structure: `self_` (the operator as subject, unless one of `object_of` precedes it), `condition` (provided that, unless,
  sofern, 限り: cues in such a clause weigh less), `only` + `consent` ("only with our
  prior consent" turns a permission into a restriction), `negation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Lexicon", "not_near"]


def not_near(word: str, after: str = "", before: tuple[str, ...] = ()) -> str:
    """`word` (a fragment ending in \\b), unless `after` follows it or one of `before`
    precedes it: "automatic" is a topic, "automatic renewal" and "renews automatically"
    are subscriptions, not bots."""
    behind = "".join(f"(?<!{re.escape(w)} )" for w in before)
    return behind + word + (f"(?! (?:{after}))" if after else "")


@dataclass(frozen=True)
class Lexicon:
    """One language's cue words; `script` is "latin", "ja" or "zh"."""

    code: str
    script: str
    auto: tuple[str, ...]
    tdm: tuple[str, ...]
    ai: tuple[str, ...]
    prohibit: tuple[str, ...]
    restrict_modal: tuple[str, ...]
    need_consent: tuple[str, ...]
    reserve: tuple[str, ...]
    permit: tuple[str, ...]
    modal: tuple[str, ...]
    api: tuple[str, ...]
    allow_negated: tuple[str, ...]
    self_: tuple[str, ...]
    condition: tuple[str, ...]
    only: tuple[str, ...]
    consent: tuple[str, ...]
    negation: tuple[str, ...]
    # How many words after a cue a negation still negates it (verb-final languages).
    neg_after: dict[str, int] = field(default_factory=dict)
    # Words after which a `self_` phrase is an object, not the speaker: "the content OF our
    # website may not be used" forbids; "our website may not ..." is the operator. Not the
    # words of a passive's agent ("collected BY our crawler"): the operator acts there.
    object_of: tuple[str, ...] = ()
    # What follows a modal cue when it is passive ("may not BE SCRAPED"): the site named
    # before it ("this website may not be crawled") is what is done to, not who speaks.
    passive: str = ""
