"""The job manifest (scrapegate/v1 CollectionJob): the models, the enumerations of its closed
sets, and the job as the policies see it (`CollectionJob.policy_view`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, field_validator
from typing_extensions import Annotated

from gate.model.url import site_name

__all__ = [
    "PURPOSES", "DATA_CATEGORIES", "GDPR_ART6", "GDPR_ART9", "CONSENT_KINDS", "RECIPIENTS", "TARGETING",
    "CollectionJob", "JobSpec", "Target",
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
MAX_RETENTION_DAYS = 1_000_000

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
# ISO codes of places that are part of an EU member state, where EU law (the GDPR, the AI
# Act) applies as in the rest of it: the outermost regions (TFEU Arts. 349, 355(1)), Aland
# (Finland) and ISO's reserved codes for the Canaries and Ceuta/Melilla. Read as the state,
# or a face search of people in Reunion ("RE") passed as an uncovered country. Overseas
# countries and territories (PF, NC, BL, ...), the Faroes and Greenland are outside EU law
# and stay as written.
_EU_TERRITORIES = {"GP": "FR", "GF": "FR", "MQ": "FR", "RE": "FR", "YT": "FR", "MF": "FR",
                   "AX": "FI", "IC": "ES", "EA": "ES"}


def _jurisdiction(value: str) -> str:
    code = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(code, str) or not _JURISDICTION.match(code):
        raise ValueError(
            f"{value!r} is not a jurisdiction: use an ISO 3166-1 alpha-2 code (FR), "
            "an ISO 3166-2 subdivision (US-IL), 'EU' or '*'"
        )
    head, sep, tail = code.partition("-")
    if head == "EU" and sep:  # "EU-27" named no policy's code and passed as uncovered
        raise ValueError(f"{value!r} is not a jurisdiction: 'EU' has no subdivisions; write 'EU' "
                         "(every EEA state) or a member state's code (FR, FR-75)")
    if head in _ALIASES:
        code = _ALIASES[head] + sep + tail
    return _EU_TERRITORIES.get(code, code)


# Characters that show nothing, beyond what str.isspace() knows: format characters (zero-width
# space and joiners, word joiner, BOM, soft hyphen) and the blank letters of Hangul and Braille.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(text: str) -> bool:
    return any(not ch.isspace() and ch not in _BLANK_LETTERS and unicodedata.category(ch) not in ("Cf", "Cc")
               for ch in text)


# What people write where they have no document: a reference that says so is none.
_PLACEHOLDERS = frozenset({"none", "n/a", "na", "n.a", "null", "nil", "nothing", "no", "tbd", "todo", "tba",
                           "pending", "unknown", "-", "--", "?", "x", "xxx", "missing", "not available"})


def _no_document(text: str) -> bool:
    return not _visible(text) or " ".join(text.split()).strip(".").lower() in _PLACEHOLDERS


def _reference(value: Any) -> Any:
    """A reference to a document (consent evidence, an assessment, a law) that shows nothing,
    or says there is none ("n/a", "TBD"), is no reference: read as left out. The engines
    disagreed on blank ones: OPA's trim_space strips Unicode spaces, the embedded engine's
    ASCII ones only, so evidence: "\u00a0" counted as a consent record on the default
    engine (and "\u200b" on both)."""
    return None if isinstance(value, str) and _no_document(value) else value


def _required_reference(value: Any) -> Any:
    if isinstance(value, str) and _no_document(value):
        raise ValueError(f"{value!r} names no document: name the letter, contract or ticket"[:200])
    return value


Reference = Annotated[Optional[str], AfterValidator(_reference)]


def _url(value: str) -> str:
    from gate.model.url import normalize

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
    # spaces as one ASCII space: the policies match the name against a site's objections and a
    # crawler's owner, and the engines' trim_space disagree beyond ASCII (see _reference)
    name: Annotated[str, AfterValidator(lambda v: " ".join(v.split()))]
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
    evidence: Reference = None


class Assessments(_Strict):
    lia: Reference = None
    dpia: Reference = None


class LegalBasis(_Strict):
    gdpr_art6: Optional[Art6] = None
    gdpr_art9: Optional[Art9] = None
    law_reference: Reference = Field(
        default=None, min_length=1,
        description="the Union or Member State law a legal_obligation, public_task or Art. 9(2)(g)-(j) "
        "basis rests on (GDPR Art. 6(3)); LEGAL-R2 R4, R5, R7",
    )
    consent: Consent = Field(default_factory=Consent)
    assessments: Assessments = Field(default_factory=Assessments)


class SitePermission(_Strict):
    site: str = Field(min_length=1)
    evidence: Annotated[str, AfterValidator(_required_reference)] = Field(min_length=1)

    @field_validator("site")
    @classmethod
    def _site(cls, v: str) -> str:
        return site_name(v)  # as the waivers' sites and the denials' (an IDN as punycode)


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
    allow_ip_literals: bool = Field(
        default=False,
        description="allow targets whose host is a public IP address (denied as request.ip_literal "
        "otherwise: an IP literal names no site, so no site rule could apply); loopback is always allowed",
    )
    legal_basis: LegalBasis = Field(default_factory=LegalBasis)
    site_permissions: list[SitePermission] = Field(default_factory=list)
    # true is not 1 day; past a million days (2,700 years) a value is no retention schedule,
    # and 10**30 made the embedded engine fail (engine.error, exit 3) instead of naming the field
    retention_days: Optional[StrictInt] = Field(default=None, ge=0, le=MAX_RETENTION_DAYS)
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
