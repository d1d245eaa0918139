"""One crawler node of a scrapy-redis cluster gated by scrapegate (docs/distributed.md).

Start N of these, on one machine or many, against one Redis (the shared scheduler, robots.txt
and rate limits), one ledger (PostgreSQL, or a SQLite file per node) and one policy engine
(an OPA server, or the embedded engine in each node); seed the queue once:

    export SCRAPEGATE_REDIS=redis://redis.internal:6379/0 SCRAPEGATE_CLUSTER_NODES=4
    export SCRAPEGATE_LEDGER=postgresql://gate@db.internal/ledger  SCRAPEGATE_OPA_URL=http://opa.internal:8181
    python examples/distributed/node.py --job jobs/prices.yaml &      # x 4
    redis-cli -u "$SCRAPEGATE_REDIS" lpush gated:start_urls https://shop.example/

The Scrapy settings below are the whole recipe; every SCRAPEGATE_* value may come from the
environment instead (the environment wins, as everywhere in scrapegate).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any, Iterator
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from scrapy_redis.spiders import RedisSpider


class GatedSpider(RedisSpider):
    """Follows the links of each page within its host; the start URLs come from Redis."""

    name = "gated"
    redis_key = "gated:start_urls"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "GatedSpider":
        spider: GatedSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._idle_from_now, signal=signals.spider_opened)
        return spider

    def _idle_from_now(self) -> None:
        # scrapy-redis 0.9 counts MAX_IDLE_TIME_BEFORE_CLOSE from its import (a class
        # attribute): a node whose start-up took longer would close at once.
        self.spider_idle_start_time = int(time.time())

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield {"url": response.url, "status": response.status}
        host = urlsplit(response.url).netloc
        for link in LinkExtractor().extract_links(response):
            if urlsplit(link.url).netloc == host:
                yield response.follow(link.url, self.parse)


def node_settings(args: argparse.Namespace) -> dict[str, Any]:
    redis_url = args.redis or os.environ.get("SCRAPEGATE_REDIS") or "redis://127.0.0.1:6379/0"
    settings: dict[str, Any] = {
        # scrapy-redis: one request queue and one duplicate filter for every node.
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "MAX_IDLE_TIME_BEFORE_CLOSE": args.idle,  # 0: wait for work forever
        # scrapegate: the gate before every request, robots.txt and rate limits cluster-wide.
        "DOWNLOADER_MIDDLEWARES": {
            "gate.adapters.scrapy.ScrapegateMiddleware": 100,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        },
        "ROBOTSTXT_OBEY": False,
        # A crawl-delay admits one request per origin at a time across the cluster: more
        # concurrent requests per origin per node only wait for a slot (and must drain on close).
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_origin,
        # Requests a node has taken from the shared queue are its own until done (scrapy-redis
        # has no acknowledgement): a small number spreads the work and bounds what a dying node takes.
        "CONCURRENT_REQUESTS": args.concurrency,
        "SCRAPEGATE_JOB": args.job,
        "SCRAPEGATE_REDIS": redis_url,
        "SCRAPEGATE_CLUSTER_NODES": args.nodes,
        "SCRAPEGATE_LEDGER": args.ledger,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": args.log_level,
    }
    if args.policy:
        settings["SCRAPEGATE_POLICIES"] = args.policy
        settings["SCRAPEGATE_SHIPPED_POLICIES"] = not args.no_shipped
    if args.seconds:
        settings["CLOSESPIDER_TIMEOUT"] = args.seconds
    return settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--job", required=True, help="the job manifest (SCRAPEGATE_JOB)")
    parser.add_argument("--redis", help="Redis URL for the queue and scrapegate (default $SCRAPEGATE_REDIS)")
    parser.add_argument("--nodes", type=int, default=int(os.environ.get("SCRAPEGATE_CLUSTER_NODES", "1")),
                        help="how many nodes share the limits (SCRAPEGATE_CLUSTER_NODES)")
    parser.add_argument("--ledger", default="true",
                        help="ledger location (postgresql://... or a file), 'true' for $SCRAPEGATE_LEDGER, 'false'")
    parser.add_argument("--policy", action="append", help="a policy folder for the embedded engine (repeatable)")
    parser.add_argument("--no-shipped", action="store_true", help="only the --policy folders, not the shipped ones")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent requests on this node")
    parser.add_argument("--per-origin", type=int, default=2, help="concurrent requests per origin on this node")
    parser.add_argument("--idle", type=float, default=0, help="close after this many idle seconds (0: never)")
    parser.add_argument("--seconds", type=float, default=0, help="close after this many seconds (0: never)")
    parser.add_argument("--stats", help="write the crawl's stats here as JSON when it closes")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)

    process = CrawlerProcess(node_settings(args))
    crawler = process.create_crawler(GatedSpider)
    if args.stats:
        def dump() -> None:  # after every spider_closed handler has added its figures
            with open(args.stats, "w") as out:
                json.dump(crawler.stats.get_stats(), out, default=str)

        crawler.signals.connect(dump, signal=signals.engine_stopped)
    process.crawl(crawler)
    process.start()


if __name__ == "__main__":
    main()
