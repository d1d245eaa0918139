"""IBANs and national identifiers in text, counted only when python-stdnum validates them.

The documented set (`NATIONAL_IDS`), with what makes each one count:

| id | stdnum module | check | counted |
|---|---|---|---|
| FR NIR (social security) | fr.nir | mod-97 key | unbroken or `1 85 05 75 123 456 73`; else with context |
| IT codice fiscale | it.codicefiscale | check letter, date | always |
| ES DNI / NIE | es.dni / es.nie | check letter | always |
| FI henkilötunnus | fi.hetu | date + mod-31 check | always |
| CN resident id | cn.ric | region, date, mod 11-2 | unbroken or `110105 19491231 002X`; else with context |
| BR CPF | br.cpf | two check digits | written `000.000.000-00`; bare: with context |
| BE national number | be.nn | date + mod 97 | written `YY.MM.DD-NNN.CC`; bare: with context |
| SE personnummer | se.personnummer | date + Luhn | written with `-`/`+`; bare: with context |
| DE Steuer-IdNr | de.idnr | ISO 7064 + digit rule | with context |
| PL PESEL | pl.pesel | date + check digit | with context |
| NL BSN | nl.bsn | 11-proof | with context |
| GB NHS number | gb.nhs | mod 11 | with context |
| DK CPR | dk.cpr | date only | with context |
| US SSN | us.ssn | area/group/serial ranges only | with context |

"With context" means a keyword naming the identifier (`IdNr`, `PESEL`, `BSN`, `NHS`, `SSN`,
...) within 60 characters before it: a random number passes the weak checks often (9% of
random 9-digit numbers pass the BSN 11-proof, 89% pass the SSN ranges), so on their own
they would flag every order number. The GB National Insurance number is not in the set:
python-stdnum has no validator for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["NATIONAL_IDS", "IdMatch", "TOKENS", "CONTEXT_LENGTHS", "bounded", "classify_capital", "inside_shape",
           "classify_digits", "context_before"]

CONTEXT_CHARS = 60

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "de.idnr": ("idnr", "identifikationsnummer", "steuer-id", "steuerid", "steuer id", "tax id"),
    "pl.pesel": ("pesel",),
    "nl.bsn": ("bsn", "burgerservicenummer", "sofinummer"),
    "gb.nhs": ("nhs",),
    "dk.cpr": ("cpr", "personnummer"),
    "us.ssn": ("ssn", "social security"),
    "br.cpf": ("cpf",),
    "be.nn": ("rijksregister", "registre national", "national number", "insz", "niss"),
    "se.personnummer": ("personnummer", "personnr", "person nr"),
    # Only for a run that is not in the identifier's own written shape (see _NIR_FORMAT):
    "fr.nir": ("sécurité sociale", "securite sociale", "numéro insee", "numero insee", "n° insee",
               "social security"),
    "cn.ric": ("身份证", "resident identity", "identity card"),
}
NATIONAL_IDS = ("fr.nir", "it.codicefiscale", "es.dni", "es.nie", "fi.hetu", "cn.ric", "br.cpf", "be.nn",
                "se.personnummer", "de.idnr", "pl.pesel", "nl.bsn", "gb.nhs", "dk.cpr", "us.ssn")
# Strength of a valid match, reported as the finding's score.
STRONG, WITH_CONTEXT = 1.0, 0.7


@dataclass(frozen=True)
class IdMatch:
    kind: str  # "iban" or a NATIONAL_IDS entry
    value: str  # compact form, for counting distinct values; never reported
    score: float


def _validator(kind: str) -> Callable[[str], bool]:
    module = __import__(f"stdnum.{kind}", fromlist=["is_valid"])
    check: Callable[[str], bool] = module.is_valid
    return check


_VALID: dict[str, Callable[[str], bool]] = {}


def _is_valid(kind: str, value: str) -> bool:
    check = _VALID.get(kind)
    if check is None:
        check = _VALID[kind] = _validator(kind)
    try:
        return check(value)
    except Exception:  # a validator bug must not stop the inspection: not counted
        return False


def context_before(text: str, start: int, kind: str) -> bool:
    window = text[max(0, start - CONTEXT_CHARS):start].lower()
    return any(word in window for word in _KEYWORDS.get(kind, ()))


# ONE pass over the text finds every candidate, so it is one pattern that starts with a
# character class: CPython's matcher then skips ahead in C to the next possible first
# character (alternatives with different first characters, or a leading \b, are tried at
# every position: 2-5x slower on a page). [0-9] not \d: the ASCII class is twice as fast.
# Word boundaries are checked on the matches instead.
TOKENS = re.compile(
    r"[+(0-9A-Z]"
    # (?=[A-Z0-9-]): what each of the three shapes needs next; a capital starting a word fails
    # there at once, not in each shape (~10% of this pattern's time on a shop page)
    r"(?:(?<=[A-Z])(?=[A-Z0-9-])(?:[A-Z][0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"  # IBAN
    r"|[A-Z]{5}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"  # IT codice fiscale
    r"|-?[0-9]{7}-?[A-Z])"  # ES NIE (X, Y or Z first: checked on the match)
    r"|(?<=[+(0-9])[0-9 \t().\-/]{5,24}[0-9A-Z])"  # digit runs: phones, numeric ids, ids ending in a letter
)
# A capital inside a digit run: FI HETU of people born since 2000 (century sign A-F) and FR
# NIR of people born in Corsica (departement 2A/2B). The digit run stops at the capital; the
# whole shape is matched from the run's start.
_INSIDE_SHAPES = re.compile(
    r"[1-478] ?[0-9]{2} ?[0-9]{2} ?2[AB] ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}|[0-9]{6}[A-F][0-9]{3}[0-9A-Y]")  # longer first


def bounded(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def _iban(value: str) -> IdMatch | None:
    """A valid IBAN at the start of `value`; a match that ran into the next word
    ("... 3000 BIC") is retried shorter."""
    compact = value.replace(" ", "")
    for end in range(len(compact), 14, -1):
        if _is_valid("iban", compact[:end]):
            return IdMatch("iban", compact[:end], STRONG)
    return None


def classify_capital(text: str, start: int, value: str) -> IdMatch | None:
    """A token of TOKENS that starts with a capital: an IBAN, an IT codice fiscale or an ES NIE."""
    if start > 0 and text[start - 1].isalnum():
        return None
    if value[1].isalpha() and value[2:4].isdigit():
        return _iban(value)
    if not bounded(text, start, start + len(value)):
        return None
    if value[1].isalpha():
        return _checked("it.codicefiscale", value)
    return _checked("es.nie", value) if value[0] in "XYZ" else None


def inside_shape(text: str, start: int) -> tuple[IdMatch | None, int]:
    """An FR NIR (Corsica) or FI HETU (born since 2000) starting at `start`, and where it ends."""
    found = _INSIDE_SHAPES.match(text, start)
    if found is None or not bounded(text, start, found.end()):
        return None, start
    value = found.group()
    kind = "fi.hetu" if len(value) == 11 and value[6].isalpha() else "fr.nir"
    return _checked(kind, value), found.end()


def _checked(kind: str, value: str, score: float = STRONG) -> IdMatch | None:
    if _is_valid(kind, value):
        return IdMatch(kind, re.sub(r"[ .\-+]", "", value), score)
    return None


_DNI_FORMAT = re.compile(r"[0-9]{8}-?[A-Z]")
_HETU_FORMAT = re.compile(r"[0-9]{6}[-+][0-9]{3}[0-9A-Y]")
_RIC_X_FORMAT = re.compile(r"[0-9]{17}X")
_CPF_FORMAT = re.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}")
_NN_FORMAT = re.compile(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")
_PNR_FORMAT = re.compile(r"(?:\d{2})?\d{6}[-+]\d{4}")
_SSN_FORMAT = re.compile(r"\d{3}-\d{2}-\d{4}")
# A NIR or a resident id as they are written: unbroken, or in their own groups (1 85 05 75 123
# 456 73; 110105 19491231 002X). Other groupings need a keyword: numbers side by side in a
# table or a pager ("341 342 343 344 345") can pass the NIR's mod-97 key (2 of 4,000 pager pages).
_NIR_FORMAT = re.compile(r"[0-9]{15}|[0-9][ .][0-9]{2}[ .][0-9]{2}[ .][0-9]{2}[ .][0-9]{3}[ .][0-9]{3}[ .][0-9]{2}")
_RIC_FORMAT = re.compile(r"[0-9]{18}|[0-9]{6} [0-9]{8} [0-9]{4}")
# digit count -> the identifiers of that length, each (kind, formatted-shape or None);
# a shape that matches makes the identifier strong, else it needs context.
_BY_LENGTH: dict[int, tuple[tuple[str, re.Pattern[str] | None], ...]] = {
    15: (("fr.nir", _NIR_FORMAT),),
    18: (("cn.ric", _RIC_FORMAT),),
    12: (("se.personnummer", _PNR_FORMAT),),
    11: (("br.cpf", _CPF_FORMAT), ("be.nn", _NN_FORMAT), ("de.idnr", None), ("pl.pesel", None)),
    10: (("fi.hetu", _HETU_FORMAT), ("se.personnummer", _PNR_FORMAT), ("gb.nhs", None), ("dk.cpr", None)),
    9: (("nl.bsn", None), ("us.ssn", None)),
}


CONTEXT_LENGTHS = frozenset(_BY_LENGTH)  # digit counts whose reading depends on the words before


def classify_digits(text: str, start: int, raw: str, digits: str) -> IdMatch | None:
    """The national identifier that a digit run `raw` (digits only: `digits`) at `start` is,
    or None. Strong shapes count on their own; the rest need a keyword before them. A run
    ending in a capital is an ES DNI, an FI HETU or a CN resident id ending in X, or nothing."""
    if raw[-1].isalpha():
        for kind, ending in (("es.dni", _DNI_FORMAT), ("fi.hetu", _HETU_FORMAT), ("cn.ric", _RIC_X_FORMAT)):
            if ending.fullmatch(raw):
                return _checked(kind, raw)
        return None
    for kind, shape in _BY_LENGTH.get(len(digits), ()):
        strong = shape is not None and shape.fullmatch(raw) is not None
        if kind == "us.ssn" and not _SSN_FORMAT.fullmatch(raw):
            continue  # a bare 9-digit SSN is too weak even with context
        if not strong and not context_before(text, start, kind):
            continue
        if _is_valid(kind, digits):
            return IdMatch(kind, digits, STRONG if strong else WITH_CONTEXT)
    return None
