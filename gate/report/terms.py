"""`scrapegate terms` output: text (the page found and how, its language, each clause that
matters with its classification and confidence, what changed since the last read) and json
(the same document)."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any, TextIO

__all__ = ["TermsText", "TermsJSON"]

_LABELS = {"prohibition": "FORBIDS", "tdm_reservation": "RESERVES TDM", "permission": "PERMITS", "mention": "mentions"}


class TermsJSON:
    def __init__(self, **_: Any) -> None:
        pass

    def write(self, doc: dict[str, Any], out: TextIO) -> None:
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


class TermsText:
    def __init__(self, **_: Any) -> None:
        pass

    def write(self, doc: dict[str, Any], out: TextIO) -> None:
        lines = [f"terms of {doc['site']}  (agent {doc['agent']})"]
        if doc["status"] != "found":
            lines.append(f"  terms unknown: {doc['status']} ({doc['error'] or 'no terms page'})")
        else:
            how = doc["how_found"] + (f', anchor "{doc["anchor"]}"' if doc["anchor"] else "")
            lines.append(f"  page:      {doc['terms_url']}  (found by {how})")
            lines.append(f"  language:  {doc['language'] or 'unknown'}")
            modified = f", Last-Modified {doc['modified']}" if doc["modified"] else ""
            lines.append(f"  read:      {doc['read_at']}{modified}; text sha256 {doc['sha256']}")
            if doc["error"]:  # a re-read failed: the clauses below are the earlier read's
                lines.append(f"  note:      {doc['error']}")
        cached = "from the cache (reused while fresh; --refresh reads again)" if doc["from_cache"] else "read now"
        lines.append(f"  fetches:   {doc['fetches']} ({cached}): {', '.join(doc['tried']) or 'none'}")
        lines.append(f"  verdict:   automated collection {doc['signal']['automated_collection']}"
                     + ("; TDM reserved in prose" if doc["signal"].get("tdm_reserved_in_prose") else ""))
        if doc["status"] == "found":
            lines.append(f"  clauses:   {len(doc['clauses']) or 'none that forbid, reserve or permit'}")
            for clause in doc["clauses"]:
                label = _LABELS.get(clause["label"], clause["label"])
                lines.append(f"    {label:<13} {clause['confidence']:.2f}  " + _wrap(clause["text"]))
        lines.append(_change_text(doc["changed_since_last_read"], doc["from_cache"]))
        # URLs, anchors and errors come from the site (hrefs, Location headers): shown, not obeyed.
        out.write("\n".join(_CONTROL.sub(_escaped, line) for line in lines) + "\n")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 88, subsequent_indent=" " * 24)) or '""'


def _change_text(change: dict[str, Any] | None, from_cache: bool = False) -> str:
    if change is None and from_cache:  # the cached read is the only one: nothing to compare it with
        return "  since the last read: the cached read above is the only read of this site"
    if change is None:
        return "  since the last read: no earlier read of this site"
    head = f"  since the last read ({change['previous_read_at']}): "
    if not change["changed"]:
        return head + "unchanged"
    parts = [head + "CHANGED" + (" (another page)" if change["url_changed"] else "")]
    for name, sign in (("added", "+"), ("removed", "-")):
        for clause in change[name]:
            parts.append(f"    {sign} {clause['label']}: " + _wrap(clause["text"]))
    for before, after in change["relabelled"]:
        parts.append(f"    ~ {before['label']} -> {after['label']}: " + _wrap(after["text"]))
    return "\n".join(parts)
