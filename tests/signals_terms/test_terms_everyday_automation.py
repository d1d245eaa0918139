"""Subscriptions, not bots (docs/terms.md, "Reading a page or a sentence"): "automatic
renewal cannot be cancelled" and "do not reply to this automated message" named a topic
("automatic") and a restriction ("cannot", "do not"), so a news or SaaS site's ordinary
terms read as forbidding automated collection: a warning on every job and a denial behind
a login. The word stays a topic where it qualifies access ("by automated means")."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from gate.cli import cli
from gate.signals.terms import OTHER, PROHIBITION, classify_sentence

EVERYDAY = [
    ("en", "Automatic renewal cannot be cancelled after the billing date."),
    ("en", "Your subscription renews automatically and cannot be cancelled mid-term."),
    ("en", "Do not reply to this automated message."),
    ("en", "We cannot guarantee that automated emails reach your inbox."),
    ("de", "Das Abonnement verlängert sich automatisch und kann nicht vorzeitig gekündigt werden."),
    ("de", "Automatische Verlängerung: Das Abo kann nicht gekündigt werden."),
    ("fr", "L'abonnement est renouvelé automatiquement et ne peut pas être résilié."),
    ("fr", "Le renouvellement automatique ne peut pas être annulé."),
    ("es", "La suscripción se renueva automáticamente y no se puede cancelar."),
    ("it", "L'abbonamento si rinnova automaticamente e non può essere disdetto."),
    ("nl", "Het abonnement wordt automatisch verlengd en kan niet tussentijds worden opgezegd."),
    ("pt", "A assinatura é renovada automaticamente e não pode ser cancelada."),
    ("pl", "Subskrypcja odnawia się automatycznie i nie może zostać anulowana."),
]
STILL = [
    ("en", "You may not access the Service by automated means."),
    ("en", "You must not automatically download content."),
    ("de", "Das automatisierte Auslesen ist verboten."),
    ("fr", "L'extraction automatisée des données du site est strictement interdite."),
    ("es", "Queda prohibido el acceso automatizado al sitio."),
    ("it", "È vietato l'accesso automatico al sito."),
    ("nl", "Het is verboden de website automatisch uit te lezen."),
    ("pl", "Zabronione jest automatyczne pobieranie danych z serwisu."),
]


@pytest.mark.parametrize(("lang", "text"), EVERYDAY)
def test_subscriptions_and_messages_are_no_topic(lang: str, text: str) -> None:
    assert classify_sentence(text, lang).label == OTHER


@pytest.mark.parametrize(("lang", "text"), STILL)
def test_automated_access_still_is(lang: str, text: str) -> None:
    assert classify_sentence(text, lang).label == PROHIBITION


def test_a_subscription_sites_terms_forbid_nothing(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_TERMS_DISCOVERY", "on")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/").respond_with_data(
        '<html lang="en"><body><footer><a href="/terms">Terms of Service</a></footer></body></html>',
        content_type="text/html")
    httpserver.expect_request("/terms").respond_with_data(
        "<html><body><h1>Terms of Service</h1><h2>Subscriptions</h2><p>Your subscription renews automatically "
        "at the end of each term. Automatic renewal cannot be cancelled after the billing date.</p>"
        "<p>Do not reply to this automated message.</p></body></html>", content_type="text/html")
    result = CliRunner().invoke(cli, ["terms", httpserver.url_for("/"), "--agent", "SubBot/1.0", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["status"] == "found" and doc["clauses"] == []
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt", "/", "/terms"]
