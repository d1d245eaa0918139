"""scrapegate explain"""

from __future__ import annotations

import sys
from typing import Any

import click

from gate.cli.options import (
    BadInput,
    InternalFailure,
    Seconds,
    cli_errors,
    engine_from_options,
    format_option,
    missing_decision_rule,
    policy_options,
)
from gate.report import formats, get_formatter

__all__ = ["explain"]


@click.command()
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False))
@click.option("--target", "-t", "url", required=True, metavar="URL",
              help="The URL to explain (one of the job's targets, or any URL the job might fetch).")
@click.option("--job", "job_name", metavar="NAME", help="The job to use when MANIFEST holds several.")
@click.option("--live", is_flag=True, help="Fetch the site's robots.txt and opt-out signals (network).")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True,
              help="Seconds per signal fetch with --live.")
@policy_options
@format_option(formats("explain"))
def explain(manifest: str, url: str, job_name: str | None, live: bool, timeout: float, fmt: str, **policy: Any) -> None:
    """Show why a target of a job is allowed or denied, rule by rule.

    Prints the input facts, each rule that fired with the facts that made it fire, and
    each rule for the job's jurisdictions that did not fire with the first condition that
    did not hold. Every condition is evaluated on the policy input, not described.

    \b
    Exit codes: 0 the target is allowed, 1 it is denied, 2 bad manifest, policy or flag,
    3 the engine could not decide (an evaluation error, no decision rule).

    \b
    Example:
      scrapegate explain examples/jobs/clearview-like.yaml --target https://www.facebook.com/
      scrapegate explain jobs/prices.yaml -t https://shop.example.com/p/1 --live --format json
    """
    from gate.core.batch import ENGINE_FAILURE_CODES
    from gate.core.gate import Gate
    from gate.engines.embedded import EmbeddedEngine
    from gate.model.manifest import load_manifests
    from gate.policy.explain import explain_input

    with cli_errors():
        jobs = load_manifests([manifest])
        if job_name:
            jobs = [j for j in jobs if j.job.name == job_name]
            if not jobs:
                raise BadInput(f"{manifest}: no job named {job_name!r}")
        if len(jobs) > 1:
            names = ", ".join(j.job.name for j in jobs)
            raise BadInput(f"{manifest} holds {len(jobs)} jobs ({names}): choose one with --job")
        loaded = jobs[0]
        engine = engine_from_options(**policy)
        if not isinstance(engine, EmbeddedEngine):
            raise BadInput("explain evaluates the rules' conditions with the embedded engine; drop --engine opa")
        authenticated = next((t.authenticated for t in loaded.job.target_list() if t.url == url), None)
        with Gate(loaded.job, engine=engine, signals="live" if live else "static", ledger=False,
                  timeout=timeout) as gate:
            evaluation = gate.decide(url, authenticated=authenticated)
            decision, policy_input = evaluation.decision, gate.input_for(evaluation)
        if "engine.undefined" in decision.deny_codes and (why := missing_decision_rule(engine)):
            raise InternalFailure(why)
        if policy_input is None:  # the URL never reached the policies (invalid URL, failed signals)
            raise BadInput(f"{url}: {decision.error or decision.summary()}")
        explanation = explain_input(engine.policy_set, policy_input, decision, job=loaded.job.name,
                                    file=loaded.file, target=url)
        engine.close()
    get_formatter(fmt, "explain").write(explanation, sys.stdout)
    if set(decision.deny_codes) & ENGINE_FAILURE_CODES:  # the engine could not decide: not a denial
        raise SystemExit(InternalFailure.exit_code)
    if not decision.allow:
        raise SystemExit(1)
