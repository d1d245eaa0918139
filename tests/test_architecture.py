"""The tree reads as the architecture, and stays that way: every import of every module under
gate/ and adapters/ (installed as gate.adapters) is read from its AST, module-level and
function-level alike, and

- no module imports, directly or through others, a module that imports it back;
- no stage package does either (gate.core <-> gate.ledger, ...);
- no import runs back up the data flow (LAYERS: a package may import only its own layer and
  the layers before it);
- none of the edges issue 18 removed comes back (FORBIDDEN).

Imports under `if TYPE_CHECKING:` are left out: they are never executed. A string that
names a gate module in full (the lazy registries: `"gate.report.text:TextFormatter"`) counts
as an import. A package not in LAYERS (one another branch adds) is held to the cycle checks
only, and test_every_stage_of_the_tree_is_in_the_flow asks for its place in LAYERS.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = {"gate": REPO / "gate", "gate.adapters": REPO / "adapters"}

# The data flow, upstream first. The root package `gate` (the public facade, and the place
# that wires gate.enforce into Gate.guard) and gate.__main__ sit above everything.
LAYERS = [
    "gate.errors",
    "gate.model",
    "gate.cluster",  # what the nodes of a crawl share (Redis, issue 21): under the signals and enforce using it
    "gate.signals",
    "gate.engines",
    "gate.ledger",
    "gate.core",
    "gate.inspect",  # the response phase (issue 19, another branch): after the decision, before enforcing it
    "gate.enforce",
    "gate.adapters",
    "gate.policy",
    "gate.report",
    "gate.proxy",
    "gate.cli",
]
TOP = {"gate", "gate.__main__"}

# (importer prefix, imported prefix, why): the edges issue 18 removed.
FORBIDDEN = [
    ("gate.adapters", "gate.engines", "adapters go through the Gate and gate.core.config, never around them"),
    ("gate.core", "gate.enforce", "the core decides; enforcement builds on it (Gate.guard goes through "
                                  "gate.core.extensions)"),
    ("gate.signals", "gate.model.input", "signals produce facts; they do not build the policy input"),
    ("gate.ledger.sqlite.store", "gate.ledger.sqlite.query", "writing the ledger must not depend on reading it"),
    ("gate.ledger.sqlite.writer", "gate.ledger.sqlite.query", "writing the ledger must not depend on reading it"),
    ("gate.ledger.sqlite.ledger", "gate.ledger.sqlite.query", "writing the ledger must not depend on reading it"),
    ("gate.ledger.postgres.store", "gate.ledger.postgres.query", "writing the ledger must not depend on reading it"),
    ("gate.ledger.postgres.ledger", "gate.ledger.postgres.query", "writing the ledger must not depend on reading it"),
    ("gate.report", "gate.engines", "a report is handed what it shows; it never loads policies"),
    ("gate.report", "gate.policy.docs", "sarif gets its rule catalogue handed to it, not read from disk"),
    ("gate.report", "gate.policy.meta", "a report never parses policy files"),
]
_MODULE_STRING = re.compile(r"gate(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?::[A-Za-z_][A-Za-z0-9_]*)?")


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    edges: dict[str, set[tuple[str, int]]] = field(default_factory=dict)  # importer -> {(imported, line)}


def _module_name(root_name: str, root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([root_name, *parts])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Imports(ast.NodeVisitor):
    """Every import a module executes (at any depth), with its line."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.module, self.is_package = module, is_package
        self.found: list[tuple[str, int]] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found += [(alias.name, node.lineno) for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module if self.is_package else self.module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        self.found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _MODULE_STRING.fullmatch(node.value):
            self.found.append((node.value.split(":")[0], node.lineno))


def build_graph(sources: dict[str, Path]) -> Graph:
    graph = Graph()
    for root_name, root in sources.items():
        for path in sorted(root.rglob("*.py")):
            graph.modules[_module_name(root_name, root, path)] = path
    for name, path in graph.modules.items():
        visitor = _Imports(name, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        targets: set[tuple[str, int]] = set()
        for imported, line in visitor.found:
            # `from gate.x import y`: y is a module or a name in gate.x; keep the longest known module.
            while imported and imported not in graph.modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "gate":
                targets.add((imported, line))
        graph.edges[name] = targets
    return graph


def _cycles(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def stage_of(module: str) -> str:
    """The stage package a module belongs to: gate.core.gate -> gate.core."""
    if module in TOP:
        return module
    return ".".join(module.split(".")[:2])


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def problems(graph: Graph, layers: list[str] = LAYERS,
             forbidden: list[tuple[str, str, str]] = FORBIDDEN) -> list[str]:
    out: list[str] = []
    plain = {m: {t for t, _ in targets} for m, targets in graph.edges.items()}
    for component in _cycles(list(graph.modules), plain):
        out.append("import cycle between modules: " + " <-> ".join(component))
    stage_edges: dict[str, set[str]] = {}
    for importer, targets in plain.items():
        for target in targets:
            if stage_of(importer) != stage_of(target):
                stage_edges.setdefault(stage_of(importer), set()).add(stage_of(target))
    for component in _cycles(sorted({stage_of(m) for m in graph.modules}), stage_edges):
        out.append("import cycle between stages: " + " <-> ".join(component))
    rank = {name: i for i, name in enumerate(layers)}
    for importer, targets in sorted(graph.edges.items()):
        where = graph.modules[importer]
        for target, line in sorted(targets):
            a, b = stage_of(importer), stage_of(target)
            if a in rank and b in rank and rank[b] > rank[a]:
                out.append(f"{where}:{line}: {importer} imports {target}, which is later in the data flow ({a} -> {b})")
            if a not in TOP and b in TOP:
                out.append(f"{where}:{line}: {importer} imports the top-level package {target}")
            for src, dst, why in forbidden:
                if _within(importer, src) and _within(target, dst):
                    out.append(f"{where}:{line}: {importer} imports {target}: {why}")
    return out


def test_the_package_has_no_cycles_and_no_import_runs_back_up_the_flow() -> None:
    graph = build_graph(SOURCES)
    assert len(graph.modules) > 80  # the walk found the tree
    assert problems(graph) == []


def test_every_stage_of_the_tree_is_in_the_flow() -> None:
    graph = build_graph(SOURCES)
    stages = {stage_of(m) for m in graph.modules} - TOP
    assert stages - set(LAYERS) == set(), "a new stage package: place it in LAYERS (and in DESIGN.md's layout)"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_walk_catches_cycles_back_edges_and_forbidden_edges(tmp_path: Path) -> None:
    """The checker itself, on a small tree with one of each mistake: it must see them all."""
    _write(tmp_path / "gate", {
        "__init__.py": "",
        "errors.py": "",
        "model/__init__.py": "", "model/input.py": "",
        "signals/__init__.py": "",
        "signals/live.py": "def f():\n    from gate.model.input import build_input\n",  # forbidden, function-level
        "core/__init__.py": "",
        "core/gate.py": "from gate.core import batch\n\ndef guard():\n    from gate.enforce import guard\n",
        "core/batch.py": "import gate.core.gate\n",  # a module cycle
        "enforce/__init__.py": "", "enforce/guard.py": "from ..core.gate import x\n",
        "ledger/__init__.py": "", "ledger/sqlite/__init__.py": "",
        "ledger/sqlite/store.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                  "    from gate.core.gate import Gate\nREG = {'q': 'gate.ledger.sqlite.query:rows'}\n",
        "ledger/sqlite/query.py": "",
    })
    found = "\n".join(problems(build_graph({"gate": tmp_path / "gate"})))
    assert "import cycle between modules: gate.core.batch <-> gate.core.gate" in found
    assert "import cycle between stages: gate.core <-> gate.enforce" in found
    assert "gate.core.gate imports gate.enforce.guard, which is later in the data flow" in found
    assert "gate.signals.live imports gate.model.input: signals produce facts" in found
    assert "gate.ledger.sqlite.store imports gate.ledger.sqlite.query: writing the ledger" in found  # a registry string
    assert "store imports gate.core" not in found  # TYPE_CHECKING imports are never executed


@pytest.mark.parametrize("module", ["gate.adapters.scrapy", "gate.adapters.requests", "gate.adapters.httpx",
                                    "gate.adapters.playwright"])
def test_adapters_reach_the_engine_only_through_the_gate(module: str) -> None:
    graph = build_graph(SOURCES)
    assert not {t for t, _ in graph.edges[module] if t.startswith("gate.engines")}
