"""Issue 19, the PNG question: where a 1-megapixel PNG's decode goes, and what the ISA-L
routes of gate.inspect.pngdecode save, before and after, interleaved.

    python benchmarks/png_routes_bench.py            # about a minute
    python benchmarks/png_routes_bench.py --quick
    python benchmarks/png_routes_bench.py --only decode,phase,knobs,set

decode  CPU time of each route, interleaved round by round (median of 25), on two
        1-megapixel PNGs of the same pixels (the response bench's JPEG): OpenCV's encoding
        (every row Sub-filtered: pngdecode's numpy route) and Pillow's (adaptive filters,
        mostly Paeth: the stored route). Routes: `cv2.imdecode` grey (before),
        `pngdecode.decode_grey` (after), the same halved (what the detector asks for when
        the image is at least twice its working size), and for scale the inflate alone with zlib (what
        libpng uses), ISA-L, and libdeflate when installed.
phase   `FaceDetector.detect` and `Gate.inspect` (classifier + policy, response_bench's
        setup) on the OpenCV PNG, with the fast route off (before) and on (after), rounds
        interleaved.
knobs   the detector's pieces on the OpenCV PNG's 480-pixel image: detectMultiScale on 1 and
        2 threads (CPU and wall) and with cv2.setUseOptimized(False); the 1000 -> 480 resize
        by interpolation; equalizeHist.
set     the labelled set's PNGs (benchmarks/inspect_sets.py): how many decode to exactly
        OpenCV's pixels, which route each took, and the detector's image-level precision
        and recall on the whole set with the route on.

CPU time is the process's (time.process_time): on a shared machine it does not count other
processes' turns.
"""

from __future__ import annotations

import argparse
import io
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


def _idat(png: bytes) -> bytes:
    pos, parts = 8, []
    while pos < len(png):
        length, kind = struct.unpack_from(">I4s", png, pos)
        if kind == b"IDAT":
            parts.append(png[pos + 8:pos + 8 + length])
        pos += 12 + length
    return b"".join(parts)


def _interleaved(routes: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Median CPU ms of each route, the routes run in turn within each round."""
    times: dict[str, list[float]] = {name: [] for name in routes}
    for fn in routes.values():
        fn()
    for _ in range(rounds):
        for name, fn in routes.items():
            start = time.process_time()
            fn()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def _pngs() -> dict[str, bytes]:
    import cv2
    import numpy as np
    from PIL import Image

    bgr = cv2.imdecode(np.frombuffer(sets.one_megapixel_jpeg(), np.uint8), cv2.IMREAD_COLOR)
    buf = io.BytesIO()
    Image.fromarray(bgr[..., ::-1]).save(buf, "PNG")
    return {"OpenCV's PNG (Sub rows)": cv2.imencode(".png", bgr)[1].tobytes(),
            "Pillow's PNG (Paeth rows)": buf.getvalue()}


class _Switch:
    """Turns pngdecode's fast route off (before) and on (after) by hiding isal from it."""

    def __init__(self) -> None:
        from gate.inspect import pngdecode

        self.module, self.found = pngdecode, pngdecode._isal

    def __call__(self, on: bool) -> None:
        self.module._isal = self.found if on else (lambda: None)


def bench_decode(rounds: int) -> list[str]:
    import cv2
    import numpy as np

    from gate.inspect import pngdecode

    cv2.setNumThreads(1)
    lines = []
    for name, png in _pngs().items():
        buf, idat = np.frombuffer(png, np.uint8), _idat(png)
        raw = zlib.decompress(idat)
        routes: dict[str, Callable[[], Any]] = {
            "cv2.imdecode grey (before)": lambda buf=buf: cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE),
            "pngdecode.decode_grey (after)": lambda png=png: pngdecode.decode_grey(png),
            "pngdecode.decode_grey, halve=True": lambda png=png: pngdecode.decode_grey(png, halve=True),
            "zlib inflate alone": lambda idat=idat: zlib.decompress(idat),
        }
        try:
            from isal import isal_zlib

            routes["ISA-L inflate alone"] = lambda idat=idat: isal_zlib.decompress(idat)
        except ImportError:
            lines.append("isal not installed: the fast route declines every PNG")
        try:
            import deflate

            size = len(raw)
            routes["libdeflate inflate alone"] = lambda idat=idat, n=size: deflate.zlib_decompress(idat, n)
        except ImportError:
            pass
        before = pngdecode.ROUTES.copy()
        same = np.array_equal(pngdecode.decode_grey(png), cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE))
        route = ", ".join(pngdecode.ROUTES - before)
        lines.append(f"{name}: {len(png)} bytes, {len(raw)} inflated; route {route}; pixels equal to OpenCV's: {same}")
        for label, ms in _interleaved(routes, rounds).items():
            lines.append(f"  {label:<40} {ms:6.2f} ms CPU")
    return lines


def bench_phase(rounds: int) -> list[str]:
    import cv2
    import numpy as np
    import response_bench

    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine
    from gate.inspect import FaceDetector, SamplingPolicy
    from gate.model.response import ResponseFacts

    png = _pngs()["OpenCV's PNG (Sub rows)"]
    jpeg = sets.one_megapixel_jpeg()
    switch = _Switch()
    detector = FaceDetector()
    server, base = response_bench._robots_server()
    engine = EmbeddedEngine()
    gate = Gate(response_bench._job("declared", "market_research", ["personal", "facial_images"]), engine=engine,
                ledger=False, sampling=SamplingPolicy(trust_after=10**9))
    try:
        def facts(path: str, kind: str, body: bytes) -> tuple[Any, Any]:
            url = base + path
            return gate.check(url), ResponseFacts.of(url, 200, [("Content-Type", kind)], body)

        png_case, jpeg_case = facts("/a.png", "image/png", png), facts("/a.jpg", "image/jpeg", jpeg)

        def run(on: bool, fn: Callable[[], Any]) -> Callable[[], Any]:
            def once() -> Any:
                switch(on)
                return fn()
            return once

        routes = {
            "FaceDetector.detect, PNG, before": run(False, lambda: detector.detect("png", png)),
            "FaceDetector.detect, PNG, after": run(True, lambda: detector.detect("png", png)),
            "Gate.inspect, PNG with a face, before": run(False, lambda: gate.inspect(*png_case)),
            "Gate.inspect, PNG with a face, after": run(True, lambda: gate.inspect(*png_case)),
            "Gate.inspect, JPEG with a face (for scale)": run(True, lambda: gate.inspect(*jpeg_case)),
            "for scale: cv2.imdecode of the PNG alone": run(True, lambda: cv2.imdecode(np.frombuffer(png, np.uint8),
                                                                               cv2.IMREAD_GRAYSCALE)),
        }
        results = _interleaved(routes, rounds)
    finally:
        switch(True)
        gate.close()
        engine.close()
        server.shutdown()
    return [f"  {label:<46} {ms:6.2f} ms CPU" for label, ms in results.items()]


def bench_knobs(rounds: int) -> list[str]:
    import cv2
    import numpy as np

    from gate.inspect import FaceDetector

    png = _pngs()["OpenCV's PNG (Sub rows)"]
    grey = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    small = cv2.resize(grey, (480, 480), interpolation=cv2.INTER_AREA)
    equalized = cv2.equalizeHist(small)
    classifier = FaceDetector()._classifier()

    def detect(threads: int, optimized: bool) -> Callable[[], Any]:
        def once() -> Any:
            cv2.setNumThreads(threads)
            cv2.setUseOptimized(optimized)
            return classifier.detectMultiScale2(equalized, scaleFactor=1.2, minNeighbors=3, minSize=(24, 24))
        return once

    routes: dict[str, Callable[[], Any]] = {
        "detectMultiScale2, 1 thread (shipped)": detect(1, True),
        "detectMultiScale2, 2 threads": detect(2, True),
        "detectMultiScale2, 1 thread, setUseOptimized(False)": detect(1, False),
        "equalizeHist 480x480": lambda: cv2.equalizeHist(small),
    }
    for name in ("INTER_AREA", "INTER_LINEAR", "INTER_CUBIC"):
        flag = getattr(cv2, name)
        routes[f"resize 1000 -> 480, {name}"] = lambda flag=flag: cv2.resize(grey, (480, 480), interpolation=flag)
    try:
        cpu = _interleaved(routes, rounds)
        wall: dict[str, float] = {}
        for name in ("detectMultiScale2, 1 thread (shipped)", "detectMultiScale2, 2 threads"):
            samples = []
            for _ in range(rounds):
                start = time.perf_counter()
                routes[name]()
                samples.append(time.perf_counter() - start)
            wall[name] = statistics.median(samples) * 1000
    finally:
        cv2.setNumThreads(1)
        cv2.setUseOptimized(True)
    return [f"  {name:<52} {ms:6.2f} ms CPU" + (f", {wall[name]:.2f} ms wall" if name in wall else "")
            for name, ms in cpu.items()]


def bench_set() -> list[str]:
    import cv2
    import numpy as np

    from gate.inspect import FaceDetector, pngdecode

    samples = list(sets.face_set())
    pngs = [s for s in samples if s.data[:4] == b"\x89PNG"]
    before = pngdecode.ROUTES.copy()
    same = sum(bool(np.array_equal(pngdecode.decode_grey(s.data),
                                   cv2.imdecode(np.frombuffer(s.data, np.uint8), cv2.IMREAD_GRAYSCALE))) for s in pngs)
    routes = dict(pngdecode.ROUTES - before)
    detector = FaceDetector()
    tp = fp = fn = 0
    for s in samples:
        count = detector.detect("png" if s.data[:4] == b"\x89PNG" else "jpeg", s.data).count
        tp, fp, fn = tp + bool(s.faces and count), fp + bool(not s.faces and count), fn + bool(s.faces and not count)
    precision = tp / (tp + fp) if tp + fp else 0.0
    return [f"labelled set: {len(pngs)} PNGs, {same} decoded to OpenCV's exact pixels; routes {routes}",
            f"detector on the whole set ({len(samples)} images, route on): precision {precision:.3f}, "
            f"recall {tp / (tp + fn):.3f}, false alarms {fp}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="decode,phase,knobs,set")
    args = parser.parse_args(argv)
    rounds = 7 if args.quick else 25
    import os

    print(f"load average {os.getloadavg()[0]:.1f} at start; CPU ms, median of {rounds} interleaved rounds")
    if "decode" in args.only:
        print("\n".join(bench_decode(rounds)))
    if "phase" in args.only:
        print("1-megapixel PNG, the fast route off and on:")
        print("\n".join(bench_phase(rounds)))
    if "knobs" in args.only:
        print("the detector's pieces:")
        print("\n".join(bench_knobs(rounds)))
    if "set" in args.only:
        print("\n".join(bench_set()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
