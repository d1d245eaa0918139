"""One call for the response phase: what is in this body? (`ContentInspector.inspect`)

It sniffs the body, runs the classifiers that apply (faces on images; personal data on HTML,
text, JSON and XML) and returns an `Inspection`. It never raises on content: a body it
cannot read is reported with the detector's status ("too_large", "undecodable", ...), and
the policy decides (the design's rule: failing to look must not pass as finding nothing).

Usage (the Gate's response phase):

    inspector = ContentInspector()                    # once per Gate: loads the face model
    if sampler.should_inspect(job, site):
        result = inspector.inspect(body, headers.get("Content-Type"), complete=not cut,
                                   phone_regions=("FR",))
        policy_input["response"]["content"] = result.to_dict()
        sampler.record(job, site, outcome="mismatch" if undeclared else "clean")
"""

from __future__ import annotations

import codecs
import re

from .faces import FaceConfig, FaceDetector
from .findings import FACIAL_IMAGES, PERSONAL, DetectorRun, Finding, Inspection, body_sha256
from .personal import PersonalConfig, find_personal
from .sniff import Sniffed, sniff

__all__ = ["ContentInspector", "DEFAULT_MAX_BODY_BYTES"]

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024  # bytes read per body; the rest is "truncated"
_TEXT_KINDS = frozenset({"html", "text", "json", "xml"})
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
_PERSONAL_KINDS = ("email", "phone", "iban", "national_id", "person_name")


def _dist_version(name: str) -> str:
    from importlib import metadata  # deferred: ~40 ms to import, needed once per inspector

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


class ContentInspector:
    """Classifies response bodies against the data categories. Thread-safe; build one per
    Gate (the face model loads in the constructor)."""

    def __init__(self, *, faces: FaceConfig | None = None, personal: PersonalConfig | None = None,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, detect_faces: bool = True) -> None:
        self.faces = FaceDetector(faces) if detect_faces else None
        self.personal = personal or PersonalConfig()
        self.max_body_bytes = max_body_bytes
        self._personal_version = (f"scrapegate {_dist_version('scrapegate')}; phonenumbers "
                                  f"{_dist_version('phonenumbers')}; python-stdnum {_dist_version('python-stdnum')}")

    def inspect(self, body: bytes, content_type: str | None = None, *, complete: bool = True,
                phone_regions: tuple[str, ...] | None = None) -> Inspection:
        """Inspect `body` (all of it, or the bounded prefix the caller read: `complete=False`).

        `phone_regions`: the regions whose national number formats to read (the site's
        country, the job's jurisdictions); numbers written with "+" are read everywhere."""
        if len(body) > self.max_body_bytes:
            body, complete = body[:self.max_body_bytes], False
        media = sniff(content_type, body)
        digest = body_sha256(body)
        if media.kind == "image":
            return self._image(body, media, digest, complete)
        if media.kind in _TEXT_KINDS:
            return self._text(body, media, digest, complete, phone_regions)
        return Inspection(digest, len(body), complete, media)

    def _image(self, body: bytes, media: Sniffed, digest: str, complete: bool) -> Inspection:
        if self.faces is None:
            return Inspection(digest, len(body), complete, media)
        result = self.faces.detect(media.format, body)
        status: str = result.status
        if status == "undecodable" and not complete:
            status = "truncated"  # the prefix we were given ends inside the image
        run = DetectorRun(self.faces.name, self.faces.version, status, result.detail)
        findings: tuple[Finding, ...] = ()
        if result.count:
            findings = (Finding(self.faces.name, self.faces.version, FACIAL_IMAGES, result.count, result.score),)
        return Inspection(digest, len(body), complete, media, findings, (run,))

    def _text(self, body: bytes, media: Sniffed, digest: str, complete: bool,
              phone_regions: tuple[str, ...] | None) -> Inspection:
        config = self.personal
        if phone_regions is not None:
            config = PersonalConfig(phone_regions=tuple(phone_regions), national_ids=config.national_ids,
                                    max_chars=config.max_chars, max_candidates=config.max_candidates)
        text = body.decode(_charset(body, media), "replace")
        result = find_personal(text, is_html=media.kind == "html", config=config)
        status = "truncated" if (result.truncated or not complete) else "ok"
        detail = "only a prefix of the body was read" if status == "truncated" else ""
        findings = tuple(
            Finding(f"personal.{kind}", self._personal_version, PERSONAL, result.counts[kind], result.scores[kind])
            for kind in _PERSONAL_KINDS if result.counts.get(kind))
        run = DetectorRun("personal", self._personal_version, status, detail)
        return Inspection(digest, len(body), complete, media, findings, (run,))


def _charset(body: bytes, media: Sniffed) -> str:
    if media.charset:
        return media.charset
    if media.kind == "html":
        found = _META_CHARSET.search(body[:2048])
        if found:
            try:
                return codecs.lookup(found.group(1).decode("ascii")).name
            except LookupError:
                pass
    return "utf-8"
