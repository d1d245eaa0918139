"""The cost of a cached robots.txt check: `bench_allowed_us()` for benchmarks/run.py, or
run it alone:

    python benchmarks/robots_bench.py

Parses a 50-rule robots.txt once (prefix, wildcard and `$` rules, two groups), warms the
per-agent matcher and the URL cache, then times `Robots.allowed(url, user_agent)` over a
fixed mix of URLs (disallowed, allowed by a longer Allow, matched by nothing). The figure
is the median over rounds of the mean cost per call, in microseconds. Target: < 20 us.
"""

from __future__ import annotations

import random
import statistics
import time

from gate.signals.robots import Robots, parse

__all__ = ["bench_allowed_us", "robots_50_rules", "urls", "USER_AGENT", "TARGET_US"]

USER_AGENT = "ExampleBot/1.0 (+https://example.com/bot)"
TARGET_US = 20.0


def robots_50_rules() -> str:
    """A 50-rule file: 45 rules in the `*` group, 5 in ExampleBot's (which is the one used)."""
    lines = ["User-agent: *"]
    for i in range(45):
        if i % 5 == 0:
            lines.append(f"Disallow: /section{i}/*.pdf$")
        elif i % 5 == 1:
            lines.append(f"Allow: /section{i}/public/")
        elif i % 5 == 2:
            lines.append(f"Disallow: /*?*session{i}=")
        else:
            lines.append(f"Disallow: /section{i}/")
    lines += ["", "User-agent: ExampleBot", "Disallow: /private/", "Allow: /private/press/",
              "Disallow: /*.json$", "Disallow: /search?", "Crawl-delay: 2"]
    return "\n".join(lines) + "\n"


def urls(n: int = 1000, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    paths = ["/private/a", "/private/press/b", "/data/x.json", "/search?q=1", "/section3/x",
             "/section10/a/b.pdf", "/about", "/blog/2026/11/post?ref=feed"]
    return [f"https://www.example.com{rng.choice(paths)}{i % 50}" for i in range(n)]


def bench_allowed_us(rounds: int = 7, queries: int = 1000, robots: Robots | None = None) -> float:
    """Median cost in microseconds of a repeated `allowed()` call on the 50-rule file."""
    robots = robots or parse(robots_50_rules())
    batch = urls(queries)
    for url in batch:  # warm: compiled matcher, normalised URLs
        robots.allowed(url, USER_AGENT)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for url in batch:
            robots.allowed(url, USER_AGENT)
        timings.append((time.perf_counter() - started) / len(batch) * 1e6)
    return statistics.median(timings)


def main() -> None:
    text = robots_50_rules()
    started = time.perf_counter()
    robots = parse(text)
    parse_us = (time.perf_counter() - started) * 1e6
    figure = bench_allowed_us(robots=robots)
    print(f"robots.txt parse, 50 rules: {parse_us:.0f} us")
    print(f"cached allowed(), 50-rule file: {figure:.2f} us per call (target < {TARGET_US:g} us)")


if __name__ == "__main__":
    main()
