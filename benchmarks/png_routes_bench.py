"""Issue 19, the PNG question: where a 1-megapixel PNG's decode goes, and whether a faster
inflate shortens it.

    python benchmarks/png_routes_bench.py

Routes, each timed as CPU time of this process, interleaved round by round (median of 25),
on the benchmark's 1-megapixel PNG (OpenCV's encoding of the response bench's JPEG):

- `cv2.imdecode` grey, as FaceDetector decodes a PNG today;
- the inflate alone: zlib (what libpng uses), and ISA-L (`isal`) and libdeflate (`deflate`)
  when installed;
- ISA-L's inflate, the rows wrapped back into a PNG with a "stored" (uncompressed) zlib
  stream, then `cv2.imdecode` (the same pixels as the first route), or `pyspng` (libspng)
  and a grey conversion.

The routes that need an optional package are skipped without it. Nothing here is used by
the gate: BENCHMARKS.md ("The PNG question") says why.
"""

from __future__ import annotations

import statistics
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import inspect_sets as sets  # noqa: E402

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _idat(png: bytes) -> tuple[bytes, bytes]:
    """(signature + IHDR chunk, the concatenated IDAT data)."""
    pos, head, parts = len(_SIGNATURE), b"", []
    while pos < len(png):
        length, kind = struct.unpack_from(">I4s", png, pos)
        if kind == b"IHDR":
            head = png[:pos + 12 + length]
        elif kind == b"IDAT":
            parts.append(png[pos + 8:pos + 8 + length])
        pos += 12 + length
    return head, b"".join(parts)


def _stored_png(head: bytes, raw: bytes) -> bytes:
    stored = zlib.compress(raw, 0)  # a copy in 64 KB blocks and an Adler-32
    crc = zlib.crc32(stored, zlib.crc32(b"IDAT"))
    return b"".join([head, struct.pack(">I", len(stored)), b"IDAT", stored, struct.pack(">I", crc), _IEND])


def main() -> int:
    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    jpeg = sets.one_megapixel_jpeg()
    png = cv2.imencode(".png", cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))[1].tobytes()
    buf = np.frombuffer(png, np.uint8)
    head, idat = _idat(png)
    raw = zlib.decompress(idat)
    routes: dict[str, Callable[[], Any]] = {
        "cv2.imdecode grey (today)": lambda: cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE),
        "zlib inflate only": lambda: zlib.decompress(idat),
    }
    try:
        from isal import isal_zlib

        routes["ISA-L inflate only"] = lambda: isal_zlib.decompress(idat)
        routes["ISA-L inflate + stored PNG + cv2.imdecode grey"] = lambda: cv2.imdecode(
            np.frombuffer(_stored_png(head, isal_zlib.decompress(idat)), np.uint8), cv2.IMREAD_GRAYSCALE)
        try:
            import pyspng

            routes["ISA-L inflate + stored PNG + pyspng + cvtColor"] = lambda: cv2.cvtColor(
                pyspng.load(_stored_png(head, isal_zlib.decompress(idat))), cv2.COLOR_RGB2GRAY)
        except ImportError:
            print("pyspng not installed: its route skipped")
    except ImportError:
        print("isal not installed: its routes skipped")
    try:
        import deflate

        routes["libdeflate inflate only"] = lambda: deflate.zlib_decompress(idat, len(raw))
    except ImportError:
        print("deflate not installed: its route skipped")
    times: dict[str, list[float]] = {name: [] for name in routes}
    for fn in routes.values():
        fn()
    for _ in range(25):
        for name, fn in routes.items():
            start = time.process_time()
            fn()
            times[name].append(time.process_time() - start)
    print(f"1-megapixel PNG: {len(png)} bytes, {len(raw)} inflated; CPU ms, median of 25 interleaved rounds")
    for name, values in times.items():
        print(f"  {name:<50} {statistics.median(values) * 1000:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
