"""Page text and sentences: what the classifier reads, and the offsets it reports."""

from __future__ import annotations

from gate.signals.terms.page import analyse_page
from gate.signals.terms.text import BULLET, decode_body, page_text, split_sentences


def test_html_text_drops_scripts_styles_comments_and_head() -> None:
    html = """<html><head><title>T</title><style>p{color:red}</style></head><body>
    <script>var scraping = "prohibited";</script><!-- crawlers are welcome -->
    <noscript>Enable JavaScript</noscript><p>Visible &amp; kept.</p><template><p>hidden</p></template></body></html>"""
    assert page_text(html) == "Visible & kept."


def test_blocks_become_lines_and_list_items_bullets() -> None:
    text = page_text("<h2>Use</h2><p>You agree not to:</p><ul><li><p>scrape;</p></li><li>crawl.</li></ul><div>End.<br>here</div>")
    assert text.split("\n") == ["Use", "You agree not to:", BULLET + "scrape;", BULLET + "crawl.", "End.", "here"]


def test_inline_markup_and_entities_inside_a_sentence() -> None:
    assert page_text("<p>No <b>bots</b>,&nbsp;<a href='/x'>spiders</a> or <em>scrapers</em>.</p>") == "No bots, spiders or scrapers."


def test_plain_text_is_only_tidied() -> None:
    assert page_text("a  <b>b</b>\n\n  c", is_html=False) == "a <b>b</b>\nc"


def test_sentences_and_offsets() -> None:
    text = "Scraping is prohibited. Crawlers are welcome! Why?\nSecond line. 第一条。禁止爬虫！"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Scraping is prohibited.", "Crawlers are welcome!", "Why?", "Second line.", "第一条。", "禁止爬虫！",
    ]
    for s in sentences:
        assert text[s.start:s.end] == s.text


def test_abbreviations_and_numbers_do_not_end_a_sentence() -> None:
    text = ("Robots, e.g. crawlers, are banned. Das ist z. B. verboten, vgl. Art. 4 Abs. 3 der Richtlinie. "
            "Zgodnie z art. 26 ust. 3 ustawy, tzw. scraping jest zakazany. See No. 5 of the list.")
    assert [s.text for s in split_sentences(text)] == [
        "Robots, e.g. crawlers, are banned.",
        "Das ist z. B. verboten, vgl. Art. 4 Abs. 3 der Richtlinie.",
        "Zgodnie z art. 26 ust. 3 ustawy, tzw. scraping jest zakazany.",
        "See No. 5 of the list.",
    ]


def test_list_items_carry_their_lead_in() -> None:
    text = page_text(
        "<p>Intro.</p><p>You agree not to:</p><ol><li>use bots;</li><li>resell.</li></ol>"
        "<p>Scraping is prohibited.</p><ul><li>free delivery</li></ul>"
        "<p>利用者は、次の行為をしてはなりません。</p><ul><li>スクレイピング</li></ul>"
    )
    sentences = split_sentences(text)
    by_text = {s.text: s for s in sentences}
    assert by_text["use bots;"].context == "You agree not to:"
    assert by_text["resell."].context == "You agree not to:"
    assert by_text["Scraping is prohibited."].context == ""
    # A block that does not announce a list ("...:", "the following") leads nothing in.
    assert by_text["free delivery"].context == ""
    assert by_text["スクレイピング"].context == "利用者は、次の行為をしてはなりません。"
    for s in sentences:
        assert text[s.start:s.end] == s.text  # the bullet is not part of the sentence


def test_plain_text_numbered_items_carry_their_lead_in() -> None:
    sentences = split_sentences("Users shall not:\n(a) deploy scrapers;\nb) copy pages.\nEnd.")
    assert [(s.text, s.context) for s in sentences] == [
        ("Users shall not:", ""), ("deploy scrapers;", "Users shall not:"),
        ("copy pages.", "Users shall not:"), ("End.", ""),
    ]


def test_decode_body_charsets() -> None:
    german = "Das Scrapen ist untersagt. Größe".encode("iso-8859-1")
    assert decode_body(german, "text/html; charset=ISO-8859-1").endswith("Größe")
    meta = b"<meta charset='shift_jis'>" + "利用規約".encode("shift_jis")
    assert decode_body(meta, "text/html").endswith("利用規約")
    assert decode_body("already text") == "already text"
    assert decode_body(b"\xff\xfe caf\xc3\xa9", "text/html; charset=no-such-charset").endswith("café")


def test_long_run_without_punctuation_is_read_in_bounded_pieces() -> None:
    text = "robots " * 1000
    sentences = split_sentences(text.strip())
    assert len(sentences) > 1 and all(len(s.text) <= 1500 for s in sentences)
    for s in sentences:
        assert text[s.start:s.end] == s.text


def test_a_line_break_inside_a_sentence_does_not_end_it() -> None:
    """"You may not<br>scrape the site" is one sentence on screen; split at the <br>, neither
    half held both a topic and a cue, and the clause was lost."""
    assert page_text("<p>You may not<br>scrape the site.</p>") == "You may not scrape the site."
    assert page_text("<p>Das automatisierte Auslesen<br/>\n der Inhalte ist untersagt.</p>") == (
        "Das automatisierte Auslesen der Inhalte ist untersagt.")
    # after a full stop, a colon or before a capital, a <br> still ends the line
    assert page_text("<p>Rules:<br>no bots.<br>Crawling is prohibited.<br>scrapers too</p>").split("\n") == [
        "Rules:", "no bots.", "Crawling is prohibited.", "scrapers too"]
    page = analyse_page("<p>You may not<br>scrape the site or use any robots.</p>", "text/html")
    assert [(c.label, c.text) for c in page.clauses] == [("prohibition", "You may not scrape the site or use any robots.")]


def test_a_heading_names_the_list_under_it() -> None:
    """"Prohibited Activities" over a bullet list, with no "You agree not to:" between: the
    items ("Using bots or scrapers to access the Site.") said nothing on their own."""
    html = ("<h2>Prohibited Activities</h2><ul><li>Using bots, spiders or scrapers to access the Site.</li>"
            "<li>Posting spam.</li></ul><h3>Verbotene Handlungen</h3><ul><li>der Einsatz von Bots;</li></ul>")
    page = analyse_page(html, "text/html")
    assert [(c.label, c.context) for c in page.clauses] == [
        ("prohibition", "Prohibited Activities"), ("prohibition", "Verbotene Handlungen")]
    # a sentence before a list is no heading, and the operator's own list stays a mention
    assert analyse_page("<p>We like bots.</p><ul><li>Crawlers index pages.</li></ul>", "text/html").clauses == ()
    assert analyse_page("<h2>Our tools</h2><ul><li>We use bots to answer questions.</li></ul>",
                        "text/html").clauses == ()
