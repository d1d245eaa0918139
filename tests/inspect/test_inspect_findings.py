"""The inspection result: stable, JSON-ready, and without the content it describes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from conftest import encode

from gate.inspect import SCHEMA, ContentInspector

PAGE = ('<html><body><p>Jane Doe, jane.doe@mail-provider.de, +44 20 7946 0018, '
        'IBAN GB82 WEST 1234 5698 7654 32, codice fiscale RCCMNL83S18D969H</p></body></html>').encode()
KEYS = ["schema", "sha256", "bytes", "complete", "media", "status", "categories", "findings", "detectors"]


def test_shape_is_stable_and_json_ready(inspector: ContentInspector) -> None:
    doc = inspector.inspect(PAGE, "text/html").to_dict()
    assert list(doc) == KEYS
    assert doc["schema"] == SCHEMA
    assert json.loads(json.dumps(doc)) == doc
    assert [f["detector"] for f in doc["findings"]] == ["personal.email", "personal.iban", "personal.national_id",
                                                       "personal.phone"]
    for finding in doc["findings"]:
        assert list(finding) == ["detector", "version", "category", "count", "score"]
        assert finding["category"] == "personal" and finding["count"] == 1 and 0 < finding["score"] <= 1
        assert "phonenumbers" in finding["version"] and "python-stdnum" in finding["version"]
    assert doc["categories"] == ["personal"]
    assert doc["status"] == "inspected"
    assert inspector.inspect(PAGE, "text/html").to_dict() == doc  # same body, same document


def test_the_body_is_identified_by_its_hash_and_never_copied(inspector: ContentInspector) -> None:
    doc = inspector.inspect(PAGE, "text/html").to_dict()
    assert doc["sha256"] == hashlib.sha256(PAGE).hexdigest() and doc["bytes"] == len(PAGE)
    text = json.dumps(doc)
    for secret in ("jane", "7946", "WEST", "RCCMNL", "Doe"):
        assert secret not in text


def test_a_face_finding_holds_no_pixels(inspector: ContentInspector, hopper_jpeg: bytes) -> None:
    doc = inspector.inspect(hopper_jpeg, "image/jpeg").to_dict()
    assert doc["categories"] == ["facial_images"]
    [finding] = doc["findings"]
    assert finding["detector"] == "faces.lbp_frontalface" and finding["count"] >= 1
    assert len(json.dumps(doc)) < 2000


def test_statuses(inspector: ContentInspector, astronaut_bgr: Any) -> None:
    pdf = inspector.inspect(b"%PDF-1.7\n...", "application/pdf").to_dict()
    assert (pdf["status"], pdf["detectors"], pdf["media"]["kind"]) == ("not_inspected", [], "pdf")
    jpeg = encode(astronaut_bgr, ".jpg")
    cut = inspector.inspect(jpeg[:4000], "image/jpeg", complete=False).to_dict()
    assert (cut["status"], cut["complete"], cut["detectors"][0]["status"]) == ("partial", False, "truncated")
    clean = inspector.inspect(b"<p>Opening hours: 9 to 17</p>", "text/html").to_dict()
    assert (clean["status"], clean["findings"], clean["categories"]) == ("inspected", [], [])
    prefix = inspector.inspect(PAGE[:60], "text/html", complete=False).to_dict()
    assert prefix["detectors"][0]["status"] == "truncated" and prefix["status"] == "partial"


def test_the_body_bound(astronaut_bgr: Any) -> None:
    small = ContentInspector(max_body_bytes=40, detect_faces=False)
    doc = small.inspect(PAGE, "text/html").to_dict()
    assert doc["bytes"] == 40 and doc["complete"] is False and doc["status"] == "partial"


def test_charset_from_header_meta_and_bom(inspector: ContentInspector) -> None:
    latin = "<p>Müller, müller@mail-provider.de</p>".encode("latin-1")
    assert inspector.inspect(latin, "text/html; charset=iso-8859-1").categories == ("personal",)
    meta = b'<html><head><meta charset="utf-16"></head>'  # a lie in the meta: still readable ASCII
    assert inspector.inspect(meta + b"<p>x@mail-provider.de</p>", "text/html").status == "inspected"
    utf16 = "\ufeff<p>jane@mail-provider.de</p>".encode("utf-16-le")
    assert inspector.inspect(utf16, "text/html").categories == ("personal",)


def test_json_and_plain_text_bodies_are_read(inspector: ContentInspector) -> None:
    api = json.dumps({"users": [{"email": "jane@mail-provider.de", "phone": "+33 6 12 34 56 78"}]}).encode()
    doc = inspector.inspect(api, "application/json").to_dict()
    assert doc["media"]["kind"] == "json" and [f["detector"] for f in doc["findings"]] == ["personal.email", "personal.phone"]
    assert inspector.inspect(b"call +44 20 7946 0018", "text/plain").categories == ("personal",)


def test_phone_regions_per_call(inspector: ContentInspector) -> None:
    body = b"<p>Tel. 030 23456789</p>"
    assert inspector.inspect(body, "text/html").findings == ()
    assert inspector.inspect(body, "text/html", phone_regions=("DE",)).finding("personal.phone") is not None
