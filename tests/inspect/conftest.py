"""Fixtures for the content classifiers: real images from registry packages, encoded by
real encoders; the labelled sets come from benchmarks/inspect_sets.py (built at run time)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

cv2 = pytest.importorskip("cv2", reason="the faces extra (opencv-python-headless) is part of [dev]")
skimage_data = pytest.importorskip("skimage.data", reason="scikit-image is part of [dev]")


def encode(img: Any, ext: str, **params: int) -> bytes:
    flags: list[int] = []
    if "quality" in params:
        flags = [cv2.IMWRITE_JPEG_QUALITY, params["quality"]]
    ok, buf = cv2.imencode(ext, img, flags)
    assert ok, ext
    return bytes(buf.tobytes())


@pytest.fixture(scope="session")
def astronaut_bgr() -> Any:
    return cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def hopper_jpeg() -> bytes:
    """Grace Hopper's portrait, the JPEG file matplotlib ships, byte for byte."""
    matplotlib = pytest.importorskip("matplotlib")
    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return path.read_bytes()


@pytest.fixture(scope="session")
def coffee_jpeg() -> bytes:
    return encode(cv2.cvtColor(skimage_data.coffee(), cv2.COLOR_RGB2BGR), ".jpg", quality=90)


@pytest.fixture(scope="session")
def inspector() -> Any:
    from gate.inspect import ContentInspector

    return ContentInspector()


@pytest.fixture(scope="session")
def face_set() -> list[Any]:
    import inspect_sets

    return inspect_sets.face_set()


@pytest.fixture(scope="session")
def shipped_engine() -> Any:
    """The shipped policies on the embedded engine, compiled once for the session."""
    from gate.engines.embedded import EmbeddedEngine

    eng = EmbeddedEngine()
    yield eng
    eng.close()


@pytest.fixture
def response_site(httpserver: Any, hopper_jpeg: bytes) -> Any:
    """The response phase's local site (tests/inspect/response_site.py) on a real server."""
    import response_site as rs

    rs.serve(httpserver, hopper_jpeg)
    return httpserver


@pytest.fixture
def gate_for(shipped_engine: Any, tmp_path: Path) -> Any:
    """gate_for(job, mode="enforce") -> a Gate with live signals and a ledger in tmp_path."""
    from gate.core.gate import Gate

    made: list[Any] = []

    def make(job: Any, mode: str = "enforce", **kw: Any) -> Any:
        kw.setdefault("ledger", tmp_path / "ledger.db")
        g = Gate(job, engine=shipped_engine, mode=mode, **kw)
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()
