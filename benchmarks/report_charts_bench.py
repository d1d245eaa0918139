"""Which chart library for `scrapegate report` (issue 20.12): the inline SVG that
gate/report/html.py writes, against small vendorable libraries from the npm registry, on the
same data (decisions per day by code and by site: two stacked-bar charts of nine series).

    python benchmarks/report_charts_bench.py               # 30 and 365 days, 7 rounds
    python benchmarks/report_charts_bench.py --rounds 3 --days 30

For each variant and size: the HTML file's size (and gzipped), what the charts add to a page
without them, and the time until both charts show their data in the real headless Chromium
(Debian's /usr/bin/chromium through Playwright, --no-sandbox, the network cut: every request
but the file itself is aborted and counted). Time is the page's own clock: performance.now()
(from navigation start) at the first animation frame after load in which the variant's
"drawn" test holds. Each round loads every variant once, in a rotating order (interleaved),
in a fresh browser context; the figure is the median.

The libraries are fetched with the ordinary npm client (`npm pack`, pinned versions) into
--cache (default ~/.cache/scrapegate-bench/npm) on first use; nothing is vendored by this
script. Each is inlined into the page, as a self-contained report would have to carry it.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from gate.report.html import ALLOWED, _bar_chart, _colour, _series, bar_unit, page  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LIBRARIES = {  # variant: (npm package@version, the file a page would inline)
    "uplot": ("uplot@1.6.32", "dist/uPlot.iife.min.js"),
    "chartjs": ("chart.js@4.6.1", "dist/chart.umd.min.js"),
    "frappe": ("frappe-charts@1.6.2", "dist/frappe-charts.min.umd.js"),
}
UPLOT_CSS = "dist/uPlot.min.css"
SERIES = 12  # codes before "other" folds the tail (html.TOP is 8)
PER_DAY = 120
DAILY = False  # --daily: one bar per day whatever the span (html.py before it grouped long spans)

# Harness appended to every page: poll each frame after load until the variant says drawn.
HARNESS = """<script>
addEventListener("load", () => {
  const t = performance.now();
  try { window.__draw && window.__draw(); } catch (e) { document.body.dataset.error = String(e); }
  document.body.dataset.drawCall = String(performance.now() - t);
  const tick = () => {
    if (window.__drawn()) { document.body.dataset.ready = String(performance.now()); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});
</script>"""


def fetch(cache: Path) -> dict[str, Path]:
    """Each library's unpacked package folder, `npm pack`ed into `cache` once."""
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for variant, (spec, _) in LIBRARIES.items():
        folder = cache / spec.replace("@", "-").replace("/", "-")
        if not (folder / "package" / "package.json").exists():
            done = subprocess.run(["npm", "pack", spec, "--silent"], cwd=cache, capture_output=True, text=True,
                                  check=True)
            with tarfile.open(cache / done.stdout.strip().splitlines()[-1]) as tar:
                tar.extractall(folder, filter="data")
        out[variant] = folder / "package"
    return out


def ledger_rows(days: int, seed: int = 7) -> list[dict[str, Any]]:
    """Decisions as `ledger.query.rows` gives them: PER_DAY a day, a third denied over
    SERIES codes, spread over 12 sites."""
    rng = random.Random(seed)
    rows = []
    for d in range(days):
        day = (datetime.date(2025, 1, 1) + datetime.timedelta(days=d)).isoformat()
        for _ in range(PER_DAY):
            denied = rng.random() < 0.33
            rows.append({"time": f"{day}T12:00:00Z", "allow": not denied,
                         "deny_codes": [f"code.{rng.randrange(SERIES)}"] if denied else [],
                         "site": f"site{rng.randrange(12)}.example"})
    return rows


def _unit(rows: list[dict[str, Any]]) -> Any:
    return "day" if DAILY else bar_unit(rows)


def _charts_data(rows: list[dict[str, Any]]) -> list[tuple[str, list[str], dict[str, Any]]]:
    """The report's own series (html.py's), so every variant draws the same bars."""
    unit = _unit(rows)
    days, by_code = _series(rows, lambda r: list(r.get("deny_codes") or []) or [ALLOWED], unit)
    _, by_site = _series(rows, lambda r: [str(r.get("site") or "?")], unit)
    return [("chart-codes", days, by_code), ("chart-sites", days, by_site)]


def _json_series(days: list[str], series: dict[str, Any]) -> dict[str, Any]:
    names = list(series)
    return {"days": days, "names": names, "colours": [_colour(names, n) for n in names],
            "values": [[series[n][d] for d in days] for n in names]}


def _lib_page(title: str, body: str, script: str, data: list[Any], head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}"
            f"<style>body{{font:14px/1.4 system-ui,sans-serif;margin:2em}}</style></head><body>{body}"
            f"<script>{script}</script><script>window.__data = {json.dumps(data)};</script>")


def svg_page(rows: list[dict[str, Any]], libs: dict[str, Path]) -> str:
    charts = [_bar_chart(t, days, series, cid, _unit(rows)) for (cid, days, series), t
              in zip(_charts_data(rows), ("By denial code", "By site"))]
    doc = page("charts", charts, charts=2)
    return doc.replace("</body>", "<script>window.__drawn = () => document.querySelectorAll('svg.chart rect')"
                                  ".length > 0;</script>" + HARNESS + "</body>")


def uplot_page(rows: list[dict[str, Any]], libs: dict[str, Path]) -> str:
    lib = (libs["uplot"] / LIBRARIES["uplot"][1]).read_text()
    css = (libs["uplot"] / UPLOT_CSS).read_text()
    data = [_json_series(d, s) for _, d, s in _charts_data(rows)]
    draw = """window.__draw = () => { window.__data.forEach((c, k) => {
  const x = c.days.map((_, i) => i); const acc = x.map(() => 0);
  const stacked = c.values.map(v => v.map((n, i) => (acc[i] += n)));   // uPlot has no stacking: cumulate
  const bars = uPlot.paths.bars({size: [0.7, 48]});
  const series = [{}].concat(c.names.map((n, i) => ({label: n, fill: c.colours[i], stroke: c.colours[i],
                                                       paths: bars, points: {show: false}})).reverse());
  new uPlot({width: 760, height: 260, series, scales: {x: {time: false}},
             axes: [{values: (u, ticks) => ticks.map(t => (c.days[t] || "").slice(5))}, {}]},
            [x].concat(stacked.slice().reverse()), document.getElementById("c" + k));
}); };
window.__drawn = () => document.querySelectorAll(".uplot canvas").length === 2;"""
    return _lib_page("charts", "<div id=c0></div><div id=c1></div>", lib, data, f"<style>{css}</style>") \
        + f"<script>{draw}</script>{HARNESS}</body></html>"


def chartjs_page(rows: list[dict[str, Any]], libs: dict[str, Path]) -> str:
    lib = (libs["chartjs"] / LIBRARIES["chartjs"][1]).read_text()
    data = [_json_series(d, s) for _, d, s in _charts_data(rows)]
    draw = """window.__draw = () => { window.__charts = window.__data.map((c, k) => new Chart(
  document.getElementById("c" + k), {type: "bar", options: {animation: false, responsive: false,
    scales: {x: {stacked: true}, y: {stacked: true}}},
  data: {labels: c.days.map(d => d.slice(5)), datasets: c.names.map((n, i) => ({label: n, data: c.values[i],
    backgroundColor: c.colours[i]}))}})); };
window.__drawn = () => (window.__charts || []).length === 2;"""
    body = "<canvas id=c0 width=760 height=300></canvas><canvas id=c1 width=760 height=300></canvas>"
    return _lib_page("charts", body, lib, data) + f"<script>{draw}</script>{HARNESS}</body></html>"


def frappe_page(rows: list[dict[str, Any]], libs: dict[str, Path]) -> str:
    lib = (libs["frappe"] / LIBRARIES["frappe"][1]).read_text()
    data = [_json_series(d, s) for _, d, s in _charts_data(rows)]
    draw = """window.__draw = () => { window.__data.forEach((c, k) => new frappe.Chart("#c" + k, {
  type: "bar", height: 260, animate: 0, colors: c.colours, barOptions: {stacked: 1},
  data: {labels: c.days.map(d => d.slice(5)), datasets: c.names.map((n, i) => ({name: n, values: c.values[i]}))}}));
};
// drawn: the real data is in (frappe draws zeros first and the data after its init timeout)
window.__drawn = () => [0, 1].every(k => [...document.querySelectorAll("#c" + k + " rect.bar")]
  .some(r => parseFloat(r.getAttribute("height")) > 0));"""
    return _lib_page("charts", "<div id=c0></div><div id=c1></div>", lib, data) \
        + f"<script>{draw}</script>{HARNESS}</body></html>"


VARIANTS: dict[str, Callable[[list[dict[str, Any]], dict[str, Path]], str]] = {
    "svg": svg_page, "uplot": uplot_page, "chartjs": chartjs_page, "frappe": frappe_page}


def _empty_size(rows: list[dict[str, Any]]) -> int:
    return len(page("charts", [], charts=0).encode())


def measure(sizes: list[int], rounds: int, cache: Path) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    libs = fetch(cache)
    results = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for days in sizes:
                rows = ledger_rows(days)
                files = {}
                for name, build in VARIANTS.items():
                    files[name] = Path(tmp) / f"{name}-{days}.html"
                    files[name].write_text(build(rows, libs), encoding="utf-8")
                times: dict[str, list[float]] = {n: [] for n in VARIANTS}
                blocked: dict[str, int] = {n: 0 for n in VARIANTS}
                order = list(VARIANTS)
                for r in range(rounds):
                    for name in order[r % len(order):] + order[:r % len(order)]:
                        ready, others = _load(browser, files[name])
                        times[name].append(ready)
                        blocked[name] += others
                for name in VARIANTS:
                    raw = files[name].read_bytes()
                    results.append({"days": days, "variant": name, "bytes": len(raw),
                                    "gzip_bytes": len(gzip.compress(raw, 9)),
                                    "added_bytes": len(raw) - _empty_size(rows),
                                    "ready_ms_median": round(statistics.median(times[name]), 1),
                                    "ready_ms_all": [round(t, 1) for t in times[name]],
                                    "other_requests": blocked[name]})
        finally:
            browser.close()
    return results


def _load(browser: Any, html_file: Path) -> tuple[float, int]:
    """performance.now() when both charts showed their data; requests other than the file."""
    context = browser.new_context(viewport={"width": 900, "height": 900}, offline=True)
    others = 0

    def route(r: Any) -> None:
        nonlocal others
        if r.request.url == html_file.as_uri():
            r.continue_()
        else:
            others += 1
            r.abort()

    try:
        context.route("**/*", route)
        page_ = context.new_page()
        page_.goto(html_file.as_uri())
        page_.wait_for_function("document.body.dataset.ready || document.body.dataset.error", timeout=30000)
        error = page_.evaluate("document.body.dataset.error")
        if error:
            raise RuntimeError(f"{html_file.name}: {error}")
        return float(page_.evaluate("document.body.dataset.ready")), others
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", default="30,365", help="report spans in days, comma-separated")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "scrapegate-bench" / "npm")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--daily", action="store_true",
                        help="a bar per day whatever the span (the report before it grouped long spans)")
    args = parser.parse_args(argv)
    global DAILY
    DAILY = args.daily
    results = measure([int(d) for d in args.days.split(",")], args.rounds, args.cache)
    print(f"{'days':>4}  {'variant':8} {'HTML':>9} {'gzip':>9} {'charts add':>11} {'ready (median)':>15}  requests")
    for r in results:
        print(f"{r['days']:>4}  {r['variant']:8} {r['bytes'] / 1024:>7.1f}KB {r['gzip_bytes'] / 1024:>7.1f}KB "
              f"{r['added_bytes'] / 1024:>9.1f}KB {r['ready_ms_median']:>12.1f} ms  {r['other_requests']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
