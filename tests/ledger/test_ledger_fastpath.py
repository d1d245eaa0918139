"""The ledger's hot-path shortcuts give exactly what the plain code gives: the cached JSON
segments, multi-row inserts and per-identity caches never change a stored value or a hash."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from gate.errors import LedgerError
from gate.ledger import rows as ledger_rows
from gate.ledger.sqlite import store as ledger_store
from gate.ledger.sqlite.ledger import SQLiteLedger
from gate.ledger.sqlite.query import rows, verify
from gate.model.decision import Decision, Violation

from ledger_helpers import allowed, denied, policy_input, sha


def documented(table: str, seq: int, prev: str, values: list[Any]) -> bytes:
    return json.dumps(["scrapegate-ledger/1", table, seq, prev, *values], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


BASE: list[Any] = ["id-1", "2026-11-26T10:00:00.000000Z", "job", None, "GET", 'https://x.example/ä?q="*"\\',
                   "x.example", 1, "enforce", "[]", '["a.b"]', "[]", '["EU"]', '{"k":"v\\n"}', None, "embedded",
                   '{"robots":null}', "boom\x00\u2028"]


@pytest.mark.parametrize("change", [
    {}, {7: True}, {7: 0}, {7: 1.5}, {3: 1}, {3: True}, {2: "ü\t"}, {0: 'i"d'}, {16: "{}"}, {14: "rev"},
])
def test_the_canonical_form_is_the_documented_json_for_any_values(change: dict[int, Any]) -> None:
    values = list(BASE)
    for at, value in change.items():
        values[at] = value
    for prev in ("0" * 64, 'odd"prev'):
        # Twice: the second call is served from the segment cache.
        assert ledger_store.canonical("decisions", 7, prev, values) == documented("decisions", 7, prev, values)
        assert ledger_store.canonical("decisions", 7, prev, values) == documented("decisions", 7, prev, values)


def test_equal_values_of_other_types_never_share_a_cached_segment() -> None:
    one, true = list(BASE), list(BASE)
    one[7], true[7] = 1, True
    for values in (one, true, one, true):
        assert ledger_store.row_hash("decisions", 3, "p", values) == \
            hashlib.sha256(documented("decisions", 3, "p", values)).hexdigest()


def test_a_failed_encode_does_not_poison_later_ones() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError):
        ledger_store.canonical("collections", 1, "p", [loop])
    with pytest.raises(TypeError):
        ledger_store.canonical("collections", 1, "p", [[object()]])
    nested = [[1], [1]]
    assert ledger_store.canonical("collections", 1, "p", nested) == documented("collections", 1, "p", nested)


@pytest.mark.parametrize("n", [1, 3, 511, 512, 700, 1100])
def test_a_batch_of_any_size_is_stored_in_order_and_verifies(tmp_path: Path, n: int) -> None:
    with SQLiteLedger(writer="batched", batch_max_rows=2048, batch_max_delay_s=5) as ledger:
        ids = [ledger.record(allowed() if i % 3 else denied("gdpr.art9_prohibited", "FR"),
                             policy_input(f"https://site{i % 7}.example/p/{i}?q={i}"), mode="enforce",
                             job="face-index", owner=None, signal_docs={"robots": sha(str(i % 7).encode())})
               for i in range(n)]
        ledger.record_collected(ids[-1], status=200, nbytes=3, sha256=sha(b"abc"))
        ledger.flush()
    report = verify()
    assert report.ok and (report.decisions, report.collections) == (n, 1)
    stored = list(rows())
    assert [r["decision_id"] for r in stored] == ids
    assert [r["seq"] for r in stored] == list(range(1, n + 1))
    assert stored[-1]["url"] == f"https://site{(n - 1) % 7}.example/p/{n - 1}?q=*"
    assert stored[0]["jurisdictions"] == ["*", "FR"] and stored[0]["deny_codes"] == ["gdpr.art9_prohibited"]
    assert all(r["jurisdictions"] == ["*"] and r["allow"] for r in stored[1:3])


def test_a_reused_id_in_a_batch_names_only_the_duplicate(tmp_path: Path) -> None:
    first = allowed()
    with SQLiteLedger() as ledger:
        ledger.record(first, policy_input("https://example.com/0"), mode="enforce", job="j", owner=None)
    conn = ledger_store.connect(tmp_path / "ledger.db")
    values = ledger_rows.decision_values(allowed(), policy_input("https://example.com/1"), "enforce", "j", None, None)
    clash = list(values)
    clash[0] = first.decision_id
    with pytest.raises(LedgerError) as err:
        ledger_store.append(conn, tmp_path / "ledger.db", [(ledger_store.DECISION, values),
                                                           (ledger_store.DECISION, clash)])
    conn.close()
    assert f"already recorded: {first.decision_id}" in str(err.value)
    assert values[0] not in str(err.value)
    assert verify().ok and verify().decisions == 1  # the whole batch was rolled back


def test_a_shared_dict_changed_in_place_is_never_served_stale(tmp_path: Path) -> None:
    pi = policy_input("https://example.com/a", subjects=["FR"])
    legal = {"gdpr_art6": "consent"}
    pi["job"] = {**pi["job"], "legal_basis": legal}
    with SQLiteLedger() as ledger:
        ledger.record(allowed(), pi, mode="enforce", job="j", owner=None)
        pi["subjects"]["declared"].append("DE")  # the same dicts, changed in place
        legal["gdpr_art6"] = "contract"
        ledger.record(allowed(), pi, mode="enforce", job="j", owner=None)
    first, second = rows()
    assert (first["jurisdictions"], first["legal_basis"]) == (["FR"], {"gdpr_art6": "consent"})
    assert (second["jurisdictions"], second["legal_basis"]) == (["DE", "FR"], {"gdpr_art6": "contract"})


def test_deny_codes_are_sorted_and_unique_whatever_the_cache_holds(tmp_path: Path) -> None:
    decisions = [Decision(allow=False, deny=[Violation(code=c) for c in codes], policy_revision="r", engine="e")
                 for codes in (["b", "a", "b"], ["a", "b"], ["b", "a"], ["c"])]
    with SQLiteLedger() as ledger:
        for d in decisions:
            ledger.record(d, policy_input("https://example.com/"), mode="audit", job="j", owner=None)
    assert [r["deny_codes"] for r in rows()] == [["a", "b"], ["a", "b"], ["a", "b"], ["c"]]


def test_an_edited_row_is_still_caught_by_the_cached_verify(tmp_path: Path) -> None:
    with SQLiteLedger(writer="batched") as ledger:
        for i in range(50):
            ledger.record(allowed(), policy_input(f"https://example.com/{i}"), mode="enforce", job="j", owner=None)
    assert verify().ok
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        conn.execute("UPDATE decisions SET time = time + 1 WHERE seq = 30")
    problem = verify().problem
    assert problem is not None and (problem.seq, "edited" in problem.reason) == (30, True)


@pytest.mark.parametrize("job", ["price-monitoring.yaml", "clearview-like.yaml"])
def test_a_gate_records_cached_decisions_as_the_plain_row_would(tmp_path: Path, job: str) -> None:
    """The Gate keeps a cached decision's constant row part (ledger_rows.row_parts); every row
    it writes that way equals what decision_values renders for the same decision."""
    from gate.core.gate import Gate
    from gate.model.url import normalize

    examples = Path(__file__).resolve().parents[2] / "examples" / "jobs"
    requests = [(f"https://{host}/{path}", method) for host in ("news.example.fr", "shop.example.com")
                for path in ("a?x=1&y=2", "b", "c#frag") for method in ("GET", "head")]
    with Gate(examples / job, signals="static", ledger=tmp_path / "ledger.db") as gate:
        decisions = [gate.check(url, method) for url, method in requests]
        assert gate.cache_stats["hits"] == 8  # 2 hosts x 2 methods evaluated, the rest cached
        view = {"job": gate._job_view, "subjects": gate._subjects}
        name, owner = gate.job.name, gate.job.metadata.owner
    stored = {r["decision_id"]: r for r in rows(tmp_path / "ledger.db")}
    assert len(stored) == len(decisions) and verify(tmp_path / "ledger.db").ok
    checked = 0
    for d, (url, method) in zip(decisions, requests):
        nurl = normalize(url)
        request = {"url": d.url, "method": method.upper(), "site": nurl.site, "host": nurl.host}
        plain = dict(zip(ledger_store.DECISION_FIELDS,
                         ledger_rows.decision_values(d, {**view, "request": request}, d.mode, name, owner, None)))
        row = stored[d.decision_id]
        for field in ("job", "owner", "method", "url", "site", "mode", "policy_revision", "engine", "error"):
            assert row[field] == plain[field], (url, method, field)
        for field in ("jurisdictions", "legal_basis", "deny_codes", "warn_codes", "waived_codes"):
            assert row[field] == json.loads(plain[field]), (url, method, field)
        assert row["allow"] == bool(plain["allow"])
        checked += 1
    assert checked == len(requests)


def test_the_cached_clock_text_is_utc_time_to_the_microsecond() -> None:
    from datetime import datetime, timezone

    for _ in range(3):
        before = datetime.now(timezone.utc)
        text = ledger_rows.utc_time()
        after = datetime.now(timezone.utc)
        assert len(text) == 27 and text == ledger_rows.utc_time(text)
        parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        assert before <= parsed <= after
