"""Issue 20.8: docs a clone can follow. No tracked file points outside the repository
(../shared), the pre-commit example pins no tag that does not exist, and every import the
README's and policies/README.md's Python examples use works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [REPO / line for line in out.splitlines() if (REPO / line).is_file()]


def test_no_tracked_document_points_outside_the_repository() -> None:
    offenders = [str(p.relative_to(REPO)) for p in tracked("*.md", "*.yml", "*.yaml", "*.toml")
                 if "../shared" in p.read_text(encoding="utf-8", errors="replace")]
    assert offenders == []


def test_the_pre_commit_example_pins_nothing_that_does_not_exist() -> None:
    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    [rev] = re.findall(r"rev:\s*(\S+)", text)
    tags = subprocess.run(["git", "tag", "-l"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert rev in tags or rev.startswith("<"), f"rev {rev} names no tag of this repository"
    assert "commit SHA" in text


def test_every_python_import_in_the_readmes_works() -> None:
    imports: list[str] = []
    for doc in (REPO / "README.md", REPO / "policies" / "README.md", REPO / "docs" / "adapters.md"):
        if not doc.exists():
            continue
        for block in re.findall(r"```python\n(.*?)```", doc.read_text(), re.S):
            imports += [line.strip() for line in block.splitlines()
                        if re.match(r"\s*(from gate\S* import |import gate)", line)]
    assert imports, "the README shows no import"
    code = "\n".join(sorted(set(imports)))
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, f"{code}\n{result.stderr}"
