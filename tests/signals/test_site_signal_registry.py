"""A new site signal joins by adding one module: an ai.txt reader, written here as its own
module and registered in SITE_SIGNALS, is gathered live for the purposes it governs (from a
real local server whose access log shows the fetch), enters the input, the decision cache's
key, the ledger's document hashes, the static section and the policy lint's contract."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer

from gate.core.gate import Gate
from gate.engines.static import StaticEngine
from gate.ledger.sqlite.query import rows
from gate.signals import base

MODULE = '''
"""ai.txt (Spawning): what a site lets AI do with its content, as input.signals.aitxt."""
import hashlib


class AiTxtSignal:
    name = "aitxt"
    document = "aitxt"
    key_fields = ("status", "disallowed")
    enums = {"status": ("ok", "absent", "not_checked")}

    def __init__(self, *, timeout, session):
        self._timeout, self._session = timeout, session()

    @staticmethod
    def applies(purpose):
        return purpose == "ai_training"

    @staticmethod
    def not_checked():
        return {"status": "not_checked", "disallowed": False}

    def gather(self, url, user_agent, robots):
        response = self._session.get(url.origin + "/ai.txt", headers={"User-Agent": user_agent},
                                     timeout=self._timeout)
        if response.status_code != 200:
            return {"status": "absent", "disallowed": False}, None
        return ({"status": "ok", "disallowed": "Disallow: /" in response.text},
                hashlib.sha256(response.content).hexdigest())

    def close(self):
        self._session.close()
'''


@pytest.fixture
def aitxt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "aitxt_signal.py").write_text(textwrap.dedent(MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(base.SITE_SIGNALS, "aitxt", "aitxt_signal:AiTxtSignal")
    base.site_signal_kinds.cache_clear()
    yield
    base.site_signal_kinds.cache_clear()
    sys.modules.pop("aitxt_signal", None)


def _job(purpose: str) -> dict[str, Any]:
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": f"j-{purpose}"},
            "spec": {"operator": {"name": "o", "establishment": "US"}, "purpose": {"category": purpose},
                     "user_agent": "ExampleBot/1.0", "data_categories": ["non_personal"],
                     "data_subjects": {"jurisdictions": ["US"]}}}


def _deny_on_aitxt(policy_input: dict[str, Any]) -> dict[str, Any]:
    if policy_input["signals"]["aitxt"]["disallowed"]:
        return {"allow": False, "deny": [{"code": "aitxt.disallowed", "message": "ai.txt"}]}
    return {"allow": True}


def test_a_registered_signal_is_gathered_keyed_and_recorded(aitxt: None, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/ai.txt").respond_with_data("User-Agent: *\nDisallow: /\n")
    httpserver.expect_request("/.well-known/tdmrep.json").respond_with_data("", status=404)
    url = httpserver.url_for("/photos/1")
    with Gate(_job("ai_training"), engine=StaticEngine(_deny_on_aitxt), ledger=True) as gate:
        decision = gate.check(url)
        again = gate.check(httpserver.url_for("/photos/2"))
    assert decision.deny_codes == ["aitxt.disallowed"] and again.deny_codes == ["aitxt.disallowed"]
    assert gate.engine.calls == 1  # type: ignore[attr-defined]  # one decision for the host: the key holds aitxt
    fetched = [(r.path, r.headers.get("User-Agent")) for r, _ in httpserver.log]
    assert ("/ai.txt", "ExampleBot/1.0") in fetched
    recorded = next(iter(rows()))
    assert set(recorded["signals"]) == {"robots", "tdmrep", "rsl", "aitxt"} and len(recorded["signals"]["aitxt"]) == 64


def test_a_signal_is_not_gathered_for_purposes_it_does_not_govern(aitxt: None, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    with Gate(_job("price_monitoring"), engine=StaticEngine(_deny_on_aitxt), ledger=False) as gate:
        assert gate.check(httpserver.url_for("/p/1")).allow
        evaluation = gate.decide(httpserver.url_for("/p/9"))
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]
    assert gate.input_for(evaluation)["signals"]["aitxt"] == {"status": "not_checked", "disallowed": False}


def test_the_static_section_and_the_lint_contract_follow_the_registry(aitxt: None) -> None:
    from gate.policy.lint import input_contract, resolve
    from gate.signals.static import static_signals

    assert static_signals()["aitxt"] == {"status": "not_checked", "disallowed": False}
    contract = input_contract()
    assert resolve(contract, ["signals", "aitxt", "disallowed"])[0] is not None
    status, _ = resolve(contract, ["signals", "aitxt", "status"])
    assert status is not None and status.enum == ("ok", "absent", "not_checked")
