"""How much of a body ResponseFacts keeps: 8 MiB, or 64 MiB of an image the client holds
whole. "An image" is decided by the classifiers' own magic bytes (gate.model.imagemagic)."""

from __future__ import annotations

import pytest

from gate.model.response import MAX_IMAGE_INSPECT_BYTES, MAX_INSPECT_BYTES, ResponseFacts

PAD = b"\x00" * (MAX_INSPECT_BYTES + 1024)


@pytest.mark.parametrize("head", [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x1cftypavif"])
def test_an_image_is_kept_whole_past_8_mib(head: bytes) -> None:
    facts = ResponseFacts.of("https://e.com/i", 200, {}, head + PAD)
    assert facts.complete and len(facts.body) == len(head) + len(PAD) <= MAX_IMAGE_INSPECT_BYTES


@pytest.mark.parametrize("head", [b"\x00\x00\x00\x18ftypmp42", b"\x00\x00\x00\x14ftypqt  ", b"BMW owners' club "])
def test_a_video_or_text_is_cut_at_8_mib(head: bytes) -> None:
    facts = ResponseFacts.of("https://e.com/v", 200, {}, head + PAD)
    assert not facts.complete and len(facts.body) == MAX_INSPECT_BYTES

