"""scrapegate policy: work on the Rego policies (test; diff, docs and lint join this group)."""

from __future__ import annotations

from pathlib import Path

import click

from gate.cli.options import cli_errors

__all__ = ["policy"]


@click.group()
def policy() -> None:
    """Test, diff, document and lint the Rego policies.

    \b
    Example:
      scrapegate policy test
      scrapegate policy test policies/ -v
    """


@policy.command("test")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="List every test with its result and time, like `opa test -v`.")
@click.option("-r", "--run", "run_pattern", metavar="REGEX", help="Run only the tests whose name matches REGEX.")
@click.option("--engine", type=click.Choice(["auto", "opa", "regopy"]), default="auto", show_default=True,
              help="opa: the real OPA engine (its Python bindings; about a second); regopy: the embedded engine "
                   "(slow on `with` over large rules); auto: OPA when installed.")
def test(dirs: tuple[Path, ...], verbose: bool, run_pattern: str | None, engine: str) -> None:
    """Run the Rego unit tests: every test_* rule in the *_test.rego files under DIRS
    (default: the policies shipped with scrapegate). Results print as they come.

    A test passes when it evaluates to true; false or undefined fails; an evaluation error
    is an error. The same files run unchanged with `opa test policies/`. The real OPA
    engine runs them when its bindings are installed
    (pip install --ignore-requires-python opa-golib-python-bindings), in about a second;
    otherwise the embedded engine does, which takes minutes on the shipped library, and
    skips (saying why) a test file marked with a line `# scrapegate: opa-only (why)`.

    \b
    Exit codes: 0 all passed, 1 a test failed or errored, 2 no test found
    (or a policy that does not load).

    \b
    Example:
      scrapegate policy test
      scrapegate policy test policies/ -v
      scrapegate policy test -r gdpr
    """
    import time

    from gate.engines.policy_set import shipped_policies_dir
    from gate.policy.runner import StreamPrinter, run_tests

    printer = StreamPrinter(lambda text: click.echo(text, nl=False), verbose)
    start = time.perf_counter()
    with cli_errors():
        roots = list(dirs) or [shipped_policies_dir()]
        report = run_tests(roots, verbose, run=run_pattern, engine=engine, on_result=printer)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    printer.finish(report)
    if report.results:
        click.echo(f"{len(report.results)} tests on {report.engine} in {time.perf_counter() - start:.1f}s", err=True)
    raise SystemExit(report.exit_code())


from gate.cli.policy_tools import diff, docs, lint  # noqa: E402 - the legal-workflow commands

policy.add_command(diff)
policy.add_command(docs)
policy.add_command(lint)
