"""scrapegate report"""

from __future__ import annotations

import datetime as dt
from typing import IO

import click

from gate.cli.options import BadInput, OutputFile, cli_errors, writing
from gate.errors import LedgerError

__all__ = ["report"]


@click.command()
@click.option("--ledger", "ledger_path", metavar="PATH|URL",
              type=click.Path(dir_okay=False),
              help="Ledger file, or a postgresql:// URL (env SCRAPEGATE_LEDGER; default ./.scrapegate/ledger.db).")
@click.option("-o", "--output", required=True, type=OutputFile(encoding="utf-8"), metavar="FILE",
              help="The HTML file to write.")
@click.option("--waivers", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="A waivers file: list its waivers and when they expire.")
def report(ledger_path: str | None, output: IO[str], waivers: str | None) -> None:
    """Write one self-contained HTML file about a ledger: decisions per day by code and by
    site (charts; per week or month over a long span), the top denial reasons with their
    laws, the waivers and their expiry, and the quarantined URLs. No network, no script or
    style from elsewhere: open it anywhere, attach it to a ticket.

    \b
    Exit codes: 0 written, 2 the ledger is missing, corrupt or not a ledger, or a bad
    flag or --output, 3 writing the report failed (or an internal failure).

    \b
    Example:
      scrapegate report --ledger .scrapegate/ledger.db -o report.html
      scrapegate report -o report.html --waivers waivers.yaml
    """
    from gate.engines.policy_set import shipped_policies_dir
    from gate.engines.waivers import WAIVERS_DATA_KEY, load_waivers
    from gate.ledger import ledger_location
    from gate.ledger.query import quarantine, rows
    from gate.policy.docs import rule_catalogue
    from gate.report.html import render_report

    with cli_errors():
        try:
            where = ledger_location(ledger_path)
            decisions = list(rows(where))
            held = quarantine(where)
        # SCRAPEGATE_LEDGER=off, a missing, corrupt or foreign ledger: a bad argument, as `ledger` says
        except LedgerError as exc:
            raise BadInput(str(exc)) from exc
        laws = {code: doc.law for code, doc in rule_catalogue([shipped_policies_dir()]).items()}
        granted = load_waivers(waivers)["scrapegate"][WAIVERS_DATA_KEY] if waivers else []
        today = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
        text = render_report(decisions, laws=laws, waivers=granted, source=where, today=today,
                             quarantine=held)
        with writing(output):
            output.write(text)
    click.echo(f"wrote {output.name} ({len(decisions)} decision(s))", err=True)
