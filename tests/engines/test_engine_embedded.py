"""The embedded regopy engine: loading a bundle directory like OPA, compile errors with
positions, fail-closed evaluation, thread safety, revision hashing."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from gate.engines.embedded import EmbeddedEngine
from gate.errors import EngineError, PolicyError
from gate.model.decision import Decision

from opa_fake import TEST_POLICY, write_test_policies

POLICY = TEST_POLICY  # the small bundle the OPA tests use too


def bundle(tmp_path: Path, policy: str = POLICY) -> Path:
    return write_test_policies(tmp_path / "policies", policy)


def request(host: str) -> dict:
    return {"request": {"host": host}}


def test_data_files_map_to_their_directory_path(tmp_path: Path) -> None:
    engine = EmbeddedEngine([bundle(tmp_path)], include_shipped=False)
    assert engine.policy_set.data == {"scrapegate": {"law": "Test Act s. 1", "blocked": {"hosts": ["bad.example"]}}}
    result = engine.evaluate(request("bad.example"))
    assert result["allow"] is False
    assert result["deny"] == [{"code": "test.blocked", "jurisdiction": None, "law": "Test Act s. 1",
                               "message": "blocked", "precedents": []}]
    assert engine.evaluate(request("good.example"))["allow"] is True


def test_undefined_decision_is_none_and_becomes_a_deny(tmp_path: Path) -> None:
    root = bundle(tmp_path, "package scrapegate\n\ndecision := {\"allow\": true} if input.never\n")
    engine = EmbeddedEngine([root], include_shipped=False)
    assert engine.evaluate(request("x")) is None
    decision = Decision.from_result(None)
    assert decision.allow is False and decision.deny_codes == ["engine.undefined"]


@pytest.mark.parametrize("bad", [{"allow": "yes"}, {"allow": True, "deny": "nope"}, ["allow"], {"deny": []}])
def test_malformed_results_deny(bad: object) -> None:
    assert Decision.from_result(bad).deny_codes == ["engine.undefined"]


def test_allow_true_with_denies_is_still_a_deny() -> None:
    d = Decision.from_result({"allow": True, "deny": [{"code": "x"}]})
    assert d.allow is False


def test_builtin_error_fails_the_evaluation(tmp_path: Path) -> None:
    # strict builtin errors: to_number("abc") must not silently drop the rule
    root = bundle(tmp_path, 'package scrapegate\n\ndecision := {"allow": to_number(input.request.host) > 0}\n')
    engine = EmbeddedEngine([root], include_shipped=False)
    with pytest.raises(EngineError):
        engine.evaluate(request("abc"))


def test_builtin_error_fails_the_evaluation_in_other_threads_too(tmp_path: Path) -> None:
    root = bundle(tmp_path, 'package scrapegate\n\ndecision := {"allow": to_number(input.request.host) > 0}\n')
    engine = EmbeddedEngine([root], include_shipped=False)
    outcome: list[object] = []

    def work() -> None:
        try:
            outcome.append(engine.evaluate(request("abc")))
        except EngineError as exc:
            outcome.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert isinstance(outcome[0], EngineError)
    assert engine.evaluate(request("12")) == {"allow": True}


def test_unsupported_builtin_in_regopy_errors_instead_of_failing_open(tmp_path: Path) -> None:
    policy = POLICY.replace("input.request.host in data.scrapegate.blocked.hosts",
                            'net.cidr_contains("10.0.0.0/8", input.request.host)')
    engine = EmbeddedEngine([bundle(tmp_path, policy)], include_shipped=False)
    with pytest.raises(EngineError):
        engine.evaluate(request("10.1.2.3"))


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    root = bundle(tmp_path, "package scrapegate\n\nallow if {\n\tinput.x == \n}\n")
    with pytest.raises(PolicyError) as info:
        EmbeddedEngine([root], include_shipped=False)
    assert f"{root / 'scrapegate' / 'main.rego'}:4:" in str(info.value)


def test_conflicting_data_is_an_error(tmp_path: Path) -> None:
    root = bundle(tmp_path)
    (root / "scrapegate" / "data.json").write_text('{"law": "other"}')
    with pytest.raises(PolicyError, match="law"):
        EmbeddedEngine([root], include_shipped=False)


def test_bad_yaml_data_names_the_line(tmp_path: Path) -> None:
    root = bundle(tmp_path)
    (root / "scrapegate" / "data.yaml").write_text("law: ok\nbad: [unclosed\n")
    with pytest.raises(PolicyError, match=r"data.yaml:3:1: invalid YAML"):
        EmbeddedEngine([root], include_shipped=False)


# A billion laughs in nine lines: 9**9 (387 million) strings once expanded.
BOMB = "".join(
    [f'{c}: &{c} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' if c == "a" else
     f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
     for p, c in zip("-abcdefgh", "abcdefghi")])


@pytest.mark.timeout(60)
def test_an_anchor_bomb_in_policy_data_is_refused_before_it_expands(tmp_path: Path, examples: Path) -> None:
    from click.testing import CliRunner

    from gate.cli import cli
    from gate.engines.policy_set import load_policy_set

    root = bundle(tmp_path)
    (root / "scrapegate" / "blocked" / "data.json").unlink()
    (root / "scrapegate" / "blocked" / "data.yaml").write_text(BOMB)
    # Loading alone, first: before the fix it returned (PyYAML shares the aliased lists) and
    # the engine then expanded them; this fails fast instead of running the CLI into it.
    with pytest.raises(PolicyError, match=r"blocked/data.yaml:1: YAML aliases expand to more than 100000 nodes"):
        load_policy_set([root])
    result = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml"), "--policy", str(root)])
    assert result.exit_code == 2, result.output
    assert "anchor bomb" in result.output and "Traceback" not in result.output and len(result.output) < 2000


def test_large_policy_data_without_aliases_is_not_taken_for_a_bomb(tmp_path: Path) -> None:
    root = bundle(tmp_path)
    (root / "scrapegate" / "blocked" / "data.json").unlink()
    hosts = "".join(f"  - h{i}.example\n" for i in range(120_000))
    (root / "scrapegate" / "blocked" / "data.yaml").write_text("hosts:\n" + hosts + "  - bad.example\n")
    from gate.engines.policy_set import load_policy_set

    assert len(load_policy_set([root]).data["scrapegate"]["blocked"]["hosts"]) == 120_001


@pytest.mark.parametrize("text,message", [
    ("law: ok\nlaw: other\n", r"data.yaml:2: duplicate key 'law' \(first at line 1\)"),
    ("law: ok\nsince: 2024-01-01\n", r"data.yaml:2: data is not JSON: a YAML date"),
    ("law: ok\nsince: 2024-02-30\n", r"data.yaml:2: data is not JSON: a YAML date"),
    ("law: ok\n---\nlaw: other\n", r"data.yaml:3: a data file holds one YAML document; this one holds 2"),
])
def test_policy_data_yaml_is_read_like_a_manifest(tmp_path: Path, examples: Path, text: str, message: str) -> None:
    from click.testing import CliRunner

    from gate.cli import cli

    root = bundle(tmp_path)
    (root / "scrapegate" / "data.yaml").write_text(text)
    with pytest.raises(PolicyError, match=message):
        EmbeddedEngine([root], include_shipped=False)
    result = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml"), "--policy", str(root)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert re.search(message, result.output), result.output


def test_revision_changes_with_policy_and_data_but_not_tests(tmp_path: Path) -> None:
    root = bundle(tmp_path)
    r1 = EmbeddedEngine([root], include_shipped=False).revision
    (root / "scrapegate" / "main_test.rego").write_text("package scrapegate_test\n\ntest_x if true\n")
    assert EmbeddedEngine([root], include_shipped=False).revision == r1
    (root / "scrapegate" / "blocked" / "data.json").write_text('{"hosts": []}')
    r2 = EmbeddedEngine([root], include_shipped=False).revision
    assert r2 != r1
    r3 = EmbeddedEngine([root], include_shipped=False, extra_data={"scrapegate": {"granted_waivers": []}}).revision
    assert r3 != r2


def test_concurrent_evaluation_from_threads(tmp_path: Path) -> None:
    engine = EmbeddedEngine([bundle(tmp_path)], include_shipped=False)
    errors: list[str] = []

    def work(i: int) -> None:
        for j in range(200):
            host = "bad.example" if (i + j) % 2 else f"ok{i}.example"
            allow = engine.evaluate(request(host))["allow"]
            if allow != (host != "bad.example"):
                errors.append(f"{host}: {allow}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_no_policy_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PolicyError, match="no .rego policy"):
        EmbeddedEngine([tmp_path / "empty"], include_shipped=False)


def test_non_ascii_in_data_and_input_compare_equal(tmp_path: Path) -> None:
    root = bundle(tmp_path, 'package scrapegate\n\ndecision := {"allow": input.request.host == data.scrapegate.law}\n')
    (root / "scrapegate" / "data.yaml").write_text("law: \"Loi n° 78-17 §2.2 — é\"\n", encoding="utf-8")
    engine = EmbeddedEngine([root], include_shipped=False)
    assert engine.evaluate(request("Loi n° 78-17 §2.2 — é")) == {"allow": True}
    assert engine.evaluate(request("Loi n° 78-17 §2.2 - e")) == {"allow": False}


@pytest.mark.parametrize("bad", [{"request": {"host": "a\x00b"}}, {"request": {"port": 2**70}}, {1: "x"}])
def test_input_that_rego_cannot_hold_faithfully_is_an_engine_error(tmp_path: Path, bad: dict) -> None:
    engine = EmbeddedEngine([bundle(tmp_path)], include_shipped=False)
    with pytest.raises(EngineError):
        engine.evaluate(bad)


def test_input_reaches_rego_unchanged(tmp_path: Path) -> None:
    # set_input calls rego-cpp's C functions itself; every JSON kind and the 64-bit edges
    # must arrive as they were sent.
    engine = EmbeddedEngine([bundle(tmp_path, "package scrapegate\n\ndecision := {\"echo\": input}\n")],
                            include_shipped=False)
    document = {
        "ints": [0, 1, -1, 2**63 - 1, -(2**63)], "floats": [0.5, -1.25, 1e300], "bools": [True, False],
        "null": None, "text": ["", "héllo § — 東京", "line\nbreak", "q\"uote"], "empty": {}, "list": [],
        "nested": {"a": [{"b": [[], {}]}], "tuple": (1, "x")},
    }
    echoed = engine.evaluate(document)
    assert echoed is not None
    assert echoed["echo"] == {**document, "nested": {"a": [{"b": [[], {}]}], "tuple": [1, "x"]}}


def test_quotes_backslashes_and_control_characters_equal_the_same_text_in_rego(tmp_path: Path) -> None:
    # rego-cpp keeps strings as escaped JSON tokens; an input string with `"` or `\` sent
    # raw would never equal the same literal (a user agent with quotes, a terms clause).
    policy = ('package scrapegate\n\ndecision := {"same": [input.a == "say \\"no\\"", input.b == "C:\\\\x",'
              ' input.c == "two\\nlines"]}\n')
    engine = EmbeddedEngine([bundle(tmp_path, policy)], include_shipped=False)
    assert engine.evaluate({"a": 'say "no"', "b": "C:\\x", "c": "two\nlines"}) == {"same": [True, True, True]}


def test_the_encoded_string_cache_is_bounded_and_never_keeps_a_refused_string(tmp_path: Path) -> None:
    from gate.engines import rego_binding as regopy_ffi

    engine = EmbeddedEngine([bundle(tmp_path)], include_shipped=False)
    for _ in range(2):  # refused the second time too: a refused string is not cached
        with pytest.raises(EngineError):
            engine.evaluate({"request": {"host": "a\x00b"}})
    for i in range(regopy_ffi._ENCODED_MAX + 10):
        engine.evaluate(request(f"h{i}.example.com"))
    assert len(regopy_ffi._encoded) <= regopy_ffi._ENCODED_MAX
    # after the cache was cleared and refilled, strings still reach rego-cpp as they are
    assert engine.evaluate(request("bad.example"))["allow"] is False  # type: ignore[index]
    assert engine.evaluate(request("h1.example.com"))["allow"] is True  # type: ignore[index]
