"""`--format text`: grouped by job and target, one line per finding, a summary line."""

from __future__ import annotations

import json
import textwrap
from itertools import groupby
from typing import Any, Sequence, TextIO

from gate.core.batch import Report
from gate.model.decision import Violation

__all__ = ["TextFormatter"]


WIDTH = 100  # columns; a URL may run past it, nothing else does


def _wrap(text: str, indent: int) -> list[str]:
    """`text` in lines of at most WIDTH columns, continuation lines indented under it; a
    single long word (a URL) stays whole."""
    return textwrap.wrap(text, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * (indent + 4),
                         break_long_words=False, break_on_hyphens=False) or [" " * indent]


def _findings(kind: str, violations: Sequence[Violation], indent: int = 4) -> list[str]:
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
        lines += _wrap(f"{kind} {code}{where}" + (f" ({law})" if law else "") + f": {message}", indent)
        precedents = list(dict.fromkeys(p for v in vs for p in v.precedents))
        if precedents:
            lines += _wrap("precedent: " + "; ".join(precedents), indent + 5)
    return lines


def _key(v: Violation) -> tuple[Any, ...]:
    return (v.code, v.jurisdiction, v.law, v.message)


class TextFormatter:
    """Per job: the findings every target shares, once; then each target's verdict with only
    what differs; then a one-line summary."""

    def __init__(self, include_input: bool = False, color: bool = False, **_: Any) -> None:
        self.include_input = include_input
        self.color = color

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def write(self, report: Report, out: TextIO) -> None:
        for (file, _document, job), group in groupby(report.results, key=lambda r: (r.file, r.document, r.job)):
            results = list(group)
            out.write(f"{file} job {job} ({len(results)} target(s))\n")
            shared: dict[str, set[tuple[Any, ...]]] = {}
            for kind in ("deny", "warn"):
                sets = [{_key(v) for v in getattr(r.decision, kind)} for r in results]
                shared[kind] = set.intersection(*sets) if len(results) > 1 and sets else set()
            if shared["deny"] or shared["warn"]:
                out.write("  every target:\n")
                first = results[0].decision
                for kind in ("deny", "warn"):
                    common = [v for v in getattr(first, kind) if _key(v) in shared[kind]]
                    for text in _findings(kind, common):
                        out.write(text + "\n")
            for r in results:
                d = r.decision
                verdict = self._paint("ALLOW", "32") if d.allow else self._paint("DENY ", "1;31")
                out.write(f"  {verdict} {r.target}\n")
                own = [_findings(kind, [v for v in getattr(d, kind) if _key(v) not in shared[kind]])
                       for kind in ("deny", "warn")]
                for text in own[0] + own[1]:
                    out.write(text + "\n")
                for w in d.waived:
                    out.write("\n".join(_wrap(f"waived {w.get('code')} by {w.get('waiver')} (approved by "
                                              f"{w.get('approved_by')}, expires {w.get('expires')})", 4)) + "\n")
                for o in d.obligations:
                    extra = ", ".join(f"{k}={v}" for k, v in o.items() if k != "code")
                    out.write("\n".join(_wrap(f"obligation {o.get('code')}" + (f" ({extra})" if extra else ""), 4))
                              + "\n")
                if self.include_input and r.policy_input is not None:
                    out.write("    input: " + json.dumps(r.policy_input, sort_keys=True) + "\n")
        s = report.summary()
        summary = (f"{s['jobs']} job(s), {s['targets']} target(s): {s['allowed']} allowed, {s['denied']} denied, "
                   f"{s['warnings']} warning(s), {s['waived']} waived (policy {report.policy_revision[:12]}, "
                   f"{report.engine})")
        out.write("\n".join(_wrap(summary, 0)) + "\n")
