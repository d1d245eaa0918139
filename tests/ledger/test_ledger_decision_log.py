"""The OPA-shaped decision-log sink: JSONL files and batched POSTs to a real local server."""

from __future__ import annotations

import copy
import gzip
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gate.ledger.decision_log import DecisionLogError, DecisionLogSink, apply_masks, parse_mask

from ledger_helpers import allowed, denied, policy_input

OPA_FIELDS = {"labels", "decision_id", "path", "input", "result", "timestamp", "bundles"}


def test_events_carry_opa_decision_log_fields(tmp_path: Path) -> None:
    target = tmp_path / "logs" / "decisions.jsonl"
    decision = denied("gdpr.art9_prohibited", "FR")
    pi = policy_input("https://example.fr/photos?id=7")
    with DecisionLogSink(target, labels={"env": "test"}) as sink:
        sink.emit(decision, pi, labels={"job": "face-index"})
        sink.emit(allowed(), pi)
    first, second = (json.loads(line) for line in target.read_text().splitlines())
    assert OPA_FIELDS <= set(first)
    assert first["decision_id"] == decision.decision_id
    assert first["path"] == "scrapegate/decision"
    assert first["timestamp"] == decision.evaluated_at
    assert first["bundles"] == {"scrapegate": {"revision": "rev-1"}}
    assert first["input"] == pi
    assert first["result"]["allow"] is False
    assert first["result"]["deny"][0]["code"] == "gdpr.art9_prohibited"
    assert set(first["result"]) == {"allow", "deny", "warn", "obligations", "waived"}
    assert first["labels"]["app"] == "scrapegate" and first["labels"]["env"] == "test"
    assert first["labels"]["job"] == "face-index" and "job" not in second["labels"]
    assert first["labels"]["id"] == second["labels"]["id"]
    assert "erased" not in first and "masked" not in first


@pytest.mark.parametrize("spelling", ["/input/request/url", "input.request.url", "/request/url", "request.url"])
def test_mask_spellings_mirror_opa_pointers(spelling: str) -> None:
    assert parse_mask(spelling).pointer == "/input/request/url"


@pytest.mark.parametrize("bad", ["", "/input", "input.", {"op": "delete", "path": "/input/x"}])
def test_bad_masks_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        parse_mask(bad)


def test_masks_erase_and_upsert_without_touching_the_callers_input(tmp_path: Path) -> None:
    pi = policy_input("https://example.com/a?token=secret")
    before = copy.deepcopy(pi)
    sink = DecisionLogSink(tmp_path / "d.jsonl", mask=[
        "/input/request/url",
        {"op": "upsert", "path": "/input/job/owner", "value": "**REDACTED**"},
        "/input/no/such/field",
        "/result/obligations",
    ])
    event = sink.event(allowed(), pi)
    assert "url" not in event["input"]["request"] and event["input"]["request"]["host"] == "example.com"
    assert event["input"]["job"]["owner"] == "**REDACTED**"
    assert "obligations" not in event["result"]
    assert event["erased"] == ["/input/request/url", "/result/obligations"]
    assert event["masked"] == ["/input/job/owner"]
    assert pi == before


def test_apply_masks_escapes_pointer_segments() -> None:
    event = {"input": {"a/b": 1, "c~d": 2, "e": 3}}
    apply_masks(event, [parse_mask("/input/a~1b"), parse_mask("/input/c~0d")])
    assert event == {"input": {"e": 3}, "erased": ["/input/a~1b", "/input/c~0d"]}


def _collector(received: list[dict[str, Any]], status: list[int]):
    def handler(request: Request) -> Response:
        body = request.get_data()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        received.append({"events": json.loads(body), "headers": dict(request.headers)})
        return Response("", status=status[0])
    return handler


def test_batches_are_posted_gzipped_as_opa_does(httpserver: HTTPServer) -> None:
    received: list[dict[str, Any]] = []
    httpserver.expect_request("/logs", method="POST").respond_with_handler(_collector(received, [204]))
    decisions = [allowed() for _ in range(5)]
    with DecisionLogSink(httpserver.url_for("/logs"), batch_size=2, mask=["/input/request/url"]) as sink:
        for d in decisions:
            sink.emit(d, policy_input("https://example.com/"))
        assert [len(r["events"]) for r in received] == [2, 2]  # the fifth waits for close()
    assert [len(r["events"]) for r in received] == [2, 2, 1]
    assert received[0]["headers"]["Content-Encoding"] == "gzip"
    assert received[0]["headers"]["Content-Type"] == "application/json"
    sent = [e for r in received for e in r["events"]]
    assert [e["decision_id"] for e in sent] == [d.decision_id for d in decisions]
    assert all("url" not in e["input"]["request"] and e["erased"] == ["/input/request/url"] for e in sent)


def test_a_plain_json_post_when_gzip_is_off(httpserver: HTTPServer) -> None:
    received: list[dict[str, Any]] = []
    httpserver.expect_request("/v1/logs", method="POST").respond_with_handler(_collector(received, [200]))
    with DecisionLogSink(httpserver.url_for("/v1/logs"), gzip=False, headers={"Authorization": "Bearer t"}) as sink:
        sink.emit(allowed(), policy_input("https://example.com/"))
    assert "Content-Encoding" not in received[0]["headers"]
    assert received[0]["headers"]["Authorization"] == "Bearer t"


def test_a_failed_post_raises_and_keeps_the_events_for_the_next_flush(httpserver: HTTPServer) -> None:
    received: list[dict[str, Any]] = []
    status = [503]
    httpserver.expect_request("/logs", method="POST").respond_with_handler(_collector(received, status))
    sink = DecisionLogSink(httpserver.url_for("/logs"), batch_size=10)
    sink.emit(allowed(), policy_input("https://example.com/a"))
    with pytest.raises(DecisionLogError, match=r"/logs: POST of 1 event\(s\) answered HTTP 503"):
        sink.flush()
    sink.emit(allowed(), policy_input("https://example.com/b"))
    status[0] = 204
    sink.close()
    assert [len(r["events"]) for r in received] == [1, 2]  # the failed event was sent again


def test_an_unreachable_service_fails_within_the_timeout() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = DecisionLogSink(f"http://127.0.0.1:{port}/logs", timeout_s=2.0)
    sink.emit(allowed(), policy_input("https://example.com/"))
    started = time.monotonic()
    with pytest.raises(DecisionLogError, match=f"127.0.0.1:{port}/logs: POST of 1 event"):
        sink.flush()
    assert time.monotonic() - started < 20  # bounded (a 10x guard, not a timing test)


def test_the_buffer_is_bounded_during_an_outage(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/logs", method="POST").respond_with_data("down", status=500)
    sink = DecisionLogSink(httpserver.url_for("/logs"), batch_size=2, max_buffer=3)
    for _ in range(6):
        try:
            sink.emit(allowed(), policy_input("https://example.com/"))
        except DecisionLogError:
            pass
    assert sink.dropped > 0 and len(sink._buffer) <= 3


def test_an_unwritable_file_target_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    sink = DecisionLogSink(blocker / "d.jsonl")
    sink.emit(allowed(), policy_input("https://example.com/"))
    with pytest.raises(DecisionLogError, match=r"file/d\.jsonl: writing 1 event"):
        sink.flush()


def test_a_closed_sink_refuses_events(tmp_path: Path) -> None:
    sink = DecisionLogSink(tmp_path / "d.jsonl")
    sink.close()
    with pytest.raises(DecisionLogError, match="closed"):
        sink.emit(allowed(), policy_input("https://example.com/"))
