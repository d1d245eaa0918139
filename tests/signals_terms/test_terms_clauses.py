"""Clause detection: every class in every language, negation both ways, lists, offsets.

These sentences are not in the labelled set; they pin behaviour a regression would break.
"""

from __future__ import annotations

import pytest

from gate.signals.terms import (
    MENTION,
    OTHER,
    PERMISSION,
    PROHIBITION,
    TDM_RESERVATION,
    analyse_page,
    classify_sentence,
    find_clauses,
)

P, T, A, M, O = PROHIBITION, TDM_RESERVATION, PERMISSION, MENTION, OTHER  # noqa: E741

# (label, sentence): per language a prohibition, a negated permission (which prohibits), a
# TDM reservation, a permission, a negated prohibition (which permits), a mention, a
# negated mention by the operator, and an unrelated prohibition.
CASES: dict[str, list[tuple[str, str]]] = {
    "en": [
        (P, "Automated scraping of our listings is prohibited."),
        (P, "Bots are not allowed on this website."),
        (T, "You must not use our articles to train any machine learning model."),
        (A, "Crawlers are welcome to index our public pages."),
        (A, "Web archiving by automated means is not prohibited."),
        (M, "Our platform uses bots to answer customer questions."),
        (M, "We never use automated tools to write reviews."),
        (O, "You must not share your password with anyone."),
    ],
    "de": [
        (P, "Das automatisierte Auslesen unserer Angebote ist verboten."),
        (P, "Der Einsatz von Bots ist auf dieser Website nicht erlaubt."),
        (T, "Unsere Artikel dürfen nicht zum Training von KI-Systemen verwendet werden."),
        (A, "Crawler von Suchmaschinen sind auf unseren öffentlichen Seiten willkommen."),
        (A, "Die automatisierte Archivierung öffentlicher Seiten ist nicht verboten."),
        (M, "Unsere Plattform beantwortet Kundenfragen mit einem Chatbot."),
        (M, "Wir verwenden keine automatisierten Werkzeuge, um Bewertungen zu schreiben."),
        (O, "Sie dürfen Ihr Passwort nicht weitergeben."),
    ],
    "fr": [
        (P, "L'extraction automatisée de nos annonces est interdite."),
        (P, "Les robots ne sont pas autorisés sur ce site."),
        (T, "Nos articles ne peuvent pas servir à entraîner des modèles d'apprentissage automatique."),
        (A, "Les robots d'indexation sont les bienvenus sur nos pages publiques."),
        (A, "L'archivage automatisé des pages publiques n'est pas interdit."),
        (M, "Notre plateforme répond aux questions des clients à l'aide de robots conversationnels."),
        (M, "Nous n'utilisons jamais d'outils automatisés pour rédiger des avis."),
        (O, "Vous ne devez pas communiquer votre mot de passe."),
    ],
    "es": [
        (P, "La extracción automatizada de nuestros anuncios está prohibida."),
        (P, "No se permiten bots en este sitio web."),
        (T, "Nuestros artículos no pueden utilizarse para entrenar modelos de aprendizaje automático."),
        (A, "Los rastreadores son bienvenidos en nuestras páginas públicas."),
        (A, "No está prohibido el archivo automatizado de páginas públicas."),
        (M, "Nuestra plataforma responde a los clientes mediante bots."),
        (M, "Nunca utilizamos herramientas automatizadas para escribir reseñas."),
        (O, "No debe compartir su contraseña con nadie."),
    ],
    "it": [
        (P, "L'estrazione automatizzata dei nostri annunci è vietata."),
        (P, "I bot non sono consentiti su questo sito."),
        (T, "I nostri articoli non possono essere usati per addestrare modelli di intelligenza artificiale."),
        (A, "I crawler sono benvenuti sulle nostre pagine pubbliche."),
        (A, "L'archiviazione automatizzata delle pagine pubbliche non è vietata."),
        (M, "La nostra piattaforma risponde ai clienti tramite bot."),
        (M, "Non utilizziamo mai strumenti automatizzati per scrivere recensioni."),
        (O, "Non devi condividere la tua password."),
    ],
    "nl": [
        (P, "Het geautomatiseerd uitlezen van onze advertenties is verboden."),
        (P, "Bots zijn op deze website niet toegestaan."),
        (T, "Onze artikelen mogen niet worden gebruikt om AI-modellen te trainen."),
        (A, "Crawlers zijn welkom op onze openbare pagina's."),
        (A, "Het geautomatiseerd archiveren van openbare pagina's is niet verboden."),
        (M, "Ons platform beantwoordt klantvragen met een chatbot."),
        (M, "Wij gebruiken nooit geautomatiseerde hulpmiddelen om recensies te schrijven."),
        (O, "U mag uw wachtwoord niet delen."),
    ],
    "pt": [
        (P, "A extração automatizada dos nossos anúncios é proibida."),
        (P, "Não são permitidos bots neste site."),
        (T, "Os nossos artigos não podem ser usados para treinar modelos de inteligência artificial."),
        (A, "Os rastreadores são bem-vindos nas nossas páginas públicas."),
        (A, "Não é proibido o arquivamento automatizado de páginas públicas."),
        (M, "A nossa plataforma responde aos clientes por meio de bots."),
        (M, "Nunca utilizamos ferramentas automatizadas para escrever avaliações."),
        (O, "Você não deve compartilhar a sua senha."),
    ],
    "pl": [
        (P, "Automatyczne pobieranie naszych ogłoszeń jest zabronione."),
        (P, "Boty nie są dozwolone w tym serwisie."),
        (T, "Nasze artykuły nie mogą być używane do trenowania modeli sztucznej inteligencji."),
        (A, "Roboty wyszukiwarek są mile widziane na naszych publicznych stronach."),
        (A, "Automatyczna archiwizacja publicznych stron nie jest zabroniona."),
        (M, "Nasza platforma odpowiada klientom za pomocą botów."),
        (M, "Nigdy nie używamy zautomatyzowanych narzędzi do pisania opinii."),
        (O, "Nie wolno udostępniać hasła innym osobom."),
    ],
    "ja": [
        (P, "当サイトの掲載情報のスクレイピングを禁止します。"),
        (P, "本サイトへのボットによるアクセスは認められません。"),
        (T, "当社の記事を機械学習の学習データとして利用してはなりません。"),
        (A, "検索エンジンのクローラーによる公開ページの巡回を歓迎します。"),
        (A, "公開ページの自動アーカイブは禁止していません。"),
        (M, "本サービスでは、チャットボットがお客様のご質問に回答します。"),
        (M, "当社は、レビューの作成に自動化ツールを使用しません。"),
        (O, "パスワードを第三者に開示してはなりません。"),
    ],
    "zh": [
        (P, "禁止自动抓取本站的商品信息。"),
        (P, "本网站不允许任何机器人访问。"),
        (T, "本站文章不得用于训练机器学习模型。"),
        (A, "欢迎搜索引擎爬虫索引本站的公开页面。"),
        (A, "本网站不禁止对公开页面进行自动存档。"),
        (M, "本平台通过聊天机器人回答客户的问题。"),
        (M, "我们从不使用自动化工具撰写评价。"),
        (O, "用户不得将密码告知他人。"),
    ],
}


@pytest.mark.parametrize(
    "lang,label,sentence", [(lang, label, s) for lang, rows in CASES.items() for label, s in rows],
    ids=[f"{lang}-{i}-{label}" for lang, rows in CASES.items() for i, (label, _) in enumerate(rows)],
)
def test_sentence(lang: str, label: str, sentence: str) -> None:
    verdict = classify_sentence(sentence, lang)
    assert verdict.label == label, verdict
    assert 0.0 < verdict.confidence <= 1.0
    # Detected from the sentence alone, the language gives the same reading.
    assert classify_sentence(sentence).label == label


def test_restrictive_verdicts_name_their_cues() -> None:
    verdict = classify_sentence("You may not use robots or scrapers to access the Service.", "en")
    assert verdict.label == P and "may not" in verdict.cues


def test_carve_out_does_not_turn_a_prohibition_into_a_permission() -> None:
    sentence = "Except for search engines, which may index our pages, you may not crawl this website."
    assert classify_sentence(sentence, "en").label == P


def test_condition_clause_does_not_restrict_a_permission() -> None:
    sentence = "Crawlers are welcome, provided they do not send more than one request per second."
    assert classify_sentence(sentence, "en").label == A


def test_only_with_consent_restricts() -> None:
    assert classify_sentence("Crawling is permitted only with our prior written consent.", "en").label == P
    assert classify_sentence("Das Crawlen ist nur mit unserer vorherigen Zustimmung erlaubt.", "de").label == P


def test_reserving_a_right_to_block_bots_reserves_nothing() -> None:
    assert classify_sentence("We reserve the right to block bots at any time.", "en").label == M


def test_conflict_lowers_confidence() -> None:
    plain = classify_sentence("Scraping is prohibited.", "en")
    mixed = classify_sentence("Search engines may index the site, and all other scraping is prohibited.", "en")
    assert plain.label == mixed.label == P
    assert mixed.confidence < plain.confidence


def test_lead_in_context_decides_a_list_item() -> None:
    item = "use any robot, spider or scraper to access the Service;"
    assert classify_sentence(item, "en").label == M
    assert classify_sentence(item, "en", context="You agree that you will not:").label == P
    assert classify_sentence(item, "en", context="You may:").label == A


def test_find_clauses_on_a_page_with_offsets() -> None:
    html = """<h1>Terms</h1><p>These terms apply to the site. We use bots to detect fraud.</p>
    <p>You agree not to:</p><ul><li>post unlawful content;</li><li>use scrapers or crawlers on the site.</li></ul>
    <p>Der Einsatz von Crawlern ist verboten.</p><p>Search engines are welcome to index our pages.</p>"""
    page = analyse_page(html, "text/html")
    assert page.language == "en"
    got = [(c.label, c.text) for c in page.clauses]
    assert got == [
        (P, "use scrapers or crawlers on the site."),
        (P, "Der Einsatz von Crawlern ist verboten."),
        (A, "Search engines are welcome to index our pages."),
    ]
    for clause in page.clauses:
        assert page.text[clause.start:clause.end] == clause.text
    assert page.clauses[0].context == "You agree not to:"
    assert page.clauses[1].lang == "de"  # a German sentence on an English page is read as German
    with_mentions = find_clauses(page.text, "en", include_mentions=True)
    assert (M, "We use bots to detect fraud.") in [(c.label, c.text) for c in with_mentions]


def test_page_hash_ignores_markup_but_not_words() -> None:
    a = analyse_page("<p>Scraping is prohibited.</p><input name=csrf value=1>", "text/html")
    b = analyse_page("<div><p>Scraping   is prohibited.</p></div><input name=csrf value=2>", "text/html")
    c = analyse_page("<p>Scraping is permitted.</p>", "text/html")
    assert a.sha256 == b.sha256 != c.sha256


def test_plain_text_terms() -> None:
    page = analyse_page(b"Terms\n\nYou must not use bots to access the site.\n", "text/plain; charset=utf-8")
    assert [c.label for c in page.clauses] == [P]


def test_a_page_in_a_language_outside_the_ten_still_reads_english_clauses() -> None:
    page = analyse_page("<p>Kaikki oikeudet pidätetään.</p><p>Scraping is prohibited.</p>", "text/html")
    assert [c.label for c in page.clauses] == [P]


@pytest.mark.parametrize("text", [
    "Nothing in these terms shall be construed as prohibiting search engines from indexing the Site.",
    "Nothing in this policy is intended as restricting crawling by archives.",
])
def test_nothing_construed_as_prohibiting_permits(text: str) -> None:
    """"as prohibiting" (not "prohibits") read as a prohibition: a permission flagged as a ban."""
    assert classify_sentence(text, "en").label == A
