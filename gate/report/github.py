"""`--format github`: GitHub Actions workflow commands, so each finding shows as an
annotation on the manifest line of its target (`::error file=…,line=…,title=…::message`)."""

from __future__ import annotations

from typing import Any, TextIO

from gate.core.batch import Report, Result
from gate.model.decision import Violation

__all__ = ["GitHubFormatter", "escape_data", "escape_property"]


def escape_data(text: str) -> str:
    """The message part: %, CR and LF are encoded (actions/toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also `:` and `,`, which delimit properties (`escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, r: Result, title: str, message: str) -> str:
    props = f"file={escape_property(r.file)},line={max(1, int(r.line or 1))},title={escape_property(title)}"
    return f"::{kind} {props}::{escape_data(message)}\n"


def _text(r: Result, v: Violation, verdict: str) -> str:
    where = f" [{v.jurisdiction}]" if v.jurisdiction else ""
    text = f"job {r.job}: {r.target} {verdict}{where}: {v.message}".rstrip(": ")
    if v.precedents:
        text += "\nPrecedent: " + "; ".join(v.precedents)
    return text


class GitHubFormatter:
    def __init__(self, include_input: bool = False, **_: Any) -> None:
        self.include_input = include_input

    def write(self, report: Report, out: TextIO) -> None:
        for r in report.results:
            for v in r.decision.deny:
                out.write(_command("error", r, f"{v.code} ({v.law})" if v.law else v.code, _text(r, v, "denied")))
            for v in r.decision.warn:
                out.write(_command("warning", r, f"{v.code} ({v.law})" if v.law else v.code, _text(r, v, "warned")))
            for w in r.decision.waived:
                out.write(_command("notice", r, f"{w.get('code')} waived",
                                   f"job {r.job}: {r.target}: {w.get('code')} waived by {w.get('waiver')} "
                                   f"(approved by {w.get('approved_by')}, expires {w.get('expires')})"))
        s = report.summary()
        out.write(f"scrapegate: {s['targets']} target(s) in {s['jobs']} job(s): {s['allowed']} allowed, "
                  f"{s['denied']} denied, {s['warnings']} warning(s), {s['waived']} waived\n")
