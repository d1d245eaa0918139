"""`--format junit`: a testsuite per job, a testcase per target. A denied target is a
<failure> listing its codes; a target denied because evaluation failed (engine, signals,
invalid URL) is an <error>; with --fail-on-warn a warned target is a failure too."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from typing import Any, TextIO

from gate.core.batch import Report, Result

__all__ = ["JUnitFormatter", "junit_tree"]

SUITES_NAME = "scrapegate"


def _finding_lines(r: Result) -> list[str]:
    lines = []
    for kind, items in (("deny", r.decision.deny), ("warn", r.decision.warn)):
        for v in items:
            where = f" [{v.jurisdiction}]" if v.jurisdiction else ""
            law = f" ({v.law})" if v.law else ""
            lines.append(f"{kind} {v.code}{where}{law}: {v.message}".rstrip(": "))
            if v.precedents:
                lines.append("  precedent: " + "; ".join(v.precedents))
    for w in r.decision.waived:
        lines.append(f"waived {w.get('code')} by {w.get('waiver')} "
                     f"(approved by {w.get('approved_by')}, expires {w.get('expires')})")
    return lines


def _outcome(r: Result, fail_on_warn: bool) -> str:
    if not r.decision.allow:
        return "error" if r.decision.error else "failure"
    if fail_on_warn and r.decision.warn:
        return "failure"
    return "pass"


def junit_tree(report: Report) -> ET.ElementTree:
    root = ET.Element("testsuites", name=SUITES_NAME)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for (file, doc, job), group in groupby(report.results, key=lambda r: (r.file, r.document, r.job)):
        results = list(group)
        suite = ET.SubElement(root, "testsuite", name=job, file=file)
        props = ET.SubElement(suite, "properties")
        for name, value in (("document", str(doc)), ("policy_revision", report.policy_revision),
                            ("engine", report.engine)):
            ET.SubElement(props, "property", name=name, value=value)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for r in results:
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", name=r.target, classname=f"{SUITES_NAME}.{job}",
                                 file=file, line=str(r.line), time="0")
            outcome = _outcome(r, report.fail_on_warn)
            detail = "\n".join(_finding_lines(r))
            if outcome == "failure":
                counts["failures"] += 1
                codes = r.decision.deny_codes or r.decision.warn_codes
                kind = "deny" if not r.decision.allow else "warn"
                verdict = "denied" if kind == "deny" else "warned"
                el = ET.SubElement(case, "failure", message=f"{verdict}: {', '.join(codes)}", type=kind)
                el.text = detail
            elif outcome == "error":
                counts["errors"] += 1
                el = ET.SubElement(case, "error", message=str(r.decision.error), type=", ".join(r.decision.deny_codes))
                el.text = detail
            elif detail:
                ET.SubElement(case, "system-out").text = detail
        for key, count in counts.items():
            suite.set(key, str(count))
            totals[key] += count
        suite.set("skipped", "0")
        suite.set("time", "0")
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("time", "0")
    return ET.ElementTree(root)


class JUnitFormatter:
    def __init__(self, include_input: bool = False, **_: Any) -> None:
        self.include_input = include_input

    def write(self, report: Report, out: TextIO) -> None:
        tree = junit_tree(report)
        ET.indent(tree)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(ET.tostring(tree.getroot(), encoding="unicode"))  # type: ignore[arg-type]  # the root is set
        out.write("\n")
