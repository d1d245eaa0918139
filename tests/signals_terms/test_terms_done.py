"""Issue 22's done condition: local sites, each on its own loopback address (Linux routes
all of 127.0.0.0/8 to lo, so 127.0.0.2, 127.0.0.3, ... need no hostnames and no set-up),
with terms in en, de, fr, es, it, nl, pt, pl, ja and zh, forbidding and benign, decided as
LEGAL-R2 R22 says through `scrapegate check --live` run as a subprocess:

- a forbidding page warns terms.prohibition_detected, quoting the clause, its URL and the
  date read; a benign one adds nothing; both are allowed for a price-monitoring job;
- the same pages reserve text and data mining in prose: an ai_training job is denied
  tdm.reservation_in_prose there, allowed on the benign ones;
- an authenticated target on a forbidding site is denied terms.automated_collection_prohibited;
- a site in the registry that objected to the operator is denied likewise;
- a registry site whose page changed since the entry's review warns terms.changed_since_review;
- a registry site whose terms cannot be read stays denied (terms unknown allows nothing).

The registry entries for these addresses are an extra data file passed with --policy.
Every site's access log shows what the discovery fetched: robots.txt, the home page, the
terms page, once per site for both jobs (one user agent, one store).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pytest_httpserver import HTTPServer

FIXTURES = Path(__file__).parent / "fixtures"
HTML = "text/html; charset=utf-8"
LANGS = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "ja", "zh")
TERMS_PATH = {
    "en": "/legal/terms-of-use", "de": "/agb", "fr": "/cgu", "es": "/terminos-y-condiciones",
    "it": "/termini-e-condizioni", "nl": "/algemene-voorwaarden", "pt": "/termos-de-uso",
    "pl": "/regulamin", "ja": "/rule/", "zh": "/agreement.html",
}
AGENT = "ExampleCorpusBot/1.0 (+https://example.com/bot)"
ADDRESSES = {  # one loopback address per site
    **{f"{lang}-forbid": f"127.0.0.{2 + i}" for i, lang in enumerate(LANGS)},
    **{f"{lang}-benign": f"127.0.0.{12 + i}" for i, lang in enumerate(LANGS)},
    "objector": "127.0.0.22", "registry-changed": "127.0.0.23", "registry-unreadable": "127.0.0.24",
}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, HTTPServer]]:
    servers: dict[str, HTTPServer] = {}
    try:
        for name, address in ADDRESSES.items():
            server = servers[name] = HTTPServer(host=address, port=0, threaded=True)
            server.start()
        for server in servers.values():  # no TDMRep file anywhere (the opt-out signal asks)
            server.expect_request("/.well-known/tdmrep.json").respond_with_data("", status=404)
        for lang in LANGS:
            for kind, page in (("forbid", f"terms_{lang}.html"), ("benign", f"terms_{lang}_benign.html")):
                server = servers[f"{lang}-{kind}"]
                server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
                server.expect_request("/").respond_with_data(fixture(f"home_{lang}.html"), content_type=HTML)
                server.expect_request(TERMS_PATH[lang]).respond_with_data(fixture(page), content_type=HTML)
        objector = servers["objector"]
        objector.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
        objector.expect_request("/").respond_with_data(fixture("home_en.html"), content_type=HTML)
        objector.expect_request(TERMS_PATH["en"]).respond_with_data(fixture("terms_en.html"), content_type=HTML)
        changed = servers["registry-changed"]
        changed.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
        changed.expect_request("/").respond_with_data(fixture("home_de.html"), content_type=HTML)
        changed.expect_request("/agb").respond_with_data(fixture("terms_de_benign.html"), content_type=HTML,
                                                          headers={"Last-Modified": "Tue, 01 Dec 2026 08:00:00 GMT"})
        unreadable = servers["registry-unreadable"]
        unreadable.expect_request("/robots.txt").respond_with_data("", status=404)  # no restrictions
        unreadable.expect_request("/").respond_with_data("down", status=503)
        unreadable.expect_request("/terms").respond_with_data("down", status=503)
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def origin(server: HTTPServer) -> str:
    return f"http://{server.host}:{server.port}"


def registry(sites: dict[str, HTTPServer]) -> dict[str, Any]:
    """data.scrapegate.sites entries for three of the addresses (merged with the shipped registry)."""
    return {
        ADDRESSES["objector"]: {"objections": [
            {"operator": "Example Corp", "date": "2026-10-01", "evidence": "cease-and-desist letter of 2026-10-01"}]},
        ADDRESSES["registry-changed"]: {
            "automated_collection": "allowed", "clause": "public pages may be crawled", "section": "AGB 3",
            "terms_url": origin(sites["registry-changed"]) + "/agb", "reviewed": "2026-11-01",
        },
        ADDRESSES["registry-unreadable"]: {
            "automated_collection": "prohibited", "clause": "no scraping", "section": "Terms 2",
            "terms_url": origin(sites["registry-unreadable"]) + "/terms", "reviewed": "2026-11-01",
        },
    }


def manifest(name: str, purpose: str, targets: list[Any]) -> dict[str, Any]:
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob", "metadata": {"name": name, "owner": "x@example.com"},
            "spec": {"operator": {"name": "Example Corp", "establishment": "DE", "markets": ["EU"]},
                     "purpose": {"category": purpose}, "user_agent": AGENT, "data_categories": ["non_personal"],
                     "data_subjects": {"jurisdictions": ["EU"]}, "targeting": "targeted", "targets": targets}}


@pytest.fixture(scope="module")
def decided(sites: dict[str, HTTPServer], tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    work = tmp_path_factory.mktemp("r22")
    data_dir = work / "extra" / "scrapegate" / "sites"
    data_dir.mkdir(parents=True)
    (data_dir / "data.yaml").write_text(yaml.safe_dump(registry(sites)))
    lang_sites = [f"{lang}-{kind}" for lang in LANGS for kind in ("forbid", "benign")]
    price_targets: list[Any] = [origin(sites[s]) + "/products/1" for s in lang_sites]
    price_targets += [origin(sites[s]) + "/products/1" for s in ("objector", "registry-changed", "registry-unreadable")]
    price_targets.append({"url": origin(sites["en-forbid"]) + "/account/orders", "authenticated": True})
    jobs = work / "jobs"
    jobs.mkdir()
    (jobs / "prices.yaml").write_text(yaml.safe_dump(manifest("prices", "price_monitoring", price_targets)))
    ai_targets = [origin(sites[s]) + "/products/1" for s in lang_sites]
    (jobs / "corpus.yaml").write_text(yaml.safe_dump(manifest("corpus", "ai_training", ai_targets)))
    env = {**os.environ, "SCRAPEGATE_TERMS_DISCOVERY": "on", "SCRAPEGATE_HOME": str(work / "state"),
           "NO_PROXY": "*", "no_proxy": "*"}
    env.pop("SCRAPEGATE_LEDGER", None)
    proc = subprocess.run(
        [sys.executable, "-m", "gate.cli", "check", str(jobs), "--live", "--policy", str(work / "extra"),
         "--format", "json"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1, proc.stderr[-3000:]  # some targets are denied
    report = json.loads(proc.stdout)
    out: dict[tuple[str, str], Any] = {}
    for result in report["results"]:
        out[(result["job"], result["target"])] = result["decision"]
    return out


def discovery(server: HTTPServer) -> list[str]:
    """What the terms discovery fetched (robots.txt and the TDMRep file are other signals')."""
    return [r.path for r, _ in server.log if r.path not in ("/robots.txt", "/.well-known/tdmrep.json")]


def codes(entries: list[dict[str, Any]]) -> set[str]:
    return {e["code"] for e in entries}


def terms_codes(decision: dict[str, Any]) -> set[str]:
    return {c for c in codes(decision["deny"]) | codes(decision["warn"]) if c.startswith(("terms.", "tdm."))}


@pytest.mark.parametrize("lang", LANGS)
def test_forbidding_terms_warn_with_the_clause_and_benign_ones_do_not(
        lang: str, sites: dict[str, HTTPServer], decided: dict[tuple[str, str], Any]) -> None:
    forbid = decided[("prices", origin(sites[f"{lang}-forbid"]) + "/products/1")]
    assert forbid["allow"] is True and terms_codes(forbid) == {"terms.prohibition_detected"}, forbid
    warning = next(w for w in forbid["warn"] if w["code"] == "terms.prohibition_detected")
    terms_url = origin(sites[f"{lang}-forbid"]) + TERMS_PATH[lang]
    assert warning["terms_url"] == terms_url and terms_url in warning["message"]
    assert warning["clause"] and warning["clause"] in warning["message"] and warning["read_at"][:2] == "20"
    benign = decided[("prices", origin(sites[f"{lang}-benign"]) + "/products/1")]
    assert benign["allow"] is True and terms_codes(benign) == set(), benign


@pytest.mark.parametrize("lang", LANGS)
def test_tdm_reserved_in_prose_denies_the_ai_job(
        lang: str, sites: dict[str, HTTPServer], decided: dict[tuple[str, str], Any]) -> None:
    forbid = decided[("corpus", origin(sites[f"{lang}-forbid"]) + "/products/1")]
    assert forbid["allow"] is False and "tdm.reservation_in_prose" in codes(forbid["deny"]), forbid
    benign = decided[("corpus", origin(sites[f"{lang}-benign"]) + "/products/1")]
    assert benign["allow"] is True, benign


def test_an_authenticated_target_is_denied_by_the_clause(sites: dict[str, HTTPServer],
                                                          decided: dict[tuple[str, str], Any]) -> None:
    d = decided[("prices", origin(sites["en-forbid"]) + "/account/orders")]
    assert "terms.automated_collection_prohibited" in codes(d["deny"]), d
    entry = next(v for v in d["deny"] if v["code"] == "terms.automated_collection_prohibited")
    assert entry["terms_url"] == origin(sites["en-forbid"]) + TERMS_PATH["en"] and "behind a login" in entry["message"]


def test_a_site_that_objected_to_the_operator_is_denied(sites: dict[str, HTTPServer],
                                                         decided: dict[tuple[str, str], Any]) -> None:
    d = decided[("prices", origin(sites["objector"]) + "/products/1")]
    assert d["allow"] is False and terms_codes(d) == {"terms.automated_collection_prohibited"}, d
    assert "cease-and-desist letter" in d["deny"][0]["message"]


def test_a_registry_page_changed_since_review_warns(sites: dict[str, HTTPServer],
                                                     decided: dict[tuple[str, str], Any]) -> None:
    d = decided[("prices", origin(sites["registry-changed"]) + "/products/1")]
    assert d["allow"] is True and terms_codes(d) == {"terms.changed_since_review"}, d
    assert "Last-Modified 2026-12-01" in d["warn"][0]["message"]


def test_terms_unknown_never_allow_what_the_registry_denies(sites: dict[str, HTTPServer],
                                                             decided: dict[tuple[str, str], Any]) -> None:
    d = decided[("prices", origin(sites["registry-unreadable"]) + "/products/1")]
    assert d["allow"] is False and terms_codes(d) == {"terms.automated_collection_prohibited"}, d
    assert discovery(sites["registry-unreadable"]) == ["/", "/terms"]


def test_discovery_costs_at_most_two_fetches_per_site_for_both_jobs(
        sites: dict[str, HTTPServer], decided: dict[tuple[str, str], Any]) -> None:
    assert decided
    for lang in LANGS:
        for kind in ("forbid", "benign"):
            log = [r.path for r, _ in sites[f"{lang}-{kind}"].log]
            assert log.count("/robots.txt") == 1, log
            assert discovery(sites[f"{lang}-{kind}"]) == ["/", TERMS_PATH[lang]], (lang, kind, log)
