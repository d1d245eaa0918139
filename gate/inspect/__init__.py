"""The response phase's content classifiers (issue 19): what came back, compared later by
the policy with the job's declared data categories.

- `ContentInspector.inspect(body, content_type)` -> `Inspection` (`to_dict()` for the policy
  input and the ledger: the body's SHA-256, counts and scores, never the content);
- `Sampler`: every response until a (job, site) is trusted, then one in N;
- `sniff`: what a body is, by Content-Type and magic bytes.
Faces need the `faces` extra (`pip install 'scrapegate[faces]'`); without it the face
detector reports itself "unavailable" and the inspection says so.
"""

from .content import ContentInspector
from .faces import FaceConfig, FaceDetector, FaceResult
from .findings import SCHEMA, DetectorRun, Finding, Inspection
from .personal import PersonalConfig, PersonalResult, find_personal
from .sampling import Sampler, SamplerState, SamplingPolicy
from .sniff import Sniffed, sniff

__all__ = [
    "ContentInspector", "Inspection", "Finding", "DetectorRun", "SCHEMA",
    "FaceConfig", "FaceDetector", "FaceResult",
    "PersonalConfig", "PersonalResult", "find_personal",
    "Sampler", "SamplerState", "SamplingPolicy",
    "Sniffed", "sniff",
]
