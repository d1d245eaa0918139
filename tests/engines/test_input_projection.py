"""gate/engines/input_projection.py: the parts of the input a set of modules can read, found in
their code, and the input cut down to them. A path is cut down only when every mention is a
named field; anything else keeps the whole value (fail safe: more input, never less)."""

from __future__ import annotations

import pytest

from gate.engines.input_projection import project, read_shape

HEAD = "package p\n\n"


def test_named_fields_and_object_get_keys_are_found() -> None:
    shape = read_shape([HEAD + 'r if input.job.legal_basis.x == 1\n'
                               'q := object.get(input.job, "owner", "?")\n'
                               's if input.signals.rsl.status == "ok"\n'])
    assert shape == {"job": {"legal_basis": {"x": None}, "owner": None}, "signals": {"rsl": {"status": None}}}


@pytest.mark.parametrize("body", [
    "r := input.job[k]\n",
    "r := input.job\n",
    "r := object.keys(input.job)\n",
    "r := count(input.job)\n",
    "f(x) := x.name\nr := f(input.job)\n",
    "r if { some v in input.job; v == 1 }\n",
    "r := input.job.purpose\ns := r.category\n",
])
def test_a_read_that_could_reach_any_field_keeps_the_whole_value(body: str) -> None:
    shape = read_shape([HEAD + body])
    assert isinstance(shape, dict)
    path = shape["job"]
    if body.startswith("r := input.job.purpose"):
        assert isinstance(path, dict) and path["purpose"] is None
    else:
        assert path is None


@pytest.mark.parametrize("body", ["r := input\n", 'r := object.get(input, "job", {})\n', "import input\nr := 1\n"])
def test_the_input_read_whole_keeps_everything(body: str) -> None:
    shape = read_shape([HEAD + body])
    if body.startswith("r := object.get(input"):
        assert shape == {"job": None}  # a get hands the value on whole
    else:
        assert shape is None


def test_a_field_read_through_object_get_is_kept_whole() -> None:
    """object.get(input.job, "operator", {}) hands the whole operator on: no cut below it,
    even when another rule names operator.name."""
    shape = read_shape([HEAD + 'a := object.get(object.get(input.job, "operator", {}), "name", "?")\n'
                               'b := input.job.operator.name\n'])
    assert shape == {"job": {"operator": None}}


def test_comments_and_other_names_do_not_count() -> None:
    shape = read_shape([HEAD + "# input.job\nr := input.request.host\nmy_input := 1\nq := data.input.x\n"])
    assert shape == {"request": {"host": None}}


def test_projection_keeps_only_the_shape() -> None:
    value = {"job": {"name": "j", "legal_basis": {"a": 1}, "operator": {"name": "o", "markets": ["EU"]}},
             "subjects": {"declared": ["EU"]}, "request": {"host": "h", "port": 443}, "now": "t"}
    shape = read_shape([HEAD + 'r := input.job.name\ns := input.job.operator.name\nt := input.request\n'])
    assert project(value, shape) == {"job": {"name": "j", "operator": {"name": "o"}}, "request": {"host": "h", "port": 443}}
    assert project(value, None) is value
    # a value of another type than the code expects is handed on as it is
    assert project({"job": "not an object"}, shape) == {"job": "not an object"}
