"""The lines `scrapegate run` prints: one per denied request as it happens, and a summary."""

from __future__ import annotations

from gate.model.decision import Decision
from gate.proxy.service import RunStats

__all__ = ["decision_line", "summary_text"]

MAX_URL_CHARS = 200
MAX_CODES_SHOWN = 4   # the 451 body and the ledger have them all


def decision_line(url: str, method: str, decision: Decision) -> str | None:
    """The live line for a denied request (None for an allowed one)."""
    if decision.allow:
        return None
    verb = "blocked" if decision.mode == "enforce" else "would block (audit)"
    codes = decision.deny_codes or ["denied"]
    reasons = ", ".join(codes[:MAX_CODES_SHOWN])
    if len(codes) > MAX_CODES_SHOWN:
        reasons += f" and {len(codes) - MAX_CODES_SHOWN} more"
    shown = url if len(url) <= MAX_URL_CHARS else url[:MAX_URL_CHARS] + "..."
    return f"scrapegate: {verb} {method} {shown}: {reasons} (decision {decision.decision_id})"


def summary_text(stats: RunStats, *, mode: str, ledger_path: str | None, command_code: int,
                 exit_code: int) -> str:
    denied_word = "denied" if mode == "enforce" else "would be denied (audit mode: forwarded)"
    lines = [f"scrapegate run: {stats.total} request(s): {stats.allowed} allowed, {stats.denied} {denied_word}"]
    if stats.total == 0 and not stats.unopened:
        lines.append("  (nothing went through the proxy: does COMMAND honour HTTP_PROXY/HTTPS_PROXY?)")
    if stats.denied_by_code:
        lines.append("  denied by code:")
        width = max(len(code) for code in stats.denied_by_code)
        for code, count in sorted(stats.denied_by_code.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"    {code:<{width}}  {count}")
    if stats.withheld:
        lines.append(f"  responses withheld after inspection (answered 451): {stats.withheld}")
        for code, count in sorted(stats.withheld_by_code.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"    {code}  {count}")
    if stats.hosts:
        lines.append("  hosts touched:")
        width = max(len(host) for host in stats.hosts)
        for host, tally in sorted(stats.hosts.items()):
            lines.append(f"    {host:<{width}}  {tally.allowed} allowed, {tally.denied} denied")
    if stats.unopened:
        lines.append("  connections that ended before any request was gated "
                     "(origin unreachable, TLS failure, or the client gave up):")
        width = max(len(host) for host in stats.unopened)
        for host, count in sorted(stats.unopened.items()):
            lines.append(f"    {host:<{width}}  {count}")
    lines.append(f"  collected (responses recorded): {stats.collected}"
                 + (f", {stats.collect_errors} could not be recorded" if stats.collect_errors else ""))
    lines.append(f"  ledger: {ledger_path or '(none)'}")
    tail = f"  command exit code: {command_code}"
    if exit_code != command_code:
        tail += f"; scrapegate exits {exit_code} (--fail-on-deny)"
    lines.append(tail)
    return "\n".join(lines)
