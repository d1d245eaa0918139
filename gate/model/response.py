"""What the response phase sees of one fetched response: status, headers, and the body or
a bounded prefix of it. Every adapter builds one (`ResponseFacts.of`) and hands it to
`Gate.inspect`.

Headers are kept as (name, value) pairs, one per header line, so repeated lines (two
X-Robots-Tag headers, say) are read one by one, as the opt-out parsers want.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .imagemagic import image_format

__all__ = ["ResponseFacts", "MAX_INSPECT_BYTES", "MAX_IMAGE_INSPECT_BYTES", "header_pairs", "decoded_body",
           "decodable_codings"]

# How much of a body the response phase reads: enough for any page's <head> and for a
# multi-megapixel image, bounded so a huge download cannot exhaust memory in the gate.
MAX_INSPECT_BYTES = 8 * 1024 * 1024
# An image the client already holds whole is read whole up to this: a prefix of an image
# does not decode, and a camera's photograph passes 8 MiB (the face detector bounds the
# decoded pixels itself). Adapters that stream (httpx, the proxy) hold MAX_INSPECT_BYTES.
MAX_IMAGE_INSPECT_BYTES = 64 * 1024 * 1024


def header_pairs(headers: Any) -> tuple[tuple[str, str], ...]:
    """(name, value) pairs from any client's headers: a list of pairs, Playwright's list of
    {"name", "value"} dicts, objects with `getlist`/`get_list`/`multi_items`, or a mapping
    (whose repeated lines the client already joined)."""
    if headers is None:
        return ()
    items: Iterable[Any]
    if hasattr(headers, "multi_items"):  # httpx.Headers
        items = headers.multi_items()
    elif hasattr(headers, "getlist") and hasattr(headers, "keys"):  # urllib3, werkzeug, Scrapy
        items = [(k, v) for k in dict.fromkeys(headers.keys()) for v in headers.getlist(k)]
    elif isinstance(headers, Mapping):
        items = headers.items()
    else:
        items = headers
    out: list[tuple[str, str]] = []
    for item in items:
        name, value = (item.get("name"), item.get("value")) if isinstance(item, Mapping) else item
        for one in value if isinstance(value, (list, tuple)) else [value]:
            out.append((_text(name), _text(one)))
    return tuple(out)


def decoded_body(headers: Iterable[tuple[str, str]], body: bytes, complete: bool) -> bytes:
    """`body` with its Content-Encoding undone, for a reader that sees the raw bytes (the
    proxy, httpx's raw stream): every coding listed, on one header line or several, last
    applied first (gzip, deflate, br when brotli is installed). Each step stops at
    MAX_INSPECT_BYTES of output, so a compression bomb costs the gate that much and no more;
    a cut body (`complete` False) yields the prefix it decodes to. A coding this cannot undo
    leaves the body as it is: the classifiers then report what they could not read."""
    codings = [c.strip().lower() for k, v in headers if k.lower() == "content-encoding" for c in v.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    for coding in reversed(codings):
        decoded = _undo(coding, body)
        if decoded is None:
            return body
        body = decoded
    return body


def decodable_codings() -> tuple[str, ...]:
    """The content codings decoded_body undoes here (what a proxy may ask origins for)."""
    return ("gzip", "deflate", "br") if _brotli() is not None else ("gzip", "deflate")


@functools.lru_cache(maxsize=1)  # asked per proxied request: a failed import is not retried each time
def _brotli() -> Any:
    try:
        import brotli  # Scrapy's dependency; optional otherwise

        return brotli
    except ImportError:
        return None


def _undo(coding: str, body: bytes) -> bytes | None:
    import zlib

    try:
        if coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, MAX_INSPECT_BYTES)
        if coding == "deflate":
            try:
                return zlib.decompressobj().decompress(body, MAX_INSPECT_BYTES)
            except zlib.error:  # raw deflate, as some servers send it
                return zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, MAX_INSPECT_BYTES)
        brotli = _brotli() if coding == "br" else None
        if brotli is not None:
            return bytes(brotli.Decompressor().process(body, output_buffer_limit=MAX_INSPECT_BYTES)[:MAX_INSPECT_BYTES])
    except Exception:  # zlib.error, brotli.error: not what it says it is
        return None
    return None


def _is_image(data: bytes) -> bool:
    return image_format(data[:32]) is not None  # the classifiers' own magic bytes: a video's ftyp is none


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class ResponseFacts:
    """One response as the gate inspects it. `complete` is False when `body` is only a
    prefix of what the server sent (then a detector that could not see it all says so)."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    complete: bool = True

    @classmethod
    def of(cls, url: str, status: int, headers: Any, body: bytes | None, *, complete: bool = True,
           limit: int = MAX_INSPECT_BYTES) -> "ResponseFacts":
        """Facts from a client's response parts; the body is cut to `limit` bytes (an image
        to MAX_IMAGE_INSPECT_BYTES, when the default limit is in force)."""
        data = bytes(body or b"")
        if len(data) > limit and limit == MAX_INSPECT_BYTES and _is_image(data):
            limit = MAX_IMAGE_INSPECT_BYTES
        if len(data) > limit:
            data, complete = data[:limit], False
        return cls(str(url), int(status), header_pairs(headers), data, complete)

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [v for k, v in self.headers if k.lower() == lowered]
