"""What content inspection costs and how well it sees (issue 19, point 6): a table.

    python benchmarks/inspect_bench.py            # every figure (about a minute)
    python benchmarks/inspect_bench.py --quick    # fewer repetitions
    python benchmarks/inspect_bench.py --only html,image,faces,personal,sampler

html      ContentInspector.inspect on a 100 KB HTML page (a digit-dense shop listing and a
          prose article), median per page; target <= 2 ms
image     the same on a 1-megapixel JPEG and PNG, one core (cv2.setNumThreads(1), and CPU
          affinity with --pin-core); target <= 30 ms; plus a 12-megapixel JPEG and a refused bomb
faces     precision and recall of the face detector on the labelled set (inspect_sets.py),
          for the shipped configuration and the alternatives it was chosen over
personal  precision and recall per kind on the labelled snippets, near misses included
sampler   Sampler.should_inspect + record, per call

Timings are medians over rounds; each round's own median is listed as lowest / highest so
that a run on a shared machine shows its noise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import inspect_sets as sets  # noqa: E402

Row = tuple[str, str, str, str]


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def _one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def _rounds_ms(fn: Callable[[], Any], rounds: int, per_round: int) -> tuple[float, float, float]:
    """(median of the round medians, lowest round median, highest round median) in ms."""
    fn()  # warm: lazy imports, phone metadata, model load
    medians = []
    for _ in range(rounds):
        times = []
        for _ in range(per_round):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times) * 1000)
    return statistics.median(medians), min(medians), max(medians)


def bench_html(rounds: int, per_round: int) -> list[Row]:
    from gate.inspect import ContentInspector

    inspector = ContentInspector(detect_faces=False)
    rows: list[Row] = []
    for name, page in (("shop listing (digit-dense)", sets.shop_page()), ("news article (prose)", sets.article_page())):
        body = page.encode("utf-8")
        result = inspector.inspect(body, "text/html; charset=utf-8", phone_regions=("DE",))
        found = ", ".join(f"{f.detector.split('.')[1]} {f.count}" for f in result.findings) or "nothing"
        med, low, high = _rounds_ms(
            lambda body=body: inspector.inspect(body, "text/html; charset=utf-8", phone_regions=("DE",)),
            rounds, per_round)
        rows.append((f"html  {len(body) // 1000} KB {name}, median per page (found: {found})", f"{med:.2f} ms",
                     "<= 2 ms", _verdict(med <= 2.0)))
        rows.append((f"html  the same, lowest / highest round median ({rounds} rounds x {per_round})",
                     f"{low:.2f} / {high:.2f} ms", "", ""))
    return rows


def bench_image(rounds: int, per_round: int, pin: bool) -> list[Row]:
    import cv2
    import numpy as np

    from gate.inspect import ContentInspector

    pinned = _one_core() if pin else "not pinned to a core (--pin-core pins it)"
    inspector = ContentInspector()
    detector = inspector.faces
    assert detector is not None and detector.available, detector and detector.unavailable_reason
    jpeg = sets.one_megapixel_jpeg()
    png = cv2.imencode(".png", cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))[1].tobytes()
    big = cv2.imencode(".jpg", cv2.resize(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), (4000, 3000)),
                       [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    bomb = _png_bomb(20_000, 20_000)
    rows: list[Row] = [(f"image detector: {detector.name}, working side {detector.working_side} px; {pinned}, "
                        f"cv2 threads {cv2.getNumThreads()}", detector.version, "", "")]
    for name, body, target in (("1-megapixel JPEG (1000x1000, astronaut)", jpeg, 30.0),
                               ("1-megapixel PNG (the same pixels)", png, 30.0),
                               ("12-megapixel JPEG (4000x3000, decoded at 1/8)", big, None),
                               (f"PNG bomb ({len(bomb) // 1000} KB declaring 20000x20000): refused", bomb, None)):
        result = inspector.inspect(body, "image/jpeg")
        status = result.detectors[0].status
        faces = result.finding(detector.name)
        med, low, high = _rounds_ms(lambda body=body: inspector.inspect(body, "image/jpeg"), rounds, per_round)
        rows.append((f"image {name}: {status}, faces {faces.count if faces else 0}", f"{med:.1f} ms",
                     f"<= {target:.0f} ms" if target else "", _verdict(med <= target) if target else "info"))
        rows.append(("image the same, lowest / highest round median", f"{low:.1f} / {high:.1f} ms", "", ""))
    return rows


def _png_bomb(width: int, height: int) -> bytes:
    """A real decompression bomb: a valid greyscale PNG of width x height zero pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (width + 1)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


Scored = list[tuple["sets.ImageSample", int, float]]


def _face_scores(detect: Callable[[str, bytes], Any], samples: list[sets.ImageSample]) -> Scored:
    from gate.inspect import sniff

    out = []
    for sample in samples:
        result = detect(sniff(None, sample.data).format, sample.data)
        out.append((sample, result.count, result.score))
    return out


def _pr(scored: Scored, min_score: float = 0.0) -> tuple[float, float, int, int, int]:
    tp = sum(1 for s, n, sc in scored if s.faces and n and sc >= min_score)
    fp = sum(1 for s, n, sc in scored if not s.faces and n and sc >= min_score)
    pos = sum(1 for s, _, _ in scored if s.faces)
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / pos, tp, fp, pos


def bench_faces(quick: bool) -> list[Row]:
    from gate.inspect import FaceConfig, FaceDetector

    samples = sets.face_set()
    pos = sum(1 for s in samples if s.faces)
    rows: list[Row] = [(f"faces labelled set: {len(samples)} images, {pos} with a face (103 people), "
                        f"{len(samples) - pos} without", "", "", "")]
    configs = [("shipped: LBP (scikit-image), 480 px, scale 1.2, 3 neighbours", FaceConfig())]
    if not quick:
        configs += [
            ("LBP, 480 px, scale 1.1", FaceConfig(scale_factor=1.1)),
            ("LBP, 480 px, 5 neighbours", FaceConfig(min_neighbors=5)),
            ("LBP, 320 px", FaceConfig(working_side=320)),
            ("Haar alt (cv2.data), 320 px: the fallback", FaceConfig(model="haar")),
            ("Haar alt (cv2.data), 480 px", FaceConfig(model="haar", working_side=480)),
        ]
    shipped: list[tuple[sets.ImageSample, int, float]] = []
    for name, config in configs:
        detector = FaceDetector(config)
        start = time.perf_counter()
        scored = _face_scores(detector.detect, samples)
        per_image = (time.perf_counter() - start) / len(samples) * 1000
        precision, recall, tp, fp, _ = _pr(scored)
        rows.append((f"faces {name}: precision / recall (tp {tp}, fp {fp}); {per_image:.1f} ms per image",
                     f"{precision:.3f} / {recall:.3f}", "", "info"))
        if not shipped:
            shipped = scored
    for threshold in (0.25, 0.35):
        precision, recall, tp, fp, _ = _pr(shipped, threshold)
        rows.append((f"faces shipped, counting only faces with score >= {threshold}",
                     f"{precision:.3f} / {recall:.3f}", "", ""))
    groups: dict[str, list[tuple[sets.ImageSample, int, float]]] = {}
    for item in shipped:
        key = item[0].group
        if item[0].face_px:
            key += f", face {32 * (item[0].face_px // 32)}-{32 * (item[0].face_px // 32) + 31} px"
        groups.setdefault(key, []).append(item)
    for key in sorted(groups):
        items = groups[key]
        hits = sum(1 for _, n, _ in items if n)
        what = "found" if items[0][0].faces else "false alarms"
        rows.append((f"faces   {key}: {what}", f"{hits} of {len(items)}", "", ""))
    return rows


def bench_personal() -> list[Row]:
    from gate.inspect import PersonalConfig, find_personal

    samples = sets.personal_set()
    totals: dict[str, list[int]] = {}
    for sample in samples:
        result = find_personal(sample.text, is_html=sample.html, config=PersonalConfig(phone_regions=sample.regions))
        for kind in set(sample.expected) | set(result.counts):
            want, got = sample.expected.get(kind, 0), result.counts.get(kind, 0)
            tp_fp_fn = totals.setdefault(kind, [0, 0, 0])
            tp_fp_fn[0] += min(want, got)
            tp_fp_fn[1] += max(0, got - want)
            tp_fp_fn[2] += max(0, want - got)
    near = sum(1 for s in samples if not s.expected)
    what = f"personal labelled snippets: {len(samples)}, of which {near} near misses (expect nothing)"
    rows: list[Row] = [(what, "", "", "")]
    all_tp = all_fp = all_fn = 0
    for kind in ("email", "phone", "iban", "national_id", "person_name"):
        tp, fp, fn = totals.get(kind, [0, 0, 0])
        all_tp, all_fp, all_fn = all_tp + tp, all_fp + fp, all_fn + fn
        rows.append((f"personal {kind}: precision / recall (tp {tp}, fp {fp}, fn {fn})",
                     f"{tp / (tp + fp) if tp + fp else 1:.3f} / {tp / (tp + fn) if tp + fn else 1:.3f}", "", "info"))
    rows.append((f"personal all kinds (tp {all_tp}, fp {all_fp}, fn {all_fn})",
                 f"{all_tp / (all_tp + all_fp):.3f} / {all_tp / (all_tp + all_fn):.3f}", "", "info"))
    return rows


def bench_sampler(n: int) -> list[Row]:
    from gate.inspect import Sampler

    sampler = Sampler()
    sites = [f"site{i}.example" for i in range(1000)]
    start = time.perf_counter()
    inspected = 0
    for i in range(n):
        site = sites[i % len(sites)]
        if sampler.should_inspect("job", site):
            inspected += 1
            sampler.record("job", site, "clean")
    per_call = (time.perf_counter() - start) / n * 1e6
    return [(f"sampler should_inspect (+ record when chosen), {n} responses over 1,000 sites; {inspected} inspected",
             f"{per_call:.2f} us", "", "info")]


SECTIONS = ("html", "image", "faces", "personal", "sampler")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, one face configuration")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections, e.g. html,image")
    parser.add_argument("--pin-core", action="store_true",
                        help="pin the process to one CPU (on a shared machine a busy core makes this slower)")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    rounds, per_round = (3, 20) if args.quick else (7, 60)
    rows: list[Row] = []
    if "html" in wanted:
        rows += bench_html(rounds, per_round * 2)
    if "personal" in wanted:
        rows += bench_personal()
    if "sampler" in wanted:
        rows += bench_sampler(20_000 if args.quick else 200_000)
    if "faces" in wanted:
        rows += bench_faces(args.quick)
    if "image" in wanted:  # last: it pins the process to one core
        rows += bench_image(rounds, per_round // 3, args.pin_core)
    width = max(len(r[0]) for r in rows)
    for what, figure, target, verdict in rows:
        print(f"{what:<{width}}  {figure:>22}  {target:>9}  {verdict}")
    return 1 if any(r[3] == "MISSED" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
