"""Check reports and their output formats: one module per format behind `Formatter`,
one registry (FORMATTERS) that feeds `--format`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from gate.model.decision import Decision

__all__ = ["Report", "Result", "Formatter", "FORMATTERS", "get_formatter", "UnknownFormat"]

# name -> "module:Class"; imported only when used.
FORMATTERS: dict[str, str] = {
    "text": "gate.report.text:TextFormatter",
    "json": "gate.report.json_format:JSONFormatter",
    "sarif": "gate.report.sarif:SarifFormatter",
    "junit": "gate.report.junit:JUnitFormatter",
    "github": "gate.report.github:GitHubFormatter",
}


class UnknownFormat(ValueError):
    """No formatter of that name."""


@dataclass
class Result:
    """One target of one job, and its decision."""

    file: str
    job: str
    target: str
    decision: Decision
    line: int = 1
    document: int = 1
    policy_input: dict[str, Any] | None = None


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    policy_revision: str = ""
    engine: str = ""
    fail_on_warn: bool = False

    @property
    def denied(self) -> list[Result]:
        return [r for r in self.results if not r.decision.allow]

    @property
    def warned(self) -> list[Result]:
        return [r for r in self.results if r.decision.warn]

    def summary(self) -> dict[str, int]:
        return {
            "jobs": len({(r.file, r.document, r.job) for r in self.results}),
            "targets": len(self.results),
            "allowed": sum(1 for r in self.results if r.decision.allow),
            "denied": len(self.denied),
            "warnings": sum(len(r.decision.warn) for r in self.results),
            "waived": sum(len(r.decision.waived) for r in self.results),
        }

    def exit_code(self) -> int:
        """0 when everything is allowed, 1 on any deny (or any warning with fail_on_warn)."""
        if self.denied or (self.fail_on_warn and self.warned):
            return 1
        return 0


class Formatter(Protocol):
    def write(self, report: Report, out: TextIO) -> None: ...


def get_formatter(name: str, **options: Any) -> Formatter:
    if name not in FORMATTERS:
        raise UnknownFormat(f"No formatter {name!r}; choose from {', '.join(sorted(FORMATTERS))}")
    module, cls = FORMATTERS[name].split(":")
    return getattr(importlib.import_module(module), cls)(**options)
