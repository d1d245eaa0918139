"""An image's declared width and height, read from its header before anything is decoded.

A decompression bomb is a small file that declares a huge canvas (a 50 KB PNG of 100,000 x
100,000 pixels). The face detector refuses such an image from these numbers alone, so no
decoder ever allocates for it. Each reader walks only the header structures, bounded by the
bytes present; an unreadable header is `None`, which the caller treats as "cannot bound,
do not decode".
"""

from __future__ import annotations

import struct

__all__ = ["dimensions", "HEADER_SCAN_BYTES"]

HEADER_SCAN_BYTES = 1 << 20  # JPEG markers before the frame header (EXIF, ICC) can be long

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def dimensions(fmt: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) as the header of a `fmt` image declares them, or None."""
    reader = _READERS.get(fmt)
    if reader is None:
        return None
    try:
        size = reader(data)
    except (struct.error, IndexError, ValueError):
        return None
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size


def _jpeg(data: bytes) -> tuple[int, int] | None:
    # Segment by segment, jumping over each by its length: megabytes of APP segments before
    # the frame header cost a few hundred steps (a byte bound here let a 9 MiB pad hide a
    # photograph as "undecodable"); the number of steps is what is bounded.
    i, end = 2, len(data)
    for _ in range(_JPEG_MAX_SEGMENTS):
        if i + 4 > end:
            return None
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            return None
        i += 2 + length
    return None


_JPEG_MAX_SEGMENTS = 4096  # a real file has tens before its frame header; 4096 x 64 KiB = 256 MiB


def _png(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _gif(data: bytes) -> tuple[int, int] | None:
    """The logical screen, and every image descriptor found in the bytes present (a frame may
    declare more than the screen; decoders allocate for the larger)."""
    width, height = struct.unpack("<HH", data[6:10])
    flags = data[10]
    i = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    while i < len(data):
        block = data[i]
        if block == 0x2C:  # image descriptor
            fw, fh = struct.unpack("<HH", data[i + 5:i + 9])
            left, top = struct.unpack("<HH", data[i + 1:i + 5])
            width, height = max(width, left + fw), max(height, top + fh)
            return width, height  # the first frame is the one decoded
        if block == 0x21:  # extension: label, then sub-blocks
            i += 2
            while i < len(data) and data[i]:
                i += data[i] + 1
            i += 1
            continue
        break
    return width, height


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            return None
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def _bmp(data: bytes) -> tuple[int, int] | None:
    header = struct.unpack("<I", data[14:18])[0]
    if header == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack("<HH", data[18:22])
        return width, height
    width, height = struct.unpack("<ii", data[18:26])
    return abs(width), abs(height)  # a negative height is a top-down bitmap


def _tiff(data: bytes) -> tuple[int, int] | None:
    """Tags 256 (ImageWidth) and 257 (ImageLength) of the first IFD, the one decoded."""
    order = "<" if data[:2] == b"II" else ">"
    offset = struct.unpack(order + "I", data[4:8])[0]
    count = struct.unpack(order + "H", data[offset:offset + 2])[0]
    width = height = None
    for n in range(min(count, 512)):
        entry = offset + 2 + 12 * n
        tag, kind = struct.unpack(order + "HH", data[entry:entry + 4])
        if tag not in (256, 257):
            continue
        if kind == 3:  # SHORT
            value = struct.unpack(order + "H", data[entry + 8:entry + 10])[0]
        elif kind == 4:  # LONG
            value = struct.unpack(order + "I", data[entry + 8:entry + 12])[0]
        else:
            return None
        if tag == 256:
            width = value
        else:
            height = value
    if width is None or height is None:
        return None
    return width, height


def _ico(data: bytes) -> tuple[int, int] | None:
    """The largest entry of the directory (0 in a byte means 256 pixels)."""
    count = struct.unpack("<H", data[4:6])[0]
    best = None
    for n in range(min(count, 256)):
        w, h = data[6 + 16 * n] or 256, data[7 + 16 * n] or 256
        if best is None or w * h > best[0] * best[1]:
            best = (w, h)
    return best


def _isobmff(data: bytes) -> tuple[int, int] | None:
    """AVIF/HEIF: the first `ispe` (image spatial extent) property, found by walking the
    boxes meta > iprp > ipco."""
    def boxes(start: int, end: int):  # type: ignore[no-untyped-def]
        i = start
        while i + 8 <= end:
            size, name = struct.unpack(">I4s", data[i:i + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", data[i + 8:i + 16])[0], 16
            elif size == 0:
                size = end - i
            if size < header:
                return
            yield name, i + header, min(i + size, end)
            i += size

    end = min(len(data), HEADER_SCAN_BYTES)
    for name, start, stop in boxes(0, end):
        if name != b"meta":
            continue
        for name2, start2, stop2 in boxes(start + 4, stop):  # meta is a full box
            if name2 != b"iprp":
                continue
            for name3, start3, stop3 in boxes(start2, stop2):
                if name3 != b"ipco":
                    continue
                for name4, start4, _stop4 in boxes(start3, stop3):
                    if name4 == b"ispe":
                        width, height = struct.unpack(">II", data[start4 + 4:start4 + 12])
                        return width, height
    return None


_READERS = {"jpeg": _jpeg, "png": _png, "gif": _gif, "webp": _webp, "bmp": _bmp, "tiff": _tiff,
            "ico": _ico, "avif": _isobmff, "heic": _isobmff, "heif": _isobmff}
