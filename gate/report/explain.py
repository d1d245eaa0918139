"""`scrapegate explain` output: text (the input facts, the rules that fired and why, the rules
that did not and the first condition that did not hold) and json."""

from __future__ import annotations

import json
from typing import Any, Iterable, TextIO

from gate.policy.explain import UNDEFINED, Condition, Explanation, RuleExplanation

__all__ = ["ExplainText", "ExplainJSON", "render_text", "render_json"]


def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, value


def not_checked(policy_input: dict[str, Any]) -> list[str]:
    """The site signals the decision was made without (static mode)."""
    signals = policy_input.get("signals") or {}
    return [name for name, value in signals.items() if isinstance(value, dict) and value.get("status") == "not_checked"]


def render_text(e: Explanation) -> str:
    d = e.decision
    verdict = "ALLOW" if d.allow else "DENY"
    lines = [f"explain: job {e.job} ({e.file}), target {e.target}",
             f"decision: {verdict} ({len(d.deny)} deny, {len(d.warn)} warn, {len(d.waived)} waived; "
             f"policy {str(d.policy_revision or '')[:12]}, {d.engine} engine)"]
    unchecked = not_checked(e.policy_input)
    robots = (e.policy_input.get("signals") or {}).get("robots") or {}
    if unchecked and robots.get("status", "not_checked") == "not_checked":
        lines.append(f"not checked: {', '.join(unchecked)} (static mode: nothing was fetched, "
                     "so what the site says there decided nothing; --live fetches them)")
    elif unchecked:  # live: not fetched for this job's purpose, or read only from responses
        lines.append(f"not checked: {', '.join(unchecked)} (not fetched for this job's purpose, or read only from "
                     "the responses a crawl fetches, which explain does not fetch)")
    lines += ["", "Input facts:"]
    for path, value in _flatten(e.policy_input):
        lines.append(f"  {path} = {json.dumps(value, sort_keys=True)}")
    lines += ["", f"Jurisdictions considered: {', '.join(e.jurisdictions) or '(none)'}", "", "Rules that fired:"]
    if not e.fired:
        lines.append("  (none)")
    for r in e.fired:
        where = f" [{', '.join(sorted(set(r.in_decision)))}]" if r.in_decision else ""
        lines.append(f"  {r.kind.upper()} {r.code}{where} ({r.law or 'no law given'}) {r.file}:{r.line}")
        if r.waived_by:
            lines.append(f"    waived by {', '.join(r.waived_by)}")
        if not r.fired:
            lines.append(f"    in the decision, but its conditions now read: {r.reason()}")
        for c in r.conditions:
            facts = "; ".join(f.text() for f in c.facts)
            lines.append(f"    because `{c.text}`" + (f": {facts}" if facts else ""))
    lines += ["", "Rules for this job's jurisdictions that did not fire:"]
    if not e.not_fired:
        lines.append("  (none)")
    for r in e.not_fired:
        lines.append(f"  {r.code}: {r.reason()}  ({r.file}:{r.failed.line if r.failed else r.line})")
    if e.other_jurisdictions:
        lines.append(f"  ({e.other_jurisdictions} rule(s) for other jurisdictions not shown)")
    if e.not_in_decision:
        lines += ["", "Rules that hold but do not reach the decision (they change nothing):"]
        for r in e.not_in_decision:
            lines.append(f"  {r.kind.upper()} {r.code} {r.file}:{r.line}: {r.note}")
    return "\n".join(lines) + "\n"


def _rule_json(r: RuleExplanation) -> dict[str, Any]:
    def facts(c: Condition) -> dict[str, Any]:
        return {f.ref: (None if f.value is UNDEFINED else f.value) for f in c.facts}

    return {"code": r.code, "kind": r.kind, "title": r.title, "law": r.law, "jurisdictions": r.jurisdictions,
            "file": r.file, "line": r.line, "fired": r.fired, "reason": r.reason(),
            "decision_jurisdictions": r.in_decision,
            "waived_by": r.waived_by, "error": r.error, "note": r.note,
            "conditions": [{"text": c.text, "line": c.line, "held": c.held, "facts": facts(c)} for c in r.conditions]}


def render_json(e: Explanation) -> str:
    doc = {"job": e.job, "file": e.file, "target": e.target, "decision": e.decision.model_dump(mode="json"),
           "not_checked": not_checked(e.policy_input),
           "input": e.policy_input, "jurisdictions": e.jurisdictions,
           "fired": [_rule_json(r) for r in e.fired], "not_fired": [_rule_json(r) for r in e.not_fired],
           "not_in_decision": [_rule_json(r) for r in e.not_in_decision],
           "other_jurisdictions": e.other_jurisdictions}
    return json.dumps(doc, indent=2) + "\n"


class ExplainText:
    def __init__(self, **_: Any) -> None:
        pass

    def write(self, report: Explanation, out: TextIO) -> None:
        out.write(render_text(report))


class ExplainJSON:
    def __init__(self, **_: Any) -> None:
        pass

    def write(self, report: Explanation, out: TextIO) -> None:
        out.write(render_json(report))
