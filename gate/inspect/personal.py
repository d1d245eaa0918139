"""Personal data in text and HTML: e-mail addresses, phone numbers, IBANs, national
identifiers and person-name markup, each counted only when it is valid, not merely shaped
like one.

- E-mail: RFC 5322 dot-atom local part, and a domain whose public suffix is in the Public
  Suffix List that tldextract bundles (`logo@2x.png` is not an address: `png` is no suffix).
  The reserved example domains of RFC 2606 are not counted: no one's mailbox is there.
- Phone: `phonenumbers.is_valid_number`, plus three rules for what its permissive metadata
  lets through on web pages: a number written without `+`/`00` is read only in the regions
  the caller names (`phone_regions`) and must carry that region's trunk prefix (`0` in DE,
  FR, GB; none for NANP regions), its national number must be at most one digit shorter than
  the region's shortest example number (Germany's plan accepts `+49 30 1234`), and dates,
  version strings and unseparated product codes (valid EAN-13/GTIN) are not numbers.
- IBAN and national identifiers: python-stdnum, see `identifiers`.

Values are held only long enough to count distinct ones; results carry counts and scores.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from gate.signals.terms.text import DROP_INVISIBLE, INVISIBLE

from .htmltext import name_markers, page_text
from .identifiers import (
    CONTEXT_LENGTHS,
    NATIONAL_IDS,
    TOKENS,
    IdMatch,
    bounded,
    classify_capital,
    classify_digits,
    inside_shape,
)

__all__ = ["PersonalConfig", "PersonalResult", "find_personal", "KIND_SCORES"]

# What each kind's score means: how sure a valid match is personal data about a person.
KIND_SCORES = {"email": 1.0, "phone": 1.0, "iban": 1.0, "national_id": 1.0, "person_name": 0.6}
PHONE_IN_ASSUMED_REGION = 0.8  # a national-format number read in a region the caller assumed
_RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})

# RFC 5322 dot-atom characters: a local part is the run of them before an "@" (at most 64),
# found with str.rstrip (C speed; a regular expression searched the window at each start).
_LOCAL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.-"
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,63}\b")
_NON_DIGITS = re.compile(r"[^0-9]")
# Characters a reader does not see, put inside an address or a number to break a pattern
# (soft hyphen, zero-width space, non-joiner, joiner, word joiner, BOM): dropped before reading.
_DATE = re.compile(r"[0-9]{1,4}[-./ ][0-9]{1,2}[-./ ][0-9]{1,4}|[0-9]{4}[-/][0-9]{2,4}|(?:19|20)[0-9]{6}")
_DOTTED_SHORT_GROUP = re.compile(r"(?:^|\.)[0-9](?:\.|$)")


@dataclass(frozen=True)
class PersonalConfig:
    phone_regions: tuple[str, ...] = ()  # ISO 3166-1 regions for numbers written without "+"
    national_ids: tuple[str, ...] = NATIONAL_IDS
    max_chars: int = 2_000_000  # text read per body; the rest is reported as truncated
    max_candidates: int = 400  # digit runs validated per body (each costs a phonenumbers parse)


@dataclass
class PersonalResult:
    counts: dict[str, int] = field(default_factory=dict)  # kind -> distinct valid values
    scores: dict[str, float] = field(default_factory=dict)  # kind -> the best match's score
    ids: dict[str, int] = field(default_factory=dict)  # national id kind -> distinct values
    truncated: bool = False  # max_chars or max_candidates was reached


def find_personal(text: str, *, is_html: bool, config: PersonalConfig | None = None) -> PersonalResult:
    """Count the valid personal data in `text` (an HTML document when `is_html`)."""
    config = config or PersonalConfig()
    result = PersonalResult()
    if len(text) > config.max_chars:
        text, result.truncated = text[:config.max_chars], True
    links: tuple[str, ...] = ()
    markup = ""
    if is_html:
        _add(result, "person_name", sum(name_markers(text).values()), KIND_SCORES["person_name"])
        page = page_text(text)
        text, links, markup = page.text, page.links, page.markup
    if not text.isascii() and any(c in text for c in INVISIBLE):  # one find each; ASCII text: none
        text = text.translate(DROP_INVISIBLE)
    # Addresses in attribute values (title=, alt=, data-*, value=) count too: a parser hands
    # them over as readily as the text. Scripts and styles are already gone from `markup`.
    attributes = {a for a in _emails(markup) if "%" not in a}  # a mailto: target is read decoded, from `links`
    emails = _emails(text) | {a.lower() for a in links if "@" in a and _emails(a)} | attributes
    _add(result, "email", len(emails), KIND_SCORES["email"])
    wanted = set(config.national_ids)
    ids: dict[str, set[str]] = {}
    id_scores: dict[str, float] = {}
    phones, phone_score, truncated = _scan(text, links, config, wanted, ids, id_scores)
    result.truncated |= truncated
    _add(result, "phone", len(phones), phone_score)
    _add(result, "iban", len(ids.pop("iban", ())), KIND_SCORES["iban"])
    id_scores.pop("iban", None)
    result.ids = {k: len(v) for k, v in sorted(ids.items())}
    _add(result, "national_id", sum(result.ids.values()), max(id_scores.values(), default=0.0))
    return result


def _keep(ids: dict[str, set[str]], scores: dict[str, float], match: IdMatch) -> None:
    ids.setdefault(match.kind, set()).add(match.value)
    scores[match.kind] = max(scores.get(match.kind, 0.0), match.score)


def _add(result: PersonalResult, kind: str, count: int, score: float) -> None:
    if count:
        result.counts[kind] = result.counts.get(kind, 0) + count
        result.scores[kind] = max(result.scores.get(kind, 0.0), score)


_EXTRACT: Any = None  # tldextract.TLDExtract, built on first use


@functools.lru_cache(maxsize=4096)
def _plausible_domain(domain: str) -> bool:
    import tldextract  # deferred: loading the bundled suffix list costs ~50 ms, once

    global _EXTRACT
    if _EXTRACT is None:
        _EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    parts = _EXTRACT(domain)
    if not parts.suffix or not parts.domain:
        return False
    return f"{parts.domain}.{parts.suffix}" not in _RESERVED_DOMAINS


def _emails(text: str) -> set[str]:
    found: set[str] = set()
    at = text.find("@")
    while at != -1:
        domain = _DOMAIN.match(text, at + 1)  # first: most "@" in markup are img@2x.png, no domain
        host = domain.group().lower() if domain else ""
        if host and _plausible_domain(host):
            window = text[max(0, at - 64):at]
            name = window[len(window.rstrip(_LOCAL_CHARS)):].lstrip(".")
            if name and not name.endswith(".") and ".." not in name:
                found.add(f"{name.lower()}@{host}")
        at = text.find("@", at + 1)
    return found


def _scan(text: str, links: tuple[str, ...], config: PersonalConfig, wanted: set[str],
          ids: dict[str, set[str]], id_scores: dict[str, float]) -> tuple[set[str], float, bool]:
    """One pass over the text's candidates (identifiers.TOKENS): IBANs and national ids go
    into `ids`; returns the phone numbers (E.164, distinct), their best score, and whether
    `max_candidates` cut the pass short."""
    phones: set[str] = set()
    score = 0.0
    seen = 0
    skip_until = 0  # the end of an identifier that spans several tokens
    # Outcomes of tokens that do not depend on the text around them: shops repeat the same
    # codes, dates and prices on every card.
    memo: dict[str, tuple[str, float] | None] = {}
    tokens = [(m.start(), m.group()) for m in TOKENS.finditer(text)]
    tokens += [(-1, link) for link in links if "@" not in link]
    for start, raw in tokens:
        if 0 <= start < skip_until:
            continue
        if "A" <= raw[0] <= "Z":
            found = classify_capital(text, start, raw)
            if found is not None and (found.kind == "iban" or found.kind in wanted):
                _keep(ids, id_scores, found)
            continue
        if raw in memo:
            number = memo[raw]
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "+.,/-"):
                continue
        else:
            found, phone_raw, digits, skip_until = _digit_token(text, start, raw, skip_until)
            if found is not None:
                if found.kind in wanted:
                    _keep(ids, id_scores, found)
                continue
            if len(digits) < 7:
                if phone_raw and not raw[-1].isalpha():
                    memo[raw] = None
                continue
            seen += 1
            if seen > config.max_candidates:
                return phones, score, True
            number = _phone(phone_raw, digits, config.phone_regions)
            if len(digits) not in CONTEXT_LENGTHS and not raw[-1].isalpha():
                memo[raw] = number
        if number is not None:
            phones.add(number[0])
            score = max(score, number[1])
    return phones, score, False


def _digit_token(text: str, start: int, raw: str, skip_until: int) -> tuple[IdMatch | None, str, str, int]:
    """(an identifier, or None; the run as a phone candidate; its digits; the new skip_until)."""
    stripped = raw if raw[0] == "+" else raw.lstrip(" \t().-/")
    if start >= 0:
        start += len(raw) - len(stripped)
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "+.,/-"):
            return None, "", "", skip_until  # a run inside a longer token (a SKU, a decimal)
    raw = stripped.rstrip(" \t().-/")
    if not raw:
        return None, "", "", skip_until
    digits = raw if raw.isdigit() else _NON_DIGITS.sub("", raw)  # the token's digits are ASCII
    if raw[-1].isalpha():
        # Every identifier that ends in a capital, or is broken by one, has at least 6 digits
        # before it (ES DNI 8, FI HETU 6 + 3, FR NIR of Corsica 6, CN resident id 17).
        if start >= 0 and len(digits) >= 6:
            found, end = inside_shape(text, start)
            if found is not None:
                return found, "", "", end
            if bounded(text, start, start + len(raw)):
                found = classify_digits(text, start, raw, "")
                if found is not None:
                    return found, "", "", skip_until
        raw = raw[:-1].rstrip(" \t().-/")  # "... 6789 (Mo-Fr": the number before the word
    if start >= 0 and len(digits) >= 9:
        found = classify_digits(text, start, raw, digits)
        if found is not None:
            return found, "", "", skip_until
    return None, raw, digits, skip_until


def _phone(raw: str, digits: str, regions: tuple[str, ...]) -> tuple[str, float] | None:
    import phonenumbers  # deferred: its metadata loads per region on first use

    international = raw.startswith("+") or raw.startswith("00")
    if international:
        attempts: list[tuple[str | None, float]] = [(None, 1.0)]
    else:  # first: most digit runs on a page fail here, before any pattern runs
        attempts = [(r, PHONE_IN_ASSUMED_REGION) for r in regions if digits.startswith(_trunk_prefix(r))]
        if not attempts:
            return None
    if len(digits) > 15 or _DATE.fullmatch(raw):
        return None
    if "." in raw and " " not in raw and _DOTTED_SHORT_GROUP.search(raw.lstrip("+")):
        return None  # 10.0.19041.1: a version string, not a number
    if not international and raw.isdigit() and _is_product_code(digits):
        return None
    for region, score in attempts:
        text = "+" + raw[2:] if raw.startswith("00") else raw
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        where = phonenumbers.region_code_for_number(number)
        if len(phonenumbers.national_significant_number(number)) < _shortest_nsn(where) - 1:
            continue
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), score
    return None


@functools.lru_cache(maxsize=256)
def _shortest_nsn(region: str | None) -> int:
    import phonenumbers

    if not region:
        return 0
    lengths = []
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is not None:
            lengths.append(len(phonenumbers.national_significant_number(example)))
    return min(lengths, default=0)


@functools.lru_cache(maxsize=256)
def _trunk_prefix(region: str) -> str:
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code == 1:  # NANP numbers are written without it
        return ""
    return metadata.national_prefix or ""


def _is_product_code(digits: str) -> bool:
    if len(digits) not in (8, 12, 13, 14):
        return False
    from stdnum import ean

    return bool(ean.is_valid(digits))

