"""CPU per request of the Scrapy middleware's hot path, in process (issue 21.6): the hooks a
crawled page goes through (process_request, response_downloaded, process_response) called
directly on real Scrapy Request and HtmlResponse objects, with a warm gate (robots.txt of a
local site cached), no network and no reactor turn. Median of rounds of CPU time.

    python benchmarks/middleware_bench.py [--requests 3000] [--rounds 5] [--ledger none|batched]
    python benchmarks/middleware_bench.py --profile     # cProfile of the hot path, top functions
    python benchmarks/middleware_bench.py --baseline    # building the Request and Response alone
    python benchmarks/middleware_bench.py --inspect     # the classifiers on 2-32 KiB HTML pages

The default writer is left out: its requests wait for the reactor turn's group commit, which
needs a running reactor (benchmarks/crawl_cost.py measures it in a real crawl).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_common import price_job  # noqa: E402
from scrapy_bench import GATE_MIDDLEWARES, _serve  # noqa: E402

__all__ = ["hot_path_us"]


def _middleware(base: str, tmp: Path, ledger: str) -> Any:
    from scrapy.utils.test import get_crawler

    from gate.adapters.scrapy import ScrapegateMiddleware

    job = tmp / "job.yaml"
    job.write_text(yaml.safe_dump(price_job("bench-crawl", [base + "/p/0"])))
    os.environ.pop("SCRAPEGATE_LEDGER", None)
    os.environ.pop("SCRAPEGATE_LEDGER_WRITER", None)
    if ledger == "batched":
        os.environ["SCRAPEGATE_LEDGER_WRITER"] = "batched"
    settings = {**GATE_MIDDLEWARES, "SCRAPEGATE_JOB": str(job),
                "SCRAPEGATE_LEDGER": False if ledger == "none" else str(tmp / "ledger.db")}
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    mw = ScrapegateMiddleware.from_crawler(crawler)
    mw.gate.check(base + "/p/0")  # robots.txt fetched and cached, the decision cached
    return mw


def _one(mw: Any, base: str, i: int) -> None:
    from scrapy.http import HtmlResponse, Request

    request = Request(f"{base}/p/{i}")
    if mw is None:  # --baseline: what building the Request and the Response costs alone
        HtmlResponse(request.url, status=200, body=_body(i), request=request, headers={"Content-Type": "text/html"})
        return
    assert mw.process_request(request) is None  # a cached decision: no coroutine
    response = HtmlResponse(request.url, status=200, body=_body(i), request=request,
                            headers={"Content-Type": "text/html"})
    mw.response_downloaded(response, request)
    out = mw.process_response(request, response)
    if out is not response:  # a sampled response: the classifiers, in a thread on a crawl
        out.close()
        from gate.enforce.admit import inspect_hop
        from gate.model.response import ResponseFacts

        inspect_hop(mw.gate, request.meta["scrapegate_decision"],
                    ResponseFacts.of(response.url, response.status, response.headers, response.body))


def _body(i: int) -> bytes:
    return (f'<html><body><a href="/p/{i * 5 + 1}">page</a>' + "x" * 2000 + "</body></html>").encode()


def hot_path_us(requests: int, rounds: int, ledger: str, profile: bool = False, baseline: bool = False) -> list[float]:
    server, base = _serve(requests * 2)
    out: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            mw = _middleware(base, Path(tmp), ledger)
            for i in range(1, 200):  # the sampler's trust: every response inspected until then
                _one(mw, base, i)
            prof = cProfile.Profile() if profile else None
            for r in range(rounds):
                start = time.process_time()
                if prof is not None:
                    prof.enable()
                for i in range(requests):
                    _one(None if baseline else mw, base, 200 + r * requests + i)
                if prof is not None:
                    prof.disable()
                out.append((time.process_time() - start) / requests * 1e6)
            mw.gate.close()
            if prof is not None:
                pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    finally:
        server.shutdown()  # type: ignore[attr-defined]
    return out


def inspect_costs_us(rounds: int) -> dict[int, float]:
    """CPU of the content classifiers on an HTML page of 2, 8, 16 and 32 KiB of prose (what
    the response phase runs inline on a sampled response up to NOWAIT_INSPECT_MAX)."""
    import random

    from gate.inspect.content import ContentInspector

    inspector, rng = ContentInspector(), random.Random(7)
    words = ("the price of this product is 12.99 EUR contact the shop for details about shipping "
             "returns and delivery times in your region").split()
    out: dict[int, float] = {}
    for kib in (2, 8, 16, 32):
        text = " ".join(rng.choice(words) for _ in range(kib * 1024 // 5))
        body = f"<html><body><p>{text}</p></body></html>".encode()[:kib * 1024]
        times = []
        for _ in range(rounds):
            start = time.process_time()
            for _ in range(40):
                inspector.inspect(body, "text/html", complete=True, phone_regions=("DE",))
            times.append((time.process_time() - start) / 40 * 1e6)
        out[kib] = statistics.median(times)
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ledger", choices=("none", "batched"), default="none")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--baseline", action="store_true", help="only build the Request and Response objects")
    parser.add_argument("--inspect", action="store_true", help="CPU of the classifiers on 2-32 KiB HTML pages")
    args = parser.parse_args(argv)
    if args.inspect:
        for kib, us in inspect_costs_us(args.rounds).items():
            print(f"content classifiers, {kib:2d} KiB HTML page: {us:.0f} us CPU (median of {args.rounds})")
        return
    got = hot_path_us(args.requests, args.rounds, args.ledger, args.profile, args.baseline)
    what = "baseline (Request + Response only)" if args.baseline else f"middleware hot path, ledger {args.ledger}"
    print(f"{what}: {statistics.median(got):.0f} us CPU per request "
          f"(median of {args.rounds}; rounds " + ", ".join(f"{v:.0f}" for v in got) + ")")


if __name__ == "__main__":
    main(sys.argv[1:])
