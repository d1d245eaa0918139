"""A PNG's grey pixels for the face detector: bit for bit what OpenCV's
`cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)` returns, at a fraction of its CPU; or, when the
detector asks (`halve=True`, an image at least twice its working size), that image halved,
each 2x2 block averaged, as libjpeg's DCT scaling does for a JPEG.

Why: OpenCV's libpng inflates with the system zlib, which is ~2/3 of a 1-megapixel PNG's
decode (BENCHMARKS.md, "The PNG question"). ISA-L (the `isal` package, in the `faces` extra)
inflates the same stream in well under half the time. Two routes use it, each exact:

- **numpy route** (8-bit grey or RGB, not interlaced, rows filtered None/Sub/Up, no chunk that
  could change the colours): rows are unfiltered with numpy (Sub is a running sum along the
  row, Up along the column, both modulo 256) and RGB becomes grey with libpng's own integer
  formula, `(9797 R + 19234 G + 3737 B) >> 15` (what OpenCV's `png_set_rgb_to_gray(1, 0.299,
  0.587)` reduces to; checked against libpng on all 2**24 colours by the tests), computed by
  `cv2.transform` in float32, where every term is a multiple of 2**-16 and so exact.
- **stored route** (every other PNG: Avg/Paeth filters, palettes, alpha, 16 bits, Adam7,
  gamma or ICC chunks): the inflated rows are wrapped back into IDAT chunks as a zlib stream
  of *stored* (uncompressed) blocks, every other chunk kept byte for byte, and libpng decodes
  that. libpng sees the very same rows and chunks, so its output cannot differ; what it no
  longer does is inflate.

The inflate writes into a buffer kept per thread and reused: a fresh multi-megabyte buffer
costs a page fault per 4 KB on first touch, which on this machine ate most of the gain
(BENCHMARKS.md, "The PNG question, again"). Anything unexpected (a CRC or zlib error, a size
that does not match the header, bytes after the stream, a bound exceeded, no `isal`) returns
None and the caller decodes with OpenCV as before, so a broken file is judged by libpng alone.
"""

from __future__ import annotations

import itertools
import struct
import threading
from collections import Counter
from typing import Any, Callable, Iterator

__all__ = ["decode_grey", "halved", "available", "MAX_RAW_BYTES", "ROUTES"]

MAX_RAW_BYTES = 64 << 20  # inflated rows above this: OpenCV decodes (it never holds them all)
_KEEP_BYTES = 8 << 20  # each of a thread's buffers (rows, pixels, stored PNG) is kept up to this size (~2.7 MP of RGB)
_BLOCK = 65535  # the largest stored deflate block
_FEED = 16384  # compressed bytes handed to the inflater at a time (bounds each output)
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Chunks that cannot change the grey pixels libpng returns (text, time, physical size): any
# other chunk (gAMA, sRGB, iCCP, cHRM, sBIT, tRNS, bKGD, eXIf, acTL, ...) takes the stored route.
_INERT = frozenset({b"IHDR", b"IDAT", b"IEND", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"pHYs"})
# libpng's rgb_to_gray coefficients for OpenCV's (0.299, 0.587), in 32768ths (29900 * 32768
# // 100000, ...; blue takes the rest). libpng truncates, cv2.transform rounds to nearest:
# the offset -0.5 + 2**-16 turns the one into the other (an exact .5 would round to even).
_GREY = ((9797 / 32768, 19234 / 32768, 3737 / 32768, -0.5 + 1 / 65536),)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))

_local = threading.local()
ROUTES: Counter[str] = Counter()  # images per route (numpy, stored, opencv); threads may lose a count


def _isal() -> Any:
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return isal_zlib


def available() -> bool:
    """Whether the fast routes can run (the `isal` package is installed)."""
    return _isal() is not None


class _Png:
    """The chunk layout of a PNG, its CRCs checked; raises ValueError on anything odd."""

    def __init__(self, data: bytes, crc32: Callable[..., int]) -> None:
        if data[:8] != _SIGNATURE:
            raise ValueError("not a PNG")
        self.chunks: list[tuple[bytes, int, int]] = []  # (type, offset of the length field, data length)
        pos, view = 8, memoryview(data)
        while True:
            if pos + 12 > len(data):
                raise ValueError("truncated")
            length, kind = struct.unpack_from(">I4s", data, pos)
            end = pos + 12 + length
            if end > len(data):
                raise ValueError("truncated chunk")
            if crc32(view[pos + 4:end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
                raise ValueError(f"CRC error in {kind!r}")
            self.chunks.append((kind, pos, length))
            pos = end
            if kind == b"IEND":
                break
        if self.chunks[0][0] != b"IHDR" or self.chunks[0][2] != 13:
            raise ValueError("no IHDR")
        (self.width, self.height, self.depth, self.colour, compression, filtering,
         self.interlace) = struct.unpack_from(">IIBBBBB", data, 16)
        if compression or filtering or self.interlace > 1 or self.colour not in _CHANNELS:
            raise ValueError("unknown IHDR method")
        kinds = [kind for kind, _, _ in self.chunks]
        first = kinds.index(b"IDAT")  # ValueError without one
        last = len(kinds) - 1 - kinds[::-1].index(b"IDAT")
        if any(kind != b"IDAT" for kind in kinds[first:last + 1]):
            raise ValueError("IDAT chunks not consecutive")
        self.first, self.last = first, last
        self.inert = all(kind in _INERT for kind in kinds)
        self.bits = _CHANNELS[self.colour] * self.depth  # per pixel

    def rowbytes(self, width: int) -> int:
        return (width * self.bits + 7) // 8

    def raw_size(self) -> int:
        """Bytes of filtered rows the header promises (each row: a filter byte, then pixels)."""
        if not self.interlace:
            return self.height * (1 + self.rowbytes(self.width))
        total = 0
        for x0, y0, dx, dy in _ADAM7:
            w, h = (self.width - x0 + dx - 1) // dx, (self.height - y0 + dy - 1) // dy
            if w > 0 and h > 0:
                total += h * (1 + self.rowbytes(w))
        return total


def _buffer(name: str, size: int) -> bytearray:
    """A per-thread scratch buffer of at least `size` bytes, kept when small enough."""
    buf: bytearray | None = getattr(_local, name, None)
    if buf is not None and len(buf) >= size:
        return buf
    buf = bytearray(size)
    if size <= _KEEP_BYTES:
        setattr(_local, name, buf)
    return buf


def _inflated(isal_zlib: Any, data: bytes, png: _Png, expected: int) -> Iterator[Any]:
    """The IDAT stream inflated, in pieces that never cross a multiple of _BLOCK: exactly
    `expected` bytes and the stream's end, or ValueError.

    No `max_length`: isal's decompressobj, unlike zlib's, can keep output back when it is
    given one (a 640x480 PNG came out 4,590 bytes short). One call's output is bounded by its
    _FEED bytes of input instead (deflate expands at most ~1032:1)."""
    inflater, view, done = isal_zlib.decompressobj(), memoryview(data), 0
    for _, pos, length in png.chunks[png.first:png.last + 1]:
        for start in range(pos + 8, pos + 8 + length, _FEED):
            out = memoryview(inflater.decompress(view[start:min(start + _FEED, pos + 8 + length)]))
            if done + len(out) > expected:
                raise ValueError("more data than the header declares")
            at = 0
            while at < len(out):  # split at block ends (the stored route's chunks)
                n = min(len(out) - at, _BLOCK - done % _BLOCK)
                yield out[at:at + n]
                at, done = at + n, done + n
    if done != expected or not inflater.eof or inflater.unused_data:
        raise ValueError("the stream does not end where the header says")


def _blocks(raw: Any, end: int) -> Iterator[Any]:
    for start in range(0, end, _BLOCK):
        yield raw[start:min(start + _BLOCK, end)]


def _numpy_route(pieces: Iterator[Any], png: _Png, expected: int, halve: bool) -> tuple[Any, Iterator[Any]]:
    """(the grey image, or None and the rows as pieces for the stored route when a row is
    Avg- or Paeth-filtered: a running sum cannot undo those)."""
    import cv2
    import numpy as np

    buf = _buffer("raw", expected)
    view, at = memoryview(buf), 0
    stride, channels = 1 + png.rowbytes(png.width), png.bits // 8
    for out in pieces:
        n = len(out)
        view[at:at + n] = out
        first = -at % stride  # the first filter byte in this piece, if any
        if first < n and max(out[first::stride]) > 2:  # seen as the rows arrive: no wasted copy
            return None, itertools.chain(_blocks(view, at + n), pieces)
        at += n
    rows = np.frombuffer(buf, np.uint8, count=expected).reshape(png.height, stride)
    filters = rows[:, 0]
    # The pixels without their filter bytes, contiguous: numpy's running sum along rows that
    # are 1 + 3w bytes apart costs twice the copy and the sum over contiguous rows together.
    size = png.height * png.width * channels
    pixels = np.frombuffer(_buffer("pixels", size), np.uint8, count=size).reshape(png.height, png.width, channels)
    np.copyto(pixels, rows[:, 1:].reshape(png.height, png.width, channels))
    y = 0
    while y < png.height:  # runs of rows with the same filter, each undone in one numpy call
        kind = int(filters[y])
        end = y + 1
        while end < png.height and filters[end] == kind:
            end += 1
        if kind == 1:  # Sub: each byte plus the same channel of the pixel on its left
            np.add.accumulate(pixels[y:end], axis=1, dtype=np.uint8, out=pixels[y:end])
        elif kind == 2:  # Up: each byte plus the byte above (already unfiltered); row 0 has none
            top = max(y - 1, 0)
            np.add.accumulate(pixels[top:end], axis=0, dtype=np.uint8, out=pixels[top:end])
        y = end
    if halve:  # the colours averaged first: the grey conversion then runs on a quarter of the pixels
        half = halved(pixels)  # a new array: the reused buffer is never handed out
        return (half if channels == 1 else cv2.transform(half, np.array(_GREY, np.float32))), iter(())
    if channels == 1:
        return pixels[:, :, 0].copy(), iter(())
    return cv2.transform(pixels, np.array(_GREY, np.float32)), iter(())


def _stored_route(isal_zlib: Any, pieces: Iterator[Any], data: bytes, png: _Png, expected: int) -> Any:
    import cv2
    import numpy as np

    blocks = (expected + _BLOCK - 1) // _BLOCK
    head_end = png.chunks[png.first][1]
    tail_start = png.chunks[png.last][1] + 12 + png.chunks[png.last][2]
    size = head_end + blocks * (12 + 5) + 2 + 4 + expected + len(data) - tail_start
    buf = _buffer("png", size)
    view = memoryview(buf)
    view[:head_end] = memoryview(data)[:head_end]
    at, chunk, done, adler = head_end, head_end, 0, 1

    def close_chunk(at: int) -> int:  # length and CRC of the IDAT chunk that ends at `at`
        struct.pack_into(">I", buf, chunk, at - chunk - 8)
        struct.pack_into(">I", buf, at, isal_zlib.crc32(view[chunk + 4:at]))
        return at + 4

    for out in pieces:  # one stored block per IDAT chunk (pieces never cross a block's end)
        if done % _BLOCK == 0:
            if done:
                at = close_chunk(at)
            chunk = at
            struct.pack_into(">4s", buf, at + 4, b"IDAT")
            at += 8
            if not done:
                buf[at:at + 2] = b"\x78\x01"  # zlib header: deflate, 32 KB window, no dictionary
                at += 2
            length = min(_BLOCK, expected - done)
            struct.pack_into("<BHH", buf, at, 1 if done + length == expected else 0, length, length ^ 0xFFFF)
            at += 5
        n = len(out)
        view[at:at + n] = out
        adler = isal_zlib.adler32(out, adler)
        at, done = at + n, done + n
    struct.pack_into(">I", buf, at, adler)
    at = close_chunk(at + 4)
    rest = len(data) - tail_start
    view[at:at + rest] = memoryview(data)[tail_start:]
    return cv2.imdecode(np.frombuffer(buf, np.uint8, count=at + rest), cv2.IMREAD_GRAYSCALE)


def decode_grey(data: bytes, halve: bool = False) -> Any:
    """The grey image `cv2.imdecode(data, IMREAD_GRAYSCALE)` would return, or None when the
    caller should ask OpenCV itself (no `isal`, an odd or broken file, beyond the bounds).
    The caller has bounded the declared size already (FaceDetector.detect).

    `halve=True` asks for that image at half the size, each 2x2 block averaged (an odd last
    row or column dropped): what `cv2.resize(grey, INTER_AREA)` to half would give, but the
    numpy route averages the colours before the grey conversion, on a quarter of the pixels
    (the grey values can differ from that by 1). Like libjpeg's DCT scaling for a JPEG. An
    image under 2 pixels on a side comes back whole."""
    route, grey = "opencv", None
    isal_zlib = _isal()
    if isal_zlib is not None:
        try:
            grey, route = _decode(isal_zlib, data, halve)
        except (ValueError, struct.error, isal_zlib.error):
            grey, route = None, "opencv"
    ROUTES[route] += 1
    return grey


def _decode(isal_zlib: Any, data: bytes, halve: bool) -> tuple[Any, str]:
    png = _Png(data, isal_zlib.crc32)
    expected = png.raw_size()
    if expected > MAX_RAW_BYTES:
        return None, "opencv"
    pieces = _inflated(isal_zlib, data, png, expected)
    halve = halve and min(png.width, png.height) >= 2
    if png.inert and png.depth == 8 and png.colour in (0, 2) and not png.interlace:
        grey, pieces = _numpy_route(pieces, png, expected, halve)
        if grey is not None:
            return grey, "numpy"
    grey = _stored_route(isal_zlib, pieces, data, png, expected)
    return (halved(grey) if halve and grey is not None else grey), "stored"


def halved(image: Any) -> Any:
    """`image` at half its size, each 2x2 block's mean (OpenCV's exact-2x INTER_AREA path, ~40x
    cheaper than an arbitrary factor), an odd last row or column dropped. The face detector
    uses it for every format."""
    import cv2

    h2, w2 = image.shape[0] // 2, image.shape[1] // 2
    return cv2.resize(image[:2 * h2, :2 * w2], (w2, h2), interpolation=cv2.INTER_AREA)
