"""OPA bundles: build the gzip tarball that `opa run -s -b bundle.tar.gz` serves, or push
the same policies and data to a running OPA through its Policy and Data APIs.

Layout (OPA's bundle file format, as `opa build` writes it but without the leading `/`)::

    .manifest                     {"revision": <policy set hash>, "roots": ["scrapegate"], ...}
    scrapegate/main.rego          every policy module, tests (*_test.rego) left out
    scrapegate/data.json          data at the directory that is its path in `data`
    scrapegate/sites/data.json    (data.yaml converted: OPA reads data.json everywhere)

Waivers from `--waivers` are already layered into the policy set's data at
`data.scrapegate.granted_waivers`; they are written into the data file that owns that path.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import re
import tarfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, Callable

from gate.engines.base import DECISION_ENTRYPOINT
from gate.engines.policy_set import PolicyModule, PolicySet
from gate.errors import PolicyError

__all__ = ["BundleInfo", "PushResult", "bundle_files", "build_bundle", "bundle_roots", "compile_policy_set",
           "push_policy_set", "MANIFEST", "POLICY_ID_PREFIX"]

MANIFEST = ".manifest"
DATA_FILE = "data.json"
BUNDLE_MTIME = 0          # a fixed timestamp: the same policies give the same bytes
DEFAULT_ROOT = "scrapegate"
# Modules pushed by `scrapegate bundle push` get this id prefix, so a later push can
# delete the ones it no longer ships without touching other teams' modules.
POLICY_ID_PREFIX = "scrapegate/"
_PACKAGE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


@dataclass
class BundleInfo:
    """What `build_bundle` wrote."""

    revision: str
    roots: list[str]
    modules: list[str]
    data_files: list[str]
    size: int = 0


@dataclass
class PushResult:
    """What `push_policy_set` changed on the server."""

    revision: str
    modules: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    data_paths: list[str] = field(default_factory=list)


# -- layout -------------------------------------------------------------------------
def _rel_path(module: PolicyModule) -> str:
    # PolicyModule.name is "<root folder name>/<path under the root>"
    return module.name.split("/", 1)[1] if "/" in module.name else module.name


def _module_paths(modules: list[PolicyModule]) -> list[tuple[str, PolicyModule]]:
    """Each module at its path under its root; a path two roots share keeps the root's
    folder name in front so both modules ship."""
    taken: set[str] = set()
    out = []
    for i, module in enumerate(modules):
        for candidate in (_rel_path(module), module.name, f"{i}/{module.name}"):
            if candidate not in taken:
                taken.add(candidate)
                out.append((candidate, module))
                break
    return out


def _package_root(module: PolicyModule) -> str:
    match = _PACKAGE.search(module.source)
    if not match:
        raise PolicyError(f"{module.path}: no package statement")
    return match.group(1)


def bundle_roots(policy_set: PolicySet) -> list[str]:
    """The manifest's `roots`: the first segment of every package and of every top-level
    data key. OPA refuses a bundle whose packages or data fall outside its roots."""
    roots = {DEFAULT_ROOT}
    roots.update(_package_root(m) for m in policy_set.policy_modules())
    roots.update(str(k) for k in policy_set.data)
    return sorted(roots)


def _data_dirs(policy_set: PolicySet) -> set[tuple[str, ...]]:
    dirs: set[tuple[str, ...]] = set()
    for _, path, _ in policy_set.data_files:
        for root in policy_set.roots:
            base = root.parent if root.is_file() else root
            try:
                rel = path.relative_to(base)
            except ValueError:
                continue
            dirs.add(tuple(part for part in rel.parent.parts if part not in ("", ".")))
            break
    return dirs


def _subtree(data: Any, key: tuple[str, ...]) -> Any:
    for part in key:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _hollow(value: Any) -> bool:
    return isinstance(value, dict) and all(_hollow(v) for v in value.values())


def _split_data(data: dict[str, Any], file_dirs: set[tuple[str, ...]]) -> list[tuple[tuple[str, ...], Any]]:
    """Cut the merged data document back into one object per data directory, each
    without what a deeper directory holds, so OPA's merge of the files rebuilds exactly
    `data` (overrides included) and no key is defined twice."""
    dirs = {d for d in file_dirs if isinstance(_subtree(data, d), dict)}
    out = []
    for d in sorted(dirs | {()}):
        content = copy.deepcopy(_subtree(data, d))
        for deeper in dirs:
            if len(deeper) > len(d) and deeper[: len(d)] == d:
                parent = _subtree(content, deeper[len(d):-1])
                if isinstance(parent, dict):
                    parent.pop(deeper[-1], None)
        if d == () and () not in dirs and _hollow(content):
            continue  # no data file at the root, and nothing left over for one
        out.append((d, content))
    return out


def _json_bytes(value: Any, where: str) -> bytes:
    try:
        return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"{where}: data is not JSON (quote dates and times in YAML): {exc}") from exc


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scrapegate")
    except PackageNotFoundError:
        return "0+unknown"


def bundle_files(policy_set: PolicySet, *, entrypoint: str = DECISION_ENTRYPOINT) -> list[tuple[str, bytes]]:
    """(path in the tarball, content) for every file of the bundle, sorted."""
    manifest = {
        "revision": policy_set.revision,
        "roots": bundle_roots(policy_set),
        "rego_version": 1,
        "metadata": {"scrapegate": {"version": _version(), "entrypoint": entrypoint}},
    }
    files = [(MANIFEST, _json_bytes(manifest, MANIFEST))]
    for path, module in _module_paths(policy_set.policy_modules()):
        files.append((path, module.source.encode("utf-8")))
    for key, content in _split_data(policy_set.data, _data_dirs(policy_set)):
        path = "/".join(key + (DATA_FILE,))
        files.append((path, _json_bytes(content, path)))
    return sorted(files)


# -- build --------------------------------------------------------------------------
def compile_policy_set(policy_set: PolicySet, entrypoint: str = DECISION_ENTRYPOINT) -> None:
    """Compile the set's policy modules (tests left out, as in the bundle) and data with the
    embedded engine, the way `check` does: its errors, as file:line:col, are PolicyErrors."""
    from gate.engines.embedded import map_rego_errors, new_interpreter

    interpreter = new_interpreter(policy_set)
    with map_rego_errors(policy_set.policy_modules()):
        interpreter.build(None, [entrypoint])


def build_bundle(policy_set: PolicySet, out: str | Path | IO[bytes], *,
                 entrypoint: str = DECISION_ENTRYPOINT) -> BundleInfo:
    """Write the bundle as a gzip tarball to a path or a binary stream. Reproducible:
    entries are sorted and stamped with a fixed time. The policies are compiled first, as
    `check` compiles them: a module that does not parse is a PolicyError at file:line:col,
    and nothing is written."""
    compile_policy_set(policy_set, entrypoint)
    files = bundle_files(policy_set, entrypoint=entrypoint)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, content in files:
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mtime = BUNDLE_MTIME
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(content))
    payload = gzip.compress(raw.getvalue(), mtime=BUNDLE_MTIME)
    if isinstance(out, (str, Path)):
        target = Path(out)
        try:
            if target.exists() and not target.is_file():
                # A device or a pipe (/dev/null, /dev/stdout, a FIFO): write into it. Renaming a
                # file over it would replace it, /dev/null included when run as root.
                with target.open("wb") as stream:
                    stream.write(payload)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".tmp")
                tmp.write_bytes(payload)
                tmp.replace(target)  # never leave a half-written bundle where OPA looks
        except OSError as exc:
            raise PolicyError(f"{target}: cannot write bundle: {exc}") from exc
    else:
        out.write(payload)
    return BundleInfo(
        revision=policy_set.revision,
        roots=bundle_roots(policy_set),
        modules=[p for p, _ in files if p.endswith(".rego")],
        data_files=[p for p, _ in files if p.endswith(DATA_FILE)],
        size=len(payload),
    )


# -- push ---------------------------------------------------------------------------
def _in_rounds(ops: list[tuple[str, Callable[[], Any]]], where: str) -> None:
    """Run every operation, retrying those OPA rejected once the others went through: a
    module that calls a function of another module compiles only after it, and a renamed
    file's old module must go before its new one can define the same rules."""
    from gate.engines.opa import map_opa_errors

    pending = ops
    while pending:
        failed: list[tuple[str, Callable[[], Any]]] = []
        errors: list[str] = []
        for name, op in pending:
            try:
                with map_opa_errors(f"{where} {name}"):
                    op()
            except PolicyError as exc:
                failed.append((name, op))
                errors.append(str(exc))
        if len(failed) == len(pending):
            raise PolicyError("\n".join(errors))
        pending = failed


def _delete_policy(client: Any, policy_id: str) -> None:
    from opa_client.errors import DeletePolicyError

    try:
        client.delete_policy(policy_id)
    except DeletePolicyError as exc:
        if getattr(exc, "expression", None) != "resource_not_found":  # already gone is fine
            raise


def push_policy_set(policy_set: PolicySet, client: Any, *, prune: bool = True, url: str = "OPA") -> PushResult:
    """Upload the set's modules (`PUT /v1/policies/scrapegate/<file>`) and its data
    (`PUT /v1/data/<top-level key>`) with an opa-python-client `OpaClient`, delete modules
    an earlier push left that this set no longer has, then record the revision at
    `data.scrapegate_meta.revision`, where OPAServerEngine reads it."""
    from gate.engines.opa import REVISION_DATA_ROOT, map_opa_errors

    result = PushResult(policy_set.revision)
    for key in sorted(policy_set.data):
        value = policy_set.data[key]
        if not isinstance(value, dict):
            raise PolicyError(f"data.{key}: only objects can be pushed at the top level of data")
        with map_opa_errors(f"{url} PUT /v1/data/{key}"):
            client.update_or_create_data(value, key)
        result.data_paths.append(key)
    modules = {POLICY_ID_PREFIX + m.name: m for m in policy_set.policy_modules()}
    stale: list[str] = []
    if prune:
        with map_opa_errors(f"{url} GET /v1/policies"):
            existing = client.get_policies_list()
        stale = sorted(i for i in existing if i.startswith(POLICY_ID_PREFIX) and i not in modules)
    ops: list[tuple[str, Callable[[], Any]]] = [
        (f"DELETE /v1/policies/{i}", partial(_delete_policy, client, i)) for i in stale]
    ops += [(f"PUT /v1/policies/{i}", partial(client.update_policy_from_string, m.source, i, rego_compat=False))
            for i, m in sorted(modules.items())]
    _in_rounds(ops, url)
    result.deleted, result.modules = stale, sorted(modules)
    meta = {"revision": policy_set.revision, "pushed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with map_opa_errors(f"{url} PUT /v1/data/{REVISION_DATA_ROOT}"):
        client.update_or_create_data(meta, REVISION_DATA_ROOT)
    return result

