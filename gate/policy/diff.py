"""`policy diff`: what a policy change does to real jobs. Every target of the manifests is
evaluated under a base and a head version of the policies; the targets whose decision
changed are listed (allow -> deny, deny -> allow, codes added or removed).

The base is a directory or a git revision. A revision's policy tree is read with
`git archive` into a temporary directory: the working tree and the index are never touched.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from gate.errors import PolicyError
from gate.model.decision import Decision

__all__ = ["PolicySource", "TargetChange", "PolicyDiff", "diff_policies", "policy_source", "compare",
           "DEFAULT_POLICY_SUBDIR", "ALLOW_TO_DENY", "DENY_TO_ALLOW", "CODES_CHANGED"]

DEFAULT_POLICY_SUBDIR = "policies"
GIT_TIMEOUT_S = 60

ALLOW_TO_DENY = "allow -> deny"
DENY_TO_ALLOW = "deny -> allow"
CODES_CHANGED = "codes changed"


@dataclass
class PolicySource:
    label: str          # what the user gave: a directory or a git revision
    kind: str           # "directory" or "git"
    root: str           # the directory the engine loaded
    commit: str = ""    # the resolved commit for a git revision
    revision: str = ""  # the policy bundle hash


@dataclass
class TargetChange:
    file: str
    document: int
    job: str
    target: str
    line: int
    change: str                                   # ALLOW_TO_DENY, DENY_TO_ALLOW or CODES_CHANGED
    base_allow: bool
    head_allow: bool
    deny_added: dict[str, list[str]] = field(default_factory=dict)    # code -> jurisdictions
    deny_removed: dict[str, list[str]] = field(default_factory=dict)
    warn_added: dict[str, list[str]] = field(default_factory=dict)
    warn_removed: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)            # code -> a head message


@dataclass
class PolicyDiff:
    base: PolicySource
    head: PolicySource
    targets: int
    jobs: int
    changes: list[TargetChange]

    def summary(self) -> dict[str, int]:
        count = lambda kind: sum(1 for c in self.changes if c.change == kind)  # noqa: E731
        return {"jobs": self.jobs, "targets": self.targets, "changed": len(self.changes),
                "allow_to_deny": count(ALLOW_TO_DENY), "deny_to_allow": count(DENY_TO_ALLOW),
                "codes_changed": count(CODES_CHANGED), "unchanged": self.targets - len(self.changes)}

    def exit_code(self) -> int:
        """1 when the change turns any allowed target into a denied one."""
        return 1 if any(c.change == ALLOW_TO_DENY for c in self.changes) else 0


# -- where the policies come from ------------------------------------------------------------

def _git(args: Sequence[str], cwd: Path, binary: bool = False) -> Any:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PolicyError(f"git {' '.join(args)}: {exc}") from exc
    if proc.returncode != 0:
        raise PolicyError(f"git {' '.join(args)}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout if binary else proc.stdout.decode("utf-8", "replace").strip()


def _git_toplevel(cwd: Path) -> Path | None:
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], cwd))
    except PolicyError:
        return None


def _bundle_dir(path: Path, subdir: str) -> Path:
    """A checkout root holding `subdir/` stands for that subdirectory."""
    inner = path / subdir
    return inner if inner.is_dir() and not (path / "scrapegate").is_dir() else path


def _extract(archive: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


@contextmanager
def policy_source(spec: str | None, *, subdir: str = DEFAULT_POLICY_SUBDIR,
                  cwd: Path | None = None) -> Iterator[PolicySource]:
    """A directory, a git revision (its `subdir` tree extracted to a temporary directory
    that is removed afterwards) or, for None, the working tree's `subdir` (else the
    shipped policies)."""
    here = Path(cwd or Path.cwd())
    top = _git_toplevel(here)
    if spec is None:
        for candidate in ([top / subdir] if top else []) + [here / subdir]:
            if candidate.is_dir():
                yield PolicySource(str(candidate), "directory", str(candidate))
                return
        from gate.engines.policy_set import shipped_policies_dir

        shipped = shipped_policies_dir()
        yield PolicySource("shipped policies", "directory", str(shipped))
        return
    path = Path(spec) if Path(spec).is_absolute() else here / spec
    if path.is_dir():
        root = _bundle_dir(path, subdir)
        yield PolicySource(spec, "directory", str(root))
        return
    if top is None:
        raise PolicyError(f"{spec}: not a directory, and {here} is not in a git repository to read a revision from")
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"], top)
    except PolicyError:
        raise PolicyError(f"{spec}: neither a policy directory nor a git revision of {top}") from None
    archive = _git(["archive", "--format=tar", commit, "--", subdir], top, binary=True)
    with tempfile.TemporaryDirectory(prefix="scrapegate-base-") as tmp:
        _extract(archive, Path(tmp))
        root = Path(tmp) / subdir
        if not root.is_dir():
            raise PolicyError(f"{spec}: the revision has no {subdir}/ directory")
        yield PolicySource(spec, "git", str(root), commit=commit)


# -- the comparison ------------------------------------------------------------------------------

def _by_code(items: Sequence[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in items:
        out.setdefault(v.code, [])
        if v.jurisdiction and v.jurisdiction not in out[v.code]:
            out[v.code].append(v.jurisdiction)
    return {k: sorted(v) for k, v in out.items()}


def _delta(base: dict[str, list[str]], head: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(added, removed): codes new or gone, and for a code in both, the jurisdictions that
    came or went."""
    added: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    for code in sorted(set(base) | set(head)):
        if code not in base:
            added[code] = head[code]
        elif code not in head:
            removed[code] = base[code]
        else:
            plus = sorted(set(head[code]) - set(base[code]))
            minus = sorted(set(base[code]) - set(head[code]))
            if plus:
                added[code] = plus
            if minus:
                removed[code] = minus
    return added, removed


def compare(base: Decision, head: Decision) -> tuple[str, dict[str, Any]] | None:
    """The kind of change between two decisions for one target, or None when the same."""
    deny_added, deny_removed = _delta(_by_code(base.deny), _by_code(head.deny))
    warn_added, warn_removed = _delta(_by_code(base.warn), _by_code(head.warn))
    if base.allow and not head.allow:
        kind = ALLOW_TO_DENY
    elif head.allow and not base.allow:
        kind = DENY_TO_ALLOW
    elif deny_added or deny_removed or warn_added or warn_removed:
        kind = CODES_CHANGED
    else:
        return None
    detail = {"deny_added": deny_added, "deny_removed": deny_removed,
              "warn_added": warn_added, "warn_removed": warn_removed,
              "messages": {v.code: v.message for v in [*head.deny, *head.warn]
                           if v.code in {**deny_added, **warn_added}}}
    return kind, detail


def diff_policies(manifests: Sequence[str | Path], base: str, head: str | None = None, *,
                  subdir: str = DEFAULT_POLICY_SUBDIR, extra_data: dict[str, Any] | None = None,
                  cwd: Path | None = None) -> PolicyDiff:
    """Evaluate `manifests` under the base and head policies and list what changed."""
    from gate.core.batch import decide_jobs
    from gate.engines.embedded import EmbeddedEngine
    from gate.model.manifest import load_manifests

    jobs = load_manifests(manifests)
    reports = []
    sources = []
    for which, spec in (("base", base), ("head", head)):
        with policy_source(spec, subdir=subdir, cwd=cwd) as source:
            engine = EmbeddedEngine([source.root], include_shipped=False, extra_data=extra_data)
            try:
                reports.append(decide_jobs(jobs, engine))
            except PolicyError as exc:
                raise PolicyError(f"{which} policies {source.label}: {exc}") from exc
            finally:
                engine.close()
            source.revision = engine.revision
            sources.append(source)
    changes: list[TargetChange] = []
    for b, h in zip(reports[0].results, reports[1].results):
        found = compare(b.decision, h.decision)
        if found is None:
            continue
        kind, detail = found
        changes.append(TargetChange(h.file, h.document, h.job, h.target, h.line, kind,
                                    b.decision.allow, h.decision.allow, **detail))
    return PolicyDiff(sources[0], sources[1], len(reports[1].results), reports[1].summary()["jobs"], changes)
