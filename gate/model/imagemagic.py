"""An image format by its magic bytes: what the response phase's sniffer reads
(gate.inspect.sniff) and what decides how much of an image a response keeps
(gate.model.response). Here, below both, so each reads the same table."""

from __future__ import annotations

__all__ = ["image_format"]

# (signature, mask or None, format): WHATWG "image type pattern matching" plus TIFF.
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"\x00\x00\x02\x00", "ico"),  # .cur
)
_AVIF_BRANDS = {b"avif": "avif", b"avis": "avif", b"heic": "heic", b"heix": "heic", b"heim": "heic",
                b"heis": "heic", b"mif1": "heif", b"msf1": "heif"}


def image_format(head: bytes) -> str | None:
    """The image format `head` (a body's first 32 bytes) starts, by its magic bytes, or None."""
    for magic, fmt in _IMAGE_MAGIC:
        if head.startswith(magic):
            return fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _AVIF_BRANDS:
        return _AVIF_BRANDS[head[8:12]]
    if head[:2] == b"BM" and len(head) >= 18:
        # "BM" also starts text ("BMW ..."): require a known DIB header size.
        if int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
            return "bmp"
    return None
