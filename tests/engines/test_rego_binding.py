"""The direct rego-cpp binding binds only when it is safe to, and its fallback (regopy's
public API) decides exactly alike: the guards, the declared C types, the status checks, and
the two paths side by side on the shipped policies."""

from __future__ import annotations

import ctypes
import logging
import types
from pathlib import Path
from typing import Any, Iterator

import pytest
import regopy

from gate.core.gate import Gate
from gate.engines import rego_binding
from gate.engines.embedded import EmbeddedEngine
from gate.errors import EngineError
from gate.model.input import build_input
from gate.model.manifest import load_manifests
from gate.model.url import normalize
from gate.signals.static import static_signals

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["direct", "public"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> rego_binding.Backend:
    chosen = rego_binding.bind() if request.param == "direct" else rego_binding.PublicAPI()
    assert isinstance(chosen, rego_binding.DirectBinding) == (request.param == "direct")
    monkeypatch.setattr(rego_binding, "_backend", chosen)
    return chosen


def _fake_regopy(**overrides: Any) -> types.SimpleNamespace:
    """A module object like regopy, with some of the internals the binding relies on changed."""
    fake = types.SimpleNamespace(rego_shared=regopy.rego_shared, Interpreter=regopy.Interpreter, Bundle=regopy.Bundle)
    for name, value in overrides.items():
        setattr(fake, name, value)
    return fake


class _NoHandle:
    """An Interpreter whose instances carry no `_impl`."""


@pytest.mark.parametrize("module, version, reason", [
    (_fake_regopy(Interpreter=_NoHandle), "1.5.2", "has no C handle"),
    (_fake_regopy(rego_shared=types.SimpleNamespace(rego_get_error=str)), "1.5.2", "the library's path"),
    (_fake_regopy(rego_shared=types.SimpleNamespace(rego=regopy.rego_shared.rego)), "1.5.2", "rego_get_error"),
    (_fake_regopy(Bundle=None), "1.5.2", "regopy.Bundle is missing"),
    (regopy, "1.6.0", "regopy 1.6.0 is not one this binding was checked against"),
    (regopy, None, "(unknown version)"),
])
def test_an_unsafe_binding_falls_back_to_the_public_api_with_a_warning(
        module: Any, version: str | None, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="scrapegate"):
        chosen = rego_binding.bind(module, version)
    assert isinstance(chosen, rego_binding.PublicAPI)
    assert reason in caplog.text and "public API" in caplog.text


def test_the_installed_regopy_binds_directly_with_every_c_type_declared(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="scrapegate"):
        chosen = rego_binding.bind()
    assert isinstance(chosen, rego_binding.DirectBinding) and caplog.text == ""
    functions = [chosen._new, chosen._free, chosen._set, chosen._string, chosen._boolean, chosen._integer,
                 chosen._floating, chosen._null, chosen._item, chosen._object, chosen._array, chosen._query,
                 chosen._ok, chosen._size, chosen._read, chosen._free_output]
    for function, (name, (restype, argtypes)) in zip(functions, rego_binding.C_FUNCTIONS.items()):
        assert function.__name__ == name and function.restype is restype and function.argtypes == argtypes
    # regopy's own function objects keep the types regopy gave them
    assert regopy.rego_shared.rego.regoInputInt.argtypes == [ctypes.c_void_p, ctypes.c_int64]


def test_a_refused_call_is_an_engine_error_and_the_gate_denies(monkeypatch: pytest.MonkeyPatch,
                                                              examples: Path) -> None:
    direct = rego_binding.bind()
    assert isinstance(direct, rego_binding.DirectBinding)
    monkeypatch.setattr(direct, "_boolean", lambda handle, value: 3)  # rego-cpp reports an error status
    monkeypatch.setattr(rego_binding, "_backend", direct)
    engine = EmbeddedEngine()
    with pytest.raises(EngineError, match="status 3"):
        engine.evaluate({"flag": True})
    with Gate(examples / "price-monitoring.yaml", engine=engine, signals="static") as gate:
        assert gate.check("https://shop.example.com/p/1").deny_codes == ["engine.error"]


@pytest.mark.parametrize("bad", [{"host": "a\x00b"}, {"port": 2**70}, {1: "x"}, {"s": {1, 2}}, {"f": float("nan")}])
def test_both_paths_refuse_what_rego_cannot_hold(backend: rego_binding.Backend, bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        backend.set_input(regopy.Interpreter(), bad)


def test_both_paths_deliver_every_json_kind_unchanged(backend: rego_binding.Backend, tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "echo.rego").write_text('package scrapegate\n\ndecision := {"echo": input}\n')
    engine = EmbeddedEngine([tmp_path / "p"], include_shipped=False)
    document = {
        "ints": [0, 1, -1, 2**63 - 1, -(2**63)], "floats": [0.5, -1.25, 1e300], "bools": [True, False],
        "null": None, "text": ["", "héllo § — 東京", "line\nbreak", 'say "no"', "C:\\x", "\x01"],
        "empty": {}, "list": [], "nested": {"a": [{"b": [[], {}]}]},
    }
    assert engine.evaluate(document) == {"echo": document}


def _inputs() -> Iterator[dict[str, Any]]:
    files = sorted((REPO / "tests" / "manifests").glob("[0-9]*.yaml"))
    files += sorted((REPO / "examples" / "jobs").glob("*.yaml"))
    for loaded in load_manifests(files):
        for target in loaded.job.target_list():
            yield build_input(loaded.job, normalize(target.url), authenticated=target.authenticated,
                              signals=static_signals())


def test_the_fallback_decides_exactly_as_the_binding_on_the_shipped_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = EmbeddedEngine()
    inputs = list(_inputs())
    assert len(inputs) > 40
    decisions = {}
    for chosen in (rego_binding.bind(), rego_binding.PublicAPI()):
        monkeypatch.setattr(rego_binding, "_backend", chosen)
        engine.close()  # a fresh interpreter for this path
        decisions[chosen.name] = [engine.evaluate(i) for i in inputs]
    direct, public = decisions.values()
    assert direct == public
    assert sum(1 for d in direct if d and d["allow"] is False) > 20  # the comparison covers denials
