"""The result of inspecting one response body: stable, JSON-ready, and free of content.

It goes into the response phase's policy input (`input.response.content`, the lead's
choice of key) and into the ledger. It holds the body's SHA-256, what the body is, and per
detector a count and a score: never a face, a crop, an address or a number.

Shape (`SCHEMA`), keys always present and in this order:

    {"schema": "scrapegate/inspection/v1",
     "sha256": "<hex of the bytes inspected>", "bytes": 48213, "complete": true,
     "media": {"kind": "image", "format": "jpeg", "declared": "text/html", "mislabelled": true},
     "status": "inspected",            # inspected | partial | not_inspected
     "categories": ["facial_images"],  # data categories the findings evidence, sorted
     "findings": [{"detector": "faces.lbp_frontalface", "version": "opencv 4.14.0; ...",
                   "category": "facial_images", "count": 1, "score": 0.45}],
     "detectors": [{"detector": "faces.lbp_frontalface", "version": "...", "status": "ok", "detail": ""}]}

`findings` lists only detectors that found something; `detectors` lists every detector that
applied to the body with its status, so a policy can tell "looked and found nothing" (ok)
from "could not look" (too_large, undecodable, unsupported, unavailable, truncated).
`status` is "partial" when any applicable detector could not finish, "not_inspected" when
the body is of a kind no classifier reads (PDF, archives, binary, empty).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from .sniff import Sniffed

__all__ = ["SCHEMA", "Finding", "DetectorRun", "Inspection", "body_sha256"]

SCHEMA = "scrapegate/inspection/v1"
Status = Literal["inspected", "partial", "not_inspected"]
# Data categories (the manifest's enumeration) that findings evidence.
FACIAL_IMAGES, PERSONAL = "facial_images", "personal"


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Finding:
    detector: str  # "faces.lbp_frontalface", "personal.email", ...
    version: str  # the detector's code and model version
    category: str  # the data category this evidences
    count: int  # distinct valid matches (faces: detections)
    score: float  # 0..1, what it means is documented per detector

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "version": self.version, "category": self.category,
                "count": self.count, "score": round(float(self.score), 3)}


@dataclass(frozen=True)
class DetectorRun:
    detector: str
    version: str
    status: str  # ok, too_large, undecodable, unsupported, unavailable, truncated
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "version": self.version, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class Inspection:
    sha256: str
    size: int
    complete: bool  # False when the caller passed a bounded prefix of a longer body
    media: Sniffed
    findings: tuple[Finding, ...] = ()
    detectors: tuple[DetectorRun, ...] = field(default=())

    @property
    def status(self) -> Status:
        if not self.detectors:
            return "not_inspected"
        if any(run.status != "ok" for run in self.detectors):
            return "partial"
        return "inspected"

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({f.category for f in self.findings if f.count > 0}))

    def finding(self, detector: str) -> Finding | None:
        return next((f for f in self.findings if f.detector == detector), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (policy input, ledger). Same keys, same order, every time."""
        return {
            "schema": SCHEMA,
            "sha256": self.sha256,
            "bytes": self.size,
            "complete": self.complete,
            "media": self.media.to_dict(),
            "status": self.status,
            "categories": list(self.categories),
            "findings": [f.to_dict() for f in sorted(self.findings, key=lambda f: f.detector) if f.count > 0],
            "detectors": [r.to_dict() for r in sorted(self.detectors, key=lambda r: r.detector)],
        }
