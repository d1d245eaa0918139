"""A waiver (`--waivers FILE`, data.scrapegate.granted_waivers): the model a waivers file is
validated against, so a waiver that could never apply, or would apply for ever, is an error at
load time rather than a waiver that silently waives nothing (policies/scrapegate/waivers.rego)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["Waiver", "WAIVER_FIELDS"]

WAIVER_FIELDS = ("id", "rules", "jobs", "sites", "approved_by", "reason", "ticket", "expires")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _text(value: Any, what: str = "", *, numbers: bool = False) -> str:
    """A non-empty string (an integer too where `numbers`: ticket 1234, id 7)."""
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    subject = f"{what} " if what else ""
    if not isinstance(value, str):
        raise ValueError(f"{subject}must be a string, not {type(value).__name__} {value!r}"[:200])
    if not value.strip():
        raise ValueError(f"{subject}must not be empty")
    return value


# What a glob may hold: the characters of a job name or a host, and the wildcards * and ?.
# OPA and the embedded engine read [...], {...} and \ differently ("{a,b" lifted a denial
# on OPA and not embedded; "[a-]" failed every decision on OPA), and a job name or host
# never holds them.
_JOB_GLOB = re.compile(r"^[A-Za-z0-9._*?-]+$")
_SITE_GLOB = re.compile(r"^[a-z0-9._*?-]+$")


def _glob(value: Any, what: str, subject: str) -> str:
    text = _text(value, subject)
    if what == "site":  # the site a denial names is lower case, without a trailing dot, IDN as punycode
        from gate.model.url import site_name

        text = site_name(text)
    if not (_SITE_GLOB if what == "site" else _JOB_GLOB).match(text):
        allowed = "letters, digits, . _ -" if what == "job" else "lower-case letters, digits, . _ - (IDN as punycode)"
        raise ValueError(f"{value!r}: a {what} glob holds {allowed} and the wildcards * and ? only"[:200])
    return text


def _globs(value: Any, what: str) -> str | list[str]:
    """A glob ("*", "face-*", "*.example.com") or a non-empty list of globs, any of which may match."""
    if isinstance(value, list):
        if not value:
            raise ValueError(f"an empty list matches no {what}: give a glob ('*' for every {what})")
        return [_glob(v, what, f"each {what} glob") for v in value]
    if not isinstance(value, str):
        raise ValueError(f"must be a glob string or a list of globs, not {type(value).__name__} {value!r}"[:200])
    return _glob(value, what, "")


class Waiver(BaseModel):
    """Every field is required: an unapproved, unexplained or open-ended waiver is an error."""

    model_config = ConfigDict(extra="forbid")

    id: str
    rules: list[str]
    jobs: str | list[str]
    sites: str | list[str]
    approved_by: str
    reason: str
    ticket: str
    expires: str

    @field_validator("id", "ticket", mode="before")
    @classmethod
    def _identifier(cls, value: Any) -> str:
        return _text(value, numbers=True)

    @field_validator("approved_by", "reason", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> str:
        return _text(value)

    @field_validator("rules", mode="before")
    @classmethod
    def _rules(cls, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(f"must be a list of rule codes, not {type(value).__name__} {value!r}"[:200])
        if not value:
            raise ValueError("an empty list waives nothing: name the rule codes")
        return [_text(v, "each rule code") for v in value]

    @field_validator("jobs", mode="before")
    @classmethod
    def _jobs(cls, value: Any) -> str | list[str]:
        return _globs(value, "job")

    @field_validator("sites", mode="before")
    @classmethod
    def _sites(cls, value: Any) -> str | list[str]:
        return _globs(value, "site")

    @field_validator("expires", mode="before")
    @classmethod
    def _expires(cls, value: Any) -> str:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = value.isoformat()
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD (the last day the waiver holds)"[:200])
        try:
            dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date: {exc}") from None
        return value
