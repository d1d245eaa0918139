"""The fast PNG decode returns exactly OpenCV's grey pixels, for every kind of PNG, or hands
the file back to OpenCV (gate.inspect.pngdecode)."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import cv2, encode, skimage_data

from gate.inspect import FaceDetector, pngdecode

np = pytest.importorskip("numpy")
pytest.importorskip("isal", reason="the faces extra installs isal")
Image = pytest.importorskip("PIL.Image", reason="Pillow comes with scikit-image and matplotlib")

REPO = Path(__file__).resolve().parents[2]
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _filtered(img: Any, kinds: list[int]) -> bytes:
    """8-bit rows filtered None (0), Sub (1) or Up (2), row y with kinds[y % len(kinds)]."""
    h, w = img.shape[:2]
    rows = img.reshape(h, -1).astype(np.uint8)
    bpp = rows.shape[1] // w
    out = []
    for y in range(h):
        kind = kinds[y % len(kinds)]
        row = rows[y]
        if kind == 1:
            row = row - np.concatenate([np.zeros(bpp, np.uint8), row[:-bpp]])
        elif kind == 2:
            row = row - (rows[y - 1] if y else np.zeros_like(row))
        out.append(bytes([kind]) + row.astype(np.uint8).tobytes())
    return b"".join(out)


def _png(img: Any, colour: int, *, kinds: list[int] | None = None, interlace: bool = False,
         extra: tuple[tuple[bytes, bytes], ...] = (), split: int = 0) -> bytes:
    """A PNG written here: filter types chosen row by row, Adam7, extra chunks before IDAT,
    the stream split into IDAT chunks of `split` bytes."""
    h, w = img.shape[:2]
    if interlace:
        raw = b"".join(_filtered(img[y0::dy, x0::dx], kinds or [0]) for x0, y0, dx, dy in _ADAM7
                       if img[y0::dy, x0::dx].size)
    else:
        raw = _filtered(img, kinds or [0])
    stream = zlib.compress(raw, 6)
    parts = [stream[i:i + split] for i in range(0, len(stream), split)] if split else [stream]
    head = _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, int(interlace)))
    return (b"\x89PNG\r\n\x1a\n" + head + b"".join(_chunk(k, d) for k, d in extra)
            + b"".join(_chunk(b"IDAT", p) for p in parts) + _chunk(b"IEND", b""))


def _opencv(data: bytes) -> Any:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)


def _same(data: bytes, route: str | None = None) -> None:
    before = pngdecode.ROUTES.copy()
    ours = pngdecode.decode_grey(data)
    assert ours is not None, "the fast route declined a valid PNG"
    assert np.array_equal(ours, _opencv(data))
    if route is not None:
        assert pngdecode.ROUTES - before == {route: 1}


@pytest.fixture(scope="module")
def photo() -> Any:
    """A real photograph (RGB, 512x512) at an odd size, so rows are not a multiple of anything."""
    return cv2.resize(skimage_data.astronaut(), (333, 251), interpolation=cv2.INTER_AREA)


def _pil(img: Any, mode: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).convert(mode).save(buf, "PNG", **params)
    return buf.getvalue()


def test_libpngs_grey_formula_on_every_colour() -> None:
    """All 2**24 RGB colours, through the numpy route, against libpng's rgb_to_gray."""
    v = np.arange(1 << 24, dtype=np.uint32)
    rgb = np.stack([v >> 16, (v >> 8) & 255, v & 255], -1).astype(np.uint8).reshape(4096, 4096, 3)
    data = encode(rgb[..., ::-1], ".png")  # OpenCV writes BGR as RGB, every row Sub-filtered
    _same(data, "numpy")


@pytest.mark.parametrize("kinds", [[0], [1], [2], [0, 1, 2], [2, 2, 1, 0, 0, 2]])
@pytest.mark.parametrize("colour", [0, 2])
def test_none_sub_and_up_rows_in_runs(photo: Any, kinds: list[int], colour: int) -> None:
    img = photo if colour == 2 else cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    _same(_png(img, colour, kinds=kinds, split=8192), "numpy")


@pytest.mark.parametrize("mode, params", [
    ("RGB", {}), ("L", {}), ("RGBA", {}), ("LA", {}), ("P", {}), ("I;16", {}), ("1", {}),
    ("RGB", {"compress_level": 0}), ("RGB", {"compress_level": 9}),
    ("RGB", {"pnginfo": "text"}), ("RGB", {"transparency": (0, 0, 0)}),
    ("RGB", {"icc_profile": "srgb"}),
])
def test_pillows_pngs_avg_paeth_palettes_alpha_16_bit_and_chunks(photo: Any, mode: str, params: dict[str, Any]) -> None:
    """Pillow filters RGB rows adaptively (mostly Paeth): those, and every other mode, take
    the stored route; libpng still decodes them."""
    if params.get("pnginfo") == "text":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "a photograph")
        params = {"pnginfo": info}
    if params.get("icc_profile") == "srgb":
        from PIL import ImageCms

        params = {"icc_profile": ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()}
    inert = mode in ("RGB", "L") and "transparency" not in params and "icc_profile" not in params
    # (Pillow's RGB rows are Paeth-filtered: stored route; its grey rows may be all Sub/Up/None)
    _same(_pil(photo, mode, **params), None if inert else "stored")


@pytest.mark.parametrize("colour", [0, 2])
def test_adam7_interlaced(photo: Any, colour: int) -> None:
    img = photo if colour == 2 else cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    _same(_png(img, colour, kinds=[1, 2, 0], interlace=True), "stored")


@pytest.mark.parametrize("chunk", [b"gAMA", b"sRGB", b"cHRM", b"sBIT"])
def test_colour_chunks_leave_the_numpy_route(photo: Any, chunk: bytes) -> None:
    """A chunk that may change libpng's grey sends the file through libpng (stored route)."""
    payload = {b"gAMA": struct.pack(">I", 100000), b"sRGB": b"\x00",
               b"cHRM": struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000),
               b"sBIT": b"\x05\x06\x05"}[chunk]
    _same(_png(photo, 2, kinds=[1], extra=((chunk, payload),)), "stored")


def test_tiny_and_one_row_images() -> None:
    rng = np.random.default_rng(7)
    for h, w in ((1, 1), (1, 300), (300, 1), (2, 3)):
        _same(_png(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), 2, kinds=[1, 2]), "numpy")


def _broken(photo: Any) -> dict[str, bytes]:
    good = _png(photo, 2, kinds=[1], split=4096)
    idat = good.index(b"IDAT")
    raw = _filtered(photo, [1])
    header = struct.pack(">IIBBBBB", photo.shape[1], photo.shape[0], 8, 2, 0, 0, 0)
    sig, ihdr, iend = b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"IEND", b"")
    return {
        "IDAT CRC": good[:idat + 100] + bytes([good[idat + 100] ^ 1]) + good[idat + 101:],
        "truncated file": good[:len(good) // 2],
        "rows missing": sig + ihdr + _chunk(b"IDAT", zlib.compress(raw[:-500])) + iend,
        "rows extra": sig + ihdr + _chunk(b"IDAT", zlib.compress(raw + b"\x00" * 1000)) + iend,
        "bytes after the stream": sig + ihdr + _chunk(b"IDAT", zlib.compress(raw) + b"junk") + iend,
        "Adler-32 wrong": sig + ihdr + _chunk(b"IDAT", zlib.compress(raw)[:-1] + b"\x00") + iend,
        "not deflate": sig + ihdr + _chunk(b"IDAT", b"\x78\x9c" + bytes(range(256)) * 4) + iend,
        "no IDAT": sig + ihdr + iend,
    }


def test_broken_files_go_back_to_opencv(photo: Any) -> None:
    """The fast route declines every broken file; the detector then says what OpenCV says."""
    detector = FaceDetector()
    for name, data in _broken(photo).items():
        before = pngdecode.ROUTES.copy()
        assert pngdecode.decode_grey(data) is None, name
        assert pngdecode.ROUTES - before == {"opencv": 1}, name
        expected = "undecodable" if _opencv(data) is None else "ok"
        assert detector.detect("png", data).status == expected, name


def test_the_reused_buffer_does_not_leak_between_images(photo: Any) -> None:
    first = _png(photo, 2, kinds=[1])
    second = _pil(photo[::-1].copy(), "RGB")  # stored route (Paeth rows), through both buffers
    third = _png(cv2.resize(photo, (700, 600)), 2, kinds=[2])  # larger: the buffer grows
    kept = pngdecode.decode_grey(first)
    copy = kept.copy()
    for data in (second, third, first):
        _same(data)
    assert np.array_equal(kept, copy)


def test_threads_decode_side_by_side(photo: Any) -> None:
    bodies = [_png(np.roll(photo, 7 * i, axis=1), 2, kinds=[i % 3]) for i in range(8)]
    bodies += [_pil(np.roll(photo, 5 * i, axis=0), "RGB") for i in range(8)]
    expected = [_opencv(b) for b in bodies]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(pngdecode.decode_grey, bodies * 3))
    for i, grey in enumerate(got):
        assert np.array_equal(grey, expected[i % len(bodies)])


def test_over_the_bound_opencv_decodes(photo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _png(photo, 2, kinds=[1])
    monkeypatch.setattr(pngdecode, "MAX_RAW_BYTES", 1000)
    assert pngdecode.decode_grey(data) is None


def test_without_isal_the_detector_decodes_with_opencv() -> None:
    code = (
        "import sys; sys.modules['isal'] = None\n"
        "import cv2, numpy as np\n"
        "from gate.inspect import FaceDetector, pngdecode\n"
        "from skimage import data\n"
        "img = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)\n"
        "body = cv2.imencode('.png', img)[1].tobytes()\n"
        "assert not pngdecode.available() and pngdecode.decode_grey(body) is None\n"
        "print(FaceDetector().detect('png', body).status)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_labelled_sets_pngs_decode_the_same() -> None:
    """Every PNG of the face detector's labelled set (benchmarks/inspect_sets.py): the grey
    pixels are OpenCV's, so its precision and recall cannot move."""
    import inspect_sets

    pngs = [s.data for s in inspect_sets.face_set() if s.data[:4] == b"\x89PNG"]
    assert len(pngs) > 100
    before = pngdecode.ROUTES.copy()
    for data in pngs:
        _same(data)
    assert sum((pngdecode.ROUTES - before).values()) == len(pngs)


def _halved_opencv(data: bytes) -> Any:
    grey = _opencv(data)
    h, w = grey.shape[0] // 2, grey.shape[1] // 2
    return cv2.resize(grey[:2 * h, :2 * w], (w, h), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("kinds", [[1], [0, 1, 2]])
@pytest.mark.parametrize("colour", [0, 2])
def test_halved_numpy_route_is_opencvs_half_within_one_level(photo: Any, kinds: list[int], colour: int) -> None:
    """halve=True: the 2x2 means of OpenCV's grey (odd last row and column dropped). Grey files
    are exact; colour files average before the grey conversion, so a value may differ by 1."""
    img = photo if colour == 2 else cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    data = _png(img, colour, kinds=kinds, split=8192)
    before = pngdecode.ROUTES.copy()
    ours = pngdecode.decode_grey(data, halve=True)
    assert pngdecode.ROUTES - before == {"numpy": 1}
    expected = _halved_opencv(data)
    assert ours.shape == expected.shape == (photo.shape[0] // 2, photo.shape[1] // 2)
    diff = np.abs(ours.astype(int) - expected.astype(int))
    assert diff.max() <= (0 if colour == 0 else 1)
    assert (diff == 0).mean() > 0.8  # 85% on this photograph


def test_halved_stored_route_is_opencvs_half(photo: Any) -> None:
    data = _pil(photo, "RGB")  # Paeth rows: libpng decodes, then the exact 2x area step
    before = pngdecode.ROUTES.copy()
    assert np.array_equal(pngdecode.decode_grey(data, halve=True), _halved_opencv(data))
    assert pngdecode.ROUTES - before == {"stored": 1}


def test_halving_a_one_pixel_high_image_returns_it_whole() -> None:
    data = _png(np.full((1, 40, 3), 90, np.uint8), 2, kinds=[1])
    assert pngdecode.decode_grey(data, halve=True).shape == (1, 40)


def test_the_detector_halves_a_large_png_and_still_finds_the_face() -> None:
    """A 1,200-pixel photograph of a person: the PNG is decoded halved (600 px) and brought to
    the 480-pixel working size; the JPEG of the same pixels is decoded reduced by libjpeg.
    Both find the face."""
    portrait = cv2.resize(cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR), (1200, 1200))
    detector = FaceDetector()
    before = pngdecode.ROUTES.copy()
    png = detector.detect("png", encode(portrait, ".png"))
    assert pngdecode.ROUTES - before == {"numpy": 1}
    jpeg = detector.detect("jpeg", encode(portrait, ".jpg"))
    assert png.count >= 1 and jpeg.count >= 1
