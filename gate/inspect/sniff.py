"""What a response body is, from its Content-Type and its first bytes.

The bytes decide where they are unambiguous: a JPEG served as text/html is an image (a
mislabelled image must not escape the face detector), and an HTML error page served as
image/png is a page. Only a bounded prefix is read (`SNIFF_BYTES`); the rules follow the
WHATWG MIME Sniffing Standard's signatures where it has one (images, HTML, PDF, archives).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

from gate.model.imagemagic import image_format

__all__ = ["Kind", "Sniffed", "sniff", "SNIFF_BYTES", "media_type", "charset"]

SNIFF_BYTES = 1445  # WHATWG's resource-header length: the most any rule below reads

Kind = Literal["image", "html", "text", "json", "xml", "pdf", "archive", "binary", "empty"]
# Kinds the classifiers read: images (faces) and text-like bodies (personal data).
INSPECTED_KINDS = frozenset({"image", "html", "text", "json", "xml"})


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    format: str  # "jpeg", "png", "html", "utf-8 text", ...: the finer name, for reports
    declared: str | None  # the Content-Type's media type, lower case, parameters dropped
    mislabelled: bool  # the bytes contradict the declared type (reported as evidence)
    charset: str | None = None  # for text kinds: the declared or byte-order-mark charset

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "format": self.format, "declared": self.declared,
                "mislabelled": self.mislabelled}


_ARCHIVE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b\x08", "gzip"), (b"PK\x03\x04", "zip"), (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"BZh", "bzip2"), (b"\x28\xb5\x2f\xfd", "zstd"),
)
# WHATWG "identifying a resource with an unknown MIME type": tags that make a body HTML.
_HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>]",
    re.IGNORECASE,
)
_XHTML = re.compile(rb"<html[^>]*xmlns\s*=\s*[\"']http://www\.w3\.org/1999/xhtml", re.IGNORECASE)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# WHATWG "binary data byte": control characters that never occur in text.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_TEXTUAL_TYPES = {"application/javascript", "application/ecmascript", "application/x-javascript",
                  "application/x-www-form-urlencoded", "application/ld+json", "application/csv"}


def media_type(content_type: str | None) -> str | None:
    """The media type of a Content-Type value: lower case, without parameters."""
    if not content_type:
        return None
    essence = content_type.split(";", 1)[0].strip().lower()
    return essence or None


def charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if Python knows the codec."""
    if not content_type or ";" not in content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'").lower()
            try:
                return codecs.lookup(value).name
            except LookupError:
                return None
    return None


def _text_kind(head: bytes, declared: str | None) -> tuple[Kind, str] | None:
    """HTML, XML, JSON or text by the bytes; None for binary."""
    start = head.lstrip(b"\t\n\x0c\r ")
    if _HTML_START.match(start):
        return "html", "html"
    if start.startswith(b"<?xml"):
        if _XHTML.search(head):
            return "html", "xhtml"
        return "xml", "xml"
    if _BINARY_BYTES.search(head):
        return None
    if start[:1] in (b"{", b"[") and (declared is None or "json" in declared or declared == "text/plain"):
        return "json", "json"
    return "text", "text"


_UNKNOWN_TYPES = {"application/octet-stream", "unknown/unknown", "application/unknown", "*/*", "binary/octet-stream"}


def _declared_kind(declared: str | None) -> Kind | None:
    if declared is None or declared in _UNKNOWN_TYPES:  # "I don't know": nothing to contradict
        return None
    if declared.startswith("image/"):
        return "image"
    if declared in ("text/html", "application/xhtml+xml"):
        return "html"
    if declared == "application/pdf":
        return "pdf"
    if declared.endswith("/json") or declared.endswith("+json"):
        return "json"
    if declared.endswith("/xml") or declared.endswith("+xml"):
        return "xml"
    if declared.startswith("text/") or declared in _TEXTUAL_TYPES:
        return "text"
    return "binary"


def sniff(content_type: str | None, body: bytes) -> Sniffed:
    """Classify a body by its declared type and its first `SNIFF_BYTES` bytes."""
    declared = media_type(content_type)
    head = body[:SNIFF_BYTES]
    if not head:
        return Sniffed("empty", "empty", declared, False)
    expected = _declared_kind(declared)
    bom_charset = next((cs for bom, cs in _BOMS if head.startswith(bom)), None)
    if bom_charset is not None:  # a byte-order mark outranks the header (WHATWG Encoding)
        text = head[len(codecs.BOM_UTF8) if bom_charset == "utf-8" else 2:]
        if bom_charset != "utf-8":
            text = text.decode(bom_charset, "replace").encode("utf-8")
        bom_found: tuple[Kind, str] = _text_kind(text, declared) or ("text", "text")
        return _text_result(bom_found, declared, expected, bom_charset)
    fmt = image_format(head)
    if fmt is not None:
        return Sniffed("image", fmt, declared, expected not in (None, "image"))
    textual = expected in ("html", "text", "json", "xml")
    declared_charset = charset(content_type)
    if head.startswith(b"%PDF-") and not (textual and _text_kind(head, declared)):
        return Sniffed("pdf", "pdf", declared, expected not in (None, "pdf"))
    for magic, name in _ARCHIVE_MAGIC:
        if head.startswith(magic) and not (textual and _text_kind(head, declared)):
            # A compressed body the client did not decode: reported, never read as text.
            return Sniffed("archive", name, declared, False)
    if declared == "image/svg+xml":
        return Sniffed("xml", "svg", declared, False)  # vector markup: its text is read
    found = _text_kind(head, declared)
    if found is None and expected == "image" and declared != "image/svg+xml":
        # Declared an image, and no image format's bytes nor text: a piece of one (a 206
        # from the middle of a file) or a format no decoder here reads (JPEG 2000). Reported
        # as an image of unknown format, which the face detector cannot read: never "binary",
        # which nothing inspects.
        return Sniffed("image", "unknown", declared, False)
    if found is None and textual and expected is not None:
        # Declared text with bytes text never holds: a UTF-16 page without a byte-order mark,
        # or a stray NUL. The caller reads it as text (r.text, a browser), so it is read so
        # here, in the declared charset; a "binary" page would go uninspected.
        if declared_charset and declared_charset.startswith(("utf-16", "utf-32")):
            found = _text_kind(head.decode(declared_charset, "replace").encode("utf-8"), declared)
        found = found or (expected, str(expected))
    if found is None:
        return Sniffed("binary", "binary", declared, textual)
    return _text_result(found, declared, expected, declared_charset)


def _text_result(found: tuple[Kind, str], declared: str | None, expected: Kind | None, cs: str | None) -> Sniffed:
    kind, fmt = found
    if kind == "text" and expected in ("json", "xml", "html"):
        # Declared structured text that is not recognisably HTML: trust the declaration for the
        # finer kind (all three are read as text anyway).
        kind, fmt = expected, expected
    mislabelled = expected in ("image", "pdf", "binary")
    return Sniffed(kind, fmt, declared, mislabelled, cs)
