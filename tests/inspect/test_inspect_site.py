"""A real local site serves pages and images; real HTTP clients fetch them; the inspector
classifies what arrived (the way the Gate's response phase will)."""

from __future__ import annotations

import gzip
from typing import Any

import inspect_sets
import pytest
import requests
from conftest import cv2, encode, skimage_data
from pytest_httpserver import HTTPServer
from werkzeug import Response

from gate.inspect import ContentInspector, Sampler, SamplingPolicy

CONTACT = ("<!doctype html><html><body><h1>Team</h1><p>Write to <a href='mailto:ana.lopez@correo-ejemplo.es'>"
           "Ana López</a> or call +34 912 345 678.</p></body></html>")


@pytest.fixture
def site(httpserver: HTTPServer, hopper_jpeg: bytes, coffee_jpeg: bytes) -> HTTPServer:
    httpserver.expect_request("/team").respond_with_data(CONTACT, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/shop").respond_with_data(inspect_sets.shop_page(), content_type="text/html; charset=utf-8")
    httpserver.expect_request("/img/portrait.jpg").respond_with_data(hopper_jpeg, content_type="image/jpeg")
    httpserver.expect_request("/img/product.jpg").respond_with_data(coffee_jpeg, content_type="image/jpeg")
    # An image served as HTML: a gate trusting Content-Type would read it as text and find nothing.
    httpserver.expect_request("/gallery/42").respond_with_data(hopper_jpeg, content_type="text/html")
    httpserver.expect_request("/zipped").respond_with_response(Response(
        gzip.compress(CONTACT.encode()), headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}))
    return httpserver


def _fetch(url: str) -> tuple[bytes, str | None]:
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return response.content, response.headers.get("Content-Type")


def test_each_resource_is_classified(site: HTTPServer, inspector: ContentInspector) -> None:
    expected = {"/team": ("html", ["personal"]), "/shop": ("html", ["personal"]),
                "/img/portrait.jpg": ("image", ["facial_images"]), "/img/product.jpg": ("image", []),
                "/gallery/42": ("image", ["facial_images"]), "/zipped": ("html", ["personal"])}
    for path, (kind, categories) in expected.items():
        body, content_type = _fetch(site.url_for(path))
        doc = inspector.inspect(body, content_type, phone_regions=("DE",)).to_dict()
        assert (doc["media"]["kind"], doc["categories"], doc["status"]) == (kind, categories, "inspected"), path
    gallery = inspector.inspect(*_fetch(site.url_for("/gallery/42")))
    assert gallery.media.mislabelled and gallery.media.declared == "text/html"


def test_a_bounded_prefix_of_a_page_is_inspected_and_marked(site: HTTPServer, inspector: ContentInspector) -> None:
    with requests.get(site.url_for("/team"), stream=True, timeout=10) as response:
        prefix = response.raw.read(CONTACT.encode().index(b"+34"))  # up to the phone number
        complete = response.raw.read(1) == b""
    doc = inspector.inspect(prefix, response.headers["Content-Type"], complete=complete).to_dict()
    assert doc["complete"] is False and doc["status"] == "partial"
    assert doc["detectors"][0]["status"] == "truncated"
    assert [f["detector"] for f in doc["findings"]] == ["personal.email"]  # the phone lies past the prefix


def test_httpx_delivers_the_same_verdicts(site: HTTPServer, inspector: ContentInspector) -> None:
    httpx = pytest.importorskip("httpx")
    with httpx.Client(timeout=10) as client:
        for path in ("/team", "/gallery/42", "/img/product.jpg"):
            response = client.get(site.url_for(path))
            via_httpx = inspector.inspect(response.content, response.headers.get("content-type")).to_dict()
            via_requests = inspector.inspect(*_fetch(site.url_for(path))).to_dict()
            assert via_httpx == via_requests, path


def test_sampling_a_crawl_that_starts_collecting_faces(site: HTTPServer, inspector: ContentInspector) -> None:
    """A non_personal job crawls product images; once trusted it is sampled; the first face
    that a sample catches sends it back to inspecting every response."""
    sampler = Sampler(SamplingPolicy(trust_after=4, one_in=3, draw="every_nth"))
    declared = {"non_personal"}
    log: list[tuple[str, bool, str]] = []
    for path in ["/img/product.jpg"] * 7 + ["/img/portrait.jpg"] * 3 + ["/img/product.jpg"] * 2:
        body, content_type = _fetch(site.url_for(path))
        if not sampler.should_inspect("price-job", "127.0.0.1"):
            log.append((path, False, "-"))
            continue
        result = inspector.inspect(body, content_type)
        undeclared = set(result.categories) - declared
        outcome = "mismatch" if undeclared else "clean"
        sampler.record("price-job", "127.0.0.1", outcome)
        log.append((path, True, outcome))
    inspected = [entry[1] for entry in log]
    assert inspected[:4] == [True] * 4  # untrusted: every response
    assert inspected[4:7] == [False, False, True]  # trusted: one in three
    assert log[7:10] == [("/img/portrait.jpg", False, "-"), ("/img/portrait.jpg", False, "-"),
                         ("/img/portrait.jpg", True, "mismatch")]
    assert inspected[10:] == [True, True]  # back to every response
    assert sampler.state("price-job", "127.0.0.1").mismatches == 1


def test_a_large_photo_over_http_is_decoded_reduced(httpserver: HTTPServer, inspector: ContentInspector) -> None:
    big = cv2.resize(cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR), (3000, 3000), interpolation=cv2.INTER_CUBIC)
    httpserver.expect_request("/big.jpg").respond_with_data(encode(big, ".jpg", quality=85), content_type="image/jpeg")
    doc: dict[str, Any] = inspector.inspect(*_fetch(httpserver.url_for("/big.jpg"))).to_dict()
    assert doc["categories"] == ["facial_images"] and doc["status"] == "inspected"
