"""Output formats for every command, in one registry.

    from gate.report import formats, get_formatter

    get_formatter("sarif", catalogue=rules).write(report, out)      # scrapegate check
    get_formatter("json", kind="explain").write(explanation, out)    # scrapegate explain
    formats("ledger-stats")                                          # ["json", "text"], for --format

`REGISTRY[kind][name]` is "module:Class", imported only when used; each class is a
`Formatter` (it writes what a command produced to the stream it is given). A command picks
its renderer by --format and its kind; an unknown name lists the valid ones. A new format is
one module here and one line below (see CONTRIBUTING.md).

A formatter is handed everything it shows: the check formats render a gate.core.batch
Report; sarif takes its rule catalogue as an option, it never reads policies itself.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, TextIO

__all__ = ["Formatter", "REGISTRY", "FORMATTERS", "formats", "get_formatter", "UnknownFormat"]

REGISTRY: dict[str, dict[str, str]] = {
    "check": {
        "text": "gate.report.text:TextFormatter",
        "json": "gate.report.json_format:JSONFormatter",
        "sarif": "gate.report.sarif:SarifFormatter",
        "junit": "gate.report.junit:JUnitFormatter",
        "github": "gate.report.github:GitHubFormatter",
    },
    "explain": {
        "text": "gate.report.explain:ExplainText",
        "json": "gate.report.explain:ExplainJSON",
    },
    "policy-diff": {
        "text": "gate.report.diff:DiffText",
        "json": "gate.report.diff:DiffJSON",
        "markdown": "gate.report.diff:DiffMarkdown",
        "html": "gate.report.diff:DiffHTML",
    },
    "policy-lint": {
        "text": "gate.report.lint:LintText",
        "json": "gate.report.lint:LintJSON",
    },
    "ledger-verify": {
        "text": "gate.report.ledger:VerifyText",
        "json": "gate.report.ledger:VerifyJSON",
    },
    "ledger-show": {
        "text": "gate.report.ledger:ShowTable",
    },
    "ledger-export": {
        "jsonl": "gate.report.ledger:RowsJSONL",
        "csv": "gate.report.ledger:RowsCSV",
    },
    "ledger-stats": {
        "text": "gate.report.ledger:StatsText",
        "json": "gate.report.ledger:StatsJSON",
    },
    "ledger-quarantine": {
        "text": "gate.report.ledger:QuarantineText",
        "jsonl": "gate.report.ledger:RowsJSONL",
    },
    "terms": {
        "text": "gate.report.terms:TermsText",
        "json": "gate.report.terms:TermsJSON",
    },
    "ledger-erase-plan": {
        "text": "gate.report.ledger:ErasePlanText",
        "jsonl": "gate.report.ledger:RowsJSONL",
    },
}
# The check formats under their historical name (the --format choices of `scrapegate check`).
FORMATTERS = REGISTRY["check"]


class UnknownFormat(ValueError):
    """No formatter of that name for that kind of output."""


class Formatter(Protocol):
    def write(self, report: Any, out: TextIO) -> None: ...


def formats(kind: str = "check") -> list[str]:
    """The format names a kind of output has, sorted (what --format offers)."""
    return sorted(_kind(kind))


def get_formatter(name: str, kind: str = "check", **options: Any) -> Formatter:
    """The formatter `name` for output `kind`, built with `options` (each formatter takes the
    options it knows and ignores the rest)."""
    table = _kind(kind)
    if name not in table:
        raise UnknownFormat(f"No formatter {name!r} for {kind}; choose from {', '.join(sorted(table))}")
    module, cls = table[name].split(":")
    formatter: Formatter = getattr(importlib.import_module(module), cls)(**options)
    return formatter


def _kind(kind: str) -> dict[str, str]:
    if kind not in REGISTRY:
        raise UnknownFormat(f"No output kind {kind!r}; choose from {', '.join(sorted(REGISTRY))}")
    return REGISTRY[kind]
