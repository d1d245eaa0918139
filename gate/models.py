"""The contracts: the job manifest (scrapegate/v1 CollectionJob), the policy input and the
Decision, as ../shared/DESIGN.md gives them."""

from __future__ import annotations

import itertools
import os
import re
import time
from datetime import datetime, timezone
from typing import Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from typing_extensions import Annotated

__all__ = [
    "PURPOSES", "DATA_CATEGORIES", "GDPR_ART6", "GDPR_ART9", "CONSENT_KINDS",
    "CollectionJob", "JobSpec", "Target", "Violation", "Decision", "new_decision_id",
]

PURPOSES = (
    "search_indexing", "archiving", "price_monitoring", "market_research", "academic_research",
    "journalism", "security_research", "ai_training", "text_and_data_mining",
    "facial_recognition", "law_enforcement_support", "other",
)
DATA_CATEGORIES = (
    "non_personal", "personal", "facial_images", "biometric", "special_category", "criminal_offences",
    "copyrighted_works",
)
GDPR_ART6 = ("consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests")
GDPR_ART9 = (
    "explicit_consent", "employment", "vital_interests", "nonprofit_members", "manifestly_made_public",
    "legal_claims", "substantial_public_interest", "health_care", "public_health", "research",
)
CONSENT_KINDS = ("none", "opt_in", "explicit", "written_release")
RECIPIENTS = ("internal", "customers", "law_enforcement", "public")
TARGETING = ("targeted", "untargeted")

Purpose = Literal[PURPOSES]  # type: ignore[valid-type]
DataCategory = Literal[DATA_CATEGORIES]  # type: ignore[valid-type]
Art6 = Literal[GDPR_ART6]  # type: ignore[valid-type]
Art9 = Literal[GDPR_ART9]  # type: ignore[valid-type]
ConsentKind = Literal[CONSENT_KINDS]  # type: ignore[valid-type]
Recipient = Literal[RECIPIENTS]  # type: ignore[valid-type]
Targeting = Literal[TARGETING]  # type: ignore[valid-type]

# ISO 3166-1 alpha-2 (FR), ISO 3166-2 subdivision (US-IL, CA-QC), "EU", or "*".
_JURISDICTION = re.compile(r"^(\*|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Codes people write for ISO's GB and GR (LEGAL-R2 R14): the EU's own "EL" for Greece and
# the ".uk" habit; normalised at load so every rule sees one code per country.
_ALIASES = {"UK": "GB", "EL": "GR"}


def _jurisdiction(value: str) -> str:
    code = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(code, str) or not _JURISDICTION.match(code):
        raise ValueError(
            f"{value!r} is not a jurisdiction: use an ISO 3166-1 alpha-2 code (FR), "
            "an ISO 3166-2 subdivision (US-IL), 'EU' or '*'"
        )
    head, sep, tail = code.partition("-")
    if head in _ALIASES:
        code = _ALIASES[head] + sep + tail
    return code


def _url(value: str) -> str:
    from gate.url import normalize

    normalize(value)  # raises InvalidURL (a ValueError) naming the problem
    return value


Jurisdiction = Annotated[str, BeforeValidator(_jurisdiction)]
TargetURL = Annotated[str, AfterValidator(_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    owner: Optional[str] = None
    labels: dict[str, str] = Field(default_factory=dict)


class Operator(_Strict):
    name: str
    establishment: str = Field(description="ISO 3166-1 alpha-2 country of main establishment")
    markets: list[Jurisdiction] = Field(default_factory=list)
    research_organisation: bool = Field(
        default=False,
        description="a research organisation (DSM Directive Art. 2(1); LGPD Art. 5(XVIII)); LEGAL-R2 R15, R19",
    )

    @field_validator("establishment")
    @classmethod
    def _est(cls, v: str) -> str:
        v = _jurisdiction(v)
        if v == "*":
            raise ValueError("establishment must be a country code, not '*'")
        return v


class PurposeSpec(_Strict):
    category: Purpose
    description: str = ""


class DataSubjects(_Strict):
    jurisdictions: list[Jurisdiction] = Field(min_length=1)
    minors: Optional[bool] = Field(
        default=None,
        description="whether the data subjects include children; absent is read as false for targeted "
        "and as true for untargeted collection (LEGAL-R2 R20)",
    )


class Consent(_Strict):
    kind: ConsentKind = "none"
    evidence: Optional[str] = None


class Assessments(_Strict):
    lia: Optional[str] = None
    dpia: Optional[str] = None


class LegalBasis(_Strict):
    gdpr_art6: Optional[Art6] = None
    gdpr_art9: Optional[Art9] = None
    law_reference: Optional[str] = Field(
        default=None, min_length=1,
        description="the Union or Member State law a legal_obligation, public_task or Art. 9(2)(g)-(j) "
        "basis rests on (GDPR Art. 6(3)); LEGAL-R2 R4, R5, R7",
    )
    consent: Consent = Field(default_factory=Consent)
    assessments: Assessments = Field(default_factory=Assessments)


class SitePermission(_Strict):
    site: str = Field(min_length=1)
    evidence: str = Field(min_length=1)

    @field_validator("site")
    @classmethod
    def _site(cls, v: str) -> str:
        return v.strip().rstrip(".").lower()


class Target(_Strict):
    url: TargetURL
    authenticated: bool = False


class JobSpec(_Strict):
    operator: Operator
    purpose: PurposeSpec
    user_agent: str = Field(min_length=1)
    data_categories: list[DataCategory] = Field(min_length=1)
    data_subjects: DataSubjects
    targeting: Optional[Targeting] = Field(
        default=None,
        description="targeted or untargeted collection; no default: with facial or biometric data an "
        "absent value is read as untargeted, with a warning (LEGAL-R2 R2)",
    )
    identifies_persons: Optional[bool] = Field(
        default=None,
        description="whether the processing identifies people; absent is read as true for facial "
        "images, with a warning (LEGAL-R2 R1)",
    )
    recipients: list[Recipient] = Field(
        default_factory=lambda: ["internal"],
        description="who receives the data or its results (LEGAL-R2 R8-R10)",
    )
    sells_data: bool = Field(default=False, description="the data or access to it is sold (LEGAL-R2 R8, R9)")
    legal_basis: LegalBasis = Field(default_factory=LegalBasis)
    site_permissions: list[SitePermission] = Field(default_factory=list)
    retention_days: Optional[int] = Field(default=None, ge=0)
    targets: list[Union[TargetURL, Target]] = Field(default_factory=list)


class CollectionJob(_Strict):
    """A `scrapegate/v1` `CollectionJob` manifest."""

    apiVersion: Literal["scrapegate/v1"]
    kind: Literal["CollectionJob"]
    metadata: Metadata
    spec: JobSpec

    @property
    def name(self) -> str:
        return self.metadata.name

    def target_list(self) -> list[Target]:
        return [Target(url=t) if isinstance(t, str) else t for t in self.spec.targets]

    def policy_view(self) -> dict[str, Any]:
        """The job as the policies see it (`input.job`): the spec without targets, plus
        the job's name and owner (waivers are scoped by job name)."""
        spec = self.spec.model_dump(mode="json", exclude={"targets"})
        spec["name"] = self.metadata.name
        spec["owner"] = self.metadata.owner
        return spec


class Violation(BaseModel):
    """One deny or warn entry of a decision."""

    model_config = ConfigDict(extra="allow")

    code: str
    jurisdiction: Optional[str] = None
    law: Optional[str] = None
    message: str = ""
    precedents: list[str] = Field(default_factory=list)


_ID_HEAD = ""
_id_counter = itertools.count(int.from_bytes(os.urandom(4), "big"))


def new_decision_id() -> str:
    """A unique id in UUID form: a random per-process prefix and a counter. Cheaper than
    uuid4() on the hot path, and unique across processes through the random prefix (a
    forked child draws a new one, so it never repeats its parent's ids)."""
    return f"{_ID_HEAD}{next(_id_counter) & 0xFFFFFFFFFFFF:012x}"


def _new_id_prefix() -> None:
    global _ID_HEAD
    raw = bytearray(os.urandom(10))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    _ID_HEAD = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"


_new_id_prefix()
os.register_at_fork(after_in_child=_new_id_prefix)


_second_text: tuple[int, str] = (-1, "")


def utc_stamp() -> tuple[float, str]:
    """(time.time(), the same moment as "2026-11-26T10:00:00.000000Z"): the form of
    Decision.evaluated_at and of the ledger's times. The seconds part is formatted once a
    second: the gate stamps every request."""
    global _second_text
    now = time.time()
    second = int(now)
    cached = _second_text
    if cached[0] != second:  # swapped whole, so threads never see half an update
        cached = _second_text = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return now, f"{cached[1]}.{int((now - second) * 1e6):06d}Z"


def _now() -> str:
    return utc_stamp()[1]


class Decision(BaseModel):
    """The answer to "may this job collect this URL?". `allow` is true only when `deny` is empty."""

    model_config = ConfigDict(extra="allow")

    allow: bool
    deny: list[Violation] = Field(default_factory=list)
    warn: list[Violation] = Field(default_factory=list)
    obligations: list[dict[str, Any]] = Field(default_factory=list)
    waived: list[dict[str, Any]] = Field(default_factory=list)
    decision_id: str = Field(default_factory=lambda: new_decision_id())
    policy_revision: Optional[str] = None
    engine: Optional[str] = None
    evaluated_at: str = Field(default_factory=_now)
    url: Optional[str] = None
    mode: str = "enforce"
    error: Optional[str] = None

    @staticmethod
    def new_id() -> str:
        return new_decision_id()

    @staticmethod
    def timestamp(moment: datetime | None = None) -> str:
        """`moment` (naive means UTC) in the form of `evaluated_at`."""
        moment = moment or datetime.now(timezone.utc)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc)
        return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"

    def for_request(self, decision_id: str, url: str, mode: str, evaluated_at: str) -> "Decision":
        """A copy for one request of a cached decision, without re-validation (the gate's hot
        path). The lists are shared with the cached decision, which nobody mutates."""
        values = self.__dict__.copy()
        values["decision_id"] = decision_id
        values["url"] = url
        values["mode"] = mode
        values["evaluated_at"] = evaluated_at
        new = _new_object(Decision)
        _set_attr(new, "__dict__", values)
        _set_attr(new, "__pydantic_fields_set__", _ALL_DECISION_FIELDS)
        _set_attr(new, "__pydantic_extra__", self.__pydantic_extra__)
        _set_attr(new, "__pydantic_private__", None)
        return new

    @property
    def deny_codes(self) -> list[str]:
        return sorted({v.code for v in self.deny})

    @property
    def warn_codes(self) -> list[str]:
        return sorted({v.code for v in self.warn})

    @classmethod
    def denied(cls, code: str, message: str, **kw: Any) -> "Decision":
        """A decision that denies with one code (engine failures, bad URLs, ledger failures)."""
        law = kw.pop("law", None)
        return cls(allow=False, deny=[Violation(code=code, message=message, law=law)], error=message, **kw)

    @classmethod
    def from_result(cls, result: Any, **kw: Any) -> "Decision":
        """Validate an engine's raw decision document. Anything undefined or malformed is a
        deny with code engine.undefined, never an allow."""
        if not isinstance(result, dict):
            return cls.denied("engine.undefined", f"policy decision is undefined or not an object: {result!r:.200}", **kw)
        try:
            deny = [Violation.model_validate(v) for v in _as_list(result.get("deny", []))]
            warn = [Violation.model_validate(v) for v in _as_list(result.get("warn", []))]
            obligations = [dict(o) for o in _as_list(result.get("obligations", []))]
            waived = [dict(w) for w in _as_list(result.get("waived", []))]
        except (ValueError, TypeError) as exc:
            return cls.denied("engine.undefined", f"malformed policy decision: {exc}", **kw)
        if not isinstance(result.get("allow"), bool):
            return cls.denied("engine.undefined", "policy decision has no boolean 'allow'", **kw)
        order = lambda v: (v.code, v.jurisdiction or "")  # noqa: E731 - stable output order
        return cls(
            allow=bool(result["allow"]) and not deny,
            deny=sorted(deny, key=order),
            warn=sorted(warn, key=order),
            obligations=sorted(obligations, key=lambda o: str(sorted(o.items()))),
            waived=waived,
            **kw,
        )

    def summary(self) -> str:
        if self.allow:
            return "allow"
        return "deny: " + ", ".join(self.deny_codes)


_new_object = object.__new__
_set_attr = object.__setattr__
_ALL_DECISION_FIELDS = frozenset(Decision.model_fields)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise TypeError(f"expected a list, got {type(value).__name__}")
