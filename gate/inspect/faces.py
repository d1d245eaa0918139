"""Face detection in images, with a model that a registry package ships.

Nothing is downloaded at run time. Two cascades qualify (BENCHMARKS.md, "Content
inspection", compares them on the labelled set):

- `lbp` (the default when scikit-image is installed): OpenCV's LBP frontal-face cascade as
  scikit-image ships it (`skimage/data/lbpcascade_frontalface_opencv.xml`). scikit-image's
  copy misspells one node (`featuhreParams`; its own reader skips that node, OpenCV's needs
  it): the loader repairs that name in memory and nothing else, and reports the file's hash.
  About 3x faster than the Haar cascades at the same recall, which is what lets a
  480-pixel working size (faces from ~5% of the image's longer side) fit 30 ms per image.
- `haar`: `haarcascade_frontalface_alt.xml` from opencv-python-headless 4.x's `cv2.data`
  (the 5.x wheels dropped the cascades: the `faces` extra pins `<5`). Used when scikit-image
  is missing, at a 320-pixel working size to stay within the same budget.

Decoding is bounded: the header's declared size is checked against `max_pixels` before any
decoder runs (decompression bombs are refused as "too_large", never decoded), JPEGs are
decoded reduced (libjpeg's DCT scaling, `cv2.IMREAD_REDUCED_GRAYSCALE_*`), PNGs at least twice
the working size halved while decoding (`pngdecode`), and everything is downscaled to the
working size, in exact 2x area steps first. OpenCV runs on one thread unless told otherwise.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Literal

from . import pngdecode
from .imageheader import dimensions

__all__ = ["FaceConfig", "FaceResult", "FaceDetector", "FaceStatus", "DEFAULT_MAX_PIXELS", "INSTALL_HINT"]

DEFAULT_MAX_PIXELS = 40_000_000  # declared pixels; a 36-megapixel camera still passes
INSTALL_HINT = "pip install 'scrapegate[faces]'"
_WINDOW = 24  # both cascades were trained on 24x24 windows: no smaller face is found
_SCORE_SATURATION = 20  # merged raw detections at which a face's score reaches 1.0
# Decoders OpenCV's 4.x wheels carry; ICO and HEIC/HEIF have none there.
_DECODABLE = frozenset({"jpeg", "png", "gif", "webp", "bmp", "tiff", "avif"})

FaceStatus = Literal["ok", "too_large", "undecodable", "unsupported", "unavailable"]
Model = Literal["auto", "lbp", "haar"]


@dataclass(frozen=True)
class FaceConfig:
    model: Model = "auto"
    max_pixels: int = DEFAULT_MAX_PIXELS
    working_side: int | None = None  # longer side after downscaling; None: the model's default
    scale_factor: float = 1.2  # image pyramid step (1.1 finds ~5% more faces at ~1.6x the cost)
    min_neighbors: int = 3  # raw detections a face needs (3 kept precision at 1.0 on the set)
    threads: int | None = 1  # cv2.setNumThreads; None leaves OpenCV's setting alone


@dataclass(frozen=True)
class FaceResult:
    status: FaceStatus
    count: int = 0
    score: float = 0.0  # the strongest face's support, see FaceDetector.detect
    width: int | None = None  # declared by the header
    height: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class _Model:
    name: str
    version: str
    working_side: int
    xml: str | None  # cascade text, loaded from memory (lbp)
    path: str | None  # cascade file (haar)


def _cv2() -> Any:
    import cv2  # deferred: the extra is optional and the import costs ~100 ms

    return cv2


def _lbp_model(cv2: Any) -> _Model:
    import importlib.resources

    ref = importlib.resources.files("skimage.data").joinpath("lbpcascade_frontalface_opencv.xml")
    raw = ref.read_bytes()
    from importlib.metadata import version as dist_version

    text = raw.decode("utf-8").replace("<featuhreParams>", "<featureParams>").replace(
        "</featuhreParams>", "</featureParams>")
    version = (f"opencv {cv2.__version__}; lbpcascade_frontalface_opencv.xml from scikit-image "
               f"{dist_version('scikit-image')}, sha256 {hashlib.sha256(raw).hexdigest()[:16]}")
    return _Model("faces.lbp_frontalface", version, 480, text, None)


def _haar_model(cv2: Any) -> _Model:
    base = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if not base:
        raise FileNotFoundError(f"OpenCV {cv2.__version__} ships no cv2.data.haarcascades (5.x wheels dropped them)")
    path = os.path.join(base, "haarcascade_frontalface_alt.xml")
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:16]
    version = f"opencv {cv2.__version__}; haarcascade_frontalface_alt.xml, sha256 {digest}"
    return _Model("faces.haar_frontalface_alt", version, 320, None, path)


class FaceDetector:
    """Counts faces in encoded images. Thread-safe: each thread gets its own classifier
    (OpenCV does not promise that one `CascadeClassifier` may be shared).

    Usage: `FaceDetector().detect("jpeg", body)` -> FaceResult(status="ok", count=1, ...)
    """

    def __init__(self, config: FaceConfig | None = None) -> None:
        self.config = config or FaceConfig()
        self._local = threading.local()
        self._model: _Model | None = None
        self.unavailable_reason: str | None = None
        try:
            cv2 = _cv2()
            self._model = self._pick(cv2)
            if self.config.threads is not None:
                cv2.setNumThreads(self.config.threads)
            self._classifier()  # load now: a broken model fails here, not on the first image
        except (ImportError, OSError, ValueError) as exc:
            self._model = None
            self.unavailable_reason = f"{type(exc).__name__}: {exc} ({INSTALL_HINT})"

    def _pick(self, cv2: Any) -> _Model:
        if self.config.model == "haar":
            return _haar_model(cv2)
        try:
            return _lbp_model(cv2)
        except (ImportError, OSError) as exc:
            if self.config.model == "lbp":
                raise
            try:
                return _haar_model(cv2)
            except OSError as exc2:
                raise OSError(f"no face model: {exc}; {exc2}") from exc2

    @property
    def available(self) -> bool:
        return self._model is not None

    @property
    def name(self) -> str:
        return self._model.name if self._model else "faces"

    @property
    def version(self) -> str:
        return self._model.version if self._model else "unavailable"

    @property
    def working_side(self) -> int:
        model_side = self._model.working_side if self._model else 0
        return self.config.working_side or model_side

    def _classifier(self) -> Any:
        found = getattr(self._local, "classifier", None)
        if found is not None:
            return found
        assert self._model is not None
        cv2 = _cv2()
        classifier = cv2.CascadeClassifier()
        if self._model.xml is not None:
            storage = cv2.FileStorage(self._model.xml, cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY)
            loaded = classifier.read(storage.getNode("cascade"))
            storage.release()
        else:
            loaded = classifier.load(self._model.path)
        if not loaded or classifier.empty():
            raise ValueError(f"OpenCV could not load the cascade of {self._model.name}")
        self._local.classifier = classifier
        return classifier

    def detect(self, fmt: str, data: bytes) -> FaceResult:
        """Faces in one image of format `fmt` (as `sniff` names it).

        `score` is the strongest face's support: the raw detections OpenCV merged into it,
        divided by 20 and capped at 1 (0.15 is the floor that `min_neighbors=3` admits). On the
        labelled set, real faces reached a median of about 0.5, non-faces at most 0.35."""
        if self._model is None:
            return FaceResult("unavailable", detail=self.unavailable_reason or "")
        if fmt == "unknown":  # declared an image, no format known from its bytes (gate.inspect.sniff)
            return FaceResult("undecodable", detail="declared an image, but its bytes are no image format read here")
        if fmt not in _DECODABLE:
            return FaceResult("unsupported", detail=f"no decoder for {fmt} images in OpenCV's wheels")
        size = dimensions(fmt, data)
        if size is None:
            return FaceResult("undecodable", detail=f"unreadable {fmt} header: the size cannot be bounded")
        width, height = size
        if width * height > self.config.max_pixels:
            return FaceResult("too_large", width=width, height=height,
                              detail=f"{width}x{height} declared, over {self.config.max_pixels} pixels: not decoded")
        if min(width, height) < _WINDOW:
            return FaceResult("ok", width=width, height=height, detail="smaller than the detector's window")
        grey = self._decode(fmt, data, width, height)
        if grey is None:
            return FaceResult("undecodable", width=width, height=height,
                              detail=f"OpenCV could not decode the {fmt} image")
        if grey.shape[0] * grey.shape[1] > self.config.max_pixels:  # the header lied
            return FaceResult("too_large", width=width, height=height, detail="decoded larger than declared")
        return self._count(grey, width, height)

    def _decode(self, fmt: str, data: bytes, width: int, height: int) -> Any:
        import numpy as np

        cv2 = _cv2()
        side = self.working_side
        flag = cv2.IMREAD_GRAYSCALE
        if fmt == "jpeg":  # libjpeg scales while decoding: a large photo never exists in full
            longer = max(width, height)
            for factor, reduced in ((8, cv2.IMREAD_REDUCED_GRAYSCALE_8), (4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
                                    (2, cv2.IMREAD_REDUCED_GRAYSCALE_2)):
                if longer // factor >= side:
                    flag = reduced
                    break
        grey = None
        if fmt == "png":  # libpng's pixels for less CPU; halved while decoding when that still leaves `side`
            grey = pngdecode.decode_grey(data, halve=max(width, height) // 2 >= side)
        if grey is None:
            grey = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
        if grey is None:
            return None
        while max(grey.shape[:2]) // 2 >= side:  # exact 2x area steps first: OpenCV's fast path
            grey = pngdecode.halved(grey)
        h, w = grey.shape[:2]
        scale = side / max(h, w)
        if scale < 1:
            grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        return grey

    def _count(self, grey: Any, width: int, height: int) -> FaceResult:
        cv2 = _cv2()
        grey = cv2.equalizeHist(grey)
        rects, support = self._classifier().detectMultiScale2(
            grey, scaleFactor=self.config.scale_factor, minNeighbors=self.config.min_neighbors,
            minSize=(_WINDOW, _WINDOW))
        count = len(rects)
        strongest = int(max(support)) if count else 0
        score = round(min(1.0, strongest / _SCORE_SATURATION), 3)
        return FaceResult("ok", count=count, score=score, width=width, height=height)
