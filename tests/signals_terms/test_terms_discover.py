"""Discovery: which link on a home page leads to the terms, and which never may."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.signals.terms import (
    LANGUAGES,
    link_candidates,
    looks_like_terms,
    origin_of,
    registrable_domain,
    same_site,
    well_known_candidates,
)
from gate.signals.terms.text import page_text

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = {
    "en": "/legal/terms-of-use", "de": "/agb", "fr": "/cgu", "es": "/terminos-y-condiciones",
    "it": "/termini-e-condizioni", "nl": "/algemene-voorwaarden", "pt": "/termos-de-uso",
    "pl": "/regulamin", "ja": "/rule/", "zh": "/agreement.html",
}
HOME = "https://www.shop.example.co.uk/"


def home(lang: str) -> str:
    return (FIXTURES / f"home_{lang}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_terms_link_of_each_language_ranks_first(lang: str) -> None:
    candidates = link_candidates(home(lang), HOME)
    assert candidates, lang
    assert candidates[0].url == "https://www.shop.example.co.uk" + EXPECTED[lang]
    assert candidates[0].how_found == "link"
    urls = " ".join(c.url for c in candidates)
    # Privacy, cookies, shipping, other sites, javascript: and mailto: are never candidates.
    for never in ("privacy", "privacidad", "prywatnosci", "datenschutz", "cookie", "versand", "twitter",
                  "zendesk", "javascript", "mailto", "confidentialite", "privacyverklaring"):
        assert never not in urls, (lang, never, urls)


@pytest.mark.parametrize(
    "anchor",
    ["Terms of Service", "Nutzungsbedingungen", "Conditions générales d'utilisation", "Aviso legal", "Condizioni d'uso",
     "Gebruiksvoorwaarden", "Termos e Condições", "Warunki korzystania", "利用規約", "服务条款", "使用条款", "Mentions légales"],
)
def test_anchor_text_alone_is_enough(anchor: str) -> None:
    html = f'<body><a href="/p/1">Shop</a><a href="/p/2">{anchor}</a></body>'
    assert [c.url for c in link_candidates(html, HOME)] == ["https://www.shop.example.co.uk/p/2"]


def test_path_and_footer_alone_are_enough() -> None:
    html = '<body><a href="/blog">Blog</a><footer><a href="/tos">Read this</a></footer></body>'
    assert [c.url for c in link_candidates(html, HOME)] == ["https://www.shop.example.co.uk/tos"]


def test_image_alt_and_aria_label_count_as_anchor_text() -> None:
    html = ('<a href="/a"><img src="t.png" alt="Termos de Uso"></a>'
            '<a href="/b" aria-label="Regulamin"><svg></svg></a>')
    assert {c.url.rsplit("/", 1)[1] for c in link_candidates(html, HOME)} == {"a", "b"}


def test_rel_terms_of_service_wins() -> None:
    html = ('<head><link rel="terms-of-service" href="/legal/v3"></head>'
            '<body><a href="/terms">Terms of Use</a></body>')
    best = link_candidates(html, HOME)[0]
    assert best.url == "https://www.shop.example.co.uk/legal/v3" and best.how_found == "link-rel"


def test_same_registrable_domain_only() -> None:
    html = """
    <a href="https://legal.shop.example.co.uk/terms">Terms of Use</a>
    <a href="https://shop.example.co.uk.evil.test/terms">Terms of Use</a>
    <a href="https://evil.test/?u=shop.example.co.uk">Terms of Use</a>
    <a href="//other-shop.co.uk/terms">Terms of Use</a>
    <a href="https://www.shop.example.co.uk@evil.test/terms">Terms of Use</a>
    <a href="https:\\\\evil.test\\terms">Terms of Use</a>
    <a href="ftp://www.shop.example.co.uk/terms">Terms of Use</a>
    <a href="javascript:openTerms()">Terms of Use</a>
    <a href="mailto:legal@shop.example.co.uk">Terms of Use</a>
    <a href="data:text/html,terms">Terms of Use</a>
    <a href="/docs/terms.pdf">Terms of Use (PDF)</a>
    <a href="#terms">Terms of Use</a>
    """
    assert [c.url for c in link_candidates(html, HOME)] == ["https://legal.shop.example.co.uk/terms"]


def test_a_base_on_another_site_is_ignored_and_one_on_this_site_used() -> None:
    evil = '<head><base href="https://evil.test/"></head><a href="terms">Terms of Use</a>'
    assert [c.url for c in link_candidates(evil, HOME)] == ["https://www.shop.example.co.uk/terms"]
    ours = '<head><base href="/en/"></head><a href="terms">Terms of Use</a>'
    assert [c.url for c in link_candidates(ours, HOME)] == ["https://www.shop.example.co.uk/en/terms"]


def test_terms_of_use_rank_above_terms_of_sale_and_legal_notice() -> None:
    html = '<a href="/cgv">CGV</a><a href="/mentions-legales">Mentions légales</a><a href="/cgu">CGU</a>'
    assert [c.url.rsplit("/", 1)[1] for c in link_candidates(html, HOME)] == ["cgu", "cgv", "mentions-legales"]


def test_a_link_to_the_home_page_itself_is_no_candidate() -> None:
    assert link_candidates('<a href="/">Terms</a><a href="https://www.shop.example.co.uk/">Legal</a>', HOME) == []


def test_broken_and_huge_markup() -> None:
    assert link_candidates("<a href='/terms'>Terms of Use<a href=", HOME)[0].url.endswith("/terms")
    junk = "<div>" * 20000 + '<a href="/agb">AGB</a>'
    assert link_candidates(junk, HOME)[0].url.endswith("/agb")


def test_ip_and_bare_hosts_are_their_own_site() -> None:
    assert same_site("http://127.0.0.1:8001/terms", "http://127.0.0.1:8000/")
    assert not same_site("http://127.0.0.2/terms", "http://127.0.0.1/")
    assert not same_site("http://localhost/terms", "http://127.0.0.1/")
    assert registrable_domain("www.bbc.co.uk") == registrable_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert registrable_domain("a.github.io") != registrable_domain("b.github.io")  # a public suffix
    assert registrable_domain("BÜCHER.de.") == registrable_domain("www.xn--bcher-kva.de") == "xn--bcher-kva.de"


def test_origin_of() -> None:
    assert origin_of("HTTPS://Shop.Example.COM:443/a?b#c") == "https://shop.example.com"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
    assert origin_of("http://[::1]:8080/") == "http://[::1]:8080"
    with pytest.raises(ValueError, match="not an http"):
        origin_of("ftp://example.com/")


def test_well_known_paths_by_language() -> None:
    assert [c.url for c in well_known_candidates("https://shop.example/x", "de")][:2] == [
        "https://shop.example/agb", "https://shop.example/nutzungsbedingungen"]
    assert well_known_candidates("https://shop.example", "pl")[0].url == "https://shop.example/regulamin"
    unknown = [c.url for c in well_known_candidates("https://shop.example", None)]
    assert unknown[0] == "https://shop.example/terms" and len(unknown) == len(set(unknown))
    assert all(c.how_found == "well-known" for c in well_known_candidates("https://shop.example", "fr"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_terms_pages_look_like_terms_and_home_pages_do_not(lang: str) -> None:
    terms = (FIXTURES / f"terms_{lang}.html").read_text(encoding="utf-8")
    assert looks_like_terms(page_text(terms))
    assert not looks_like_terms(page_text(home(lang).replace("<footer>", "<!--").replace("</footer>", "-->")))


@pytest.mark.parametrize("anchor", ["Privacy &amp; Terms", "AGB &amp; Widerruf", "Datenschutz und Nutzungsbedingungen",
                                    "Confidentialité | CGU", "Impressum / AGB"])
def test_a_link_naming_the_terms_with_another_page_is_a_candidate(anchor: str) -> None:
    """Google's footer says "Privacy & Terms": the privacy half's penalty cancelled the terms
    half, and the site's only terms link was dropped."""
    found = link_candidates(f'<footer><a href="/p/12">{anchor}</a></footer>', "https://www.example.com/")
    assert [c.url for c in found] == ["https://www.example.com/p/12"]


@pytest.mark.parametrize("anchor", ["Privacy terms", "Cookie terms and settings", "Datenschutz"])
def test_a_privacy_link_still_is_not(anchor: str) -> None:
    assert link_candidates(f'<footer><a href="/p/12">{anchor}</a></footer>', "https://www.example.com/") == []
