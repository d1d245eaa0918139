"""Rego source text as the engines and the policy tools scan it (package names, `input.job.*`
reads, `with input as`) without a parser: the comments blanked out, line numbers kept."""

from __future__ import annotations


def drop_comment(line: str) -> str:
    """`line` up to its `#` comment; a '#' inside a string literal is kept. Raw strings
    (backticks) are rare in policies and left alone."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i]
    return line


def strip_comments(source: str) -> str:
    """`source` with every comment blanked out, one output line per input line."""
    return "\n".join(drop_comment(line) for line in source.split("\n"))
