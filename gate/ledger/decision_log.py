"""An optional decision-log sink: scrapegate's decisions as OPA decision-log events, so they can
go wherever a team already ships OPA's.

    sink = DecisionLogSink("https://logs.example.com/logs", mask=["/input/request/url"],
                           labels={"env": "prod"})
    sink.emit(decision, policy_input, labels={"job": "face-index"})
    sink.close()                                  # or use it as a context manager

Each event carries OPA's fields: ``decision_id``, ``path`` ("scrapegate/decision"), ``input``,
``result`` (the decision document), ``timestamp``, ``bundles`` ({"scrapegate": {"revision"}}),
``labels`` (``id``, ``app``, ``version`` and your own), and ``erased``/``masked`` when masking
applied. A target that is an http(s) URL receives batches as OPA sends them: a POST whose body
is a gzip-compressed JSON array; anything else is a file that gets one JSON event per line.

Masks mirror OPA's ``data.system.log.mask``: a JSON pointer string erases the field
("/input/request/url"; "input.request.url" and "/request/url" are accepted as spellings of it),
and ``{"op": "upsert", "path": ..., "value": ...}`` replaces its value.
"""

from __future__ import annotations

import gzip as gzip_module
import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Mapping

from gate.errors import LedgerError
from gate.model.decision import Decision

__all__ = [
    "DecisionLogSink", "DecisionLogError", "Mask", "parse_mask", "apply_masks", "DECISION_PATH",
    "DEFAULT_BATCH_SIZE", "DEFAULT_FLUSH_INTERVAL_S", "DEFAULT_TIMEOUT_S", "DEFAULT_MAX_BUFFER",
]

DECISION_PATH = "scrapegate/decision"
DEFAULT_BATCH_SIZE = 100
DEFAULT_FLUSH_INTERVAL_S = 5.0
DEFAULT_TIMEOUT_S = 5.0
# Events kept for a retry while the log service is down; the oldest go first beyond this.
DEFAULT_MAX_BUFFER = 10_000
_RESULT_FIELDS = ("allow", "deny", "warn", "obligations", "waived")


class DecisionLogError(LedgerError):
    """Decision-log events could not be written or delivered."""


class Mask:
    """One mask: erase the field at `path` (a tuple of keys under "input" or "result"), or,
    for op "upsert", set it to `value`."""

    __slots__ = ("op", "path", "value")

    def __init__(self, op: str, path: tuple[str, ...], value: Any = None) -> None:
        self.op, self.path, self.value = op, path, value

    @property
    def pointer(self) -> str:
        return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in self.path)

    def __repr__(self) -> str:
        return f"Mask({self.op!r}, {self.pointer!r})"


def parse_mask(spec: str | Mapping[str, Any]) -> Mask:
    """A mask from OPA's forms, plus the dotted and input-relative spellings."""
    if isinstance(spec, Mapping):
        op = spec.get("op", "remove")
        if op not in ("remove", "upsert"):
            raise ValueError(f"mask op must be 'remove' or 'upsert', not {op!r}")
        return Mask(op, _pointer(str(spec.get("path", ""))), spec.get("value"))
    return Mask("remove", _pointer(str(spec)))


def _pointer(text: str) -> tuple[str, ...]:
    text = text.strip()
    if text.startswith("/"):
        parts = [p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/")]
    else:
        parts = text.split(".")
    if parts and parts[0] not in ("input", "result"):
        parts = ["input", *parts]  # "/request/url" is relative to the input
    if len(parts) < 2 or any(p == "" for p in parts):
        raise ValueError(f"mask path {text!r} must name a field under /input or /result")
    return tuple(parts)


def apply_masks(event: dict[str, Any], masks: Iterable[Mask]) -> dict[str, Any]:
    """Apply masks to an event, copying only the objects on each masked path; record the
    applied pointers in `erased` and `masked` as OPA does."""
    erased: list[str] = []
    masked: list[str] = []
    for mask in masks:
        parent_path, leaf = mask.path[:-1], mask.path[-1]
        node: Any = event
        for key in parent_path:
            child = node.get(key) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                node = None
                break
            child = dict(child)  # copy on write: the caller's input is never changed
            node[key] = child
            node = child
        if node is None:
            continue
        if mask.op == "upsert":
            node[leaf] = mask.value
            masked.append(mask.pointer)
        elif leaf in node:
            del node[leaf]
            erased.append(mask.pointer)
    if erased:
        event["erased"] = erased
    if masked:
        event["masked"] = masked
    return event


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scrapegate")
    except PackageNotFoundError:
        return "0+unknown"


class DecisionLogSink:
    """Buffers decision-log events and writes them to a JSONL file or POSTs them to a URL,
    when `batch_size` events are waiting, `flush_interval_s` has passed, on `flush()` and on
    `close()`. A failed POST keeps the events (up to `max_buffer`) for the next flush and
    raises DecisionLogError naming the target and the cause."""

    def __init__(self, target: str | os.PathLike[str], *, mask: Iterable[str | Mapping[str, Any]] = (),
                 labels: Mapping[str, str] | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S, timeout_s: float = DEFAULT_TIMEOUT_S,
                 gzip: bool = True, max_buffer: int = DEFAULT_MAX_BUFFER,
                 headers: Mapping[str, str] | None = None) -> None:
        self.target = str(target)
        self.is_http = self.target.startswith(("http://", "https://"))
        self.masks = [parse_mask(m) for m in mask]
        self.labels = {"id": str(uuid.uuid4()), "app": "scrapegate", "version": _version(), **(labels or {})}
        self.batch_size = max(1, batch_size)
        self.flush_interval_s = flush_interval_s
        self.timeout_s = timeout_s
        self.gzip = gzip
        self.max_buffer = max(self.batch_size, max_buffer)
        self.headers = dict(headers or {})
        self.dropped = 0  # events discarded because the buffer overflowed during an outage
        self._buffer: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._session: Any = None
        self._closed = False

    def __enter__(self) -> "DecisionLogSink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def event(self, decision: Decision, policy_input: Mapping[str, Any], *,
              labels: Mapping[str, str] | None = None, decision_id: str | None = None) -> dict[str, Any]:
        """The OPA decision-log event for a decision, masks applied."""
        result = decision.model_dump(mode="json", include=set(_RESULT_FIELDS))
        event: dict[str, Any] = {
            "labels": {**self.labels, **(labels or {})},
            "decision_id": decision_id or decision.decision_id,
            "path": DECISION_PATH,
            "input": dict(policy_input),
            "result": {k: result[k] for k in _RESULT_FIELDS},
            "timestamp": decision.evaluated_at,
        }
        if decision.policy_revision is not None:
            event["bundles"] = {"scrapegate": {"revision": decision.policy_revision}}
        return apply_masks(event, self.masks)

    def emit(self, decision: Decision, policy_input: Mapping[str, Any], *,
             labels: Mapping[str, str] | None = None, decision_id: str | None = None) -> dict[str, Any]:
        """Queue the decision's event; flush if a batch is full or the interval has passed."""
        event = self.event(decision, policy_input, labels=labels, decision_id=decision_id)
        with self._lock:
            if self._closed:
                raise DecisionLogError(f"decision log {self.target}: the sink is closed")
            self._buffer.append(event)
            due = (len(self._buffer) >= self.batch_size
                   or time.monotonic() - self._last_flush >= self.flush_interval_s)
            if due:
                self._flush_locked()
        return event

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._flush_locked()
            finally:
                if self._session is not None:
                    self._session.close()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        if not self._buffer:
            return
        batch = self._buffer
        try:
            self._post(batch) if self.is_http else self._append(batch)
        except DecisionLogError:
            if len(batch) > self.max_buffer:
                self.dropped += len(batch) - self.max_buffer
                del batch[: len(batch) - self.max_buffer]
            raise
        self._buffer = []

    def _append(self, batch: list[dict[str, Any]]) -> None:
        data = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in batch)
        path = Path(self.target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data.encode("utf-8"))  # one append: lines of concurrent writers do not interleave
            finally:
                os.close(fd)
        except OSError as exc:
            raise DecisionLogError(f"decision log {path}: writing {len(batch)} event(s) failed: "
                                   f"{exc.strerror or exc}") from exc

    def _post(self, batch: list[dict[str, Any]]) -> None:
        import requests

        if self._session is None:
            self._session = requests.Session()
        body = json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", **self.headers}
        if self.gzip:
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        try:
            response = self._session.post(self.target, data=body, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise DecisionLogError(f"decision log {self.target}: POST of {len(batch)} event(s) failed: "
                                   f"{exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DecisionLogError(f"decision log {self.target}: POST of {len(batch)} event(s) answered "
                                   f"HTTP {response.status_code}: {response.text[:200]}")
