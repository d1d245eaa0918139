"""Where a site keeps its terms: candidate links on its home page, then well-known paths.

A link is scored by its anchor text ("Terms of Use", "AGB", "CGU", "利用規約", ...; the
`title` / `aria-label` / image `alt` count as text), its path (/terms, /agb, /regulamin,
...) and whether it sits in the footer, where terms links live; links to a privacy or
cookie policy score below zero (a link naming two pages, "Privacy & Terms", scores each).
`<link rel="terms-of-service">` wins outright.

Only same-site links qualify: http(s), and the same registrable domain (eTLD+1 from the
public suffix list that tldextract bundles, never fetched) as the home page; an IP
address or a bare name is its own site. `javascript:`, `mailto:`, userinfo tricks
("https://example.com@evil.test/"), backslashes and documents that cannot be read as text
(.pdf, .docx) are dropped. The fetch that follows is gated anyway; this keeps discovery
from even proposing another site.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from gate.signals.terms.text import CONTROLS, DROP_INVISIBLE, drop_raw_elements

__all__ = [
    "Candidate", "link_candidates", "well_known_candidates", "registrable_domain", "same_site",
    "origin_of", "looks_like_terms", "MIN_SCORE", "MAX_HOME_PAGE_CHARS",
]

MIN_SCORE = 5.0
MAX_HOME_PAGE_CHARS = 2_000_000  # the fetcher bounds sizes too; this bounds the parse

# Anchor phrases by weight. Matched on the lower-cased, NFC, whitespace-collapsed text.
_STRONG = (
    # en
    "terms of use", "terms of service", "terms and conditions", "terms & conditions", "conditions of use",
    "user agreement", "website terms", "legal terms", "acceptable use",
    # de
    "agb", "allgemeine geschäftsbedingungen", "nutzungsbedingungen", "geschäftsbedingungen",
    "nutzungsbestimmungen",
    # fr
    "cgu", "conditions générales d'utilisation", "conditions d'utilisation", "conditions générales",
    # es
    "términos y condiciones", "términos de uso", "condiciones de uso", "condiciones generales",
    "términos del servicio", "terminos y condiciones",
    # it
    "termini e condizioni", "termini di utilizzo", "termini d'uso", "condizioni d'uso",
    "condizioni generali", "condizioni di utilizzo", "termini di servizio",
    # nl
    "algemene voorwaarden", "gebruiksvoorwaarden", "voorwaarden",
    # pt
    "termos de uso", "termos e condições", "termos de serviço", "condições de uso", "condições gerais",
    "termos de utilização",
    # pl
    "regulamin", "warunki korzystania", "warunki użytkowania",
    # ja
    "利用規約", "ご利用規約", "サービス利用規約", "利用条件", "会員規約",
    # zh
    "服务条款", "使用条款", "用户协议", "服務條款", "使用條款", "用戶協議", "服务协议", "用户条款",
)
_MEDIUM = (
    "terms", "legal", "tos", "mentions légales", "aviso legal", "note legali", "nota legale",
    "informazioni legali", "termos", "términos", "termini", "condizioni", "conditions", "warunki",
    "juridisch", "rechtliches", "rechtliche hinweise", "法律声明", "法律聲明", "規約", "条款", "條款",
    "legal notice", "informations légales",
)
# Terms of sale bind buyers; the terms of use are where scraping clauses live.
_SALE = ("terms of sale", "cgv", "conditions générales de vente", "condiciones de venta", "condizioni di vendita",
         "verkaufsbedingungen", "verkoopvoorwaarden", "condições de venda", "warunki sprzedaży")
_LOW = ("imprint", "impressum", "colophon", "disclaimer")
_NEGATIVE = (
    "privacy", "datenschutz", "cookie", "confidentialité", "données personnelles", "privacidad",
    "riservatezza", "privacyverklaring", "privacidade", "prywatności", "プライバシー", "个人信息", "隐私",
    "隱私", "versand", "shipping", "livraison", "envío", "spedizione", "widerruf", "returns",
    "rétractation", "devoluciones", "resi",
)
_PHRASE_WEIGHTS = (
    [(p, 10.0) for p in _STRONG] + [(p, 7.0) for p in _SALE] + [(p, 5.0) for p in _MEDIUM]
    + [(p, 1.0) for p in _LOW]
    + [(p, -8.0) for p in _NEGATIVE]
)
_PHRASE_RES = [
    (re.compile(p if not p.isascii() else rf"(?<![a-z]){re.escape(p)}(?![a-z])"), w, p)
    for p, w in _PHRASE_WEIGHTS
]

# Path segments (lower-cased, percent-decoded, split on / - _ .).
_PATH_STRONG = frozenset(
    "terms tos agb nutzungsbedingungen cgu cgv regulamin voorwaarden gebruiksvoorwaarden terminos "
    "termini condizioni termos kiyaku 利用規約 服务条款 使用条款 conditions condiciones "
    "condicoes termsofuse termsofservice".split()
)
_PATH_MEDIUM = frozenset(
    "legal mentions aviso note legali legale rechtliches agreement rule rules policies juridisch "
    "legalnotice protocol".split()
)
_PATH_NEGATIVE = frozenset("privacy datenschutz cookie cookies confidentialite privacidad privacidade".split())
_PATH_SPLIT = re.compile(r"[/\-_.]+")
_NOT_TEXT = re.compile(r"\.(?:pdf|docx?|odt|rtf|zip|png|jpe?g|gif|svg|webp|mp4|xlsx?)$", re.IGNORECASE)
_FOOTER_BONUS = 1.0
_REL_SCORE = 30.0

# Paths tried, in order, when the home page names no terms page (after the language's own).
_WELL_KNOWN_COMMON = ("/terms", "/terms-of-service", "/terms-of-use", "/tos", "/legal")
_WELL_KNOWN: dict[str, tuple[str, ...]] = {
    "en": ("/terms", "/terms-of-use", "/terms-of-service", "/terms-and-conditions", "/legal/terms"),
    "de": ("/agb", "/nutzungsbedingungen", "/terms"),
    "fr": ("/cgu", "/conditions-generales-d-utilisation", "/mentions-legales", "/cgv"),
    "es": ("/terminos-y-condiciones", "/aviso-legal", "/terminos", "/condiciones-de-uso"),
    "it": ("/termini-e-condizioni", "/condizioni-d-uso", "/note-legali", "/termini"),
    "nl": ("/algemene-voorwaarden", "/gebruiksvoorwaarden", "/voorwaarden"),
    "pt": ("/termos-de-uso", "/termos-e-condicoes", "/termos"),
    "pl": ("/regulamin", "/warunki-korzystania"),
    "ja": ("/terms", "/kiyaku", "/rule", "/agreement"),
    "zh": ("/terms", "/agreement", "/legal", "/protocol"),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A URL that may be the site's terms page, how it was found and how likely it is."""

    url: str
    score: float
    how_found: str  # "link-rel", "link" or "well-known"
    anchor: str = ""


def origin_of(url: str) -> str:
    """scheme://host[:port] of an http(s) URL (ValueError otherwise)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port
    default = {"http": 80, "https": 443}[parts.scheme]
    host = _ascii_host(parts.hostname)
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _ascii_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        import idna  # a dependency of the project; IDNA 2008 with UTS 46 mapping

        return idna.encode(host, uts46=True).decode("ascii")
    except (ImportError, UnicodeError, ValueError):
        return host  # compares unequal to every ASCII host: never "same site" by accident


_extractor = None


@lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str:
    """eTLD+1 from the public suffix list bundled with tldextract (never fetched), private
    suffixes included (github.io, blogspot.com); an IP address, a bare name or a public
    suffix itself is its own site."""
    global _extractor
    host = _ascii_host(host)
    if ":" in host or re.fullmatch(r"[0-9.]+", host) or "." not in host:
        return host
    if _extractor is None:
        import tldextract  # deferred: loading the suffix list costs ~50 ms

        # Private suffixes count: a.github.io and b.github.io belong to different people.
        _extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    parts = _extractor(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


def same_site(url: str, home: str) -> bool:
    """Both http(s), no userinfo, same registrable domain (an IP: same address)."""
    a, b = urlsplit(url), urlsplit(home)
    if a.scheme not in ("http", "https") or b.scheme not in ("http", "https"):
        return False
    if "@" in a.netloc or not a.hostname or not b.hostname:
        return False
    return registrable_domain(a.hostname) == registrable_domain(b.hostname)


def _text_key(text: str) -> str:
    if not text.isascii():  # "Nutzungs&shy;bedingungen" is one word on screen
        text = text.translate(DROP_INVISIBLE)
    return " ".join(unicodedata.normalize("NFC", text).replace("’", "'").lower().split())


# Where one link names two pages ("Privacy & Terms", "AGB und Widerruf"): each is scored
# on its own, so the privacy half does not cancel the terms half.
_JOINED = re.compile(r"\s*(?:[&|/·•,+]|\b(?:and|und|et|y|e|en|i|oraz)\b)\s*")


def _anchor_score(text: str) -> float:
    key = _text_key(text)
    if not key:
        return 0.0
    parts = [part for part in _JOINED.split(key) if part]
    if len(parts) > 1:
        return max(max(_phrase_score(part) for part in parts), _phrase_score(key))
    return _phrase_score(key)


def _phrase_score(key: str) -> float:
    best, penalty = 0.0, 0.0
    for pattern, weight, phrase in _PHRASE_RES:
        if pattern.search(key):
            if weight < 0:
                penalty = min(penalty, weight)
            else:
                # The whole anchor being the phrase is surer than a phrase within a sentence.
                best = max(best, weight + (2.0 if key == phrase else 0.0))
    return best + penalty


def _path_score(href: str) -> float:
    path = unquote(urlsplit(href).path).lower()
    segments = set(_PATH_SPLIT.split(path)) - {""}
    joined = path.replace("-", "").replace("_", "")
    score = 0.0
    if segments & _PATH_STRONG or any(s in joined for s in ("termsofuse", "termsofservice", "termsandconditions")):
        score = 6.0
    elif segments & _PATH_MEDIUM:
        score = 3.0
    if segments & _PATH_NEGATIVE:
        score -= 6.0
    return score


# Elements whose content holds no link a visitor sees (the <head> stays: <base>, <link>).
_NO_LINKS = ("script", "style", "template", "svg", "textarea", "select")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b([^<>]*)>")
_ATTR_RE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_INLINE_TAG = re.compile(r"<[^<>]*>")


def _attrs(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        value = m.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        out.setdefault(m.group(1).lower(), html.unescape(value))
    return out


@dataclass
class _Links:
    """The <a href> of a page with their text, <link rel=terms-of-service> and <base href>."""

    links: list[tuple[str, str, bool]]  # href, text, in footer
    rel_terms: list[str]
    base: str | None


def _scan_links(markup: str) -> _Links:
    """One linear pass over the tags (html.parser is quadratic on some hostile markup, and
    a home page comes from a server the gate does not trust)."""
    markup = drop_raw_elements(markup, _NO_LINKS)
    found = _Links([], [], None)
    footer = 0
    open_href: str | None = None
    open_at = 0
    extra: list[str] = []  # title, aria-label, img alt of the open <a>

    def close(at: int) -> None:
        nonlocal open_href
        if open_href is not None:
            text = html.unescape(_INLINE_TAG.sub(" ", markup[open_at:at]))
            found.links.append((open_href, " ".join([*extra, text]), footer > 0))
            open_href = None

    for m in _TAG_RE.finditer(markup):
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag == "footer":
            footer = max(0, footer + (-1 if closing else 1))
        elif tag == "a" and closing:
            close(m.start())
        elif closing:
            continue
        elif tag == "a":
            close(m.start())  # <a> inside <a> is invalid: a browser closes the first
            a = _attrs(m.group(3))
            if a.get("href"):
                if "terms-of-service" in a.get("rel", "").lower().split():
                    found.rel_terms.append(a["href"])
                open_href, open_at = a["href"], m.end()
                extra = [a.get("title", ""), a.get("aria-label", "")]
        elif tag == "img" and open_href is not None:
            extra.append(_attrs(m.group(3)).get("alt", ""))
        elif tag == "base" and found.base is None:
            found.base = _attrs(m.group(3)).get("href") or None
        elif tag == "link":
            a = _attrs(m.group(3))
            if "terms-of-service" in a.get("rel", "").lower().split() and a.get("href"):
                found.rel_terms.append(a["href"])
    close(len(markup))  # an <a> the page never closed still names its target
    return found


def _resolve(href: str, base: str) -> str | None:
    href = href.strip().replace("\\", "/")  # browsers read "https:\\evil.test" as "https://evil.test"
    if not href or href.startswith("#"):
        return None
    scheme = href.split(":", 1)[0].lower() if ":" in href.split("/", 1)[0] else ""
    if scheme and scheme not in ("http", "https"):
        return None  # javascript:, mailto:, tel:, data:, ...
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def link_candidates(markup: str, page_url: str, limit: int = 10) -> list[Candidate]:
    """The home page's same-site links that may lead to the terms, best first."""
    parser = _scan_links(markup[:MAX_HOME_PAGE_CHARS])
    base = page_url
    if parser.base:
        declared = _resolve(parser.base, page_url)
        if declared and same_site(declared, page_url):  # a <base> on another site is ignored
            base = declared
    home = _resolve(page_url, page_url)
    found: dict[str, Candidate] = {}

    def consider(href: str, score: float, how: str, text: str) -> None:
        if score < MIN_SCORE:
            return
        url = _resolve(href, base)
        if url is None or url == home or not same_site(url, page_url) or _NOT_TEXT.search(urlsplit(url).path):
            return
        if url not in found or found[url].score < score:
            shown = CONTROLS.sub("", text.translate(DROP_INVISIBLE))
            found[url] = Candidate(url, score, how, " ".join(shown.split())[:200])

    for href in parser.rel_terms:
        consider(href, _REL_SCORE, "link-rel", "")
    for href, text, in_footer in parser.links:
        path = href.split("#", 1)[0].split("?", 1)[0]  # the path scores; resolving waits for a good score
        score = _anchor_score(text) + _path_score(path) + (_FOOTER_BONUS if in_footer else 0.0)
        consider(href, score, "link", text)
    return sorted(found.values(), key=lambda c: (-c.score, len(c.url), c.url))[:limit]


def well_known_candidates(site: str, lang: str | None = None) -> list[Candidate]:
    """Paths where terms often live, the home page language's own first."""
    origin = origin_of(site)
    paths: Iterable[str] = (*_WELL_KNOWN.get(lang or "", ()), *_WELL_KNOWN_COMMON)
    return [Candidate(origin + p, 0.0, "well-known") for p in dict.fromkeys(paths)]


def looks_like_terms(text: str) -> bool:
    """Whether a page fetched from a well-known path is terms and not a soft 404 (a home
    page served for every path): a terms phrase early in its text."""
    head = _text_key(text[:3000])
    return any(pattern.search(head) for pattern, weight, _ in _PHRASE_RES if weight >= 5.0)
