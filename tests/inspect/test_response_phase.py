"""Gate.inspect through the requests adapter against a real local site, the shipped
policies on the embedded engine and a real SQLite ledger: page-level opt-outs and
undeclared data categories are withheld, recorded and quarantined; a declared job
collects the same pages."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
import response_site as rs

from gate.adapters.requests import GatedSession
from gate.errors import CollectionBlocked
from gate.inspect import SamplingPolicy
from gate.model.url import normalize


def _get(session: GatedSession, url: str) -> tuple[str, Any]:
    try:
        r = session.get(url, timeout=10)
        return "ok", r
    except CollectionBlocked as blocked:
        return "blocked", blocked.decision


def _quarantine(path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM quarantine ORDER BY seq")]


def test_non_personal_job_is_stopped_by_faces_and_personal_data(response_site: Any, gate_for: Any,
                                                                  tmp_path: Path) -> None:
    base = response_site.url_for("")[:-1]
    with GatedSession(gate_for(rs.PRICES)) as s:
        assert _get(s, base + "/products/kettle")[0] == "ok"
        assert _get(s, base + "/contact")[0] == "ok"  # one e-mail on a contact page: tolerated
        outcome, decision = _get(s, base + "/team")
        assert outcome == "blocked" and decision.deny_codes == ["content.undeclared_category"]
        evidence = decision.deny[0].model_extra["evidence"]
        assert evidence["category"] == "personal" and evidence["count"] >= 2 and len(evidence["sha256"]) == 64
        assert "ana.lopez" not in str(decision.deny[0].model_dump())  # never the content
        # the site is now known for personal data: the next request is denied before it is sent
        before = len(response_site.log)
        outcome, decision = _get(s, base + "/products/kettle")
        assert outcome == "blocked" and decision.deny_codes == ["content.undeclared_category"]
        assert len(response_site.log) == before
    rows = _quarantine(tmp_path / "ledger.db")
    assert [(r["action"], r["url"].rsplit("/", 1)[-1], r["category"], r["handed_over"]) for r in rows] == [
        ("quarantined", "team", "personal", 0)]


def test_faces_in_an_image_quarantine_the_url(response_site: Any, gate_for: Any, tmp_path: Path) -> None:
    with GatedSession(gate_for(rs.PRICES)) as s:
        outcome, decision = _get(s, response_site.url_for("/img/portrait.jpg"))
    assert outcome == "blocked"
    evidence = decision.deny[0].model_extra["evidence"]
    assert evidence["category"] == "facial_images" and evidence["detector"].startswith("faces.")
    assert [r["category"] for r in _quarantine(tmp_path / "ledger.db")] == ["facial_images"]


def test_audit_mode_hands_over_and_records(response_site: Any, gate_for: Any, tmp_path: Path) -> None:
    with GatedSession(gate_for(rs.PRICES, mode="audit")) as s:
        r = s.get(response_site.url_for("/team"), timeout=10)
    assert "Ana" in r.text and r.scrapegate_decision.deny_codes == ["content.undeclared_category"]
    assert [(r["action"], r["handed_over"]) for r in _quarantine(tmp_path / "ledger.db")] == [("quarantined", 1)]


def test_declared_job_collects_the_same_pages(response_site: Any, gate_for: Any, tmp_path: Path) -> None:
    with GatedSession(gate_for(rs.DECLARED)) as s:
        for path in ("/products/kettle", "/contact", "/team", "/img/portrait.jpg", "/products/kettle"):
            r = s.get(response_site.url_for(path), timeout=10)
            assert r.status_code == 200 and r.scrapegate_decision.allow, path
    assert _quarantine(tmp_path / "ledger.db") == []


def test_noai_page_is_discarded_for_ai_training_and_remembered(response_site: Any, gate_for: Any,
                                                                tmp_path: Path) -> None:
    with GatedSession(gate_for(rs.TRAINING)) as s:
        assert _get(s, response_site.url_for("/essay"))[0] == "ok"
        outcome, decision = _get(s, response_site.url_for("/essay-noai"))
        assert outcome == "blocked" and decision.deny_codes == ["tdm.reserved"]
        assert "x-robots-tag" in decision.deny[0].message
        before = len(response_site.log)
        outcome, decision = _get(s, response_site.url_for("/essay"))  # the origin's reservation is known now
        assert outcome == "blocked" and decision.deny_codes == ["tdm.reserved"] and len(response_site.log) == before
    rows = _quarantine(tmp_path / "ledger.db")
    assert [(r["action"], r["reason"], r["handed_over"]) for r in rows] == [("discarded", "tdm.reserved", 0)]
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # fetched (a collection row), then discarded
        assert conn.execute("SELECT count(*) FROM collections_v c JOIN decisions_v d USING (decision_id) "
                            "WHERE d.url LIKE '%essay-noai'").fetchone()[0] == 1


def test_research_organisation_gets_the_warning(response_site: Any, gate_for: Any) -> None:
    with GatedSession(gate_for(rs.RESEARCH)) as s:
        r = s.get(response_site.url_for("/essay-noai"), timeout=10)
    assert r.scrapegate_decision.allow and r.scrapegate_decision.warn_codes == ["tdm.reserved"]


def test_a_price_job_ignores_noai(response_site: Any, gate_for: Any) -> None:
    with GatedSession(gate_for(rs.PRICES)) as s:
        assert s.get(response_site.url_for("/essay-noai"), timeout=10).scrapegate_decision.allow


def test_quarantine_survives_the_run_until_the_manifest_is_corrected(response_site: Any, gate_for: Any) -> None:
    with GatedSession(gate_for(rs.PRICES)) as s:
        assert _get(s, response_site.url_for("/team"))[0] == "blocked"
    with GatedSession(gate_for(rs.PRICES)) as s:  # a new run: the ledger remembers
        outcome, decision = _get(s, response_site.url_for("/products/kettle"))
        assert outcome == "blocked" and decision.deny_codes == ["content.undeclared_category"]
    corrected = {**rs.DECLARED, "metadata": {**rs.DECLARED["metadata"], "name": "prices"}}
    with GatedSession(gate_for(corrected)) as s:
        assert s.get(response_site.url_for("/products/kettle"), timeout=10).scrapegate_decision.allow


def test_sampling_trusts_then_samples_and_a_mismatch_resets(response_site: Any, gate_for: Any) -> None:
    g = gate_for(rs.PRICES, mode="audit", sampling=SamplingPolicy(trust_after=2, one_in=3, draw="every_nth"))
    site = normalize(response_site.url_for("/")).site
    with GatedSession(g) as s:
        for _ in range(5):
            s.get(response_site.url_for("/products/kettle"), timeout=10)
        state = g.response_phase.sampler.state("prices", site)
        assert state.trusted and state.inspected == 3  # two to earn trust, then one in three
        s.get(response_site.url_for("/team"), timeout=10)  # not sampled (3 in a row are skipped)...
        s.get(response_site.url_for("/team"), timeout=10)
        s.get(response_site.url_for("/team"), timeout=10)  # ...this one is, and it mismatches
        state = g.response_phase.sampler.state("prices", site)
        assert not state.trusted and state.mismatches == 1


@pytest.mark.parametrize("inspect", [False])
def test_inspection_can_be_switched_off(response_site: Any, gate_for: Any, inspect: bool) -> None:
    with GatedSession(gate_for(rs.PRICES, inspect=inspect)) as s:
        assert s.get(response_site.url_for("/team"), timeout=10).scrapegate_decision.allow


def test_ledger_quarantine_lists_and_erase_plan_includes_every_affected_url(
        response_site: Any, gate_for: Any, tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from gate.cli import cli

    db = tmp_path / "ledger.db"
    with GatedSession(gate_for(rs.PRICES, mode="audit")) as s:
        for path in ("/products/kettle", "/team", "/img/portrait.jpg"):
            s.get(response_site.url_for(path), timeout=10)
    with GatedSession(gate_for(rs.TRAINING)) as s:
        _get(s, response_site.url_for("/essay-noai"))
    runner = CliRunner()
    listed = runner.invoke(cli, ["ledger", "quarantine", "--ledger", str(db), "--format", "jsonl"])
    assert listed.exit_code == 0, listed.output
    entries = [json.loads(line) for line in listed.output.splitlines()]
    assert sorted((e["url"].rsplit("/", 1)[-1], e["category"] or e["reason"], e["handed_over"]) for e in entries) == [
        ("essay-noai", "tdm.reserved", False), ("portrait.jpg", "facial_images", True), ("team", "personal", True)]
    text = runner.invoke(cli, ["ledger", "quarantine", "--ledger", str(db), "--job", "prices"])
    assert text.exit_code == 0 and "# quarantine: 2 open entries" in text.output and "yes" in text.output

    plan = runner.invoke(cli, ["ledger", "erase-plan", "--ledger", str(db), "--job", "prices", "--format", "jsonl"])
    marked = {json.loads(line)["url"].rsplit("/", 1)[-1]: json.loads(line)["quarantined"]
              for line in plan.output.splitlines()}
    assert marked["team"] == ["personal"] and marked["portrait.jpg"] == ["facial_images"]
    assert marked["kettle"] == []

    refused = runner.invoke(cli, ["ledger", "quarantine", "--ledger", str(db), "--release", "--job", "prices"])
    assert refused.exit_code == 2 and "--by" in refused.output
    released = runner.invoke(cli, ["ledger", "quarantine", "--ledger", str(db), "--release", "--job", "prices",
                                   "--site", "localhost", "--by", "dpo@example.com", "--reason", "deleted, PRIV-1"])
    assert released.exit_code == 0 and "released 2 entries" in released.output
    after = runner.invoke(cli, ["ledger", "quarantine", "--ledger", str(db), "--format", "jsonl"])
    assert [json.loads(line)["job"] for line in after.output.splitlines()] == ["training"]


def test_a_licence_named_by_a_link_header_is_fetched_and_decides(response_site: Any, gate_for: Any) -> None:
    with GatedSession(gate_for(rs.TRAINING)) as s:
        assert _get(s, response_site.url_for("/essay"))[0] == "ok"
        outcome, decision = _get(s, response_site.url_for("/licensed"))
        assert outcome == "blocked" and decision.deny_codes == ["tdm.reserved"] and "RSL licence" in decision.deny[0].message
        before = len(response_site.log)
        outcome, decision = _get(s, response_site.url_for("/essay"))  # the licence is known for the origin now
        assert outcome == "blocked" and len(response_site.log) == before
    fetched = [req.path for req, _ in response_site.log].count("/rsl/license.xml")
    assert fetched == 1  # fetched once, then cached
    with GatedSession(gate_for(rs.PRICES)) as s:  # a licence about AI says nothing to a price job
        assert s.get(response_site.url_for("/licensed"), timeout=10).scrapegate_decision.allow


def test_without_a_face_model_images_are_withheld_unless_faces_are_declared(
        response_site: Any, gate_for: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The `faces` extra not installed (import cv2 fails, as it does then): a job that does not
    declare facial images is not handed an image nobody could look at, and is told why once;
    pages are still read by the text classifiers; a job that declares faces is not affected.
    (Found from outside: a non_personal job fetched a portrait unchecked, with no word said.)"""
    monkeypatch.setitem(sys.modules, "cv2", None)
    with caplog.at_level(logging.WARNING, logger="scrapegate"), GatedSession(gate_for(rs.PRICES)) as s:
        outcome, decision = _get(s, response_site.url_for("/img/portrait.jpg"))
        assert outcome == "blocked" and decision.deny_codes == ["content.uninspected"]
        assert "unavailable" in decision.deny[0].message and "facial_images" in decision.deny[0].message
        assert _get(s, response_site.url_for("/products/kettle"))[0] == "ok"
        assert _get(s, response_site.url_for("/img/portrait.jpg"))[0] == "blocked"  # not a site-wide quarantine
        assert _get(s, response_site.url_for("/products/kettle"))[0] == "ok"
    assert sum("face detection is unavailable" in r.getMessage() for r in caplog.records) == 1
    assert [(r["action"], r["reason"]) for r in _quarantine(tmp_path / "ledger.db")] == [
        ("discarded", "content.uninspected")] * 2  # fetched, not handed over, recorded
    with GatedSession(gate_for(rs.DECLARED)) as s:
        r = s.get(response_site.url_for("/img/portrait.jpg"), timeout=10)
        assert r.status_code == 200 and r.scrapegate_decision.allow


def test_error_pages_are_inspected_like_any_other(response_site: Any, gate_for: Any, hopper_jpeg: bytes,
                                                  tmp_path: Path) -> None:
    """A body is what it is whatever the status: a portrait served as a 404, or a team page
    as a 500, reached the caller uninspected (found from outside)."""
    response_site.expect_request("/gone.jpg").respond_with_data(hopper_jpeg, status=404, content_type="image/jpeg")
    response_site.expect_request("/oops").respond_with_data(rs.TEAM, status=500, content_type="text/html")
    response_site.expect_request("/notfound").respond_with_data("<p>Not found</p>", status=404,
                                                               content_type="text/html")
    for n, path in enumerate(("/gone.jpg", "/oops")):  # a ledger each: the first quarantines the site
        with GatedSession(gate_for(rs.PRICES, ledger=tmp_path / f"l{n}.db")) as s:
            outcome, decision = _get(s, response_site.url_for(path))
            assert outcome == "blocked" and decision.deny_codes == ["content.undeclared_category"], path
            assert decision.deny[0].model_extra["evidence"], path  # this response's own finding
    with GatedSession(gate_for(rs.PRICES, ledger=tmp_path / "l2.db")) as s:
        r = s.get(response_site.url_for("/notfound"), timeout=10)
        assert r.status_code == 404 and r.scrapegate_decision.allow


@pytest.mark.parametrize(("body", "content_type"), [
    (rs.TEAM.encode("utf-16-le"), "text/html; charset=utf-16le"),  # no byte-order mark
    (b"\x00" + rs.TEAM.encode(), "text/html; charset=utf-8"),  # one stray NUL
    (b"BZh " + rs.TEAM.encode(), "text/html"),  # starts like a bzip2 archive
])
def test_declared_text_is_read_as_text_whatever_bytes_it_starts_with(response_site: Any, gate_for: Any,
                                                                     body: bytes, content_type: str) -> None:
    """Each was sniffed as binary or an archive and handed over with its e-mail addresses
    uninspected, while the caller's r.text reads them fine (found from outside)."""
    response_site.expect_request("/odd").respond_with_data(body, content_type=content_type)
    with GatedSession(gate_for(rs.PRICES)) as s:
        outcome, decision = _get(s, response_site.url_for("/odd"))
    assert outcome == "blocked" and decision.deny_codes == ["content.undeclared_category"]


def _padded_jpeg(jpeg: bytes, megabytes: float) -> bytes:
    """`jpeg` with APP segments (65,533 bytes each) after its SOI: the same picture, and no
    decodable prefix shorter than the padding."""
    segment = b"\xff\xe9\xff\xff" + b"\0" * 65533
    return jpeg[:2] + segment * int(megabytes * 1024 * 1024 / len(segment) + 1) + jpeg[2:]


def test_an_image_over_the_inspection_bound_is_read_whole_or_withheld(response_site: Any, gate_for: Any,
                                                                      hopper_jpeg: bytes, tmp_path: Path) -> None:
    """A 9.4 MiB photograph passed every client: its 8 MiB prefix did not decode, and a
    truncated image was never withheld (found from outside). requests holds the body whole
    and now reads an image whole (up to 64 MiB); httpx streams, reads 8 MiB, and withholds
    what it could not see from a job that does not declare faces."""
    import httpx

    from gate.adapters.httpx import GatedTransport

    big = _padded_jpeg(hopper_jpeg, 9.4)
    response_site.expect_request("/big.jpg").respond_with_data(big, content_type="image/jpeg")
    with GatedSession(gate_for(rs.PRICES, ledger=tmp_path / "a.db")) as s:
        outcome, decision = _get(s, response_site.url_for("/big.jpg"))
        assert outcome == "blocked" and decision.deny_codes == ["content.undeclared_category"]
    with httpx.Client(transport=GatedTransport(gate_for(rs.PRICES, ledger=tmp_path / "b.db"))) as client:
        with pytest.raises(CollectionBlocked) as blocked:
            with client.stream("GET", response_site.url_for("/big.jpg")) as r:
                r.read()
    assert blocked.value.decision.deny_codes == ["content.uninspected"]
    assert "truncated" in blocked.value.decision.deny[0].message
    with GatedSession(gate_for(rs.DECLARED, ledger=tmp_path / "c.db")) as s:
        assert s.get(response_site.url_for("/big.jpg"), timeout=30).content == big


def test_a_piece_of_an_image_is_not_passed_as_binary(response_site: Any, gate_for: Any, hopper_jpeg: bytes,
                                                     tmp_path: Path) -> None:
    """A 206 from the middle of a photograph was sniffed as binary, which nothing inspects,
    and handed over (found from outside): declared an image, it is an image nobody could
    read, withheld from a job that does not declare faces."""
    from werkzeug.wrappers import Response

    piece = hopper_jpeg[1000:9000]
    response_site.expect_request("/piece.jpg").respond_with_response(Response(
        piece, status=206, headers={"Content-Type": "image/jpeg",
                                    "Content-Range": f"bytes 1000-8999/{len(hopper_jpeg)}"}))
    with GatedSession(gate_for(rs.PRICES, ledger=tmp_path / "a.db")) as s:
        outcome, decision = _get(s, response_site.url_for("/piece.jpg"))
    assert outcome == "blocked" and decision.deny_codes == ["content.uninspected"]
    with GatedSession(gate_for(rs.DECLARED, ledger=tmp_path / "b.db")) as s:
        assert s.get(response_site.url_for("/piece.jpg"), timeout=10).content == piece
