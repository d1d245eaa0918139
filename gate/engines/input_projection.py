"""Which parts of the policy input a set of Rego modules can read, found in their code, and
the input cut down to them.

rego-cpp is handed the input one node at a time (gate/engines/rego_binding.py), and copies and
converts every node again for the query: ~2 us a node on this project's machine. The embedded
engine's site query (gate/engines/job_memo.py) runs for every new host with the shipped site
modules only, which read a fraction of the input: the job's legal basis, the subjects, the
clock and half the signals' fields never reach them. `read_shape` finds, per object of the
input, the fields the code names; `project` keeps those.

Sound, not clever: a path is cut down only when every mention of it in the code (comments
stripped) is `path.field` or `object.get(path, "field", ...)`. Any other mention (the path
bare, indexed with a variable, passed to a function, bound to a name, imported) keeps the
whole value, and so does a field read through `object.get` (its value is handed on whole).
A false mention (in a string) keeps more than needed, never less.
"""

from __future__ import annotations

import re
from typing import Any, Sequence, Union

from gate.model.rego_source import strip_comments

__all__ = ["Shape", "read_shape", "project"]

# None: the whole value. A dict: only these fields, each cut down by its own shape.
Shape = Union[None, dict[str, "Shape"]]

_FIELD = re.compile(r"\.([A-Za-z_]\w*)")
_GET_KEY = re.compile(r'\s*,\s*"(\w+)"')
_MAX_DEPTH = 4


def read_shape(sources: Sequence[str], root: str = "input") -> Shape:
    """The shape of `root` that the modules' code can read."""
    code = "\n".join(strip_comments(source) for source in sources)
    return _shape(code, root, 0)


def _shape(code: str, path: str, depth: int) -> Shape:
    fields = _fields(code, path)
    if fields is None or depth >= _MAX_DEPTH:
        return None
    return {name: (None if whole else _shape(code, f"{path}.{name}", depth + 1)) for name, whole in fields.items()}


def _fields(code: str, path: str) -> dict[str, bool] | None:
    """The fields of `path` the code names, each with whether it is read whole (through
    object.get); None when the path is read any other way."""
    fields: dict[str, bool] = {}
    for match in re.finditer(rf"(?<![\w.]){re.escape(path)}\b", code):
        rest = code[match.end():match.end() + 200]
        field = _FIELD.match(rest)
        if field:
            fields.setdefault(field.group(1), False)
            continue
        key = _GET_KEY.match(rest)
        if key and code[:match.start()].rstrip().endswith("object.get("):
            fields[key.group(1)] = True
            continue
        return None
    return fields


def project(value: Any, shape: Shape) -> Any:
    """`value` with only the fields `shape` keeps (a value that is not an object is kept whole)."""
    if shape is None or type(value) is not dict:
        return value
    return {k: (v if (sub := shape[k]) is None else project(v, sub)) for k, v in value.items() if k in shape}
