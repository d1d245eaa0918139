"""scrapegate terms"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Any

import click

from gate.cli.options import Seconds, cli_errors, format_option, user_agent
from gate.report import formats, get_formatter

__all__ = ["terms"]

DEFAULT_AGENT = "scrapegate"


@click.command()
@click.argument("url")
@click.option("--agent", "-a", callback=user_agent, default=None,
              help=f"User agent sent and matched in robots.txt [default: the --job's, else {DEFAULT_AGENT}].")
@click.option("--job", "job_file", type=click.Path(dir_okay=False), default=None,
              help="A job manifest whose user_agent to use.")
@click.option("--refresh", is_flag=True, help="Read the terms again even when the stored read is fresh.")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True, help="Seconds per fetch.")
@format_option(formats("terms"))
def terms(url: str, agent: str | None, job_file: str | None, refresh: bool, timeout: float, fmt: str) -> None:
    """Find URL's site's terms page and show what it says about being collected.

    Discovery as the gate does it (issue 22): the home page's links (anchor text and path,
    in en, de, fr, es, it, nl, pt, pl, ja, zh), else a well-known path; at most two fetches,
    each gated by robots.txt for the agent. Shows the page found and how, its language,
    each clause that forbids automated collection, reserves text and data mining or
    permits it, with its confidence, and what changed since the last read. Reads are kept
    in $SCRAPEGATE_HOME/terms.db and reused for a day (what `check --live` and the adapters
    read too).

    \b
    Exit codes: 0 no clause forbids or reserves (or terms unknown, as the output says),
    1 a clause forbids collection or reserves TDM, 2 bad input.

    \b
    Example:
      scrapegate terms https://shop.example.de/ --agent "ExampleBot/1.0"
      scrapegate terms https://shop.example.de/ --job jobs/prices.yaml --refresh -f json
    """
    from gate.model.url import normalize
    from gate.signals.live import LiveSignals
    from gate.signals.terms import diff_records
    from gate.signals.terms_signal import TermsSignal

    with cli_errors():
        if job_file and not agent:
            from gate.model.manifest import load_job

            agent = load_job(job_file).spec.user_agent
        agent = agent or DEFAULT_AGENT
        nurl = normalize(url)
        source = LiveSignals(timeout=timeout, purpose="other", terms=True)
        try:
            signal = source.site_signal("terms")
            assert isinstance(signal, TermsSignal)
            before = signal.history(nurl.url, agent, 1)
            record = None if refresh else signal.cached_record(nurl.url, agent)
            if record is None:  # read now: the discovery fetches obey robots.txt
                robots = source.robots.lookup(nurl, agent).result
                record = signal.record(nurl.url, agent, robots, refresh=True)
            history = signal.history(nurl.url, agent, 3)
        finally:
            source.close()
    from_cache = bool(before) and before[0].read_at == record.read_at
    earlier = [r for r in history if r.read_at < record.read_at]
    previous = earlier[0] if earlier else None
    doc: dict[str, Any] = {
        "url": nurl.url, "site": record.site, "agent": agent, "status": record.status,
        "terms_url": record.url, "how_found": record.how_found, "anchor": record.anchor,
        "language": record.language, "sha256": record.sha256, "read_at": _stamp(record.text_read_at or record.read_at),
        "modified": record.modified, "fetches": 0 if from_cache else record.fetches, "tried": list(record.tried),
        "error": record.error, "from_cache": from_cache,
        "clauses": [{"label": c.label, "confidence": round(c.confidence, 3), "text": c.text, "lang": c.lang,
                     "cues": list(c.cues)} for c in record.clauses],
        "signal": record.as_signal(),
        "changed_since_last_read": None,
    }
    if previous is not None:
        change = diff_records(previous, record)
        doc["changed_since_last_read"] = {
            "previous_read_at": _stamp(previous.read_at), "previous_sha256": previous.sha256,
            "changed": change.changed, "url_changed": change.url_changed,
            "added": [_clause(c) for c in change.added], "removed": [_clause(c) for c in change.removed],
            "relabelled": [[_clause(a), _clause(b)] for a, b in change.relabelled],
        }
    get_formatter(fmt, kind="terms").write(doc, sys.stdout)
    if record.restrictive:
        sys.exit(1)


def _clause(clause: Any) -> dict[str, Any]:
    return {"label": clause.label, "confidence": round(clause.confidence, 3), "text": clause.text}


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
