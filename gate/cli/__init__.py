"""The `scrapegate` command line: verbs, `--format`, documented exit codes.

Exit codes: 0 everything allowed; 1 a denial (or a warning with --fail-on-warn, or a failed
test/verify); 2 bad input (manifest, policy, flag); 3 engine or internal failure.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

__all__ = ["cli", "main", "COMMANDS"]

# Each command lives in its own module and is imported only when run, so `--help` is fast.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("gate.cli.check", "Evaluate job manifests against the policies (exit 1 on any deny)."),
    "explain": ("gate.cli.explain", "Show why a target of a job is allowed or denied, rule by rule."),
    "schema": ("gate.cli.schema", "Print the job manifest's JSON Schema."),
    "robots": ("gate.cli.signals", "Fetch a site's robots.txt and show the verdict for a URL."),
    "signals": ("gate.cli.signals", "Gather every live signal for a URL (robots, opt-outs, terms)."),
    "terms": ("gate.cli.terms", "Find a site's terms page and show the clauses that forbid collection."),
    "policy": ("gate.cli.policy", "Test, diff, document and lint the Rego policies."),
    "bundle": ("gate.cli.bundle", "Build OPA bundles and push policies to an OPA server."),
    "ledger": ("gate.cli.ledger", "Verify, query and export the decision ledger."),
    "run": ("gate.cli.run", "Run any command behind a gating HTTP(S) proxy."),
    "report": ("gate.cli.report", "Write a self-contained HTML report of a ledger (charts, reasons, waivers)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (module, _) in COMMANDS.items() if importlib.util.find_spec(module))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _ = COMMANDS[name]
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                return None
            raise
        return getattr(mod, name.replace("-", "_"))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text from the registry: listing commands must not import them.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scrapegate")
    except PackageNotFoundError:
        return "0+unknown"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scrapegate", message="scrapegate %(version)s")
def cli() -> None:
    """scrapegate: a policy-as-code compliance gate for web scraping.

    Asks "may this job collect this URL?" before every fetch, by evaluating Rego
    policies over the site's terms and opt-outs, the data subjects' jurisdictions,
    the data categories and the legal basis a job declares.

    \b
    Exit codes:
      0  everything allowed
      1  a denial (or a warning with --fail-on-warn; a failing test or ledger)
      2  bad input: manifest, policy, data or flag
      3  engine or internal failure

    \b
    Example:
      scrapegate check examples/jobs/
      scrapegate check jobs/*.yaml --format sarif > scrapegate.sarif
      scrapegate policy test
    """


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="scrapegate")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
