"""Shared pieces of the benchmarks: jobs, robots.txt files and an in-memory robots fetcher
(the warm-path figures exclude the network by design: a warm gate never touches it)."""

from __future__ import annotations

import hashlib
import statistics
import time
from typing import Any, Callable, Iterable

from gate.model.url import NormalizedURL, normalize
from gate.signals.robots import parse
from gate.signals.robots_fetch import RobotsFetcher, RobotsResult

__all__ = ["price_job", "robots_for", "MemoryRobotsFetcher", "per_call_median_us", "interleaved_medians_us",
           "USER_AGENT"]

USER_AGENT = "ExamplePriceBot/2.1 (+https://example.com/pricebot)"


def price_job(name: str = "bench-prices", targets: Iterable[str] = ("https://shop.example.com/",)) -> dict[str, Any]:
    return {
        "apiVersion": "scrapegate/v1", "kind": "CollectionJob",
        "metadata": {"name": name, "owner": "bench@example.com"},
        "spec": {
            "operator": {"name": "Example Corp", "establishment": "DE", "markets": ["EU"]},
            "purpose": {"category": "price_monitoring"},
            "user_agent": USER_AGENT,
            "data_categories": ["non_personal"],
            "data_subjects": {"jurisdictions": ["EU"]},
            "targeting": "targeted",
            "retention_days": 365,
            "targets": list(targets),
        },
    }


def robots_for(i: int) -> str:
    """A 50-rule robots.txt, a little different per host: 40 rules for `*` and 10 for the
    benchmark's agent (prefix, wildcard and `$` rules, like a large shop's file)."""
    lines = ["User-agent: *"]
    for r in range(40):
        kind = (r + i) % 5
        if kind == 0:
            lines.append(f"Disallow: /section{r}/*.pdf$")
        elif kind == 1:
            lines.append(f"Allow: /section{r}/public/")
        elif kind == 2:
            lines.append(f"Disallow: /*?*session{r}=")
        else:
            lines.append(f"Disallow: /section{r}/")
    lines += ["", "User-agent: examplepricebot", f"Disallow: /cart{i % 7}/", "Disallow: /checkout/",
              "Disallow: /internal/", "Allow: /internal/prices/", "Disallow: /*?print=1", "Disallow: /wishlist/",
              "Disallow: /*.json$", "Disallow: /search", "Allow: /search/help", "Disallow: /account/"]
    if i % 10 == 0:
        lines.append("Crawl-delay: 1")
    return "\n".join(lines) + "\n"


class MemoryRobotsFetcher(RobotsFetcher):
    """Answers from a dict of origin -> robots.txt text, as a 200 would."""

    def __init__(self, files: dict[str, str]) -> None:
        super().__init__()
        self.files = files

    def fetch(self, url: str | NormalizedURL, user_agent: str) -> RobotsResult:
        origin = (url if isinstance(url, NormalizedURL) else normalize(url)).origin
        text = self.files.get(origin)
        if text is None:
            return RobotsResult("unavailable", None, time.time(), http_status=404, origin=origin)
        body = text.encode()
        return RobotsResult("ok", parse(body), time.time(), http_status=200, origin=origin,
                            sha256=hashlib.sha256(body).hexdigest(), size=len(body), text=text)


def interleaved_medians_us(fns: list[tuple[Callable[[Any], Any], list[Any]]], batch: int = 1000) -> list[float]:
    """Per-call medians of several loops run batch by batch in turn, so that a change of
    machine load between loops cannot skew their ratio."""
    means: list[list[float]] = [[] for _ in fns]
    n = min(len(items) for _, items in fns)
    for start in range(0, n, batch):
        for k, (fn, items) in enumerate(fns):
            chunk = items[start:start + batch]
            t0 = time.perf_counter()
            for item in chunk:
                fn(item)
            means[k].append((time.perf_counter() - t0) / len(chunk) * 1e6)
    return [statistics.median(m) for m in means]


def per_call_median_us(fn: Callable[[Any], Any], items: list[Any], batch: int = 1000) -> float:
    """Median over batches of the mean cost per call: robust to a stray GC pause."""
    means = []
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        t0 = time.perf_counter()
        for item in chunk:
            fn(item)
        means.append((time.perf_counter() - t0) / len(chunk) * 1e6)
    return statistics.median(means)
