"""Issue 20.7: a progress bar on stderr for runs over 2 s, on a terminal only."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from gate.cli import cli
from gate.cli.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_appears_only_after_the_delay_and_only_on_a_terminal() -> None:
    now = [0.0]
    out = Terminal()
    bar = ProgressBar("checking", out, delay_s=2.0, clock=lambda: now[0])
    bar(1, 10)
    assert out.getvalue() == ""  # a quick run prints nothing
    now[0] = 2.5
    bar(5, 10)
    assert out.getvalue() == "\rchecking [###############...............] 5/10"
    bar.close()
    assert out.getvalue().endswith("\r") and not bar.drawn
    piped = io.StringIO()
    quiet = ProgressBar("checking", piped, delay_s=0.0)
    quiet(5, 10)
    quiet.close()
    assert piped.getvalue() == ""


def test_decide_jobs_reports_progress_in_order_serial_and_parallel(tmp_path: Path, examples: Path) -> None:
    from gate.core import batch
    from gate.engines.embedded import EmbeddedEngine
    from gate.model.manifest import load_manifests

    for i in range(6):
        text = (examples / "price-monitoring.yaml").read_text()
        (tmp_path / f"j{i}.yaml").write_text(text.replace("name: ", f"name: j{i}-", 1))
    jobs = load_manifests([tmp_path])
    engine = EmbeddedEngine()
    try:
        for workers in (1, 2):
            seen: list[tuple[int, int]] = []
            saved, batch.PARALLEL_MIN_TARGETS = batch.PARALLEL_MIN_TARGETS, 1
            try:
                batch.decide_jobs(jobs, engine, workers=workers, progress=lambda d, t, seen=seen: seen.append((d, t)))
            finally:
                batch.PARALLEL_MIN_TARGETS = saved
            assert seen[-1] == (12, 12), (workers, seen)
            assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    finally:
        engine.close()


def test_check_piped_prints_no_bar(examples: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(examples)])
    assert "\r" not in result.stderr
