"""scrapegate policy diff | docs | lint (registered on the `policy` group in gate/cli/policy.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gate.cli.options import InternalFailure, OutputFile, cli_errors, format_option, waivers_file, writing
from gate.report import formats, get_formatter

__all__ = ["diff", "docs", "lint"]


def _roots(dirs: tuple[str, ...]) -> list[Path]:
    if dirs:
        return [Path(d) for d in dirs]
    from gate.engines.policy_set import shipped_policies_dir

    return [shipped_policies_dir()]


@click.command()
@click.argument("manifests", nargs=-1, required=True, type=click.Path())
@click.option("--base", required=True, metavar="DIR_OR_GIT_REF",
              help="The policies before the change: a directory, or a git revision of the current repository.")
@click.option("--head", type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="The policies after the change (default: the working tree's --policy-subdir, "
                   "else the shipped ones).")
@click.option("--policy-subdir", default="policies", show_default=True, metavar="PATH",
              help="Where the policy bundle lives in the repository (for a git revision or a checkout root).")
@click.option("--waivers", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Waivers file applied to both versions.")
@click.option("--exceptions", type=click.Path(exists=True, dir_okay=False), metavar="FILE", hidden=True,
              help="Old name of --waivers.")
@format_option(formats("policy-diff"))
@click.option("-o", "--output", type=OutputFile(), default="-", help="Write the report here (default stdout).")
def diff(manifests: tuple[str, ...], base: str, head: str | None, policy_subdir: str, waivers: str | None,
         exceptions: str | None, fmt: str, output: Any) -> None:
    """Show what a policy change does to the jobs in MANIFESTS.

    Every target is evaluated under the --base and --head policies; each target whose
    decision changed is listed (allow -> deny, deny -> allow, codes added or removed),
    then a summary. A git revision is read with `git archive`, never by checking it out.

    \b
    Exit codes: 0 no allowed target becomes denied, 1 some allowed target becomes
    denied, 2 bad manifest, policy, revision or --output, 3 engine failure or writing
    the report failed.

    \b
    Example:
      scrapegate policy diff --base origin/main jobs/
      scrapegate policy diff --base old-policies/ --head policies/ jobs/*.yaml --format markdown
    """
    from gate.engines.waivers import load_waivers
    from gate.policy.diff import diff_policies

    with cli_errors():
        waivers = waivers_file(waivers, exceptions)
        extra = load_waivers(waivers) if waivers else None
        result = diff_policies(manifests, base, head, subdir=policy_subdir, extra_data=extra)
        with writing(output):
            get_formatter(fmt, "policy-diff").write(result, output)
    if result.exit_code():
        sys.exit(result.exit_code())


@click.command()
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write the catalogue here (default stdout).")
@click.option("--check", is_flag=True, help="Exit 1 if --output differs from what would be generated (for CI).")
def docs(dirs: tuple[str, ...], output: str | None, check: bool) -> None:
    """Generate the rule catalogue (Markdown) from the policies' METADATA.

    For each code: its law, jurisdictions, precedents (from the policies' data), owner,
    and whether it can be waived. DIRS default to the shipped policies.

    \b
    Example:
      scrapegate policy docs -o docs/policies.md
      scrapegate policy docs policies/ -o docs/policies.md --check
    """
    from gate.policy.docs import load_catalogue, render_markdown

    with cli_errors():
        text = render_markdown(load_catalogue(_roots(dirs)), base=Path.cwd())
    if output is None:
        if check:
            raise click.UsageError("--check needs --output FILE")
        click.echo(text, nl=False)
        return
    target = Path(output)
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            click.echo(f"{output} is out of date: run scrapegate policy docs -o {output}", err=True)
            sys.exit(1)
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:  # a full disk, a read-only folder: an I/O failure, never a traceback
        raise InternalFailure(f"cannot write {output}: {exc.strerror or exc}") from exc


@click.command()
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
@format_option(formats("policy-lint"))
def lint(dirs: tuple[str, ...], fmt: str) -> None:
    """Check the policies: METADATA (code, law, owner) on every deny and warn rule, a test
    for every code, only builtins both engines implement, no condition that can never hold.

    Prints `file:line: check: message` for each finding. DIRS default to the shipped policies.

    \b
    Exit codes: 0 clean, 1 findings, 2 unreadable policies.

    \b
    Example:
      scrapegate policy lint
      scrapegate policy lint policies/ team-policies/ --format json
    """
    from gate.policy.lint import lint_policies

    with cli_errors():
        findings = lint_policies(_roots(dirs), base=Path.cwd())
    get_formatter(fmt, "policy-lint").write(findings, sys.stdout)
    if findings:
        sys.exit(1)
