"""Labelled sets for the content classifiers, built at run time (nothing large is committed).

Faces: only images that registry packages ship, plus synthetic negatives.
- scikit-image's `data` module: `lfw_subset()` (100 real faces and 100 non-face patches from
  Labeled Faces in the Wild, 25x25 grey), `astronaut()` (a face), `camera()` (a man, his face
  small and turned) and its other photographs (no faces: a cat, coins, a horse, a rocket, ...);
- matplotlib's sample data: `grace_hopper.jpg` (a face) and two product-like images.
Every sample is encoded (JPEG or PNG) so that a benchmark runs the whole path: sniffing,
header check, bounded decoding, detection.

Personal data: hand-written snippets, each with its expected count, including near misses
(an IBAN with a broken checksum, a price, a version string, a date, an order number).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

__all__ = ["ImageSample", "face_set", "TextSample", "personal_set", "one_megapixel_jpeg"]

SEED = 19  # the number: the set is the same on every run


@dataclass(frozen=True)
class ImageSample:
    name: str
    group: str  # where it comes from, for the per-group table
    data: bytes  # encoded image
    faces: int  # faces a person sees in it (0 or more)
    face_px: int = 0  # side of the pasted face in pixels (0 when not a pasted face)


def _cv2():  # type: ignore[no-untyped-def]
    import cv2

    return cv2


def _encode(img: np.ndarray, fmt: str, quality: int = 90) -> bytes:
    cv2 = _cv2()
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if fmt == ".jpg" else []
    ok, buf = cv2.imencode(fmt, img, params)
    if not ok:
        raise RuntimeError(f"could not encode a {fmt} sample")
    return buf.tobytes()


def _grey(img: np.ndarray) -> np.ndarray:
    cv2 = _cv2()
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    if img.dtype != np.uint8:
        img = (np.clip(img, 0, 1) * 255).astype(np.uint8)
    if img.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if img.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        img = cv2.cvtColor(img, code)
    return img


def _bgr(img: np.ndarray) -> np.ndarray:
    cv2 = _cv2()
    if img.dtype == bool or img.ndim == 2:
        return cv2.cvtColor(_grey(img), cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_RGBA2BGR)
    return cv2.cvtColor(img, cv2.COLOR_RGB2BGR)


def _mpl_sample(name: str) -> np.ndarray | None:
    try:
        import matplotlib
    except ImportError:
        return None
    path = os.path.join(matplotlib.get_data_path(), "sample_data", name)
    img = _cv2().imread(path, _cv2().IMREAD_COLOR)
    return img


# Photographs without a face (scikit-image functions that need no download).
_SKIMAGE_SCENES = (
    "brick", "cat", "cell", "clock", "coffee", "coins", "colorwheel", "grass", "gravel",
    "horse", "hubble_deep_field", "immunohistochemistry", "logo", "microaneurysms", "moon",
    "page", "retina", "rocket", "text",
)


def _scenes() -> list[tuple[str, np.ndarray]]:
    from skimage import data

    out = [(n, _bgr(getattr(data, n)())) for n in _SKIMAGE_SCENES]
    left, _right, _disp = data.stereo_motorcycle()
    out.append(("stereo_motorcycle", _bgr(left)))
    for name in ("Minduka_Present_Blue_Pack.png", "logo2.png"):
        img = _mpl_sample(name)
        if img is not None:
            out.append((f"mpl:{name}", img))
    return out


def _background(rng: np.random.Generator, scenes: list[tuple[str, np.ndarray]], w: int, h: int) -> np.ndarray:
    """A 640x480-like backdrop: a crop of a face-free photograph, or a synthetic texture."""
    cv2 = _cv2()
    kind = rng.integers(0, 3)
    if kind == 0:
        _, img = scenes[int(rng.integers(0, len(scenes)))]
        img = cv2.resize(img, (max(w, img.shape[1]), max(h, img.shape[0])))
        y = int(rng.integers(0, img.shape[0] - h + 1))
        x = int(rng.integers(0, img.shape[1] - w + 1))
        return img[y:y + h, x:x + w].copy()
    if kind == 1:
        return _gradient(rng, w, h)
    noise = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    return cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)


def _paste(rng: np.random.Generator, canvas: np.ndarray, patch: np.ndarray, side: int) -> None:
    cv2 = _cv2()
    tile = cv2.resize((patch * 255).astype(np.uint8), (side, side), interpolation=cv2.INTER_CUBIC)
    h, w = canvas.shape[:2]
    y = int(rng.integers(0, h - side))
    x = int(rng.integers(0, w - side))
    canvas[y:y + side, x:x + side] = cv2.cvtColor(tile, cv2.COLOR_GRAY2BGR)


def _lfw_composites(rng: np.random.Generator, scenes: list[tuple[str, np.ndarray]]) -> Iterator[ImageSample]:
    """LFW's 100 faces and 100 non-face patches, each pasted the same way into a 640x480
    backdrop, so the paste itself tells the classes nothing. Face sides 32-160 px, log-uniform."""
    from skimage import data

    patches = data.lfw_subset()
    for i, patch in enumerate(patches):
        is_face = i < 100
        side = int(round(math.exp(rng.uniform(math.log(32), math.log(160)))))
        canvas = _background(rng, scenes, 640, 480)
        _paste(rng, canvas, patch, side)
        fmt = ".jpg" if i % 2 == 0 else ".png"
        yield ImageSample(
            name=f"lfw-{'face' if is_face else 'patch'}-{i:03d}", group="lfw face" if is_face else "lfw non-face",
            data=_encode(canvas, fmt, int(rng.integers(70, 95))), faces=int(is_face), face_px=side if is_face else 0,
        )


def _whole_photos() -> Iterator[ImageSample]:
    """The shipped photographs of people, each at three sizes and in both encodings."""
    cv2 = _cv2()
    from skimage import data

    people = [("astronaut", _bgr(data.astronaut())), ("camera", _bgr(data.camera()))]
    hopper = _mpl_sample("grace_hopper.jpg")
    if hopper is not None:
        people.append(("grace_hopper", hopper))
    for name, img in people:
        for scale, fmt in ((0.5, ".png"), (1.0, ".jpg"), (2.0, ".jpg")):
            scaled = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
            yield ImageSample(name=f"{name}@{scale:g}", group="photo of a person", data=_encode(scaled, fmt), faces=1)


def _scene_photos(scenes: list[tuple[str, np.ndarray]]) -> Iterator[ImageSample]:
    for name, img in scenes:
        fmt = ".jpg" if img.shape[0] * img.shape[1] > 300_000 else ".png"
        yield ImageSample(name=name, group="photo without a face", data=_encode(img, fmt), faces=0)


def _gradient(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.integers(0, 2):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        t = np.hypot(xx - cx, yy - cy) / math.hypot(w, h)
    else:
        angle = rng.uniform(0, math.pi)
        t = (xx * math.cos(angle) + yy * math.sin(angle)) / (w + h)
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    img = a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


_WORDS = ("price", "offer", "stock", "delivery", "shipping", "catalogue", "model", "warranty",
          "size", "colour", "weight", "total", "discount", "order", "invoice", "item", "EUR", "USD")


def _text_render(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    cv2 = _cv2()
    dark = bool(rng.integers(0, 2))
    img = np.full((h, w, 3), 20 if dark else 245, np.uint8)
    y = 30
    while y < h - 10:
        words = " ".join(rng.choice(_WORDS, int(rng.integers(3, 8))))
        scale = float(rng.uniform(0.5, 1.4))
        font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX]))
        cv2.putText(img, words, (10, y), font, scale, (235, 235, 235) if dark else (30, 30, 30), 1 + int(scale > 1), cv2.LINE_AA)
        y += int(40 * scale) + 8
    return img


def _shapes(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    cv2 = _cv2()
    img = _gradient(rng, w, h)
    for _ in range(int(rng.integers(5, 25))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        size = int(rng.integers(10, 120))
        kind = rng.integers(0, 3)
        if kind == 0:
            cv2.circle(img, (x, y), size, colour, -1 if rng.integers(0, 2) else 3)
        elif kind == 1:
            cv2.rectangle(img, (x, y), (x + size, y + size // 2), colour, -1)
        else:
            cv2.line(img, (x, y), (int(rng.integers(0, w)), int(rng.integers(0, h))), colour, int(rng.integers(1, 6)))
    return img


def _smiley(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A drawn smiley: a hard negative (it is not a person's face, and not biometric data)."""
    cv2 = _cv2()
    img = np.full((h, w, 3), 250, np.uint8)
    r = int(rng.integers(60, 160))
    cx, cy = w // 2, h // 2
    cv2.circle(img, (cx, cy), r, (0, 215, 255), -1)
    for dx in (-r // 3, r // 3):
        cv2.circle(img, (cx + dx, cy - r // 4), max(3, r // 8), (30, 30, 30), -1)
    cv2.ellipse(img, (cx, cy + r // 6), (r // 2, r // 3), 0, 10, 170, (30, 30, 30), max(2, r // 15))
    return img


def _product(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A product shot: a shaded box or bottle on white, with a shadow and a price tag."""
    cv2 = _cv2()
    img = np.full((h, w, 3), 255, np.uint8)
    colour = tuple(int(c) for c in rng.integers(30, 220, 3))
    cx, cy = w // 2, h // 2
    cv2.ellipse(img, (cx, cy + 150), (150, 25), 0, 0, 360, (215, 215, 215), -1)
    if rng.integers(0, 2):
        pts = np.array([[cx - 120, cy - 100], [cx + 80, cy - 100], [cx + 130, cy - 140], [cx - 70, cy - 140]], np.int32)
        cv2.rectangle(img, (cx - 120, cy - 100), (cx + 80, cy + 150), colour, -1)
        cv2.fillPoly(img, [pts], tuple(min(255, c + 40) for c in colour))
    else:
        cv2.rectangle(img, (cx - 50, cy - 60), (cx + 50, cy + 150), colour, -1)
        cv2.rectangle(img, (cx - 18, cy - 130), (cx + 18, cy - 60), colour, -1)
        cv2.rectangle(img, (cx - 50, cy), (cx + 50, cy + 60), (250, 250, 250), -1)
    price = f"{rng.integers(1, 999)}.{rng.integers(0, 99):02d} EUR"
    cv2.putText(img, price, (20, h - 30), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 200), 2, cv2.LINE_AA)
    return img


def _chart(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    cv2 = _cv2()
    img = np.full((h, w, 3), 255, np.uint8)
    cv2.line(img, (50, h - 40), (w - 20, h - 40), (0, 0, 0), 2)
    cv2.line(img, (50, 20), (50, h - 40), (0, 0, 0), 2)
    n = int(rng.integers(5, 15))
    values = rng.uniform(0.1, 1.0, n)
    bw = (w - 90) // n
    for i, v in enumerate(values):
        x = 60 + i * bw
        cv2.rectangle(img, (x, int(h - 40 - v * (h - 80))), (x + bw - 8, h - 41), (180, 110, 40), -1)
    return img


def _noise(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    cv2 = _cv2()
    kind = rng.integers(0, 3)
    if kind == 0:
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == 1:
        return np.clip(rng.normal(128, 50, (h, w, 3)), 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), float(rng.uniform(2, 8)))


def _codes(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A barcode-like or QR-like pattern."""
    cv2 = _cv2()
    if rng.integers(0, 2):
        bars = rng.integers(0, 2, w // 4).astype(np.uint8) * 255
        img = np.repeat(np.repeat(bars[None, :], h, axis=0), 4, axis=1)
    else:
        cells = rng.integers(0, 2, (25, 25)).astype(np.uint8) * 255
        img = cv2.resize(cells, (min(w, h), min(w, h)), interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


_SYNTHETIC: tuple[tuple[str, Callable[[np.random.Generator, int, int], np.ndarray], int], ...] = (
    ("noise", _noise, 6), ("gradient", _gradient, 6), ("text", _text_render, 8), ("shapes", _shapes, 8),
    ("smiley", _smiley, 4), ("product", _product, 8), ("chart", _chart, 4), ("code", _codes, 4),
)


def _synthetic(rng: np.random.Generator) -> Iterator[ImageSample]:
    for kind, make, n in _SYNTHETIC:
        for i in range(n):
            w, h = (640, 480) if i % 2 == 0 else (800, 600)
            yield ImageSample(name=f"{kind}-{i}", group=f"synthetic {kind}", data=_encode(make(rng, w, h), ".png"), faces=0)


def face_set() -> list[ImageSample]:
    """The labelled face set (about 110 images with a face, about 250 without)."""
    rng = np.random.default_rng(SEED)
    scenes = _scenes()
    return [*_lfw_composites(rng, scenes), *_whole_photos(), *_scene_photos(scenes), *_synthetic(rng)]


def one_megapixel_jpeg(quality: int = 90) -> bytes:
    """The benchmark's 1-megapixel image: the astronaut photograph scaled to 1000x1000."""
    cv2 = _cv2()
    from skimage import data

    img = cv2.resize(_bgr(data.astronaut()), (1000, 1000), interpolation=cv2.INTER_CUBIC)
    return _encode(img, ".jpg", quality)


@dataclass(frozen=True)
class TextSample:
    text: str
    expected: dict[str, int]  # kind -> distinct valid findings; kinds absent expect 0
    html: bool = False
