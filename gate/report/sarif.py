"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. One rule per code, with
its law and help text from the policies' METADATA; one result per deny (level error) or
warn (level warning), located at the manifest and the line of its target. Waived denials
are kept as suppressed results, so the waiver stays visible."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, TextIO

from gate.core.batch import Report, Result
from gate.model.decision import Violation

__all__ = ["SarifFormatter", "sarif_document", "SARIF_VERSION", "SARIF_SCHEMA_URI"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "scrapegate"
FINGERPRINT_KEY = "scrapegateFinding/v1"
LEVELS = {"deny": "error", "warn": "warning"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scrapegate")
    except PackageNotFoundError:
        return "0.0.0"


def artifact_uri(file: str) -> str:
    """A repository-relative POSIX path when the file is under the working directory (what
    code scanning needs to place the alert), else a file:// URI."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path(os.getcwd()).resolve())
        except ValueError:
            return path.as_uri()
    text = path.as_posix()
    return text[2:] if text.startswith("./") else text


def _pascal(code: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in code.replace(".", "_").split("_") if part)


def _rule(code: str, kind: str, doc: Any, example: Violation | None) -> dict[str, Any]:
    law = (doc.law if doc else "") or (example.law if example else "") or ""
    title = (doc.title if doc else "") or (example.message if example else "") or code
    help_text = doc.help_text() if doc else " ".join(x for x in [title, f"Law: {law}." if law else ""] if x)
    markdown = f"**{title}**\n\n" + (f"{doc.description}\n\n" if doc and doc.description else "")
    markdown += f"- Law: {law or '(not stated)'}\n"
    if doc and doc.jurisdictions:
        markdown += f"- Jurisdictions: {', '.join(doc.jurisdictions)}\n"
    if doc and doc.precedents:
        markdown += "- Precedents: " + "; ".join(doc.precedents) + "\n"
    if doc and doc.owner:
        markdown += f"- Owner: {doc.owner}\n"
    if doc and doc.waivable is not None:
        markdown += "- Waivable: " + ("yes" if doc.waivable else "never") + "\n"
    level = LEVELS.get(doc.kind if doc else kind, "error")
    properties: dict[str, Any] = {
        "tags": sorted({"compliance", TOOL_NAME, code.split(".", 1)[0]}),
        "precision": "very-high",
        "problem.severity": level,
        "law": law,
    }
    if doc:
        properties.update({"jurisdictions": doc.jurisdictions, "owner": doc.owner, "precedents": doc.precedents})
        if doc.waivable is not None:
            properties["waivable"] = doc.waivable
    return {
        "id": code,
        "name": _pascal(code),
        "shortDescription": {"text": title},
        "fullDescription": {"text": (doc.description if doc and doc.description else title)},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


def _location(r: Result) -> list[dict[str, Any]]:
    return [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(r.file)},
                                  "region": {"startLine": max(1, int(r.line or 1))}}}]


def _fingerprint(r: Result, code: str, jurisdiction: str | None) -> str:
    key = "\0".join([artifact_uri(r.file), str(r.document), r.job, r.target, code, jurisdiction or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _message(r: Result, verdict: str, v: Violation) -> str:
    where = f" [{v.jurisdiction}]" if v.jurisdiction else ""
    law = f" ({v.law})" if v.law else ""
    text = f"job {r.job}: {r.target} {verdict} by {v.code}{where}{law}"
    if v.message:
        text += f": {v.message}"
    if v.precedents:
        text += ". Precedent: " + "; ".join(v.precedents)
    return text


def sarif_document(report: Report, catalogue: dict[str, Any] | None = None) -> dict[str, Any]:
    catalogue = catalogue or {}
    examples: dict[str, tuple[str, Violation]] = {}
    for r in report.results:
        for kind, items in (("deny", r.decision.deny), ("warn", r.decision.warn)):
            for v in items:
                examples.setdefault(v.code, (kind, v))
        for w in r.decision.waived:
            code = str(w.get("code") or "waived")
            examples.setdefault(code, ("deny", Violation(code=code, jurisdiction=w.get("jurisdiction"))))
    codes = sorted(set(catalogue) | set(examples))
    rules = [_rule(c, examples.get(c, ("deny", None))[0], catalogue.get(c), examples.get(c, (None, None))[1])
             for c in codes]
    index = {c: i for i, c in enumerate(codes)}
    results: list[dict[str, Any]] = []
    for r in report.results:
        for kind, items in (("deny", r.decision.deny), ("warn", r.decision.warn)):
            for v in items:
                results.append({
                    "ruleId": v.code, "ruleIndex": index[v.code], "level": LEVELS[kind],
                    "message": {"text": _message(r, "denied" if kind == "deny" else "warned", v)},
                    "locations": _location(r),
                    "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(r, v.code, v.jurisdiction)},
                    "properties": {"job": r.job, "target": r.target, "document": r.document,
                                   "jurisdiction": v.jurisdiction, "precedents": v.precedents},
                })
        for w in r.decision.waived:
            code = str(w.get("code") or "waived")
            why = f"waiver {w.get('waiver')} approved by {w.get('approved_by')}, expires {w.get('expires')}"
            results.append({
                "ruleId": code, "ruleIndex": index[code], "level": "error",
                "message": {"text": f"job {r.job}: {r.target} would be denied by {code}; {why}"},
                "locations": _location(r),
                "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(r, code, w.get("jurisdiction"))},
                "suppressions": [{"kind": "external", "status": "accepted", "justification": why}],
                "properties": {"job": r.job, "target": r.target, "document": r.document, "waiver": w.get("waiver")},
            })
    version = _version()
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": TOOL_NAME, "version": version, "semanticVersion": version, "rules": rules}},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {"policy_revision": report.policy_revision, "engine": report.engine,
                           "summary": report.summary()},
        }],
    }


class SarifFormatter:
    """`catalogue` (code -> gate.policy.docs.CodeDoc, or a callable returning it, called only
    when the report is written) describes the rules from the policies' METADATA; it is
    handed over, never read from the policies here. Without it, rules come from the
    decisions alone."""

    def __init__(self, include_input: bool = False, *,
                 catalogue: dict[str, Any] | Callable[[], dict[str, Any]] | None = None, **_: Any) -> None:
        self.include_input = include_input
        self._catalogue = catalogue

    def write(self, report: Report, out: TextIO) -> None:
        catalogue = self._catalogue() if callable(self._catalogue) else self._catalogue
        json.dump(sarif_document(report, catalogue or {}), out, indent=2)
        out.write("\n")
