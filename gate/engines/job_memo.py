"""The embedded engine's job memo: what the data protection packages find depends on the job
and the subject codes only, so it is evaluated once per job and subject codes and reused for
every new host (BENCHMARKS.md, "Issue 16.5").

The shipped policies define two entrypoints beside `decision`:
- `site.host_findings` (site.rego), queried for every decision whose input is well formed
  (`well_formed`, main's input_well_formed in Python): the site packages' and a team's
  entries and the codes the host's TLD adds to the subjects, or false when a waiver is
  written for the job and site; when every
  module is a shipped one it runs in a bundle of its own without main, derive, the waivers
  and the law packages (rego-cpp checks the whole bundle on every query);
- `job_findings` (main.rego), queried with an input holding only `job` and `subjects` (the TLD's codes
  appended to `subjects.inferred`, where derive.subject_code_list would put them): no
  request, no signals, no clock, so its answer cannot depend on them.
`join` puts the parts in the order decision's `_plain_decision` uses. Whenever a part is not
plain, missing or not of the expected shape, the caller evaluates `decision` itself.

The memo is used only when every module of the job-level packages, main and site is a
shipped one: a team module that adds a rule to, say, `package scrapegate.gdpr` could read the
request, which the job query does not hold.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Sequence

from gate.engines.policy_set import PolicyModule

__all__ = ["JOB_ENTRYPOINT", "SITE_ENTRYPOINT", "JOB_PACKAGES", "LAW_PACKAGES", "JobMemo", "memo_applies",
           "all_shipped", "site_modules", "job_input", "join", "well_formed",
           "site_part", "job_part"]

JOB_ENTRYPOINT = "scrapegate/job_findings"
SITE_ENTRYPOINT = "scrapegate/site/host_findings"
# The packages job_findings evaluates (main's _subject_* and eu_ai_act.obligations, and what
# they import). tests/policy/test_job_memo.py checks that none reads the request or signals.
# main's own package and scrapegate.site are there too: they define the two parts and the
# order join follows.
JOB_PACKAGES = frozenset({
    "scrapegate", "scrapegate.site", "scrapegate.derive", "scrapegate.facts", "scrapegate.lib",
    "scrapegate.gdpr", "scrapegate.eu_ai_act", "scrapegate.us_biometric", "scrapegate.au", "scrapegate.ca",
    "scrapegate.br", "scrapegate.cn", "scrapegate.kr", "scrapegate.tr", "scrapegate.za", "scrapegate.nz",
    "scrapegate.declaration", "scrapegate.review",
})
# The law packages only job_findings reads: the site bundle leaves them out.
LAW_PACKAGES = JOB_PACKAGES - {"scrapegate", "scrapegate.site", "scrapegate.derive", "scrapegate.facts",
                               "scrapegate.lib"}
_NOT_IN_SITE = LAW_PACKAGES | {"scrapegate", "scrapegate.derive", "scrapegate.waivers"}
_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_LISTS = ("deny", "warn", "obligations")


def module_package(module: PolicyModule) -> str | None:
    match = _PACKAGE.search(module.source)
    return match.group(1) if match else None


def memo_applies(modules: Sequence[PolicyModule], shipped_root: Path) -> bool:
    """True when every module of the job-level packages comes from the shipped policies."""
    root = shipped_root.resolve()
    for module in modules:
        if module.is_test or module_package(module) not in JOB_PACKAGES:
            continue
        if not module.path.resolve().is_relative_to(root):
            return False
    return True


def all_shipped(modules: Sequence[PolicyModule], shipped_root: Path) -> bool:
    """True when every module is a shipped one: only then may site.host_findings be compiled
    without the law packages (a team's module could read, say, data.scrapegate.gdpr)."""
    root = shipped_root.resolve()
    return all(module.path.resolve().is_relative_to(root) for module in modules)


def site_modules(modules: Sequence[PolicyModule]) -> list[PolicyModule]:
    """The modules site.host_findings can reach: all but main, the law packages, derive (the site
    packages read the few job facts they need from scrapegate.facts) and the waivers (which
    only decision's assemble reads)."""
    return [m for m in modules if module_package(m) not in _NOT_IN_SITE]


def job_input(policy_input: dict[str, Any], host_codes: list[Any]) -> dict[str, Any] | None:
    """The job query's input: the job and the subjects, the host's TLD codes appended to
    `inferred` (derive.subject_code_list concatenates declared, inferred and the TLD's codes,
    so the list is the same). None when the subjects are not of the shape this needs."""
    subjects = policy_input.get("subjects")
    if not isinstance(subjects, dict) or "job" not in policy_input:
        return None
    inferred = subjects.get("inferred", [])
    if not isinstance(inferred, list):
        return None
    out = dict(subjects)
    if host_codes or "inferred" in subjects:
        out["inferred"] = inferred + host_codes
    return {"job": policy_input["job"], "subjects": out}


# host_findings' array, in site.rego's order (false instead when a waiver is written for the job and site).
_SITE_PARTS = ("host_codes", "deny", "warn", "obligations", "team_deny", "team_warn", "team_obligations")


def well_formed(policy_input: Any) -> bool:
    """main.rego's input_well_formed, the same five tests: the embedded engine queries
    site.host_findings only for an input that passes them (decision handles the others).
    tests/engines/test_job_memo.py holds the two equal over malformed inputs."""
    try:
        return (isinstance(policy_input["request"]["host"], str)
                and isinstance(policy_input["job"]["purpose"], dict)
                and isinstance(policy_input["job"]["data_categories"], (list, tuple))
                and isinstance(policy_input["subjects"]["declared"], (list, tuple))
                and isinstance(policy_input["signals"], dict))
    except (KeyError, TypeError, IndexError):
        return False


def site_part(value: Any) -> dict[str, list[Any]] | None:
    """site.host_findings' answer by name when it is plain (an array of seven lists), else
    None (false: a waiver is written for the job and site)."""
    if not isinstance(value, list) or len(value) != len(_SITE_PARTS):
        return None
    if not all(isinstance(part, list) for part in value):
        return None
    return dict(zip(_SITE_PARTS, value))


def job_part(value: Any) -> dict[str, list[Any]] | None:
    if not isinstance(value, dict) or not all(isinstance(value.get(k), list) for k in _LISTS):
        return None
    return value


def join(site: dict[str, list[Any]], job: dict[str, list[Any]]) -> dict[str, Any]:
    """decision's `_plain_decision` from the two parts, in main.rego's _raw_* order."""
    deny = site["deny"] + job["deny"] + site["team_deny"]
    return {
        "allow": len(deny) == 0,
        "deny": deny,
        "warn": site["warn"] + job["warn"] + site["team_warn"],
        "obligations": site["obligations"] + job["obligations"] + site["team_obligations"],
        "waived": [],
    }


class JobMemo:
    """job_findings' answers (their JSON text, parsed afresh for each decision so that no two
    decisions share a mutable entry), by the job query's input; least recently used first out."""

    def __init__(self, max_entries: int = 128) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(value: dict[str, Any]) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def get(self, key: str) -> str | None:
        with self._lock:
            text = self._entries.get(key)
            if text is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return text

    def put(self, key: str, text: str) -> None:
        with self._lock:
            self._entries[key] = text
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
