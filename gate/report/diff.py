"""`scrapegate policy diff` output: text, markdown (a pull-request comment) and json."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, TextIO

from gate.policy.diff import CODES_CHANGED, PolicyDiff, PolicySource

__all__ = ["DiffText", "DiffJSON", "DiffMarkdown", "DiffHTML", "render_text", "render_json", "render_markdown",
           "render_html"]


def _codes(items: dict[str, list[str]]) -> list[str]:
    return [f"{code} [{', '.join(js)}]" if js else code for code, js in items.items()]


def _source_text(s: PolicySource) -> str:
    at = f" @ {s.commit[:12]}" if s.commit else ""
    return f"{s.label}{at} (policy {s.revision[:12]})"


def _summary_text(d: PolicyDiff) -> str:
    s = d.summary()
    return (f"{s['targets']} target(s) in {s['jobs']} job(s): {s['allow_to_deny']} allow -> deny, "
            f"{s['deny_to_allow']} deny -> allow, {s['codes_changed']} with codes changed, {s['unchanged']} unchanged")


def render_text(d: PolicyDiff) -> str:
    lines = [f"policy diff: base {_source_text(d.base)} -> head {_source_text(d.head)}"]
    for c in d.changes:
        lines.append(f"{c.file}:{c.line} job {c.job} {c.target}")
        verdict = ("ALLOW" if c.head_allow else "DENY") + ", codes changed"
        lines.append(f"  {c.change.upper() if c.change != CODES_CHANGED else verdict}")
        for code in _codes(c.deny_added):
            msg = c.messages.get(code.split(" ")[0])
            lines.append(f"    + deny {code}" + (f": {msg}" if msg else ""))
        lines += [f"    - deny {code}" for code in _codes(c.deny_removed)]
        lines += [f"    + warn {code}" for code in _codes(c.warn_added)]
        lines += [f"    - warn {code}" for code in _codes(c.warn_removed)]
    if not d.changes:
        lines.append("no decision changed")
    lines.append(_summary_text(d))
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(d: PolicyDiff) -> str:
    s = d.summary()
    verdict = (f"**{s['allow_to_deny']} target(s) newly denied**" if s["allow_to_deny"]
               else "No allowed target becomes denied.")
    lines = ["### scrapegate policy impact", "",
             f"Base `{_md(d.base.label)}`{' (`' + d.base.commit[:12] + '`)' if d.base.commit else ''} → "
             f"head `{_md(d.head.label)}`: {verdict}", "",
             f"{_summary_text(d)}.", ""]
    if d.changes:
        lines += ["| manifest | job | target | change | deny added | deny removed | warnings |",
                  "|---|---|---|---|---|---|---|"]
        for c in d.changes:
            warns = [f"+{x}" for x in _codes(c.warn_added)] + [f"-{x}" for x in _codes(c.warn_removed)]
            added, removed = _md(", ".join(_codes(c.deny_added))), _md(", ".join(_codes(c.deny_removed)))
            lines.append(f"| `{_md(c.file)}:{c.line}` | {_md(c.job)} | {_md(c.target)} | **{c.change}** | "
                         f"{added or '—'} | {removed or '—'} | {_md(', '.join(warns)) or '—'} |")
    return "\n".join(lines) + "\n"


def render_json(d: PolicyDiff) -> str:
    doc = {"base": asdict(d.base), "head": asdict(d.head), "summary": d.summary(),
           "changes": [asdict(c) for c in d.changes]}
    return json.dumps(doc, indent=2) + "\n"


def render_html(d: PolicyDiff) -> str:
    from gate.report.html import render_diff

    rows = [(f"{c.file}:{c.line}", c.job, c.target, c.change, ", ".join(_codes(c.deny_added)) or "-",
             ", ".join(_codes(c.deny_removed)) or "-",
             ", ".join([f"+{x}" for x in _codes(c.warn_added)] + [f"-{x}" for x in _codes(c.warn_removed)]) or "-")
            for c in d.changes]
    return render_diff(_source_text(d.base), _source_text(d.head), d.summary(), rows)


class _Diff:
    render = staticmethod(render_text)

    def __init__(self, **_: Any) -> None:
        pass

    def write(self, report: PolicyDiff, out: TextIO) -> None:
        out.write(type(self).render(report))


class DiffText(_Diff):
    render = staticmethod(render_text)


class DiffJSON(_Diff):
    render = staticmethod(render_json)


class DiffMarkdown(_Diff):
    render = staticmethod(render_markdown)


class DiffHTML(_Diff):
    render = staticmethod(render_html)
