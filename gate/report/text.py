"""`--format text`: grouped by job and target, one line per finding, a summary line."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any, Sequence, TextIO

from gate.core.batch import Report
from gate.model.decision import Violation

__all__ = ["TextFormatter"]


def _findings(kind: str, violations: Sequence[Violation]) -> list[str]:
    """One entry per code and law; the jurisdictions it fired for are listed together
    (a job with subjects "*" fires an Art. 9 denial for each of 30 EEA states)."""
    lines: list[str] = []
    groups: dict[tuple[str, str], list[Violation]] = {}
    for v in violations:
        groups.setdefault((v.code, v.law or ""), []).append(v)
    for (code, law), vs in groups.items():
        places = [v.jurisdiction for v in vs if v.jurisdiction]
        where = f" [{', '.join(places)}]" if places else ""
        message = vs[0].message + (f" (and {len(vs) - 1} more jurisdiction(s))" if len(vs) > 1 else "")
        lines.append(f"    {kind} {code}{where}" + (f" ({law})" if law else "") + f": {message}")
        precedents = list(dict.fromkeys(p for v in vs for p in v.precedents))
        if precedents:
            lines.append("         precedent: " + "; ".join(precedents))
    return lines


class TextFormatter:
    def __init__(self, include_input: bool = False, **_: Any) -> None:
        self.include_input = include_input

    def write(self, report: Report, out: TextIO) -> None:
        for (file, doc, job), results in groupby(report.results, key=lambda r: (r.file, r.document, r.job)):
            out.write(f"{file} (document {doc}) job {job}\n")
            for r in results:
                d = r.decision
                verdict = "ALLOW" if d.allow else "DENY "
                out.write(f"  {verdict} {r.target}\n")
                for line in _findings("deny", d.deny) + _findings("warn", d.warn):
                    out.write(line + "\n")
                for w in d.waived:
                    out.write(f"    waived {w.get('code')} by {w.get('waiver')} "
                              f"(approved by {w.get('approved_by')}, expires {w.get('expires')})\n")
                for o in d.obligations:
                    extra = ", ".join(f"{k}={v}" for k, v in o.items() if k != "code")
                    out.write(f"    obligation {o.get('code')}" + (f" ({extra})" if extra else "") + "\n")
                if self.include_input and r.policy_input is not None:
                    out.write("    input: " + json.dumps(r.policy_input, sort_keys=True) + "\n")
        s = report.summary()
        out.write(
            f"{s['targets']} target(s) in {s['jobs']} job(s): {s['allowed']} allowed, {s['denied']} denied, "
            f"{s['warnings']} warning(s), {s['waived']} waived "
            f"(policy {report.policy_revision[:12]}, {report.engine} engine)\n"
        )
