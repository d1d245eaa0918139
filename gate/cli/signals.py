"""scrapegate robots / scrapegate signals"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from gate.cli.options import Seconds, cli_errors, format_option, user_agent

__all__ = ["robots", "signals"]

DEFAULT_AGENT = "scrapegate"


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--agent", "-a", callback=user_agent, default=DEFAULT_AGENT, show_default=True,
              help="User agent (its product token picks the group).")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True, help="Seconds per fetch.")
@format_option(["text", "json"])
def robots(urls: tuple[str, ...], agent: str, timeout: float, fmt: str) -> None:
    """Fetch each URL's robots.txt (RFC 9309) and show the verdict for the URL.

    Prints the verdict, the rule that decided, the fetch status (ok, unavailable = 4xx
    and no restrictions, unreachable = 5xx/timeout and complete disallow) and the cache
    state. URLs of one origin share one fetch: the second shows a cache hit.

    \b
    Exit codes: 0 every URL allowed, 1 any disallowed, 2 bad URL or flag (an empty --agent).

    \b
    Example:
      scrapegate robots https://example.com/photos/1 --agent "ExampleBot/1.0"
      scrapegate robots https://example.com/a https://example.com/b -f json
    """
    from gate.model.url import normalize
    from gate.signals.robots_cache import RobotsCache
    from gate.signals.robots_fetch import RobotsFetcher

    rows: list[dict[str, Any]] = []
    with cli_errors(), RobotsCache(fetcher=RobotsFetcher(timeout=timeout)) as cache:
        for url in urls:
            nurl = normalize(url)
            lookup = cache.lookup(nurl, agent)
            result = lookup.result
            verdict = result.verdict(nurl, agent)
            rows.append({
                "url": nurl.url, "agent": agent, "allowed": verdict.allowed,
                "rule": verdict.rule.text if verdict.rule else None, "group": verdict.agent,
                "status": result.status, "http_status": result.http_status, "error": result.error,
                "robots_url": result.final_url, "redirects": result.redirects,
                "crawl_delay": result.robots.crawl_delay(agent) if result.robots else None,
                "cache": lookup.state, "expires_in_s": round(lookup.expires_in_s),
                "sha256": result.sha256,
            })
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        for r in rows:
            click.echo(f"{'ALLOWED   ' if r['allowed'] else 'DISALLOWED'} {r['url']}  (agent {r['agent']})")
            rule = r["rule"] or "no rule matched" if r["status"] == "ok" else f"none ({r['status']})"
            click.echo(f"  rule:   {rule}"
                       + (f"  [group {r['group']}]" if r["group"] else ""))
            fetched = f"HTTP {r['http_status']}" if r["http_status"] else (r["error"] or "no answer")
            click.echo(f"  fetch:  {r['status']} ({fetched}) from {r['robots_url']}"
                       + (f" after {r['redirects']} redirect(s)" if r["redirects"] else ""))
            if r["crawl_delay"]:
                click.echo(f"  crawl-delay: {r['crawl_delay']} s")
            click.echo(f"  cache:  {r['cache']} (expires in {r['expires_in_s']} s)")
    if not all(r["allowed"] for r in rows):
        sys.exit(1)


@click.command()
@click.argument("url")
@click.option("--agent", "-a", callback=user_agent, default=DEFAULT_AGENT, show_default=True,
              help="User agent sent and matched.")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True, help="Seconds per fetch.")
def signals(url: str, agent: str, timeout: float) -> None:
    """Gather every live signal for URL and print it as the policy input has it.

    robots.txt (verdict, rule, crawl-delay), machine-readable TDM/AI opt-outs (TDMRep
    /.well-known/tdmrep.json, robots.txt Content-Signal and Content-Usage), the site's own
    terms page as read (`scrapegate terms` shows it in full; off with
    SCRAPEGATE_TERMS_DISCOVERY=off) and the site as the terms registry keys it (registrable
    domain).

    \b
    Example:
      scrapegate signals https://news.example.fr/article/1 --agent "ExampleBot/1.0"
    """
    from gate.model.url import normalize
    from gate.signals.live import LiveSignals

    with cli_errors():
        nurl = normalize(url)
        source = LiveSignals(timeout=timeout, optout=True)
        try:
            gathered = source.gather(nurl, agent)
            cache = source.robots.cache_info()
        finally:
            source.close()
    doc = {"url": nurl.url, "site": nurl.site, "origin": nurl.origin, "agent": agent,
           "signals": gathered.signals, "documents_sha256": gathered.docs,
           "robots_cache": {"fetches": cache.fetches, "hits": cache.hits, "size": cache.size}}
    click.echo(json.dumps(doc, indent=2))
