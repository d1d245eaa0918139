"""IBANs and national identifiers in text, counted only when python-stdnum validates them.

The documented set (`NATIONAL_IDS`), with what makes each one count:

| id | stdnum module | check | counted |
|---|---|---|---|
| FR NIR (social security) | fr.nir | mod-97 key | always |
| IT codice fiscale | it.codicefiscale | check letter, date | always |
| ES DNI / NIE | es.dni / es.nie | check letter | always |
| FI henkilötunnus | fi.hetu | date + mod-31 check | always |
| CN resident id | cn.ric | region, date, mod 11-2 | always |
| BR CPF | br.cpf | two check digits | written `000.000.000-00`; bare: with context |
| BE national number | be.nn | date + mod 97 | written `YY.MM.DD-XXX.CC`; bare: with context |
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

__all__ = ["NATIONAL_IDS", "IdMatch", "find_ibans", "find_lettered_ids", "classify_digits", "context_before"]

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
    return module.is_valid  # type: ignore[no-any-return]


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


_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def find_ibans(text: str) -> list[IdMatch]:
    """Valid IBANs. A match that runs into the next word ("... 3000 BIC") is retried shorter."""
    found: list[IdMatch] = []
    for m in _IBAN.finditer(text):
        compact = m.group().replace(" ", "")
        for end in range(len(compact), 14, -1):
            if _is_valid("iban", compact[:end]):
                found.append(IdMatch("iban", compact[:end], STRONG))
                break
    return found


# Identifiers that contain letters (the digit-run pass below cannot see them).
_LETTERED = re.compile(
    r"\b(?:(?P<cf>[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z])"
    r"|(?P<nie>[XYZ]-?\d{7}-?[A-Z])"
    r"|(?P<dni>\d{8}-?[A-Z])"
    r"|(?P<hetu>\d{6}[-+A-FU-Y]\d{3}[0-9A-Y])"
    r"|(?P<ric>\d{17}X)"
    r"|(?P<nir>[1-478] ?\d{2} ?\d{2} ?2[AB] ?\d{3} ?\d{3} ?\d{2}))\b"
)
_LETTERED_KIND = {"cf": "it.codicefiscale", "nie": "es.nie", "dni": "es.dni", "hetu": "fi.hetu",
                  "ric": "cn.ric", "nir": "fr.nir"}


def find_lettered_ids(text: str) -> list[IdMatch]:
    found: list[IdMatch] = []
    for m in _LETTERED.finditer(text):
        kind = _LETTERED_KIND[m.lastgroup or ""]
        value = m.group()
        if _is_valid(kind, value):
            found.append(IdMatch(kind, re.sub(r"[ \-]", "", value), STRONG))
    return found


_CPF_FORMAT = re.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}")
_NN_FORMAT = re.compile(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")
_PNR_FORMAT = re.compile(r"(?:\d{2})?\d{6}[-+]\d{4}")
_SSN_FORMAT = re.compile(r"\d{3}-\d{2}-\d{4}")
# digit count -> the identifiers of that length, each (kind, formatted-shape or None);
# a shape that matches makes the identifier strong, else it needs context.
_BY_LENGTH: dict[int, tuple[tuple[str, re.Pattern[str] | None], ...]] = {
    15: (("fr.nir", re.compile(r".*")),),
    18: (("cn.ric", re.compile(r".*")),),
    12: (("se.personnummer", _PNR_FORMAT),),
    11: (("br.cpf", _CPF_FORMAT), ("be.nn", _NN_FORMAT), ("de.idnr", None), ("pl.pesel", None)),
    10: (("se.personnummer", _PNR_FORMAT), ("gb.nhs", None), ("dk.cpr", None)),
    9: (("nl.bsn", None), ("us.ssn", None)),
}


def classify_digits(text: str, start: int, raw: str, digits: str) -> IdMatch | None:
    """The national identifier that a digit run `raw` (digits only: `digits`) at `start` is,
    or None. Strong shapes count on their own; the rest need a keyword before them."""
    for kind, shape in _BY_LENGTH.get(len(digits), ()):
        strong = shape is not None and shape.fullmatch(raw) is not None
        if kind == "us.ssn" and not _SSN_FORMAT.fullmatch(raw):
            continue  # a bare 9-digit SSN is too weak even with context
        if not strong and not context_before(text, start, kind):
            continue
        if _is_valid(kind, digits):
            return IdMatch(kind, digits, STRONG if strong else WITH_CONTEXT)
    return None
