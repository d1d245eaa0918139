"""`--format text`: grouped by job and target, one line per finding, a summary line."""

from __future__ import annotations

import json
from itertools import groupby
from typing import TextIO

from gate.models import Violation
from gate.report import Report

__all__ = ["TextFormatter"]


def _finding(kind: str, v: Violation) -> list[str]:
    where = f" [{v.jurisdiction}]" if v.jurisdiction else ""
    law = f" ({v.law})" if v.law else ""
    lines = [f"    {kind} {v.code}{where}{law}: {v.message}".rstrip(": ")]
    if v.precedents:
        lines.append("         precedent: " + "; ".join(v.precedents))
    return lines


class TextFormatter:
    def __init__(self, include_input: bool = False) -> None:
        self.include_input = include_input

    def write(self, report: Report, out: TextIO) -> None:
        for (file, doc, job), results in groupby(report.results, key=lambda r: (r.file, r.document, r.job)):
            out.write(f"{file} (document {doc}) job {job}\n")
            for r in results:
                d = r.decision
                verdict = "ALLOW" if d.allow else "DENY "
                out.write(f"  {verdict} {r.target}\n")
                for v in d.deny:
                    out.write("\n".join(_finding("deny", v)) + "\n")
                for v in d.warn:
                    out.write("\n".join(_finding("warn", v)) + "\n")
                for w in d.waived:
                    out.write(f"    waived {w.get('code')} by {w.get('waiver')} (approved by {w.get('approved_by')}, expires {w.get('expires')})\n")
                for o in d.obligations:
                    extra = ", ".join(f"{k}={v}" for k, v in o.items() if k != "code")
                    out.write(f"    obligation {o.get('code')}" + (f" ({extra})" if extra else "") + "\n")
                if self.include_input and r.policy_input is not None:
                    out.write("    input: " + json.dumps(r.policy_input, sort_keys=True) + "\n")
        s = report.summary()
        out.write(
            f"{s['targets']} target(s) in {s['jobs']} job(s): {s['allowed']} allowed, {s['denied']} denied, "
            f"{s['warnings']} warning(s), {s['waived']} waived (policy {report.policy_revision[:12]}, {report.engine} engine)\n"
        )
