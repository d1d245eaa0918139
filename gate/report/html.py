"""`scrapegate report`: one self-contained HTML file about a ledger, for people who would rather
look than read: decisions per day by code and by site (charts), the top denial reasons with
their laws, and the waivers with their expiry.

The charts are inline SVG written here, not a vendored chart library. Measured against the
small offline candidates (uPlot 1.6: ~50 KB minified, Chart.js 4: ~200 KB, both drawing on a
canvas with JavaScript), two stacked-bar charts need ~60 lines of Python and add 0 bytes of
dependency; the file renders with JavaScript off (mail clients, locked-down viewers), prints,
and its text stays searchable. The one script in the file only marks, after load, how many
charts the browser laid out (`data-charts-rendered` on <body>), which the test reads back
from headless Chromium.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["render_report", "render_diff", "page"]

PALETTE = ("#c0392b", "#2980b9", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#f1c40f", "#2c3e50", "#e84393")
GREEN = "#27ae60"  # "allowed" only
ALLOWED = "allowed"
TOP = 8  # series per chart; the rest are summed as "other"


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _series(rows: Sequence[Mapping[str, Any]], key: Any) -> tuple[list[str], dict[str, Counter[str]]]:
    """days, and per series name the count per day (`key(row)` gives a row's series names)."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        day = str(row.get("time", ""))[:10]
        for name in key(row):
            per[name][day] += 1
    days = sorted({str(r.get("time", ""))[:10] for r in rows})
    ranked = sorted(per, key=lambda n: -sum(per[n].values()))
    if len(ranked) > TOP:
        other: Counter[str] = Counter()
        for name in ranked[TOP - 1:]:
            other.update(per.pop(name))
        per["other"] = other
    return days, dict(per)


def _colour(names: list[str], name: str) -> str:
    if name == ALLOWED:
        return GREEN
    return PALETTE[[n for n in names if n != ALLOWED].index(name) % len(PALETTE)]


def _bar_chart(title: str, days: list[str], series: dict[str, Counter[str]], chart_id: str) -> str:
    """A stacked bar per day, one colour per series, with a legend; sizes in SVG user units."""
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
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="10">{_esc(day[5:])}</text>')
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


def render_report(rows: Sequence[Mapping[str, Any]], *, laws: Mapping[str, str], waivers: Sequence[Mapping[str, Any]],
                  source: str, today: str) -> str:
    """The whole HTML document."""
    denied = [r for r in rows if not r.get("allow")]
    days, by_code = _series(rows, lambda r: list(r.get("deny_codes") or []) or [ALLOWED])
    _, by_site = _series(rows, lambda r: [str(r.get("site") or "?")])
    reasons = Counter(code for r in denied for code in (r.get("deny_codes") or []))
    waiver_rows = sorted(((w.get("id"), ", ".join(w.get("rules") or []), w.get("approved_by"), w.get("expires"),
                           "expired" if str(w.get("expires")) < today else "active") for w in waivers),
                         key=lambda w: str(w[3]))
    sections = [
        f"<h1>scrapegate report</h1><p>Ledger <code>{_esc(source)}</code>: {len(rows)} decision(s), "
        f"{len(rows) - len(denied)} allowed, {len(denied)} denied, from {_esc(days[0] if days else '-')} to "
        f"{_esc(days[-1] if days else '-')}.</p>",
        _bar_chart("Decisions per day, by denial code", days, by_code, "chart-codes"),
        _bar_chart("Decisions per day, by site", days, by_site, "chart-sites"),
        "<h2>Top denial reasons</h2>" + _table(("code", "law", "denials"),
                                                ((c, laws.get(c, ""), n) for c, n in reasons.most_common(15))),
        "<h2>Waivers</h2>" + _table(("id", "waives", "approved by", "expires", "state"), waiver_rows),
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
