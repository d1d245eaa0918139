"""Options shared by several commands, as decorators, and the one place where library
errors become exit codes."""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from typing import IO, Any, Callable, Iterator

import click

from gate.errors import ClusterError, EngineError, ExtraMissing, GateError, LedgerError, ManifestError, PolicyError

__all__ = ["policy_options", "policy_source_options", "waivers_option", "waivers_file", "format_option",
           "engine_from_options", "cli_errors", "BadInput", "InternalFailure", "OutputFile", "writing", "Seconds",
           "missing_decision_rule", "user_agent"]

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class BadInput(click.ClickException):
    """Bad manifest, policy, data or flag: exit 2."""

    exit_code = EXIT_BAD_INPUT


class InternalFailure(click.ClickException):
    """The engine or scrapegate itself failed: exit 3."""

    exit_code = EXIT_INTERNAL


@contextmanager
def cli_errors() -> Iterator[None]:
    """Translate library errors at the edge of a command."""
    try:
        yield
    # A missing extra is a set-up the user can fix (the message names the pip command), not an outage.
    except (ManifestError, PolicyError, ClusterError, ExtraMissing, ValueError) as exc:
        raise BadInput(str(exc)) from exc
    except (EngineError, LedgerError) as exc:
        raise InternalFailure(str(exc)) from exc
    except GateError as exc:
        raise InternalFailure(str(exc)) from exc


class Seconds(click.FloatRange):
    """A timeout in seconds: finite and above 0. 0 or less would fail every fetch, and the
    failed read would be cached (terms.db keeps one for a day) as if the site had failed."""

    name = "seconds"

    def __init__(self) -> None:
        super().__init__(min=0, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return seconds


def user_agent(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--agent: a User-Agent with a product token. robots.txt groups are picked by that token
    (RFC 9309 2.2.1): an empty agent, or one like "/1.0", would be matched by `*` only."""
    from gate.model.agent import product_token

    if value is not None and not product_token(value):
        raise click.BadParameter(f"{value!r} has no product token: give the crawler's name, as in "
                                 f"'ExampleBot/1.0 (+https://example.com/bot)'", ctx, param)
    return value


class OutputFile(click.File):
    """-o FILE ('-' for stdout), opened for writing at the first write, as click.File does, so a
    run that fails before its report leaves an earlier report alone. The path is checked here
    though: a directory or a missing folder is a bad argument before a long run, not after it."""

    def __init__(self, encoding: str | None = None) -> None:
        super().__init__("w", encoding=encoding, lazy=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (str, os.PathLike)) and os.fspath(value) != "-":
            path = os.fspath(value)
            if path.endswith(("/", os.sep)) or os.path.isdir(path):
                self.fail(f"{path!r} names a directory, not a file", param, ctx)
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                self.fail(f"{path!r}: no directory {folder!r} to write it in", param, ctx)
        return super().convert(value, param, ctx)


@contextmanager
def writing(output: IO[str]) -> Iterator[IO[str]]:
    """Write to an OutputFile and close it: a file that cannot be opened is a bad argument
    (exit 2), a write that fails (a full disk) an I/O failure (exit 3); never exit 1, which
    CI reads as a denial."""
    name = getattr(output, "name", "-")
    if name in ("-", "<stdout>"):
        name = "stdout"
    try:
        yield output
        if name == "stdout":
            output.flush()
        else:
            getattr(output, "open", lambda: None)()  # a report with nothing in it is still a file
            output.close()
    except click.FileError as exc:
        raise BadInput(exc.format_message()) from exc
    except OSError as exc:
        raise InternalFailure(f"cannot write {name}: {exc.strerror or exc}") from exc


def policy_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--policy, --no-shipped-policies, --waivers, --engine, --opa-url."""
    fn = click.option("--opa-url", envvar="SCRAPEGATE_OPA_URL", metavar="URL",
                      help="OPA server for --engine opa (env SCRAPEGATE_OPA_URL).")(fn)
    fn = click.option("--engine", "engine_kind", type=click.Choice(["embedded", "opa"]), default=None,
                      help="Policy engine: embedded regopy (default) or an OPA server.")(fn)
    return policy_source_options(fn)


def waivers_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--waivers FILE, and --exceptions FILE, its old name, kept working but hidden."""
    fn = click.option("--exceptions", "exceptions", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
                      hidden=True, help="Old name of --waivers.")(fn)
    fn = click.option("--waivers", "waivers", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
                      help="Waivers file (YAML/JSON) loaded as data.scrapegate.granted_waivers.")(fn)
    return fn


def waivers_file(waivers: str | None, exceptions: str | None) -> str | None:
    """The one waivers file --waivers or its old name --exceptions gave."""
    if waivers and exceptions and waivers != exceptions:
        raise BadInput("--waivers and --exceptions (its old name) name different files: give one")
    return waivers or exceptions


def policy_source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--policy, --no-shipped-policies, --waivers: which policies and waivers."""
    fn = waivers_option(fn)
    fn = click.option("--no-shipped-policies", is_flag=True,
                      help="Load only the --policy directories, not the policies shipped with scrapegate.")(fn)
    fn = click.option("--policy", "policy_dirs", multiple=True, type=click.Path(exists=True), metavar="DIR",
                      help="Extra policy directory (its .rego and data.json/data.yaml files), or one .rego or "
                           "data file; repeatable.")(fn)
    return fn


def format_option(choices: list[str], default: str = "text") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--format", "-f", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format.")


def engine_from_options(policy_dirs: tuple[str, ...] = (), no_shipped_policies: bool = False,
                        waivers: str | None = None, exceptions: str | None = None, engine_kind: str | None = None,
                        opa_url: str | None = None, **_: Any) -> Any:
    """The engine the policy options name, through the one factory (gate.core.config):
    a flag wins, then SCRAPEGATE_ENGINE / SCRAPEGATE_OPA_URL, then the default."""
    from gate.core import config

    choice = config.engine_choice(kind=engine_kind, opa_url=opa_url, policy_dirs=policy_dirs,
                                  include_shipped=not no_shipped_policies, waivers=waivers_file(waivers, exceptions))
    if no_shipped_policies and not policy_dirs and choice.kind == "embedded":
        raise PolicyError("--no-shipped-policies needs at least one --policy DIR: nothing would be evaluated")
    return config.make_engine(choice)


def missing_decision_rule(engine: Any) -> str | None:
    """Why an engine's policies cannot decide at all: none of its modules defines
    data.scrapegate.decision (--no-shipped-policies with a folder of tests, another package).
    Asked only once a decision came back undefined, so a rule the light parser misreads can
    cost a clearer message, never a decision."""
    from gate.engines.base import DECISION_PATH
    from gate.policy.meta import parse_module

    policy_set = getattr(engine, "policy_set", None)  # the OPA engine's policies are the server's
    if policy_set is None:
        return None
    package, rule = DECISION_PATH.rsplit(".", 1)
    modules = policy_set.policy_modules()
    for module in modules:
        parsed = parse_module(module.path, module.source)
        if parsed.package == DECISION_PATH or parsed.package.startswith(DECISION_PATH + "."):
            return None
        if parsed.package == package and any(name.split(".")[0].split("[")[0] == rule for name in parsed.rule_names()):
            return None
    where = ", ".join(str(root) for root in policy_set.roots)
    wanted = f"data.{DECISION_PATH} (a `{rule}` rule in `package {package}`)"
    if not modules:
        return f"no decision rule found in the given policy: {where} holds only tests (*_test.rego); it needs {wanted}"
    return (f"no decision rule found in the given policy: none of the {len(modules)} module(s) in {where} "
            f"defines {wanted}")
