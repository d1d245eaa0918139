"""Issue 20.12: `scrapegate report --ledger PATH -o report.html` writes one self-contained
HTML file (nothing fetched from elsewhere), loaded in the real Debian Chromium, headless:
the charts are laid out (the page's own check, read back with --dump-dom) and a screenshot
shows them; the screenshot is kept as a test artifact (tests/artifacts/, untracked)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.ledger.sqlite.ledger import SQLiteLedger

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
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "-o", str(out), "--waivers", str(waivers)])
    assert result.exit_code == 0, result.output
    return out


def test_the_report_is_one_self_contained_file(report_file: Path) -> None:
    text = report_file.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "nothing may load from elsewhere"
    assert text.count("<svg") == 2 and "Decisions per day, by denial code" in text
    assert "<td>gdpr.art9_prohibited</td><td>GDPR Art. 9(1)" in text.replace("\n", "")  # the law beside the code
    assert "W-OLD" in text and "expired" in text and "W-1" in text and "active" in text
    assert "10 decision(s), 6 allowed, 4 denied" in text


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
    reds = sum(1 for r, g, b in image.getdata() if r > 170 and g < 80 and b < 70)
    assert reds > 500, f"no chart bars in the screenshot ({reds} red pixels)"


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
