"""`scrapegate ledger` output: verify (text, json), show (a table), export (jsonl, csv),
stats (text, json) and erase-plan (text, jsonl). Each formatter is handed what the query
functions of gate.ledger.sqlite.query returned."""

from __future__ import annotations

import csv
import json
from typing import Any, Iterable, Sequence, TextIO

__all__ = ["VerifyText", "VerifyJSON", "ShowTable", "RowsJSONL", "RowsCSV", "StatsText", "StatsJSON",
           "ErasePlanText", "write_table", "LIST_SEPARATOR"]

LIST_SEPARATOR = ";"
_PROBLEM_LABELS = {"anchor": "missing anchor", "checkpoint": "checkpoint contradicted", "lost": "lost rows",
                   "prune": "prune record"}


class _Formatter:
    def __init__(self, **options: Any) -> None:
        self.options = options


class VerifyText(_Formatter):
    def write(self, report: Any, out: TextIO) -> None:
        state = "OK" if report.ok else "BROKEN"
        out.write(f"ledger {report.path}: {state}: {report.decisions} decisions, {report.collections} collections\n")
        for problem in report.problems:
            label = _PROBLEM_LABELS.get(problem.table, "first broken row")
            out.write(f"  {label}: {problem}\n")
        out.write(f"  decisions head:   {report.decisions_head}\n")
        out.write(f"  collections head: {report.collections_head}\n")
        if getattr(report, "quarantine", 0):
            out.write(f"  quarantine head:  {report.quarantine_head} ({report.quarantine} entries)\n")


class VerifyJSON(_Formatter):
    def write(self, report: Any, out: TextIO) -> None:
        out.write(json.dumps({
            "ledger": str(report.path), "ok": report.ok, "decisions": report.decisions,
            "collections": report.collections, "decisions_head": report.decisions_head,
            "collections_head": report.collections_head,
            "quarantine": getattr(report, "quarantine", 0), "quarantine_head": getattr(report, "quarantine_head", None),
            "problems": [{"table": p.table, "seq": p.seq, "decision_id": p.decision_id, "reason": p.reason}
                         for p in report.problems],
        }, indent=2) + "\n")


class ShowTable(_Formatter):
    """Decision rows as a table, oldest first."""

    def write(self, report: Iterable[dict[str, Any]], out: TextIO) -> None:
        table: list[tuple[str, ...]] = [
            ("SEQ", "TIME", "DECISION", "VERDICT", "MODE", "COLLECTED", "SITE", "CODES", "URL")]
        for r in report:
            collected = f"{r['status']} {r['bytes']}B" if r["collected"] else "-"
            codes = ",".join(r["deny_codes"] + [f"warn:{c}" for c in r["warn_codes"]]) or "-"
            table.append((str(r["seq"]), str(r["time"])[:19] + "Z", r["decision_id"],
                          "allow" if r["allow"] else "DENY", r["mode"], collected, r["site"] or "-", codes, r["url"]))
        write_table(table, out)


class RowsJSONL(_Formatter):
    """One JSON object per line (export, erase-plan)."""

    def write(self, report: Iterable[dict[str, Any]], out: TextIO) -> None:
        for record in report:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


class RowsCSV(_Formatter):
    """CSV with the given `fields`: lists joined with ';', objects as JSON text."""

    def write(self, report: Iterable[dict[str, Any]], out: TextIO) -> None:
        writer = csv.DictWriter(out, fieldnames=list(self.options["fields"]), lineterminator="\n")
        writer.writeheader()
        for record in report:
            writer.writerow({k: _csv_value(v) for k, v in record.items()})


class StatsText(_Formatter):
    def write(self, report: dict[str, Any], out: TextIO) -> None:
        out.write(f"decisions {report['decisions']}  allowed {report['allowed']}  denied {report['denied']}  "
                  f"collected {report['collected']}\n")
        if report["by_code"]:
            out.write("\n")
            write_table([("CODE", "DENIED", "WARNED")] + [(c["code"], str(c["denied"]), str(c["warned"]))
                                                         for c in report["by_code"]], out)
        if report["by_site"]:
            out.write("\n")
            write_table([("SITE", "ALLOWED", "DENIED", "COLLECTED")]
                        + [(s["site"] or "-", str(s["allowed"]), str(s["denied"]), str(s["collected"]))
                           for s in report["by_site"]], out)


class StatsJSON(_Formatter):
    def write(self, report: dict[str, Any], out: TextIO) -> None:
        out.write(json.dumps(report, indent=2) + "\n")


class ErasePlanText(_Formatter):
    """The plan under a `# erasure plan (scope): N collected URL(s)` header (`scope` option)."""

    def write(self, report: list[dict[str, Any]], out: TextIO) -> None:
        out.write(f"# erasure plan ({self.options.get('scope', '')}): {len(report)} collected URL(s)\n")
        table: list[tuple[str, ...]] = [("DECISION", "COLLECTED_AT", "CONTENT_SHA256", "QUARANTINED", "URL")]
        for entry in report:
            table.append((str(entry["decision_id"]), str(entry["collected_at"]),
                          " ".join(entry["content_sha256"]) or "-", ",".join(entry.get("quarantined", [])) or "-",
                          entry["url"]))
        if report:
            write_table(table, out)


class QuarantineText(_Formatter):
    """The open quarantine entries: what must be deleted (HANDED_OVER yes: the caller got
    the body) or was withheld (no)."""

    def write(self, report: list[dict[str, Any]], out: TextIO) -> None:
        out.write(f"# quarantine: {len(report)} open entr{'y' if len(report) == 1 else 'ies'}\n")
        # SEQ: what `--release --through SEQ` names (the last entry reviewed).
        table: list[tuple[str, ...]] = [("SEQ", "TIME", "ACTION", "JOB", "SITE", "WHY", "HANDED_OVER", "URL")]
        for e in report:
            table.append((str(e["seq"]), e["time"], e["action"], e["job"], e["site"],
                          e["category"] or e["reason"] or "-", "yes" if e["handed_over"] else "no", e["url"] or "-"))
        write_table(table, out)


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if value is None:
        return ""
    return value


def write_table(table: Sequence[Sequence[str]], out: TextIO) -> None:
    """Left-aligned columns, two spaces apart, the last one unpadded; nothing for a header alone."""
    if len(table) == 1:
        return
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        out.write("  ".join(cells).rstrip() + "\n")
