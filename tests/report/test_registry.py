"""One registry of output formats feeds every command's --format: the choices each command
offers are exactly the registry's, every entry loads, and an unknown name lists the valid ones."""

from __future__ import annotations

import importlib

import click
import pytest

from gate.cli import cli
from gate.report import REGISTRY, UnknownFormat, formats, get_formatter

COMMANDS = {
    ("check",): "check",
    ("explain",): "explain",
    ("policy", "diff"): "policy-diff",
    ("policy", "lint"): "policy-lint",
    ("ledger", "verify"): "ledger-verify",
    ("ledger", "export"): "ledger-export",
    ("ledger", "stats"): "ledger-stats",
    ("ledger", "erase-plan"): "ledger-erase-plan",
    ("terms",): "terms",
}


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    ctx = click.Context(cli)
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(ctx, name)
        assert found is not None, path
        command = found
    return command


@pytest.mark.parametrize("path,kind", sorted(COMMANDS.items()))
def test_each_command_offers_exactly_the_registrys_formats(path: tuple[str, ...], kind: str) -> None:
    option = next(p for p in _command(path).params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert sorted(option.type.choices) == formats(kind)


def test_every_registered_formatter_loads_and_writes() -> None:
    for kind, table in REGISTRY.items():
        for name, target in table.items():
            module, cls = target.split(":")
            assert hasattr(getattr(importlib.import_module(module), cls), "write"), (kind, name)


def test_an_unknown_format_or_kind_names_the_valid_ones() -> None:
    with pytest.raises(UnknownFormat, match="choose from github, json, junit, sarif, text"):
        get_formatter("xml")
    with pytest.raises(UnknownFormat, match="choose from json, text"):
        get_formatter("csv", "ledger-stats")
    with pytest.raises(UnknownFormat, match="No output kind"):
        formats("ledger-tail")
