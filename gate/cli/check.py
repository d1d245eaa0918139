"""scrapegate check"""

from __future__ import annotations

import os
import sys
from functools import partial
from typing import Any

import click

from gate.cli.options import (
    InternalFailure,
    OutputFile,
    Seconds,
    cli_errors,
    engine_from_options,
    format_option,
    missing_decision_rule,
    policy_options,
    waivers_file,
    writing,
)
from gate.cli.progress import ProgressBar
from gate.report import formats

__all__ = ["check"]


@click.command()
@click.argument("manifests", nargs=-1, required=True, type=click.Path())
@policy_options
@format_option(formats("check"))
@click.option("--fail-on-warn", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--include-input", is_flag=True, help="Add each result's exact policy input to the output.")
@click.option("--live", is_flag=True, help="Fetch robots.txt and opt-out signals for every target (network).")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True,
              help="Seconds per signal fetch with --live.")
@click.option("-o", "--output", type=OutputFile(), default="-", help="Write the report here (default stdout).")
@click.option("--color/--no-color", default=None,
              help="Colour the text report (default: on a terminal, unless NO_COLOR is set).")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None,
              help="Processes for large static checks (default: one per CPU; 1 to disable).")
def check(manifests: tuple[str, ...], fmt: str, fail_on_warn: bool, include_input: bool, live: bool,
          timeout: float, output: Any, workers: int | None, color: bool | None, **policy: Any) -> None:
    """Evaluate every target of every job in MANIFESTS (files or directories).

    Static by default: no network, so robots.txt and opt-outs are not checked and deny
    nothing; the site terms registry and the job's declarations still apply. --live
    fetches every target's signals.

    \b
    Exit codes: 0 all allowed, 1 any denial (or warning with --fail-on-warn),
    2 bad manifest/policy/flag (or an --output that cannot be opened), 3 engine or
    internal failure (no decision from the policies, or writing the report failed).

    \b
    Example:
      scrapegate check examples/jobs/
      scrapegate check jobs/*.yaml --format json --include-input
      scrapegate check jobs/ --policy team-policies/ --waivers waivers.yaml
      scrapegate check jobs/ --format sarif -o scrapegate.sarif
    """
    from gate.core.batch import decide_jobs
    from gate.engines.policy_set import shipped_policies_dir
    from gate.model.manifest import load_manifests
    from gate.policy.docs import rule_catalogue
    from gate.report import get_formatter

    with cli_errors():
        jobs = load_manifests(manifests)  # bad manifests are reported before policies load
        engine = engine_from_options(**policy)
        bar = ProgressBar("checking")
        try:
            report = decide_jobs(jobs, engine, live=live, include_input=include_input, timeout=timeout,
                                workers=workers, progress=bar)
        finally:
            bar.close()
            engine.close()
        report.fail_on_warn = fail_on_warn
        undecided = any("engine.undefined" in r.decision.deny_codes for r in report.failed)
        if undecided and (why := missing_decision_rule(engine)):
            raise InternalFailure(why)
        policy_set = getattr(engine, "policy_set", None)  # the OPA engine has none: describe the shipped rules
        roots = policy_set.roots if policy_set is not None else [shipped_policies_dir()]
        paint = color if color is not None else (not os.environ.get("NO_COLOR") and output.isatty())
        with writing(output):
            get_formatter(fmt, include_input=include_input, catalogue=partial(rule_catalogue, roots),
                          color=paint).write(report, output)
        unknown = _unknown_waiver_codes(waivers_file(policy.get("waivers"), policy.get("exceptions")), roots)
    for line in unknown:
        click.echo(f"warning: {line}", err=True)
    code = report.exit_code() or (1 if unknown and fail_on_warn else 0)
    if code:
        sys.exit(code)


def _unknown_waiver_codes(path: str | None, roots: Any) -> list[str]:
    """A waiver naming a code no rule produces waives nothing (a typo, a renamed rule): say so."""
    if not path:
        return []
    from gate.engines.waivers import WAIVERS_DATA_KEY, load_waivers
    from gate.policy.docs import rule_catalogue

    known = set(rule_catalogue(roots))
    if not known:  # the catalogue could not be read: no basis to judge
        return []
    out = []
    for waiver in load_waivers(path)["scrapegate"][WAIVERS_DATA_KEY]:
        for code in waiver["rules"]:
            if code not in known and "*" not in str(code):
                out.append(f"{path}: waiver {waiver['id']} names {code!r}, which no rule produces: it waives nothing")
    return out
