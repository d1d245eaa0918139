"""The operator's site named as an object is no operator speaking of itself (docs/terms.md,
"Reading a page or a sentence"): "the content OF this website may not be used for AI
training" forbids, in every language, where "we do not use bots" stays a mention. And the
usual wordings of a reservation that the lexicons missed ("nous nous opposons", "ci
opponiamo", "wij behouden ons ... voor", "vous ne devez pas")."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli
from gate.signals.terms import MENTION, PROHIBITION, TDM_RESERVATION, classify_sentence

P, T, M = PROHIBITION, TDM_RESERVATION, MENTION

CASES = [
    ("en", T, "The content of this website may not be used for AI training."),
    ("en", P, "Content on this site may not be scraped."),
    ("en", T, "Data from our website must not be used to train machine learning models."),
    ("de", T, "Die Inhalte unserer Website dürfen nicht für das Training von KI verwendet werden."),
    ("de", P, "Inhalte unserer Plattform dürfen nicht automatisiert ausgelesen werden."),
    ("fr", T, "Le contenu de notre site ne peut pas être utilisé pour entraîner des modèles d'intelligence "
              "artificielle."),
    ("es", T, "El contenido de nuestro sitio no puede utilizarse para entrenar modelos de inteligencia artificial."),
    ("it", T, "I contenuti del nostro sito non possono essere utilizzati per l'addestramento di intelligenza "
              "artificiale."),
    ("nl", T, "De inhoud van onze website mag niet worden gebruikt voor het trainen van AI."),
    ("pl", T, "Treści naszego serwisu nie mogą być wykorzystywane do trenowania sztucznej inteligencji."),
    ("fr", T, "Nous nous opposons à toute fouille de textes et de données."),
    ("fr", P, "Vous ne devez pas utiliser de robots pour accéder au site."),
    ("it", T, "Ci opponiamo all'estrazione di testo e di dati."),
    ("nl", T, "Wij behouden ons uitdrukkelijk het recht voor op tekst- en datamining."),
    ("en", P, "This website may not be crawled."),  # passive: the site is what is crawled
    ("en", P, "Our platform must not be scraped by automated means."),
    # the operator speaking of itself stays a mention
    ("en", M, "We may not be able to block all bots."),
    ("en", M, "This site does not use bots."),
    # the operator as a passive's actor: it speaks of its own crawler's data
    ("en", M, "Data collected by our crawler may not be shared with third parties."),
    ("fr", M, "Les données collectées par notre robot ne peuvent pas être partagées."),
    ("nl", M, "Gegevens verzameld door onze crawler mogen niet worden gedeeld."),
    ("en", M, "We do not use bots to collect your data."),
    ("en", M, "Our platform does not use automated tools to write reviews."),
    ("de", M, "Unsere Plattform verwendet keine Bots."),
    ("fr", M, "Notre site n'utilise pas de robots."),
]


@pytest.mark.parametrize(("lang", "label", "text"), CASES)
def test_the_site_as_object_and_the_usual_reservations(lang: str, label: str, text: str) -> None:
    assert classify_sentence(text, lang).label == label


def test_a_site_whose_terms_forbid_ai_training_of_its_content_is_flagged(httpserver: HTTPServer,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data(
        '<html lang="en"><body><footer><a href="/legal/terms">Terms of Use</a></footer></body></html>',
        content_type="text/html")
    httpserver.expect_request("/legal/terms").respond_with_data(
        "<html><body><h1>Terms of Use</h1><p>Welcome to our shop.</p>"
        "<p>The content of this website may not be used for AI training.</p></body></html>",
        content_type="text/html")
    result = CliRunner().invoke(cli, ["terms", httpserver.url_for("/"), "--agent", "ObjBot/1.0", "-f", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    assert doc["signal"]["tdm_reserved_in_prose"] is True
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt", "/", "/legal/terms"]
