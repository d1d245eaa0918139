"""Issue 20.12: `scrapegate report --ledger PATH -o report.html` writes one self-contained
HTML file (nothing fetched from elsewhere), loaded in the real Debian Chromium, headless:
the charts are laid out (the page's own check, read back with --dump-dom), the quarantined
URLs are listed and laid out (read through Playwright, the network cut), and a screenshot
shows them; the screenshots are kept as test artifacts (tests/artifacts/, untracked)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.report.html import MAX_BARS, bar_unit, render_report

from ledger_helpers import allowed, denied, policy_input, sha

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WAIVERS = """\
- id: W-1
  rules: [bipa.written_release_missing]
  jobs: "*"
  sites: "*"
  approved_by: dpo@example.com
  reason: written releases on file
  ticket: LEGAL-1
  expires: 2099-12-31
- id: W-OLD
  rules: [gdpr.art9_prohibited]
  jobs: "*"
  sites: "*"
  approved_by: dpo@example.com
  reason: expired on purpose
  ticket: LEGAL-2
  expires: 2020-01-01
"""


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    with SQLiteLedger() as ledger:  # SCRAPEGATE_LEDGER points into tmp_path (conftest)
        for i in range(6):
            ledger.record(allowed(), policy_input(f"https://shop.example.com/p/{i}"), mode="enforce", job="prices",
                          owner="o@example.com", signal_docs={"robots": sha(b"r")})
        for i in range(3):
            ledger.record(denied("gdpr.art9_prohibited", "FR"), policy_input(f"https://news.example.fr/{i}"),
                          mode="enforce", job="faces", owner="o@example.com", signal_docs={})
        ledger.record(denied("robots.disallowed"), policy_input("https://www.example.com/private"), mode="enforce",
                      job="faces", owner="o@example.com", signal_docs={})
        # the response phase's quarantine: two open entries, and a site released since
        for i, site in ((1, "shop.example.com"), (2, "shop.example.com"), (3, "blog.example.org")):
            ledger.quarantine(None, job="prices", site=site, url=f"https://{site}/team/{i}", reason="faces found",
                              category="facial_images", evidence={"faces": i}, handed_over=i == 2)
        ledger.release(job="prices", site="blog.example.org", by="dpo@example.com", reason="deleted")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "-o", str(out), "--waivers", str(waivers)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("field,value,error", [
    ("rules", "42", ":2: waivers[0].rules: must be a list of rule codes, not int 42"),  # was a TypeError in the page
    ("expires", "someday", ":8: waivers[0].expires: 'someday' is not a date: write YYYY-MM-DD (the last day the waiver holds)"),
])
def test_a_bad_waivers_file_is_bad_input_not_a_page(tmp_path: Path, field: str, value: str, error: str) -> None:
    with SQLiteLedger() as ledger:
        ledger.record(allowed(), policy_input("https://shop.example.com/p/1"), mode="enforce", job="prices",
                      owner="o@example.com", signal_docs={})
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(re.sub(rf"(?m)^(  {field}): .*$", rf"\1: {value}", WAIVERS, count=1))
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "-o", str(out), "--waivers", str(waivers)])
    assert result.exit_code == 2, result.output
    assert result.output == f"Error: {waivers}{error}\n"
    assert not out.exists()


def test_the_report_is_one_self_contained_file(report_file: Path) -> None:
    text = report_file.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "nothing may load from elsewhere"
    assert text.count("<svg") == 2 and "Decisions per day, by denial code" in text
    assert "<td>gdpr.art9_prohibited</td><td>GDPR Art. 9(1)" in text.replace("\n", "")  # the law beside the code
    assert "W-OLD" in text and "expired" in text and "W-1" in text and "active" in text
    assert "10 decision(s), 6 allowed, 4 denied" in text
    quarantine = text[text.index('<h2 id="quarantine">'):]
    assert "2 quarantined URL(s)" in text and "2 URL(s) on 1 site(s)" in quarantine
    assert "https://shop.example.com/team/1" in quarantine and "https://shop.example.com/team/2" in quarantine
    assert "blog.example.org" not in quarantine  # released: no longer waiting for deletion
    assert "<td>facial_images</td><td>faces found</td><td>yes</td>" in quarantine


def test_an_empty_quarantine_says_none() -> None:
    text = render_report([], laws={}, waivers=[], source="x", today="2026-12-03")
    section = text[text.index('<h2 id="quarantine">'):]
    assert "<td colspan=\"9\">none</td>" in section.split("</table>")[0]


def _rows(first: str, days: int) -> list[dict[str, object]]:
    import datetime as dt

    start = dt.date.fromisoformat(first)
    return [{"time": f"{start + dt.timedelta(days=d)}T10:00:00Z", "allow": d % 3 != 0,
             "deny_codes": [] if d % 3 else ["robots.disallowed"], "site": "shop.example.com"} for d in range(days)]


def test_long_spans_are_drawn_per_week_then_per_month() -> None:
    assert bar_unit(_rows("2026-01-01", MAX_BARS)) == "day"
    assert bar_unit(_rows("2026-01-01", MAX_BARS + 1)) == "week"
    assert bar_unit(_rows("2024-01-01", 7 * MAX_BARS + 1)) == "month"
    year = render_report(_rows("2025-01-01", 365), laws={}, waivers=[], source="x", today="2026-12-03")
    assert "Decisions per week, by denial code" in year
    chart = year[year.index('id="chart-sites"'):year.index("</svg>", year.index('id="chart-sites"'))]
    assert chart.count("<rect ") - 1 == 53  # one bar per week (2024-12-30 .. 2025-12-29), one legend swatch
    assert "<title>2024-12-30 shop.example.com: 5</title>" in chart  # the week holds 1-5 January
    months = render_report(_rows("2023-01-01", 1000), laws={}, waivers=[], source="x", today="2026-12-03")
    assert "Decisions per month, by site" in months and ">2023-01</text>" in months


@pytest.mark.slow
def test_the_charts_render_in_headless_chromium(report_file: Path, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=900,1400"]
    dom = subprocess.run([*flags, "--virtual-time-budget=2000", "--dump-dom", report_file.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert 'data-charts-rendered="2"' in dom.stdout, dom.stderr[-2000:]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "html-report.png"
    shot.unlink(missing_ok=True)
    subprocess.run([*flags, f"--screenshot={shot}", report_file.as_uri()], capture_output=True, timeout=120)
    assert shot.exists(), "no screenshot"
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    # The first chart's bars: red (#c0392b, the denial code series) must be on screen.
    pixels = image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()
    reds = sum(1 for r, g, b in pixels if r > 170 and g < 80 and b < 70)  # (getdata: Pillow < 12.1)
    assert reds > 500, f"no chart bars in the screenshot ({reds} red pixels)"


@pytest.mark.slow
def test_the_quarantine_section_is_laid_out_offline_in_chromium(report_file: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            context = browser.new_context(viewport={"width": 900, "height": 900}, offline=True)
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.goto(report_file.as_uri())
            page.wait_for_function("document.body.dataset.chartsRendered !== undefined", timeout=20000)
            assert page.evaluate("document.body.dataset.chartsRendered") == "2"
            table = page.locator("#quarantine ~ table").first
            box = table.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 40
            cells = table.locator("tr").all_inner_texts()
            assert len(cells) == 3 and "https://shop.example.com/team/1" in cells[1]
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "html-report-full.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [report_file.as_uri()]  # one self-contained file: nothing else was asked for
    assert (ARTIFACTS / "html-report-full.png").stat().st_size > 10_000


def _rendered_charts(html_file: Path, tmp_path: Path, shot: Path) -> str:
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=900,900"]
    dom = subprocess.run([*flags, "--virtual-time-budget=2000", "--dump-dom", html_file.as_uri()],
                         capture_output=True, text=True, timeout=120)
    ARTIFACTS.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    subprocess.run([*flags, f"--screenshot={shot}", html_file.as_uri()], capture_output=True, timeout=120)
    return dom.stdout


@pytest.mark.slow
def test_policy_diff_as_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from legal_workflow_bundle import write_bundle, write_job

    base = write_bundle(tmp_path / "base")
    head = write_bundle(tmp_path / "head", extra_sites=["example.com"])
    job = write_job(tmp_path / "job.yaml")
    out = tmp_path / "diff.html"
    result = CliRunner().invoke(cli, ["policy", "diff", "--base", str(base), "--head", str(head), str(job),
                                      "--format", "html", "-o", str(out)])
    assert result.exit_code == 1, result.output  # a target goes from allow to deny
    text = out.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "allow -&gt; deny" in text and "terms.automated_collection_prohibited" in text
    shot = ARTIFACTS / "policy-diff.png"
    assert 'data-charts-rendered="1"' in _rendered_charts(out, tmp_path, shot)
    assert shot.exists()
