"""Issue 20.7: the text report of `scrapegate check`: the findings a job's targets share
printed once per job, then each target with only what differs, lines within 100 columns
(a URL aside), no "(document 1)", and a summary line naming jobs and targets."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from gate.cli import cli


def test_job_level_findings_print_once_per_job(examples: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(examples)])
    assert result.exit_code == 1
    out = result.stdout
    assert out.count("deny gdpr.art9_prohibited [GB]") == 1  # shared by both Clearview targets: once
    assert out.count("deny terms.automated_collection_prohibited") == 1  # facebook.com only
    face = out[out.index("job face-index"):out.index("job shop-prices")]
    assert face.index("every target:") < face.index("DENY  https://www.facebook.com/")
    after = face[face.index("DENY  https://www.facebook.com/"):]
    assert "terms.automated_collection_prohibited" in after and "gdpr.art9_prohibited" not in after
    assert "(document 1)" not in out
    assert "declared: null" not in out and "declared: none" in out
    for line in out.splitlines():
        assert len(line) <= 100 or re.search(r"https?://\S{60,}", line), line
    assert out.splitlines()[-1].startswith("2 job(s), 4 target(s): 2 allowed, 2 denied, ")


def test_a_single_target_job_lists_its_findings_under_the_target(examples: Path, tmp_path: Path) -> None:
    text = (examples / "clearview-like.yaml").read_text()
    one = tmp_path / "one.yaml"
    one.write_text(re.sub(r"  targets:.*", '  targets: ["https://news.example.fr/photos/"]', text, flags=re.S))
    out = CliRunner().invoke(cli, ["check", str(one)]).stdout
    assert "every target:" not in out
    assert out.index("DENY  https://news.example.fr/photos/") < out.index("gdpr.art9_prohibited")


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run `scrapegate check` with its stdout on a pseudo-terminal; what it wrote there."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "gate.cli", "check", *args], stdout=follower,
                            stderr=subprocess.DEVNULL, env={**os.environ, **env})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_unless_no_color(examples: Path) -> None:
    job = [str(examples / "price-monitoring.yaml"), str(examples / "clearview-like.yaml")]
    assert "\033[1;31mDENY \033[0m" in _on_a_terminal(job, {})
    assert "\033[" not in _on_a_terminal(job, {"NO_COLOR": "1"})
    assert "\033[" not in _on_a_terminal([*job, "--no-color"], {})
    piped = CliRunner().invoke(cli, ["check", *job]).stdout  # not a terminal
    assert "\033[" not in piped
    forced = CliRunner().invoke(cli, ["check", *job, "--color"]).stdout
    assert "\033[32mALLOW\033[0m" in forced
