"""scrapegate ledger: verify, show, export, stats, erase-plan, quarantine."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TextIO

import click

from gate.cli.options import BadInput, OutputFile, format_option, writing
from gate.errors import GateError
from gate.report import formats, get_formatter

__all__ = ["ledger"]

EXIT_BROKEN = 1


@contextmanager
def _ledger_errors() -> Iterator[None]:
    """A missing, corrupt or foreign ledger, or a bad filter value: exit 2 with the message."""
    try:
        yield
    except (GateError, ValueError) as exc:
        raise BadInput(str(exc)) from exc


def _ledger_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--ledger", "ledger_path", metavar="PATH|URL",
        type=click.Path(dir_okay=False),
        help="Ledger file, or a postgresql:// URL (env SCRAPEGATE_LEDGER; default ./.scrapegate/ledger.db).")(fn)


def _filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--collected", is_flag=True, help="Only decisions whose URL was fetched.")(fn)
    fn = click.option("--denied", is_flag=True, help="Only denied decisions.")(fn)
    fn = click.option("--jurisdiction", metavar="CODE",
                      help="Decisions that may concern people in CODE (FR, US-IL, EU): rows naming it, "
                           "its country or subdivisions, EU for EEA states, and '*' (worldwide).")(fn)
    fn = click.option("--site", metavar="DOMAIN", help="Only this registrable domain (a host or URL is "
                      "widened to its site).")(fn)
    fn = click.option("--job", metavar="NAME", help="Only this job.")(fn)
    fn = click.option("--since", metavar="TIME", help="Only decisions at or after this ISO date/time "
                      "(UTC unless it has an offset).")(fn)
    return fn


def _filters(**kw: Any) -> Any:
    from gate.ledger.query import Filters

    return Filters(since=kw.get("since"), job=kw.get("job"), site=kw.get("site"),
                   jurisdiction=kw.get("jurisdiction"), denied=bool(kw.get("denied")),
                   collected=bool(kw.get("collected")))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def ledger() -> None:
    """Verify, query and export the decision ledger.

    Every decision the gate makes is a row of a hash-chained ledger (an SQLite file, or a
    PostgreSQL database shared by many nodes), and every fetch an adapter reports is a row
    of a second chain bound to its decision.

    \b
    Exit codes: 0 done (verify: the chains are intact), 1 verify found a broken row,
    2 the ledger is missing, corrupt or not a ledger, or a flag is wrong (an --output that
    cannot be opened), 3 writing the output failed.

    \b
    Example:
      scrapegate ledger verify
      scrapegate ledger show --site facebook.com --denied
      scrapegate ledger erase-plan --jurisdiction FR --format jsonl > erase-fr.jsonl
    """


@ledger.command()
@_ledger_option
@click.option("--anchor", "anchors", multiple=True, metavar="HASH",
              help="A head printed by an earlier verify and kept elsewhere: it must still be in the "
                   "ledger (detects rows cut from the end). Repeatable.")
@click.option("--checkpoints", "checkpoints", type=click.Path(dir_okay=False), metavar="FILE", multiple=True,
              help="The signed checkpoints (env SCRAPEGATE_LEDGER_CHECKPOINTS; default beside the ledger "
                   "file, or in the state directory for PostgreSQL). Repeatable: one file per node of a "
                   "shared PostgreSQL ledger.")
@format_option(formats("ledger-verify"))
def verify(ledger_path: str | None, anchors: tuple[str, ...], checkpoints: tuple[str, ...], fmt: str) -> None:
    """Recompute both hash chains and name the first broken row of each.

    A row edited, deleted or inserted by hand breaks the chain at that row (or the row
    after it). Rows cut from the end, all rows deleted, or a chain rebuilt after an edit
    leave a valid chain: with a key configured (SCRAPEGATE_LEDGER_KEY or
    SCRAPEGATE_LEDGER_KEY_FILE) the writers sign checkpoints of the heads into a file apart
    from the ledger, and verify checks the ledger against every one of them. It also names
    decisions a batched writer acknowledged and then died before committing. Without a key,
    keep the printed heads somewhere else and pass them back with --anchor.

    \b
    Example:
      scrapegate ledger verify --ledger /var/lib/scrapegate/ledger.db
      scrapegate ledger verify --anchor 9531d6c1019c12751c027a2816887e90666f1d82ee518cca206104baae483533
    """
    from gate.ledger.query import unchecked_checkpoints
    from gate.ledger.query import verify as verify_ledger

    with _ledger_errors():
        report = verify_ledger(ledger_path, anchors, checkpoints)
        unread = unchecked_checkpoints(ledger_path, checkpoints)
    get_formatter(fmt, "ledger-verify").write(report, sys.stdout)
    for path in unread:  # an OK that did not look at them must say so
        click.echo(f"note: the signed checkpoints in {path} were not checked: no key is configured "
                   "(SCRAPEGATE_LEDGER_KEY or SCRAPEGATE_LEDGER_KEY_FILE)", err=True)
    if not report.ok:
        sys.exit(EXIT_BROKEN)


@ledger.command()
@_ledger_option
@_filter_options
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Only the last N matching decisions.")
def show(ledger_path: str | None, limit: int | None, **filters: Any) -> None:
    """Print matching decisions as a table, oldest first.

    \b
    Example:
      scrapegate ledger show --job face-index --since 2026-11-01
      scrapegate ledger show --denied --limit 20
    """
    from gate.ledger.query import rows

    with _ledger_errors():
        records = list(rows(ledger_path, _filters(**filters), limit=limit))
    get_formatter("text", "ledger-show").write(records, sys.stdout)
    click.echo(f"{len(records)} decision(s)", err=True)


@ledger.command()
@_ledger_option
@_filter_options
@format_option(formats("ledger-export"), default="jsonl")
@click.option("-o", "--output", type=OutputFile(encoding="utf-8"), default="-",
              help="Write here (default stdout).")
def export(ledger_path: str | None, fmt: str, output: TextIO, **filters: Any) -> None:
    """Export matching decisions, with their collection and chain hashes.

    JSONL keeps lists and objects as JSON; CSV joins lists with ';' and writes objects
    as JSON text.

    \b
    Example:
      scrapegate ledger export --format csv -o decisions.csv
      scrapegate ledger export --site example.org --since 2026-11-26T00:00:00Z
    """
    from gate.ledger.query import EXPORT_FIELDS, rows

    with _ledger_errors(), writing(output):
        get_formatter(fmt, "ledger-export", fields=EXPORT_FIELDS).write(rows(ledger_path, _filters(**filters)), output)


@ledger.command()
@_ledger_option
@_filter_options
@format_option(formats("ledger-stats"))
def stats(ledger_path: str | None, fmt: str, **filters: Any) -> None:
    """Count allowed, denied and collected decisions, by code and by site.

    \b
    Example:
      scrapegate ledger stats --job face-index
      scrapegate ledger stats --jurisdiction FR --format json
    """
    from gate.ledger.query import stats as ledger_stats

    with _ledger_errors():
        counts = ledger_stats(ledger_path, _filters(**filters))
    get_formatter(fmt, "ledger-stats").write(counts, sys.stdout)


@ledger.command("erase-plan")
@_ledger_option
@click.option("--site", metavar="DOMAIN", help="Everything collected from this site.")
@click.option("--jurisdiction", metavar="CODE",
              help="Everything collected that may concern people in CODE ('*' rows included).")
@click.option("--job", metavar="NAME", help="Everything this job collected.")
@click.option("--since", metavar="TIME", help="Only decisions at or after this ISO date/time.")
@format_option(formats("ledger-erase-plan"))
@click.option("-o", "--output", type=OutputFile(encoding="utf-8"), default="-",
              help="Write here (default stdout).")
def erase_plan(ledger_path: str | None, site: str | None, jurisdiction: str | None, job: str | None,
               since: str | None, fmt: str, output: TextIO) -> None:
    """List every collected URL to delete, with its decision id and content hashes.

    For an erasure order or a data subject's request: scope by site, jurisdiction or job
    (combined with AND). Only fetched URLs are listed; denied-and-not-fetched ones held no
    data. URLs show query values masked, as the ledger stores them; the content sha256
    identifies the stored copy.

    \b
    Example:
      scrapegate ledger erase-plan --jurisdiction FR
      scrapegate ledger erase-plan --site facebook.com --job face-index --format jsonl
    """
    from gate.ledger.query import erase_plan as plan_erasure

    if not (site or jurisdiction or job):
        raise BadInput("erase-plan needs a scope: --site, --jurisdiction and/or --job")
    with _ledger_errors():
        plan = plan_erasure(ledger_path, site=site, jurisdiction=jurisdiction, job=job, since=since)
    scope = ", ".join(f"{k}={v}" for k, v in (("site", site), ("jurisdiction", jurisdiction), ("job", job),
                                               ("since", since)) if v)
    with writing(output):
        get_formatter(fmt, "ledger-erase-plan", scope=scope).write(plan, output)


@ledger.command("quarantine")
@_ledger_option
@click.option("--job", metavar="NAME", help="Only this job.")
@click.option("--site", metavar="DOMAIN", help="Only this site (registrable domain).")
@click.option("--release", is_flag=True,
              help="Close the open entries of --job and --site (the data was deleted, or a waiver or a "
                   "corrected manifest cleared the site); needs --by and --reason.")
@click.option("--through", metavar="SEQ", type=click.IntRange(min=1),
              help="With --release: only the entries up to this SEQ (the last one reviewed); entries "
                   "the crawl quarantined after it stay open. Default: every open entry.")
@click.option("--by", metavar="WHO", help="Who releases (with --release).")
@click.option("--reason", metavar="TEXT", help="Why (with --release): the deletion ticket, the waiver.")
@format_option(formats("ledger-quarantine"))
def quarantine(ledger_path: str | None, job: str | None, site: str | None, release: bool, through: int | None,
               by: str | None, reason: str | None, fmt: str) -> None:
    """List the quarantined URLs: what must be deleted.

    The response phase quarantines a URL whose response held a data category the job did
    not declare (faces in a non_personal job, personal data where none was declared), and
    records a response it withheld for a reservation as discarded. HANDED_OVER says
    whether the caller got the body (audit mode, or a browser that had it): those copies
    must be deleted. `erase-plan` includes these URLs.

    \b
    Example:
      scrapegate ledger quarantine
      scrapegate ledger quarantine --job shop-prices --format jsonl
      scrapegate ledger quarantine --release --job shop-prices --site example.com \\
          --through 42 --by dpo@example.com --reason "deleted, ticket PRIV-12"
    """
    from gate.ledger.query import quarantine as open_entries
    from gate.ledger.sqlite.query import normalize_site

    if release:
        if not (job and site and by and reason):
            raise BadInput("--release needs --job, --site, --by and --reason")
        from gate.ledger import open_ledger

        with _ledger_errors(), open_ledger(ledger_path) as book:  # type: ignore[attr-defined]
            closed = book.release(job=job, site=normalize_site(site), by=by, reason=reason, through=through)
        click.echo(f"released {closed} entr{'y' if closed == 1 else 'ies'} of job {job} on {normalize_site(site)}")
        return
    if through is not None:
        raise BadInput("--through goes with --release")
    with _ledger_errors():
        entries = open_entries(ledger_path, job=job, site=site)
    get_formatter(fmt, "ledger-quarantine").write(entries, sys.stdout)


@ledger.command("migrate")
@_ledger_option
def migrate(ledger_path: str | None) -> None:
    """Upgrade the ledger's schema to the one this scrapegate writes.

    Readers (verify, show, export...) never alter a ledger: one written by an older
    scrapegate is refused until a writer opens it. This opens it as a writer and closes it.
    Every row keeps its hash: anchors and signed checkpoints taken before still hold.

    \b
    Example:
      scrapegate ledger migrate --ledger /var/lib/scrapegate/ledger.db
      scrapegate ledger migrate --ledger postgresql://ledger@db/crawls
    """
    from gate.ledger import open_ledger

    with _ledger_errors():
        open_ledger(ledger_path).close()
    click.echo(f"ledger {ledger_path or 'default'}: at the current schema")


@ledger.command("prune")
@_ledger_option
@click.option("--before", required=True, metavar="DATE",
              help="Drop decisions made before this ISO date/time (UTC unless it has an offset).")
@click.option("--dry-run", is_flag=True, help="Say what would go; change nothing (needs no key).")
def prune(ledger_path: str | None, before: str, dry_run: bool) -> None:
    """Drop old decisions; the chain stays verifiable through a signed prune record.

    A decision with a stored copy (a collection that kept bytes), one the quarantine
    names or whose job and site have open quarantine entries, and the last row of each
    chain are kept. The ledger must verify first; the prune is signed with the checkpoint
    key (SCRAPEGATE_LEDGER_KEY or SCRAPEGATE_LEDGER_KEY_FILE), which verify then needs.
    SQLite gives the space back on VACUUM.

    \b
    Example:
      scrapegate ledger prune --before 2026-01-01 --dry-run
      SCRAPEGATE_LEDGER_KEY_FILE=/etc/scrapegate/ledger.key scrapegate ledger prune --before 2026-01-01
    """
    from gate.ledger.prune import prune as run_prune

    with _ledger_errors():
        plan = run_prune(ledger_path, before, dry_run=dry_run)
    click.echo(("would remove " if dry_run else "removed ") + plan.summary())
