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

__all__ = ["ImageSample", "face_set", "TextSample", "personal_set", "one_megapixel_jpeg", "shop_page", "article_page"]

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
    regions: tuple[str, ...] = ()  # phone regions the caller would pass (the site's country)


def shop_page(size: int = 100_000, seed: int = SEED) -> str:
    """A product-listing page of about `size` characters, built like a real shop's: a head
    with meta tags, an inline stylesheet and analytics script, JSON-LD, a navigation bar,
    product cards (names, prices, SKUs, EAN barcodes, dates, `@2x` image sources) and a
    footer with one contact e-mail address and one phone number."""
    rng = np.random.default_rng(seed)
    style = "".join(f".c{i}{{margin:{i % 7}px;padding:{i % 5}px 2px;color:#{i * 2654435761 % 0xFFFFFF:06x}}}\n" for i in range(120))
    script = "".join(f"window.dataLayer.push({{'event':'view','item':{4000 + i},'price':{i * 3.5:.2f},'ts':{1764547200000 + i}}});\n"
                     for i in range(90))
    head = (
        "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Kaffeemaschinen | Example Shop</title>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<style>{style}</style><script>window.dataLayer=[];\n{script}</script>"
        "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"Organization\","
        "\"name\":\"Example Shop GmbH\",\"url\":\"https://shop.example.de/\"}</script></head><body>"
    )
    nav = "<nav><ul>" + "".join(f"<li class=\"nav-item\"><a href=\"/kategorie/{w}-{i}\">{w.title()} {i}</a></li>"
                                for i, w in enumerate(rng.choice(_WORDS, 60))) + "</ul></nav>"
    footer = (
        "<footer><div class=\"contact\"><p>Kundenservice: <a href=\"mailto:service@example-shop.de\">"
        "service@example-shop.de</a>, Telefon +49 30 2345 6789 (Mo-Fr 8:00-18:00)</p>"
        "<p>Example Shop GmbH, Musterstraße 12, 10115 Berlin, HRB 123456 B, USt-IdNr. DE123456789</p></div></footer>"
        "</body></html>"
    )
    cards: list[str] = []
    i = 0
    while len(head) + len(nav) + sum(map(len, cards)) + len(footer) < size:
        price = f"{int(rng.integers(19, 2999))},{int(rng.integers(0, 99)):02d}"
        sku = f"{int(rng.integers(10000, 99999))}-{int(rng.integers(10, 99))}"
        cards.append(
            f"<article class=\"product c{i % 120}\" data-id=\"{100000 + i}\"><a href=\"/p/{100000 + i}\">"
            f"<img src=\"/img/{100000 + i}.jpg\" srcset=\"/img/{100000 + i}@2x.jpg 2x\" alt=\"Kaffeemaschine {i}\" "
            f"width=\"320\" height=\"240\" loading=\"lazy\"></a><h2>Kaffeemaschine Modell {i} &ndash; "
            f"{' '.join(rng.choice(_WORDS, 3))}</h2><p class=\"price\">&euro; {price} <s>&euro; {int(price.split(',')[0]) + 40},00</s>"
            f"</p><p>Art.-Nr. {sku} &middot; EAN 4006381333931 &middot; lieferbar ab 15.01.2027 &middot; "
            f"Version 2.{i % 9}.{i % 13} &middot; {int(rng.integers(1, 500))} Bewertungen</p>"
            f"<p>Mit 15 bar Pumpendruck, 1,8 l Wassertank und {int(rng.integers(1, 12))} Kaffeespezialitäten auf "
            f"Knopfdruck. Maße 24 x 38 x 44 cm, Gewicht 9,{i % 10} kg.</p>"
            f"<button class=\"buy\" data-sku=\"{sku}\">In den Warenkorb</button></article>"
        )
        i += 1
    return head + nav + "<main>" + "".join(cards) + "</main>" + footer


def _t(text: str, html: bool = False, regions: tuple[str, ...] = (), **expected: int) -> TextSample:
    return TextSample(text, dict(expected), html, regions)


def personal_set() -> list[TextSample]:
    """Snippets with the distinct valid findings a careful reader counts in each. The values
    are published test values (IBAN registry examples, stdnum documentation) or fictional
    numbers (Ofcom's 020 7946 0xxx drama range, NANP 555-01xx)."""
    return [
        # e-mail addresses
        _t("Contact: jane.doe@mail-provider.de", email=1),
        _t("Write to j.smith+news@university.ac.uk or J.Smith+News@University.AC.UK", email=1),
        _t("Press: presse@zeitung.fr; jobs: karriere@zeitung.fr", email=2),
        _t('<p>Mail <a href="mailto:kontakt@firma-beispiel.de">us</a></p>', html=True, email=1),
        _t("<p>jan&#64;post-beispiel.nl</p>", html=True, email=1),
        _t("<p>anna.k&commat;webmail.at</p>", html=True, email=1),
        # phone numbers
        _t("Call +44 20 7946 0018 today", phone=1),
        _t("Mobil: +33 6 12 34 56 78", phone=1),
        _t("Tel. 0033 6 12 34 56 78", phone=1),
        _t("Office +1 (212) 555-0175, fax +1 212 555 0176", phone=2),
        _t("Ring 020 7946 0018", regions=("GB",), phone=1),
        _t("Appelez le 06 12 34 56 78", regions=("FR",), phone=1),
        _t("Telefon +49 30 2345 6789 (Mo-Fr 8:00-18:00)", phone=1),
        _t('<a href="tel:+390669821234">Chiama</a>', html=True, phone=1),
        _t('<script type="application/ld+json">{"@type":"Organization","telephone":"+34 912 345 678"}</script>', html=True, phone=1),
        # IBANs
        _t("IBAN: GB82 WEST 1234 5698 7654 32", iban=1),
        _t("Überweisung an DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", iban=1),
        _t("Virement FR14 2004 1010 0505 0001 3M02 606 et NL91ABNA0417164300", iban=2),
        # national identifiers
        _t("N° de sécurité sociale : 1 85 05 75 123 456 73", national_id=1),
        _t("NIR 185052A12345633", national_id=1),
        _t("Codice fiscale: RCCMNL83S18D969H", national_id=1),
        _t("DNI 54362315-K / NIE X-2482300W", national_id=2),
        _t("Henkilötunnus 131052-308T", national_id=1),
        _t("Steuer-IdNr.: 36 574 261 809", national_id=1),
        _t("BSN: 111222333", national_id=1),
        _t("PESEL 44051401359", national_id=1),
        _t("NHS number 943 476 5919", national_id=1),
        _t("SSN 536-90-4399", national_id=1),
        _t("CPF 390.533.447-05", national_id=1),
        _t("Rijksregisternummer 85.07.30-033.28", national_id=1),
        _t("Personnummer 880320-0016", national_id=1),
        _t("居民身份证 11010519491231002X", national_id=1),
        # person-name markup
        _t('<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">A. Person</span></div>', html=True, person_name=1),
        _t('<div class="vcard"><span class="fn">Max Muster</span></div>', html=True, person_name=1),
        _t('<a rel="author" href="/team/jd">J. D.</a>', html=True, person_name=1),
        _t('<script type="application/ld+json">{"@type": "Person", "name": "Eva Example", "email": "eva@mailbox-example.se"}</script>',
           html=True, person_name=1, email=1),
        # mixed
        _t("Kontakt: Max Muster, max.muster@handwerk-muster.de, 030 23456789, IBAN DE89370400440532013000",
           regions=("DE",), email=1, phone=1, iban=1),
        # hard cases a reader counts and the detector is known to miss (kept: recall is honest)
        _t("Mail: jane [at] beispiel-firma [dot] de", email=1),  # obfuscated by hand
        _t("Handy 0176 12345678", phone=1),  # national format, and the caller named no region
        _t("Ansprechpartnerin: Maria Schmidt, Vertrieb", person_name=1),  # a name without markup
        _t("IBAN DE89 3704 0044\n0532 0130 00", iban=1),  # broken over two lines
        _t("SSN 536904399", national_id=1),  # a bare 9-digit SSN: skipped even with the keyword
        _t("Tel: +49 (0)30 2345 6789, E-Mail: MAX@MUSTER-GMBH.DE", phone=1, email=1),
        # near misses: nothing here is valid personal data (the last two are known false positives)
        _t("IBAN DE89 3704 0044 0532 0130 01 (one digit off)"),
        _t("GB82 WEST 1234 5698 7654 33"),
        _t("Price change: +49 30 1234 EUR"),
        _t("Version 10.0.19041.1, build 2024.11.3"),
        _t("Released 2024-01-15, updated 15.01.2027 and 01/15/2024", regions=("DE", "FR", "US")),
        _t("EAN 4006381333931, ISBN 978-3-16-148410-0", regions=("DE",)),
        _t("Order number 111222333, tracking 0034 5678 9012 3456"),
        _t("Part number 536-90-4399 (shaped like a US SSN, no keyword)"),
        _t("Bestellnummer 36574261809", regions=()),
        _t("icon@2x.png and logo@3x.webp"),
        _t("user@localhost, admin@server.invalid, test@example.com, a@b"),
        _t("NIR 1 85 05 75 123 456 74 (wrong key)"),
        _t("Codice RCCMNL83S18D969X (wrong check letter)"),
        _t("DNI 54362315-Z (wrong letter)"),
        _t('<script>var phone = "+44 20 7946 0018"; var mail = "x";</script><p>No contact.</p>', html=True),
        _t('<style>.a{width:030123456px}</style><p>Prices from 1 299,00 EUR</p>', html=True, regions=("DE",)),
        _t("Coordinates 48.858844, 2.294351; pi 3.14159265"),
        _t("Call 0800 123 4567 abc", regions=()),
        _t("Room 4.21, floor 3, gate 12-14, seats 120-180"),
        _t("Serial 4155550132", regions=("US",)),  # a valid NANP number in form: counted
        _t("Ticket 06 12 34 56 78", regions=("FR",)),  # a valid French mobile in form: counted
    ]


_PROSE = ("the", "council", "agreed", "on", "a", "new", "plan", "for", "the", "harbour", "district", "after",
          "months", "of", "debate", "residents", "said", "that", "traffic", "and", "noise", "had", "grown",
          "while", "shops", "closed", "one", "by", "one", "in", "2025", "budget", "of", "12", "million",
          "euros", "will", "fund", "housing", "parks", "and", "a", "tram", "line", "by", "2031")


def article_page(size: int = 100_000, seed: int = SEED) -> str:
    """A news article of about `size` characters: mostly prose, a byline marked up as a
    schema.org Person with rel=author, a few dates and figures, no contact data."""
    rng = np.random.default_rng(seed)
    head = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Harbour plan agreed</title>"
            "<meta name=\"author\" content=\"Sam Writer\"><link rel=\"stylesheet\" href=\"/site.css\">"
            "<script async src=\"/analytics.js\"></script></head><body><header><nav><a href=\"/\">News</a> "
            "<a href=\"/city\">City</a></nav></header><article><h1>Harbour plan agreed after a year of debate</h1>"
            "<p class=\"byline\" itemscope itemtype=\"https://schema.org/Person\">By <a rel=\"author\" href=\"/staff/sw\">"
            "<span itemprop=\"name\">Sam Writer</span></a>, 14 November 2026, 09:30</p>")
    tail = "</article><footer><p>&copy; 2026 Example News. All rights reserved.</p></footer></body></html>"
    paragraphs: list[str] = []
    while len(head) + sum(map(len, paragraphs)) + len(tail) < size:
        words = " ".join(rng.choice(_PROSE, int(rng.integers(60, 140))))
        paragraphs.append(f"<p>{words.capitalize()}.</p>\n")
    return head + "".join(paragraphs) + tail
