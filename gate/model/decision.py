"""The Decision: the answer to "may this job collect this URL?", its deny and warn entries
(`Violation`), and the ids and timestamps the gate stamps on every copy."""

from __future__ import annotations

import itertools
import os
import time
from datetime import datetime, timezone
from typing import Any, NoReturn, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from typing_extensions import Annotated

__all__ = ["Violation", "Decision", "FrozenDict", "new_decision_id", "utc_stamp"]


class FrozenDict(dict[str, Any]):
    """A dict that refuses changes. A decision's obligations and waived entries are shared by
    every per-request copy of a cached decision, so none of them may change in place; make
    a changed copy with `dict(entry)`."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a Decision's entries are read-only: make a changed copy with dict(entry)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and deepcopy rebuild it whole, never item by item
        return (FrozenDict, (dict(self),))


def _frozen(value: Any) -> Any:
    """`value` with every dict a FrozenDict and every list a tuple, all the way down."""
    if isinstance(value, dict):
        return FrozenDict({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


Entry = Annotated[dict[str, Any], AfterValidator(_frozen)]


class Violation(BaseModel):
    """One deny or warn entry of a decision (immutable: a cached decision shares it)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: str
    jurisdiction: Optional[str] = None
    law: Optional[str] = None
    message: str = ""
    precedents: tuple[str, ...] = ()


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


_REQUEST_FIELDS = frozenset({"decision_id", "url", "mode", "evaluated_at"})
_set = object.__setattr__  # a frozen model's fields are set the way pydantic itself sets them
_new_decision = object.__new__


class Decision(BaseModel):
    """The answer to "may this job collect this URL?". `allow` is true only when `deny` is empty.

    Immutable: the gate caches one decision per (policy revision, request facts) and hands
    each request a copy that differs only in `decision_id`, `url`, `mode` and `evaluated_at`,
    made with pydantic's `model_copy(update=...)`. The entries are tuples, the obligations
    and waived entries read-only dicts, so no copy can change another.
    """

    model_config = ConfigDict(frozen=True)

    allow: bool
    deny: tuple[Violation, ...] = ()
    warn: tuple[Violation, ...] = ()
    obligations: tuple[Entry, ...] = ()
    waived: tuple[Entry, ...] = ()
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
        """This decision for one request: a copy with the request's id, URL, mode and time,
        not validated again. Everything else is shared, and immutable. What
        `model_copy(update=...)` does, written out: its three `copy.copy` calls cost 1.5 us
        of the gate's ~10 us hot path (a test holds the two to the same result)."""
        values = self.__dict__.copy()
        values["decision_id"] = decision_id
        values["url"] = url
        values["mode"] = mode
        values["evaluated_at"] = evaluated_at
        copied = _new_decision(Decision)
        _set(copied, "__dict__", values)
        _set(copied, "__pydantic_extra__", None)  # extra fields are not allowed
        _set(copied, "__pydantic_fields_set__", self.__pydantic_fields_set__ | _REQUEST_FIELDS)
        _set(copied, "__pydantic_private__", None)  # no private attributes
        return copied

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
        return cls(allow=False, deny=(Violation(code=code, message=message, law=law),), error=message, **kw)

    @classmethod
    def from_result(cls, result: Any, **kw: Any) -> "Decision":
        """Validate an engine's raw decision document. Anything undefined or malformed is a
        deny with code engine.undefined, never an allow."""
        if not isinstance(result, dict):
            return cls.denied("engine.undefined", f"policy decision is undefined or not an object: {result!r:.200}",
                              **kw)
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
            deny=tuple(sorted(deny, key=order)),
            warn=tuple(sorted(warn, key=order)),
            obligations=tuple(sorted(obligations, key=lambda o: str(sorted(o.items())))),
            waived=tuple(waived),
            **kw,
        )

    def summary(self) -> str:
        if self.allow:
            return "allow"
        return "deny: " + ", ".join(self.deny_codes)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise TypeError(f"expected a list, got {type(value).__name__}")
