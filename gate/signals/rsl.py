"""RSL 1.0 (Really Simple Licensing) licences: where they are named, what they say for a URL.

A site names its licence in robots.txt (`License: URL`), in a response header
(`Link: <URL>; rel="license"; type="application/rsl+xml"`) or in the same `<link>` tag.
The licence is XML in the namespace https://rslstandard.org/rsl:

    <rsl xmlns="https://rslstandard.org/rsl">
      <content url="/" server="https://licensing.example/api">
        <license>
          <permits type="usage">search ai-input</permits>
          <prohibits type="usage">ai-train</prohibits>
          <payment type="subscription"/>
        </license>
      </content>
    </rsl>

`licence_signal` turns a parsed licence into `input.signals.rsl` for one URL: the usages
the matching `<content>` permits and prohibits (across its `<license>` elements, so a
prohibition anywhere holds), its payment types and whether a licence server is named.
A licence that could not be fetched or parsed has status "unreachable" / "invalid"; the
policy reads that as prohibiting AI use (LEGAL-R2.md R21). Pure: fetching is RslFetcher's
(gate.signals.rsl_signal).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Iterable, Literal
from urllib.parse import urljoin, urlsplit

from gate.signals.optout_parse import normalize_pattern, pattern_matches

__all__ = [
    "RSL_NS", "RSL_MEDIA_TYPE", "MAX_RSL_BYTES", "RslStatus", "RslTerms", "RslContent", "RslDocument",
    "parse_rsl", "licence_signal", "not_checked", "links_in_headers", "links_in_html", "USAGES",
]

RSL_NS = "https://rslstandard.org/rsl"
RSL_MEDIA_TYPE = "application/rsl+xml"
MAX_RSL_BYTES = 512 * 1024  # robots.txt's bound
MAX_HTML_SCAN = 64 * 1024  # where a <link> tag is looked for: the head
RslStatus = Literal["ok", "none", "unreachable", "invalid", "not_checked"]
# RSL 1.0 usage tokens; the AI Preferences spelling some templates use maps onto them.
USAGES = ("all", "ai-all", "ai-train", "ai-input", "ai-index", "search")
_ALIASES = {"train-ai": "ai-train", "ai-use": "ai-input", "genai": "ai-all", "ai": "ai-all"}
_FREE_PAYMENTS = frozenset({"free", "attribution"})
_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class RslTerms:
    permits: frozenset[str] = frozenset()
    prohibits: frozenset[str] = frozenset()
    payments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RslContent:
    url: str
    pattern: str  # the path pattern (RFC 9309 matching), or the full URL's path
    host: str | None  # set when `url` is a full URL
    server: str | None
    terms: tuple[RslTerms, ...]


@dataclass(frozen=True)
class RslDocument:
    contents: tuple[RslContent, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return bool(self.contents)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _usages(text: str | None) -> frozenset[str]:
    out = set()
    for word in _SPLIT.split((text or "").strip().lower()):
        if word:
            out.add(_ALIASES.get(word, word))
    return frozenset(out)


def parse_rsl(data: bytes | str) -> RslDocument:
    """Parse an RSL document; never raises on content (`errors` says what was wrong). A
    document with a DOCTYPE is refused: RSL needs none, and entities are an XML bomb's way in."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_RSL_BYTES:
        return RslDocument(errors=(f"larger than {MAX_RSL_BYTES} bytes",))
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        return RslDocument(errors=("a DOCTYPE or entity declaration (not allowed in an RSL licence)",))
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        return RslDocument(errors=(f"not well-formed XML: {exc}",))
    if _local(root.tag) != "rsl":
        return RslDocument(errors=(f"root element is <{_local(root.tag)}>, not <rsl>",))
    contents, errors = [], []
    for node in root:
        if _local(node.tag) != "content":
            continue
        url = (node.get("url") or "").strip()
        if not url:
            errors.append("<content> without a url attribute (skipped)")
            continue
        parts = urlsplit(url)
        host = parts.hostname.lower() if parts.scheme and parts.hostname else None
        path = (parts.path or "/") if host else url
        terms = []
        for lic in node:
            if _local(lic.tag) != "license":
                continue
            permits: set[str] = set()
            prohibits: set[str] = set()
            payments: set[str] = set()
            for item in lic:
                name, kind = _local(item.tag), (item.get("type") or "").strip().lower()
                if name == "permits" and kind == "usage":
                    permits |= _usages(item.text)
                elif name == "prohibits" and kind == "usage":
                    prohibits |= _usages(item.text)
                elif name == "payment":
                    payments.add(kind or "purchase")  # a payment of no stated type is not free
            terms.append(RslTerms(frozenset(permits), frozenset(prohibits), frozenset(payments)))
        contents.append(RslContent(url, normalize_pattern(path), host, (node.get("server") or "").strip() or None,
                                   tuple(terms)))
    if not contents:
        errors.append("no <content> element with a url")
    return RslDocument(tuple(contents), tuple(errors))


def not_checked() -> dict[str, Any]:
    return {"status": "not_checked", "url": None, "permits": [], "prohibits": [], "payment": [],
            "license_server": False, "license_required": False, "terms_key": "not_checked", "errors": []}


def licence_signal(status: RslStatus, licence_url: str | None, document: RslDocument | None, host: str,
                   path_query: str, errors: Iterable[str] = ()) -> dict[str, Any]:
    """`input.signals.rsl` for one URL (its host and canonical path[?query])."""
    signal = not_checked()
    signal.update(status=status, url=licence_url, errors=list(errors)[:5])
    if status != "ok" or document is None:
        signal["terms_key"] = status
        return signal
    matching = [c for c in document.contents
                if (c.host is None or c.host == host) and pattern_matches(c.pattern, path_query)]
    if not matching:
        signal.update(status="none", terms_key="none")
        return signal
    content = max(matching, key=lambda c: len(c.pattern))  # the most specific, as RFC 9309 picks rules
    permits = frozenset().union(*(t.permits for t in content.terms)) if content.terms else frozenset()
    prohibits = frozenset().union(*(t.prohibits for t in content.terms)) if content.terms else frozenset()
    payments = frozenset().union(*(t.payments for t in content.terms)) if content.terms else frozenset()
    # Required: every licence that grants something asks for payment or a token.
    required = content.server is not None or (bool(payments) and not payments & _FREE_PAYMENTS)
    signal.update(permits=sorted(permits), prohibits=sorted(prohibits), payment=sorted(payments),
                  license_server=content.server is not None, license_required=required)
    signal["terms_key"] = "|".join([",".join(signal["permits"]), ",".join(signal["prohibits"]),
                                    ",".join(signal["payment"]), str(required)])
    return signal


_LINK_PART = re.compile(r"""<([^>]*)>((?:\s*;\s*[A-Za-z*-]+\s*=\s*(?:"[^"]*"|[^;,]*))*)""")
_PARAM = re.compile(r"""([A-Za-z*-]+)\s*=\s*(?:"([^"]*)"|([^;,]*))""")


def _is_rsl(rel: str, media_type: str) -> bool:
    return "license" in rel.lower().split() and media_type.strip().lower() == RSL_MEDIA_TYPE


def links_in_headers(values: Iterable[str], base: str) -> list[str]:
    """RSL licence URLs from `Link` header values (RFC 8288), resolved against `base`."""
    found = []
    for value in values:
        for m in _LINK_PART.finditer(value[:8192]):
            params = {k.lower(): (q if q is not None else u).strip() for k, q, u in _PARAM.findall(m.group(2))}
            if _is_rsl(params.get("rel", ""), params.get("type", "")):
                found.append(urljoin(base, m.group(1).strip()))
    return found


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        elif tag == "link" and not self.done:
            a = {k.lower(): (v or "") for k, v in attrs}
            if a.get("href") and _is_rsl(a.get("rel", ""), a.get("type", "")):
                self.hrefs.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True


def links_in_html(body: bytes, base: str) -> list[str]:
    """RSL licence URLs from `<link rel="license" type="application/rsl+xml">` in the head."""
    head = body[:MAX_HTML_SCAN]
    if b"<link" not in head.lower():
        return []
    collector = _LinkCollector()
    try:
        collector.feed(head.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - html.parser on hostile markup: what was read counts
        pass
    return [urljoin(base, h.strip()) for h in collector.hrefs]
