"""regopy's library and OpenCV in one process, in the order the Gate loads them: the policy
engine first (a Gate compiles its policies when it is built), the face detector later (at the
first image a response phase inspects). Without gate.engines loading libstdc++ first, the
import of cv2 after regopy aborted the process (`free(): invalid size`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import gate
g = gate.Gate("examples/jobs/price-monitoring.yaml", signals="static")
before = g.check("https://shop.example.com/products/1")
import cv2
from gate.inspect import ContentInspector
ContentInspector()
after = g.check("https://other.example.com/products/2")
print("decisions", before.allow, after.allow, "cv2", cv2.__version__)
"""


def test_regopy_then_opencv_in_one_process() -> None:
    pytest.importorskip("cv2")
    run = subprocess.run([sys.executable, "-I", "-c", SCRIPT], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("decisions True True cv2 4."), run.stdout
