"""`scrapegate policy lint` output: `file:line: check: message` lines and a count, or json."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Sequence, TextIO

from gate.policy.lint import Finding

__all__ = ["LintText", "LintJSON"]


class LintText:
    def __init__(self, **_: Any) -> None:
        pass

    def write(self, report: Sequence[Finding], out: TextIO) -> None:
        for finding in report:
            out.write(f"{finding}\n")
        out.write(f"{len(report)} finding(s)\n" if report else "no findings\n")


class LintJSON:
    def __init__(self, **_: Any) -> None:
        pass

    def write(self, report: Sequence[Finding], out: TextIO) -> None:
        out.write(json.dumps([asdict(f) for f in report], indent=2) + "\n")
