"""A local stand-in for an OPA server: the slice of OPA's REST API scrapegate uses, on a
real HTTP server (werkzeug, 127.0.0.1), answering every query by evaluating the policies
it holds, so the decisions tests compare are real.

    GET  /health[?bundles]             200 {} (500 while an expected bundle is missing)
    POST /v1/data/{path}[?provenance]  {"input": ...} -> {"result"?, "decision_id", "provenance"?}
    GET  /v1/data/{path}               the same without input
    PUT  /v1/data/{path}               204; 400 when a loaded bundle owns the path
    DELETE /v1/data/{path}             204 / 404
    GET  /v1/policies[/{id}]           {"result": [...]} / {"result": {...}}
    PUT  /v1/policies/{id}             200 {}; 400 with OPA's error shape when it does not parse
    DELETE /v1/policies/{id}           200 {} / 404

`load_bundle(path)` is `opa run -s -b path`: it reads the tarball with OPA's rules (leading
`/` stripped, data.json at its directory path, `.manifest` roots checked) and reports the
manifest revision in provenance under the bundle's name.

Evaluators: "regopy" (the embedded engine's library, not strict about builtin errors, like
OPA) or "opa" (the real OPA engine through opa-golib-python-bindings, when installed).

Failure switches, for data queries only: `undefined` (answer without `result`),
`fail_status` + `fail_count` (answer that status, the next N times or always when 0),
`delay` (seconds before answering), `hang_up` (close the connection without answering);
`stop()` kills the server, so later connections are refused.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import re
import socket
import tarfile
import threading
from pathlib import Path
from typing import Any

import yaml
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

__all__ = ["FakeOPA", "OPA_EVALUATORS", "opa_bindings_available"]

OPA_EVALUATORS = ("regopy", "opa")
_PACKAGE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][\w.]*)", re.MULTILINE)


def opa_bindings_available() -> bool:
    try:
        import opa_bindings  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


class _Reject(Exception):
    def __init__(self, status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.body = status, {"code": code, "message": message, **({"errors": errors} if errors else {})}


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _package(source: str) -> list[str]:
    match = _PACKAGE.search(source)
    return match.group(1).split(".") if match else []


def _under(path: list[str], roots: list[list[str]]) -> bool:
    return any(path[: len(r)] == r for r in roots)


def _set(tree: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        node = tree.setdefault(part, {})
        if not isinstance(node, dict):
            raise _Reject(404, "resource_conflict", f"storage_write_conflict_error: /{'/'.join(path)}")
        tree = node
    tree[path[-1]] = value


def _merge(base: dict[str, Any], extra: dict[str, Any], where: str) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value, where)
        elif key in base:
            raise _Reject(400, "bundle_error", f"bundle load failed on {where}: merge conflict at {key}")
        else:
            base[key] = value


class FakeOPA:
    """Usage::

        with FakeOPA() as opa:
            opa.load_bundle("bundle.tar.gz")
            engine = OPAServerEngine(opa.url)
    """

    def __init__(self, *, token: str | None = None, evaluator: str = "regopy", expect_bundle: bool = False) -> None:
        if evaluator not in OPA_EVALUATORS:
            raise ValueError(evaluator)
        self.token, self.evaluator, self.expect_bundle = token, evaluator, expect_bundle
        self.modules: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.bundles: dict[str, dict[str, Any]] = {}       # name -> {"revision", "roots"}
        self.undefined = False
        self.fail_status: int | None = None
        self.fail_count = 0
        self.delay = 0.0
        self.hang_up = False
        self.requests: list[tuple[str, str]] = []
        self.decision_log: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._compiled: Any = None
        self._stopping = threading.Event()
        self._server: Any = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> "FakeOPA":
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        """Die: stop listening and drop the socket; sleeping answers give up."""
        if self._server is not None:
            self._stopping.set()
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FakeOPA":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def data_queries(self) -> int:
        return sum(1 for method, path in self.requests if path.startswith("/v1/data/") and method in ("GET", "POST"))

    # -- state ------------------------------------------------------------------------
    def _owned(self, path: list[str]) -> str | None:
        for name, bundle in self.bundles.items():
            if _under(path, bundle["roots"]) or any(r[: len(path)] == path for r in bundle["roots"]):
                return name
        return None

    def put_policy(self, policy_id: str, source: str) -> None:
        with self._lock:
            owner = self._owned(_package(source))
            if owner:
                raise _Reject(400, "invalid_parameter", f"path {'/'.join(_package(source))} is owned by bundle {owner!r}")
            modules = {**self.modules, policy_id: source}
            self._compile(modules, self.data)  # reject what does not compile, keep the old set
            self.modules = modules
            self._compiled = None

    def put_data(self, path: list[str], value: Any) -> None:
        with self._lock:
            owner = self._owned(path)
            if owner:
                raise _Reject(400, "invalid_parameter", f"path /{'/'.join(path)} is owned by bundle {owner!r}")
            if path:
                _set(self.data, path, value)
            elif isinstance(value, dict):
                self.data = value
            self._compiled = None

    def load_bundle(self, path: str | Path, name: str | None = None) -> dict[str, Any]:
        """What `opa run -s -b PATH` does with a bundle tarball; returns its manifest."""
        modules: dict[str, str] = {}
        data: dict[str, Any] = {}
        manifest: dict[str, Any] = {}
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(Path(path).read_bytes()))) as tar:
            for member in tar.getmembers():
                if not member.isfile():
                    continue
                rel = member.name.lstrip("/")
                rel = rel[2:] if rel.startswith("./") else rel
                content = tar.extractfile(member).read()  # type: ignore[union-attr]
                parts = rel.split("/")
                if rel == ".manifest":
                    manifest = json.loads(content)
                elif rel.endswith(".rego"):
                    modules[f"{name or path}/{rel}"] = content.decode()
                elif parts[-1] in ("data.json", "data.yaml"):
                    value = json.loads(content) if parts[-1] == "data.json" else yaml.safe_load(content)
                    tree: Any = value
                    for key in reversed(parts[:-1]):
                        tree = {key: tree}
                    if not isinstance(tree, dict):
                        raise _Reject(400, "bundle_error", f"{rel}: root data must be an object")
                    _merge(data, tree, rel)
        roots = [r.split("/") if r else [] for r in manifest.get("roots", [""])]
        for a, b in itertools.permutations(roots, 2):
            if a[: len(b)] == b:
                raise _Reject(400, "bundle_error", f"manifest has overlapped roots: {a} and {b}")
        for source in modules.values():
            if not _under(_package(source), roots):
                raise _Reject(400, "bundle_error", f"package {'.'.join(_package(source))} is outside the manifest roots")
        self._check_data_roots(data, [], roots)
        with self._lock:
            kept = {i: s for i, s in self.modules.items() if not _under(_package(s), roots)}
            self._compile({**kept, **modules}, data)
            self.modules = {**kept, **modules}
            self.data = data if [] in roots else {**{k: v for k, v in self.data.items() if not _under([k], roots)}, **data}
            self.bundles[name or str(path)] = {"revision": manifest.get("revision", ""), "roots": roots}
            self._compiled = None
        return manifest

    def _check_data_roots(self, node: Any, path: list[str], roots: list[list[str]]) -> None:
        if _under(path, roots):
            return
        if not isinstance(node, dict) or not any(r[: len(path)] == path for r in roots):
            raise _Reject(400, "bundle_error", f"data /{'/'.join(path)} is outside the manifest roots")
        for key, value in node.items():
            self._check_data_roots(value, path + [key], roots)

    # -- evaluation -----------------------------------------------------------------
    def _compile(self, modules: dict[str, str], data: dict[str, Any]) -> Any:
        if self.evaluator == "opa":
            from opa_bindings import OpaEngine, OpaError

            engine = OpaEngine()
            try:
                for module_id, source in sorted(modules.items()):
                    engine.add_policy(module_id, source)
                engine.add_data(data)
                engine.eval_query("true")  # OPA compiles every module here
            except OpaError as exc:
                engine.close()
                raise _Reject(400, "invalid_parameter", "error(s) occurred while compiling module(s)",
                              [{"code": "rego_compile_error", "message": exc.message}]) from exc
            return engine
        import regopy

        interp = regopy.Interpreter()
        try:
            for module_id, source in sorted(modules.items()):
                interp.add_module(module_id, source)
            interp.add_data(data)
        except regopy.RegoError as exc:
            raise _Reject(400, "invalid_parameter", "error(s) occurred while compiling module(s)",
                          [{"code": "rego_parse_error", "message": str(exc)[:500]}]) from exc
        return interp

    def evaluate(self, path: list[str], policy_input: Any = None) -> tuple[bool, Any]:
        """(defined, value) of data.<path>."""
        with self._lock:
            if self._compiled is None:
                self._compiled = self._compile(self.modules, self.data)
            if self.evaluator == "opa":
                from opa_bindings import OpaError, OpaUndefinedError

                try:
                    return True, self._compiled.eval_document(".".join(path), policy_input)
                except OpaUndefinedError:
                    return False, None
                except OpaError as exc:
                    raise _Reject(500, "internal_error", exc.message) from exc
            interp = self._compiled
            interp.set_input(policy_input if policy_input is not None else {})
            out = interp.query("data" + "".join(f"[{json.dumps(p)}]" for p in path))
            text = str(out)
            if not out.ok():
                raise _Reject(500, "internal_error", text[:500])
            if text == "undefined":
                return False, None
            return True, json.loads(text)["expressions"][0]

    def provenance(self) -> dict[str, Any]:
        return {"version": "fake-opa", "bundles": {n: {"revision": b["revision"]} for n, b in self.bundles.items()}}

    # -- HTTP -------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append((request.method, request.path))
        if self._stopping.is_set():  # a dead server answers nothing, even on a kept-alive connection
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            return Response(status=503)(environ, start_response)
        try:
            response = self._dispatch(request, environ)
        except _Reject as exc:
            response = _json(exc.status, exc.body)
        except Exception as exc:  # OPA answers its own failures with a 500 and a JSON body
            response = _json(500, {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"[:500]})
        return response(environ, start_response)

    def _dispatch(self, request: Request, environ: dict[str, Any]) -> Response:
        if request.path == "/health":
            if "bundles" in request.args and self.expect_bundle and not self.bundles:
                return _json(500, {"error": "not all configured bundles have been activated"})
            return _json(200, {})
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            raise _Reject(401, "unauthorized", "missing or invalid bearer token")
        if request.path.startswith("/v1/data"):
            return self._data(request, environ)
        if request.path.startswith("/v1/policies"):
            return self._policies(request)
        raise _Reject(404, "resource_not_found", f"no route {request.path}")

    def _data(self, request: Request, environ: dict[str, Any]) -> Response:
        path = [p for p in request.path[len("/v1/data"):].split("/") if p]
        if request.method == "PUT":
            self.put_data(path, json.loads(request.get_data() or b"null"))
            return Response(status=204)
        if request.method == "DELETE":
            with self._lock:
                parent = self.data
                for part in path[:-1]:
                    parent = parent.get(part) if isinstance(parent, dict) else None
                if not path or not isinstance(parent, dict) or path[-1] not in parent:
                    raise _Reject(404, "resource_not_found", f"storage_not_found_error: /{'/'.join(path)}")
                del parent[path[-1]]
                self._compiled = None
            return Response(status=204)
        if request.method not in ("GET", "POST"):
            raise _Reject(405, "method_not_allowed", request.method)
        if self.delay:
            self._stopping.wait(self.delay)
        if self.hang_up:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            raise _Reject(500, "internal_error", "hung up")
        if self.fail_status is not None:
            status = self.fail_status
            if self.fail_count > 0:  # 0: fail every time
                self.fail_count -= 1
                if self.fail_count == 0:
                    self.fail_status = None
            raise _Reject(status, "internal_error", "injected failure")
        body = json.loads(request.get_data() or b"{}") if request.method == "POST" else {}
        policy_input = body.get("input") if isinstance(body, dict) else None
        defined, value = (False, None) if self.undefined else self.evaluate(path, policy_input)
        answer: dict[str, Any] = {"decision_id": f"fake-{next(self._ids)}"}
        if request.args.get("provenance", "").lower() == "true":
            answer["provenance"] = self.provenance()
        if defined:
            answer["result"] = value
        self.decision_log.append({"decision_id": answer["decision_id"], "path": "/".join(path),
                                  "input": policy_input, "result": value if defined else None,
                                  "bundles": self.provenance()["bundles"]})
        return _json(200, answer)

    def _policies(self, request: Request) -> Response:
        policy_id = request.path[len("/v1/policies"):].strip("/")
        if not policy_id and request.method == "GET":
            return _json(200, {"result": [{"id": i, "raw": s} for i, s in sorted(self.modules.items())]})
        if request.method == "GET":
            if policy_id not in self.modules:
                raise _Reject(404, "resource_not_found", f"storage_not_found_error: policy id {policy_id!r}")
            return _json(200, {"result": {"id": policy_id, "raw": self.modules[policy_id]}})
        if request.method == "PUT":
            self.put_policy(policy_id, request.get_data(as_text=True))
            return _json(200, {})
        if request.method == "DELETE":
            with self._lock:
                if policy_id not in self.modules:
                    raise _Reject(404, "resource_not_found", f"storage_not_found_error: policy id {policy_id!r}")
                remaining = {i: s for i, s in self.modules.items() if i != policy_id}
                self._compile(remaining, self.data)
                self.modules = remaining
                self._compiled = None
            return _json(200, {})
        raise _Reject(405, "method_not_allowed", request.method)


# -- test policies -----------------------------------------------------------
TEST_POLICY = """\
package scrapegate

default allow := false

deny contains {"code": "test.blocked", "jurisdiction": null, "law": data.scrapegate.law, "message": "blocked", "precedents": []} if {
	input.request.host in data.scrapegate.blocked.hosts
}

allow if count(deny) == 0

decision := {"allow": allow, "deny": deny, "warn": set(), "obligations": set(), "waived": set()}
"""


def write_test_policies(root: Path, policy: str = TEST_POLICY) -> Path:
    """A small bundle directory: one module, data at two levels (YAML and JSON)."""
    (root / "scrapegate" / "blocked").mkdir(parents=True, exist_ok=True)
    (root / "scrapegate" / "main.rego").write_text(policy)
    (root / "scrapegate" / "main_test.rego").write_text(
        "package scrapegate_test\n\nimport data.scrapegate\n\ntest_allows if scrapegate.allow with input as {}\n")
    (root / "scrapegate" / "data.yaml").write_text("law: Test Act s. 1\n")
    (root / "scrapegate" / "blocked" / "data.json").write_text('{"hosts": ["bad.example"]}')
    return root
