"""What the response phase costs per response (issue 19, point 6), and the PNG question.

    python benchmarks/response_bench.py            # about a minute
    python benchmarks/response_bench.py --quick

phase     Gate.inspect(decision, ResponseFacts) with the shipped policies (embedded engine),
          live signals against a local server (robots.txt cached), no ledger: a 100 KB page
          with nothing to find (classifiers only), a 100 KB article whose person-name markers
          the job declares (classifiers + a policy evaluation), the same once the (job, site)
          is trusted and sampled out, a 100 KB shop page with declared findings (ditto),
          a 1-megapixel JPEG and PNG with a face (ditto), and a page with
          X-Robots-Tag: noai for an AI-training job (opt-out parse + evaluation)
png       decoding a 1-megapixel PNG with IMREAD_GRAYSCALE and IMREAD_REDUCED_GRAYSCALE_2, and
          the detector's cost and recall on the labelled set's PNG images at smaller working
          sizes (what a PNG-only working size would trade)

Each figure is reported as wall-clock and as CPU time of this process (time.process_time):
on a shared machine the CPU figure is the one that does not count other processes' turns.
Medians over rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import inspect_sets as sets  # noqa: E402

Row = tuple[str, str, str]


def _median_ms(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of n calls, after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def _robots_server() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _job(name: str, purpose: str, categories: list[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operator": {"name": "Bench", "establishment": "DE", "markets": ["EU"]}, "purpose": {"category": purpose},
        "user_agent": "BenchBot/1.0", "data_categories": categories, "data_subjects": {"jurisdictions": ["EU"]},
        "targeting": "targeted", "retention_days": 30, "identifies_persons": False,
        "legal_basis": {"gdpr_art6": "legitimate_interests", "gdpr_art9": None, "consent": {"kind": "none"},
                        "assessments": {"lia": "LIA-1", "dpia": None}}}
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": name}, "spec": spec}


def bench_phase(n: int) -> list[Row]:
    import cv2
    import numpy as np

    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine
    from gate.inspect import SamplingPolicy
    from gate.model.response import ResponseFacts

    server, base = _robots_server()
    engine = EmbeddedEngine()
    jpeg = sets.one_megapixel_jpeg()
    png = cv2.imencode(".png", cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))[1].tobytes()
    html = [("Content-Type", "text/html; charset=utf-8")]
    article = sets.article_page().encode()
    shop = sets.shop_page().encode()
    rows: list[Row] = []
    try:
        declared = Gate(_job("declared", "market_research", ["personal", "facial_images"]), engine=engine, ledger=False,
                        sampling=SamplingPolicy(trust_after=10**9))  # never trusted: every response inspected
        sampled = Gate(_job("sampled", "market_research", ["personal", "facial_images"]), engine=engine,
                       ledger=False, sampling=SamplingPolicy(trust_after=1, one_in=10))
        training = Gate(_job("training", "ai_training", ["non_personal"]), engine=engine, ledger=False)
        clean = b"<html><body>" + b"<p>" + b"lorem ipsum dolor sit amet consectetur " * 25 + b"</p>"
        clean = clean * 100 + b"</body></html>"
        cases = [
            ("100 KB page with nothing to find (classifiers only)", declared, "/clean", html, clean),
            ("100 KB article, 3 person-name markers, declared (classifiers + policy)", declared, "/article", html,
             article),
            ("100 KB article, (job, site) trusted: 9 in 10 sampled out", sampled, "/article", html, article),
            ("100 KB shop page, declared findings (classifiers + policy)", declared, "/shop", html, shop),
            ("1-megapixel JPEG with a face (classifier + policy)", declared, "/a.jpg",
             [("Content-Type", "image/jpeg")], jpeg),
            ("1-megapixel PNG with a face (classifier + policy)", declared, "/a.png",
             [("Content-Type", "image/png")], png),
            ("small page with X-Robots-Tag: noai, AI-training job (opt-outs + policy)", training, "/noai",
             [*html, ("X-Robots-Tag", "noai")], b"<p>essay</p>"),
        ]
        for name, gate, path, headers, body in cases:
            url = base + path
            decision = gate.check(url)
            facts = ResponseFacts.of(url, 200, headers, body)
            if gate is training:  # the origin's reservation is remembered: keep measuring the response itself
                def once(gate: Any = gate, decision: Any = decision, facts: Any = facts) -> None:
                    gate.memory._reserved.clear()
                    gate.inspect(decision, facts)
                fn: Callable[[], Any] = once
            else:
                fn = lambda gate=gate, decision=decision, facts=facts: gate.inspect(decision, facts)  # noqa: E731
            wall, cpu = _median_ms(fn, n)
            rows.append((f"phase {name}", f"{wall:.2f} ms", f"{cpu:.2f} ms"))
        check_wall, check_cpu = _median_ms(lambda: declared.check(base + "/article"), n)
        rows.append(("phase for scale: Gate.check of a cached decision", f"{check_wall:.3f} ms", f"{check_cpu:.3f} ms"))
        for gate in (declared, sampled, training):
            gate.close()
    finally:
        engine.close()
        server.shutdown()
    return rows


def bench_png(n: int, quick: bool) -> list[Row]:
    import cv2
    import numpy as np

    from gate.inspect import FaceConfig, FaceDetector

    jpeg = sets.one_megapixel_jpeg()
    png = cv2.imencode(".png", cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))[1].tobytes()
    buf = np.frombuffer(png, np.uint8)
    rows: list[Row] = []
    for flag_name in ("IMREAD_GRAYSCALE", "IMREAD_REDUCED_GRAYSCALE_2"):
        flag = getattr(cv2, flag_name)
        shape = cv2.imdecode(buf, flag).shape
        wall, cpu = _median_ms(lambda flag=flag: cv2.imdecode(buf, flag), n)
        rows.append((f"png decode 1-megapixel PNG with {flag_name} -> {shape[1]}x{shape[0]}",
                     f"{wall:.1f} ms", f"{cpu:.1f} ms"))
    pngs = [s for s in sets.face_set() if s.data[:4] == b"\x89PNG"]
    with_face = sum(1 for s in pngs if s.faces)
    sides = (480, 400, 320) if not quick else (480, 320)
    for side in sides:
        detector = FaceDetector(FaceConfig(working_side=side))
        wall, cpu = _median_ms(lambda d=detector: d.detect("png", png), n)
        found = sum(1 for s in pngs if s.faces and detector.detect("png", s.data).count)
        false = sum(1 for s in pngs if not s.faces and detector.detect("png", s.data).count)
        rows.append((f"png detector at {side} px: 1-MP PNG cost; labelled PNGs ({len(pngs)}, {with_face} with a face) "
                     f"found {found}, false alarms {false}", f"{wall:.1f} ms", f"{cpu:.1f} ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="phase,png")
    args = parser.parse_args(argv)
    n = 7 if args.quick else 25
    import os

    rows: list[Row] = [(f"load average {os.getloadavg()[0]:.1f} at start", "wall", "CPU")]
    if "phase" in args.only:
        rows += bench_phase(n)
    if "png" in args.only:
        rows += bench_png(n, args.quick)
    width = max(len(r[0]) for r in rows)
    for name, wall, cpu in rows:
        print(f"{name:<{width}}  {wall:>10}  {cpu:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
