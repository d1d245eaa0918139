"""sniff: the bytes decide where they are unambiguous; Content-Type decides the rest."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from conftest import encode

from gate.inspect.sniff import SNIFF_BYTES, charset, media_type, sniff


@pytest.mark.parametrize("ext, fmt", [(".jpg", "jpeg"), (".png", "png"), (".gif", "gif"), (".webp", "webp"),
                                      (".bmp", "bmp"), (".tiff", "tiff"), (".avif", "avif")])
def test_every_image_format_by_its_magic_bytes(astronaut_bgr: Any, ext: str, fmt: str) -> None:
    body = encode(astronaut_bgr, ext)
    for declared in (None, f"image/{fmt}", "application/octet-stream"):
        found = sniff(declared, body)
        assert (found.kind, found.format) == ("image", fmt), declared
        assert not found.mislabelled


def test_a_jpeg_served_as_html_is_an_image_and_reported_mislabelled(astronaut_bgr: Any) -> None:
    found = sniff("text/html; charset=utf-8", encode(astronaut_bgr, ".jpg"))
    assert (found.kind, found.format, found.declared, found.mislabelled) == ("image", "jpeg", "text/html", True)


def test_an_html_error_page_served_as_png_is_html() -> None:
    found = sniff("image/png", b"<!DOCTYPE html><html><body>404</body></html>")
    assert (found.kind, found.mislabelled) == ("html", True)


@pytest.mark.parametrize("body, declared, kind", [
    (b"  \n<!doctype html><title>x</title>", None, "html"),
    (b"<html lang=en><body>hi", "text/plain", "html"),
    (b"<p>fragment</p>", None, "html"),
    (b'<meta charset="utf-8"><p>no html tag first</p>', "text/html", "html"),
    (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "application/xhtml+xml", "html"),
    (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>', "application/atom+xml", "xml"),
    (b'{"email": "a@b.example"}', "application/json", "json"),
    (b'[1, 2, 3]', None, "json"),
    (b"name,phone\nA,+33 1 23 45 67 89\n", "text/csv", "text"),
    (b"BMW 320d, 2019, 45 000 km", None, "text"),  # "BM" without a bitmap header is text
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf", "pdf"),
    (b"%PDF-1.4\n%\x01\x02\x03\x04\n", "text/html", "pdf"),  # a PDF's binary bytes: a PDF, whatever the label
    (b"%PDF- notes: ann@example.org", "text/html", "html"),  # declared text that only starts like one: text
    (b"BZh, our team: ann@example.org", "text/plain", "text"),  # ditto an archive's magic (found from outside)
    (b"Team list\n\x00ann@example.org", "text/html", "html"),  # a stray NUL: still the declared text
    ("<p>ann@example.org</p>".encode("utf-16-le"), "text/html; charset=utf-16le", "html"),  # UTF-16, no BOM
    (b"\x00\x01\x02\x03binary", "application/octet-stream", "binary"),
    (b"\x13\x37\x00\x01\x02\x03", "image/jpeg", "image"),  # declared an image, no format known: "unknown"
    (b"", "text/html", "empty"),
])
def test_text_kinds(body: bytes, declared: str | None, kind: str) -> None:
    assert sniff(declared, body).kind == kind


def test_compressed_bodies_are_archives_never_read_as_text() -> None:
    found = sniff("text/html", gzip.compress(b"<html>jane@mail.example</html>"))
    assert (found.kind, found.format) == ("archive", "gzip")


def test_a_byte_order_mark_outranks_the_header() -> None:
    body = "\ufeff<html><body>Zoë</body></html>".encode("utf-16-le")
    found = sniff("text/html; charset=iso-8859-1", b"\xff\xfe" + body[2:])
    assert (found.kind, found.charset) == ("html", "utf-16-le")


def test_only_a_bounded_prefix_is_read() -> None:
    body = b" " * SNIFF_BYTES + b"<html>"
    assert sniff(None, body).kind == "text"  # the tag lies past the prefix


def test_media_type_and_charset_parsing() -> None:
    assert media_type(' Text/HTML ; charset="UTF-8"') == "text/html"
    assert charset('text/html; charset="UTF-8"') == "utf-8"
    assert charset("text/html; charset=latin1") == "iso8859-1"
    assert charset("text/html; charset=no-such-codec") is None
    assert media_type(None) is None and media_type("") is None


def test_to_dict_is_json_ready(astronaut_bgr: Any) -> None:
    found = sniff("text/html", encode(astronaut_bgr, ".png"))
    assert json.loads(json.dumps(found.to_dict())) == {"kind": "image", "format": "png", "declared": "text/html",
                                                       "mislabelled": True}
