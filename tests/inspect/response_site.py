"""A real local site for the response phase (issue 19): pages with faces (portraits that
registry packages ship), e-mail addresses and phone numbers, a page reserved with
`X-Robots-Tag: noai`, and clean pages; plus the jobs that meet it. Plain module: the
fixtures in conftest.py wrap it."""

from __future__ import annotations

from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Response

USER_AGENT = "RespBot/1.0 (+https://example.com/bot)"
TEAM = ("<!doctype html><html><body><h1>Our team</h1><ul>"
        "<li>Ana López, <a href='mailto:ana.lopez@correo-ejemplo.es'>ana.lopez@correo-ejemplo.es</a>, +34 912 345 678</li>"
        "<li>Jan Novak, <a href='mailto:jan.novak@posta-priklad.cz'>jan.novak@posta-priklad.cz</a>, +420 601 123 456</li>"
        "</ul></body></html>")
CONTACT = "<!doctype html><html><body><p>Questions? Write to info@shop-example.de</p></body></html>"
PRODUCT = "<!doctype html><html><body><h1>Kettle</h1><p>Price: 39,90 EUR. SKU 12345-67.</p></body></html>"
ESSAY = "<!doctype html><html><body><p>An essay on kettles, free of any person.</p></body></html>"
# path -> what a non_personal job meets there
PAGES = {
    "/products/kettle": "clean",
    "/contact": "tolerated",  # one e-mail on a contact page: policy data tolerates it
    "/team": "personal",
    "/img/portrait.jpg": "faces",
    "/essay-noai": "reserved",  # X-Robots-Tag: noai
    "/licensed": "rsl",  # Link: an RSL licence that prohibits ai-train
}
LICENCE = (b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
           b'<permits type="usage">search</permits><prohibits type="usage">ai-train</prohibits>'
           b'</license></content></rsl>')


def job(name: str, purpose: str, categories: list[str], **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "operator": {"name": "Test Corp", "establishment": "DE", "markets": ["EU"]},
        "purpose": {"category": purpose}, "user_agent": USER_AGENT, "data_categories": categories,
        "data_subjects": {"jurisdictions": ["EU"]}, "targeting": "targeted"}
    body.update(spec)
    return {"apiVersion": "scrapegate/v1", "kind": "CollectionJob",
            "metadata": {"name": name, "owner": "tests@example.com"}, "spec": body}


PRICES = job("prices", "price_monitoring", ["non_personal"])
TRAINING = job("training", "ai_training", ["non_personal"])
RESEARCH = job("research", "text_and_data_mining", ["non_personal"],
               operator={"name": "Uni", "establishment": "DE", "markets": ["EU"], "research_organisation": True})
# The same pages, declared: personal data and facial images, with a basis and an assessment.
# LEGAL-R2 R1: faces that are not used to identify anyone are not biometric data; without
# `identifies_persons: false` the gate would read them as identifying (and ask for Art. 9).
DECLARED = job("people", "market_research", ["personal", "facial_images"], retention_days=30,
               identifies_persons=False, legal_basis={
    "gdpr_art6": "legitimate_interests", "gdpr_art9": None, "consent": {"kind": "none", "evidence": None},
    "assessments": {"lia": "LIA-2026-1", "dpia": None}})


def serve(server: HTTPServer, portrait_jpeg: bytes) -> None:
    html = "text/html; charset=utf-8"
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    server.expect_request("/products/kettle").respond_with_data(PRODUCT, content_type=html)
    server.expect_request("/contact").respond_with_data(CONTACT, content_type=html)
    server.expect_request("/team").respond_with_data(TEAM, content_type=html)
    server.expect_request("/img/portrait.jpg").respond_with_data(portrait_jpeg, content_type="image/jpeg")
    server.expect_request("/essay-noai").respond_with_response(Response(
        ESSAY, headers={"X-Robots-Tag": "noai", "Content-Type": html}))
    server.expect_request("/essay").respond_with_data(ESSAY, content_type=html)
    server.expect_request("/licensed").respond_with_response(Response(ESSAY, headers={
        "Link": '</rsl/license.xml>; rel="license"; type="application/rsl+xml"', "Content-Type": html}))
    server.expect_request("/rsl/license.xml").respond_with_data(LICENCE, content_type="application/rsl+xml")


INDEX = "".join(f'<a href="{path}">{path}</a> ' for path in PAGES)


def serve_index(server: HTTPServer) -> None:
    """/: a link to every page (the Scrapy crawl's start)."""
    server.expect_request("/").respond_with_data(f"<html><body>{INDEX}</body></html>", content_type="text/html")
