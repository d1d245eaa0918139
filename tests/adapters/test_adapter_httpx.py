"""gate.adapters.httpx (sync and async transports) against a real local server."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from gate.adapters.httpx import AsyncGatedTransport, GatedTransport
from gate.errors import CollectionBlocked

from local_site import PROHIBITED_HOST, Site, ledger_rows

BODY = b"page a " * 1000


def serve(site: Site) -> None:
    site.redirect_maze(BODY)


def test_sync_transport_gates_every_hop(site: Site, make_gate: Any, tmp_path: Path) -> None:
    serve(site)
    with httpx.Client(transport=GatedTransport(make_gate(ledger=tmp_path / "l.db")), follow_redirects=True) as c:
        r = c.get(site.base + "/r-ok")
        blocked = []
        for path in ("/private/x", "/r-other", "/r-private"):
            with pytest.raises(CollectionBlocked) as exc:
                c.get(site.base + path)
            blocked.append(exc.value.decision.deny_codes)
    assert r.content == BODY and r.extensions["scrapegate_decision"].allow
    assert [h.status_code for h in r.history] == [302]
    assert blocked == [["robots.disallowed"], ["terms.automated_collection_prohibited"], ["robots.disallowed"]]
    assert site.paths() == ["/r-ok", "/a", "/r-other", "/r-private"]
    assert (PROHIBITED_HOST, "/b") not in site.log()

    collected = {r["url"].rsplit("/", 1)[-1]: r for r in ledger_rows(tmp_path / "l.db") if r["collected_status"]}
    assert set(collected) == {"r-ok", "a", "r-other", "r-private"}  # the 302 hops are fetches too
    assert collected["a"]["bytes"] == len(BODY)
    assert collected["a"]["content_sha256"] == hashlib.sha256(BODY).hexdigest()


async def test_async_transport_gates_every_hop(site: Site, make_gate: Any, tmp_path: Path) -> None:
    serve(site)
    transport = AsyncGatedTransport(make_gate(ledger=tmp_path / "l.db"))
    async with httpx.AsyncClient(transport=transport, follow_redirects=True) as c:
        r = await c.get(site.base + "/r-ok")
        with pytest.raises(CollectionBlocked):
            await c.get(site.base + "/r-other")
        with pytest.raises(CollectionBlocked):
            await c.get(site.base + "/private/x")
    assert r.content == BODY
    assert site.paths() == ["/r-ok", "/a", "/r-other"]
    rows = ledger_rows(tmp_path / "l.db")
    assert [r["allow"] for r in rows] == [1, 1, 1, 0, 0]
    assert next(r for r in rows if r["url"].endswith("/a"))["bytes"] == len(BODY)


def test_stream_is_recorded_only_when_read_to_the_end(site: Site, make_gate: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The response phase reads up to MAX_INSPECT_BYTES before handing a response over: a
    body longer than that is recorded only once the caller has read it all."""
    import gate.enforce.httpx_hop as hop

    monkeypatch.setattr(hop, "MAX_INSPECT_BYTES", 4)
    serve(site)
    with httpx.Client(transport=GatedTransport(make_gate(ledger=tmp_path / "l.db"))) as c:
        with c.stream("GET", site.base + "/a") as r:
            next(r.iter_raw(chunk_size=16))  # abandoned early
        with c.stream("GET", site.base + "/a") as r:
            assert r.read() == BODY
    first, second = ledger_rows(tmp_path / "l.db")
    assert first["collected_status"] is None
    assert second["collected_status"] == 200 and second["bytes"] == len(BODY)


def test_a_body_within_the_inspection_bound_is_collected_when_the_gate_reads_it(
        site: Site, make_gate: Any, tmp_path: Path) -> None:
    serve(site)
    with httpx.Client(transport=GatedTransport(make_gate(ledger=tmp_path / "l.db"))) as c:
        with c.stream("GET", site.base + "/a") as r:
            next(r.iter_raw(chunk_size=16))  # the gate had read it all to inspect it
    (row,) = ledger_rows(tmp_path / "l.db")
    assert row["collected_status"] == 200 and row["bytes"] == len(BODY)


def test_audit_mode_fetches_and_records_the_would_be_deny(site: Site, make_gate: Any, tmp_path: Path) -> None:
    serve(site)
    with httpx.Client(transport=GatedTransport(make_gate(mode="audit", ledger=tmp_path / "l.db"))) as c:
        r = c.get(site.base + "/private/x")
    assert r.text == "never" and not r.extensions["scrapegate_decision"].allow
    assert site.paths() == ["/private/x"]
    (row,) = ledger_rows(tmp_path / "l.db")
    assert (row["allow"], row["mode"], row["deny_codes"], row["collected_status"]) == (
        0, "audit", '["robots.disallowed"]', 200)


def test_wraps_a_given_transport(site: Site, make_gate: Any) -> None:
    serve(site)
    inner = httpx.HTTPTransport(retries=1)
    with httpx.Client(transport=GatedTransport(make_gate(), transport=inner)) as c:
        assert c.get(site.base + "/a").status_code == 200
        with pytest.raises(CollectionBlocked):
            c.get(site.base + "/private/x")
    assert site.paths() == ["/a"]


@pytest.mark.parametrize("permitted", [False, True])
def test_shipped_terms_registry_blocks_before_the_inner_transport(permitted: bool) -> None:
    """The shipped policies and their terms registry, static signals (nothing fetched): the
    inner transport - httpx's own MockTransport, so no test can reach the real site - is
    called only when the job holds a site permission."""
    import copy

    from gate.core.gate import Gate

    from local_site import JOB

    job = copy.deepcopy(JOB)
    if permitted:
        job["spec"]["site_permissions"] = [{"site": "facebook.com", "evidence": "contract 2026-114"}]
    sent: list[str] = []
    inner = httpx.MockTransport(lambda request: (sent.append(str(request.url)), httpx.Response(200))[1])
    with Gate(job, signals="static") as gate, httpx.Client(transport=GatedTransport(gate, transport=inner)) as c:
        if permitted:
            assert c.get("https://www.facebook.com/photos").extensions["scrapegate_decision"].allow
        else:
            with pytest.raises(CollectionBlocked) as blocked:
                c.get("https://www.facebook.com/photos")
            assert "terms.automated_collection_prohibited" in blocked.value.decision.deny_codes
    assert sent == (["https://www.facebook.com/photos"] if permitted else [])
