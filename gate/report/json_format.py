"""`--format json`: the machine-readable report."""

from __future__ import annotations

import json
from typing import Any, TextIO

from gate.core.batch import Report

__all__ = ["JSONFormatter", "report_document"]


def report_document(report: Report, include_input: bool = False) -> dict[str, Any]:
    results = []
    for r in report.results:
        item: dict[str, Any] = {
            "file": r.file, "document": r.document, "job": r.job, "target": r.target,
            "line": r.line, "decision": r.decision.model_dump(mode="json"),
        }
        if include_input:
            item["input"] = r.policy_input
        results.append(item)
    return {"policy_revision": report.policy_revision, "engine": report.engine,
            "results": results, "summary": report.summary()}


class JSONFormatter:
    def __init__(self, include_input: bool = False, **_: Any) -> None:
        self.include_input = include_input

    def write(self, report: Report, out: TextIO) -> None:
        json.dump(report_document(report, self.include_input), out, indent=2, sort_keys=False)
        out.write("\n")
