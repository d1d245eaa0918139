"""`scrapegate report`: one self-contained HTML file about a ledger, for people who would rather
look than read: decisions over time by code and by site (charts), the top denial reasons with
their laws, the waivers with their expiry, and the quarantined URLs (what must be deleted).

The charts are inline SVG written here, chosen by measurement against uPlot, Chart.js and
frappe-charts inlined from the npm registry (benchmarks/report_charts_bench.py, BENCHMARKS.md
section "report charts"): the SVG showed both charts first at every span measured, with
nothing vendored (no licence to carry, no script to run: it renders with JavaScript off, in
mail clients and locked-down viewers, prints, and its text stays searchable), and gzips
smallest. Its one weakness was size on long spans (a bar and a tooltip per day and series:
633 KB for a year), so a span longer than MAX_BARS days is drawn per week, and per month
beyond that: at most MAX_BARS bars, also readable. The one script in the file only marks,
after load, how many charts the browser laid out (`data-charts-rendered` on <body>), which
the test reads back from headless Chromium.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter, defaultdict
from typing import Any, Iterable, Literal, Mapping, Sequence

__all__ = ["render_report", "render_diff", "page", "bar_unit", "MAX_BARS"]

PALETTE = ("#c0392b", "#2980b9", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#f1c40f", "#2c3e50", "#e84393")
GREEN = "#27ae60"  # "allowed" only
ALLOWED = "allowed"
TOP = 8  # series per chart; the rest are summed as "other"
MAX_BARS = 92  # bars per chart: a longer span of days is drawn per week, then per month
Unit = Literal["day", "week", "month"]


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _day(row: Mapping[str, Any]) -> str:
    return str(row.get("time", ""))[:10]


def _date(day: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(day)
    except ValueError:
        return None


def bar_unit(rows: Sequence[Mapping[str, Any]]) -> Unit:
    """day, week or month: the finest unit that keeps the span within MAX_BARS bars."""
    dates = sorted(d for d in (_date(_day(r)) for r in rows) if d is not None)
    if not dates:
        return "day"
    span = (dates[-1] - dates[0]).days + 1
    if span <= MAX_BARS:
        return "day"
    return "week" if span <= 7 * MAX_BARS else "month"


def _bucket(day: str, unit: Unit) -> str:
    """The bar a day falls in, named by its first day (a week starts on Monday)."""
    date = _date(day)
    if date is None or unit == "day":
        return day
    if unit == "week":
        return (date - dt.timedelta(days=date.weekday())).isoformat()
    return date.replace(day=1).isoformat()


def _series(rows: Sequence[Mapping[str, Any]], key: Any,
            unit: Unit = "day") -> tuple[list[str], dict[str, Counter[str]]]:
    """bars (their first days), and per series name the count per bar (`key(row)` gives a
    row's series names)."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        bar = _bucket(_day(row), unit)
        for name in key(row):
            per[name][bar] += 1
    bars = sorted({_bucket(_day(r), unit) for r in rows})
    ranked = sorted(per, key=lambda n: -sum(per[n].values()))
    if len(ranked) > TOP:
        other: Counter[str] = Counter()
        for name in ranked[TOP - 1:]:
            other.update(per.pop(name))
        per["other"] = other
    return bars, dict(per)


def _colour(names: list[str], name: str) -> str:
    if name == ALLOWED:
        return GREEN
    return PALETTE[[n for n in names if n != ALLOWED].index(name) % len(PALETTE)]


def _bar_chart(title: str, days: list[str], series: dict[str, Counter[str]], chart_id: str,
               unit: Unit = "day") -> str:
    """A stacked bar per day (week, month), one colour per series, with a legend; sizes in
    SVG user units."""
    width, height, left, bottom, top = 760, 260, 40, 40, 10
    names = list(series)
    totals = [sum(series[n][d] for n in names) for d in days] or [0]
    peak = max(totals) or 1
    step = (width - left - 10) / max(len(days), 1)
    bar = min(max(step * 0.7, 1), 48)
    parts = [f'<svg id="{chart_id}" class="chart" role="img" aria-label="{_esc(title)}" '
             f'viewBox="0 0 {width} {height + 20 * ((len(names) + 3) // 4)}" width="{width}">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#555"/>',
             f'<text x="4" y="{top + 10}" font-size="11">{peak}</text>',
             f'<text x="4" y="{height - bottom}" font-size="11">0</text>']
    scale = (height - bottom - top) / peak
    for i, day in enumerate(days):
        x, y = left + i * step + (step - bar) / 2, float(height - bottom)
        for name in names:
            n = series[name][day]
            if not n:
                continue
            h = n * scale
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{_colour(names, name)}"><title>{_esc(day)} {_esc(name)}: {n}</title></rect>')
        if len(days) <= 14 or i % max(len(days) // 10, 1) == 0:
            tick = day[:7] if unit == "month" else day[5:]
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="10">{_esc(tick)}</text>')
    for j, name in enumerate(names):
        lx, ly = left + (j % 4) * 180, height + (j // 4) * 20
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{_colour(names, name)}"/>'
                     f'<text x="{lx + 14}" y="{ly}" font-size="11">{_esc(name[:26])}</text>')
    parts.append("</svg>")
    return f"<h2>{_esc(title)}</h2>\n" + "".join(parts)


def _table(head: Iterable[str], body: Iterable[Iterable[Any]]) -> str:
    rows = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in body)
    return ("<table><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in head) + "</tr>"
            + (rows or '<tr><td colspan="9">none</td></tr>') + "</table>")


def _quarantine_section(entries: Sequence[Mapping[str, Any]]) -> str:
    """The open quarantine (`scrapegate ledger quarantine`): URLs whose data must be deleted."""
    per_site = Counter(str(e.get("site") or "?") for e in entries)
    lead = (f"<p>{len(entries)} URL(s) on {len(per_site)} site(s) wait for deletion or release "
            "(<code>scrapegate ledger quarantine</code>, <code>--release</code>): "
            + ", ".join(f"{_esc(site)} {n}" for site, n in per_site.most_common()) + ".</p>") if entries else ""
    body = ((str(e.get("time") or "")[:19].replace("T", " "), e.get("job"), e.get("site"), e.get("url"),
             e.get("category") or e.get("action"), e.get("reason"), "yes" if e.get("handed_over") else "no")
            for e in entries)
    return ('<h2 id="quarantine">Quarantined URLs</h2>' + lead
            + _table(("since", "job", "site", "URL", "undeclared data", "reason", "handed over"), body))


def render_report(rows: Sequence[Mapping[str, Any]], *, laws: Mapping[str, str], waivers: Sequence[Mapping[str, Any]],
                  source: str, today: str, quarantine: Sequence[Mapping[str, Any]] = ()) -> str:
    """The whole HTML document."""
    denied = [r for r in rows if not r.get("allow")]
    unit = bar_unit(rows)
    days, by_code = _series(rows, lambda r: list(r.get("deny_codes") or []) or [ALLOWED], unit)
    _, by_site = _series(rows, lambda r: [str(r.get("site") or "?")], unit)
    reasons = Counter(code for r in denied for code in (r.get("deny_codes") or []))
    waiver_rows = sorted(((w.get("id"), ", ".join(w.get("rules") or []), w.get("approved_by"), w.get("expires"),
                           "expired" if str(w.get("expires")) < today else "active") for w in waivers),
                         key=lambda w: str(w[3]))
    first = min((_day(r) for r in rows), default="-")
    last = max((_day(r) for r in rows), default="-")
    sections = [
        f"<h1>scrapegate report</h1><p>Ledger <code>{_esc(source)}</code>: {len(rows)} decision(s), "
        f"{len(rows) - len(denied)} allowed, {len(denied)} denied, from {_esc(first)} to {_esc(last)}; "
        f"{len(quarantine)} quarantined URL(s).</p>",
        _bar_chart(f"Decisions per {unit}, by denial code", days, by_code, "chart-codes", unit),
        _bar_chart(f"Decisions per {unit}, by site", days, by_site, "chart-sites", unit),
        "<h2>Top denial reasons</h2>" + _table(("code", "law", "denials"),
                                                ((c, laws.get(c, ""), n) for c, n in reasons.most_common(15))),
        "<h2>Waivers</h2>" + _table(("id", "waives", "approved by", "expires", "state"), waiver_rows),
        _quarantine_section(quarantine),
    ]
    return page("scrapegate report", sections, charts=2)


def page(title: str, sections: Sequence[str], *, charts: int) -> str:
    """A whole self-contained document around `sections`."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: .5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}
svg.chart {{ display: block; margin-bottom: 1em; }}
</style></head>
<body data-charts="{charts}">
{chr(10).join(sections)}
<script>
addEventListener("load", () => {{
  const drawn = [...document.querySelectorAll("svg.chart")].filter(s => {{
    const box = s.getBBox(); return box.width > 0 && box.height > 0 && s.querySelectorAll("rect").length > 0; }});
  document.body.dataset.chartsRendered = String(drawn.length);
}});
</script>
</body></html>
"""


def _hbars(title: str, counts: Sequence[tuple[str, int, str]], chart_id: str) -> str:
    """Horizontal bars, one per (label, count, colour)."""
    peak = max([n for _, n, _ in counts] + [1])
    parts = [f'<svg id="{chart_id}" class="chart" role="img" aria-label="{_esc(title)}" '
             f'viewBox="0 0 760 {30 * len(counts) + 10}" width="760">']
    for i, (label, n, colour) in enumerate(counts):
        y = 10 + 30 * i
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{_esc(label)}</text>'
                     f'<rect x="170" y="{y}" width="{max(500 * n / peak, 2):.1f}" height="20" fill="{colour}">'
                     f'<title>{_esc(label)}: {n}</title></rect>'
                     f'<text x="{176 + 500 * n / peak:.1f}" y="{y + 15}" font-size="12">{n}</text>')
    parts.append("</svg>")
    return f"<h2>{_esc(title)}</h2>\n" + "".join(parts)


def render_diff(base: str, head: str, summary: Mapping[str, int], changes: Sequence[Sequence[Any]]) -> str:
    """`policy diff --format html`: the verdicts that change as a chart, then every change."""
    counts = [("allow -> deny", summary["allow_to_deny"], PALETTE[0]),
              ("deny -> allow", summary["deny_to_allow"], GREEN),
              ("codes changed", summary["codes_changed"], PALETTE[1]),
              ("unchanged", summary["unchanged"], PALETTE[5])]
    sections = [f"<h1>scrapegate policy diff</h1><p>Base <code>{_esc(base)}</code> &rarr; head "
                f"<code>{_esc(head)}</code>: {summary['targets']} target(s) in {summary['jobs']} job(s).</p>",
                _hbars("What the change does to the jobs' targets", counts, "chart-diff"),
                "<h2>Changes</h2>" + _table(("manifest", "job", "target", "change", "deny added", "deny removed",
                                             "warnings"), changes)]
    return page("scrapegate policy diff", sections, charts=1)
