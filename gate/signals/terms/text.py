"""A terms page as plain text, and that text as sentences.

`page_text` turns HTML into one line per block (paragraph, heading, list item) with
regular expressions rather than a DOM parser: a 50 KB page costs a few milliseconds, and a
terms page needs no more than its words and where its blocks end. List items keep a
"• " marker so that `split_sentences` can hand each item the list's lead-in ("You agree
not to:", or a short heading: "Prohibited Activities"), without which "use any robot or
scraper;" says nothing. A <br> ends the line
too, unless the sentence plainly goes on after it (no full stop before, lower case after).

Sentences end at . ! ? (not after an abbreviation such as "e.g.", "z. B.", "art.") and at
the CJK full stops 。！？, and always at the end of a block.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Sentence", "page_text", "decode_body", "split_sentences", "drop_raw_elements", "TEXTLESS",
           "MAX_SENTENCE_CHARS", "INVISIBLE", "DROP_INVISIBLE", "CONTROLS",
           "declared_charset"]

# Elements whose content is not text. Found with a scan, not with "<script>.*?</script>",
# which turns quadratic on a page of unclosed <script> tags (a hostile server's way to
# stall the gate); tag patterns stop at the next "<" for the same reason.
TEXTLESS = ("script", "style", "noscript", "template", "svg", "head", "select", "button", "textarea")
_LI = re.compile(r"<li\b[^<>]*>", re.IGNORECASE)
_BLOCK = re.compile(
    r"</?(?:p|div|br|h[1-6]|ul|ol|dl|dt|dd|tr|table|section|article|header|footer|nav|main|"
    r"aside|blockquote|pre|form|fieldset|figure|figcaption|address|hr|details|summary|li|td|th|caption)\b[^<>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]*>")
_BR = re.compile(r"<br\b[^<>]*>", re.IGNORECASE)
_SOFT_BREAK = "\ue000"  # a private-use character: where a <br> was, until the text is known
_AT_BREAK = re.compile(r"[ \t]*\ue000\s*")
_LINE_ENDS = ".!?:;。！？：；•"
# Longer "sentences" (a page without punctuation) are read in pieces: it bounds the work.
MAX_SENTENCE_CHARS = 1500
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
# Characters a browser shows as nothing (soft hyphen, zero-width space and joiners, word
# joiner, BOM): a CMS's "unter&shy;sagt" or "pro&#8203;hibited" is one word on screen.
INVISIBLE = ("\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
# C0 controls but tab, line feed, carriage return, form feed and vertical tab (spaces to
# _SPACES), DEL and the C1 controls (U+009B is a one-character CSI).
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\s*\n\s*")
_EMPTY_BULLET = re.compile(r"^•\n(?!•)", re.MULTILINE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)

BULLET = "• "
_BULLET_LINE = re.compile(
    r"^(?:• |[-*–·] |\(?[a-z0-9ivx]{1,4}[.)] |[①-⑳] ?|（?[一二三四五六七八九十\d]{1,3}[）)、.] ?)")

# Where a sentence may end, and the words before which a full stop is no end.
_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s)|[。！？]+[」』”）)]*")
_LEAD_IN_END = (":", "：", ",", "，", "、")
_HEADING_WORDS = 6
_FOLLOWING = re.compile(
    r"(?i)\b(?:following|folgende\w*|suivant\w*|siguiente\w*|seguent\w*|volgende|seguinte\w*|następując\w*)\b"
    r"|次の|以下の|下列|以下"
)
# A literal every match of _FOLLOWING holds, case-folded: most blocks hold none, and the
# case-insensitive search with its leading \b was a tenth of the cost of a terms page.
_FOLLOWING_CORES = ("follow", "folgend", "suivant", "siguient", "seguent", "volgend", "seguint",
                    "następując", "次の", "以下", "下列")
_ABBREVIATIONS = frozenset(
    """e.g i.e etc art arts no nos nr vs cf ca approx incl inc ltd co corp jr sr dr mr mrs ms st
    z.b bzw ggf sog vgl abs s u.a d.h usw inkl evtl zzgl lit ziff nr bspw
    p.ex cf env av m mme ex al
    p.ej sr sra núm pág
    ecc sig pag
    bijv bv o.a nl m.b.t i.v.m zgn
    n.º nº pág
    tzw np m.in itp ust pkt poz ok tj tys zob""".split()
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the page text: text[start:end], and a list item's lead-in if any."""

    start: int
    end: int
    text: str
    context: str = ""


def declared_charset(content_type: str | None) -> str | None:
    """The charset a Content-Type names, lower case and unquoted, or None."""
    if not content_type or "charset=" not in content_type.lower():
        return None
    return content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'") or None


def decode_body(body: bytes | str, content_type: str | None = None) -> str:
    """Bytes to text: the Content-Type charset, else a byte-order mark, else a <meta
    charset>, else UTF-8 when the bytes are UTF-8 and windows-1252 when not (what browsers
    fall back to: an undeclared Latin-1 page read as UTF-8 lost its "unzulässig"); never fails."""
    if isinstance(body, str):
        return body
    charset = declared_charset(content_type)
    if not charset:
        for bom, name in _BOMS:
            if body.startswith(bom):
                return body[len(bom):].decode(name, errors="replace")
        found = _CHARSET.search(body[:4096])
        if found:
            charset = found.group(1).decode("ascii")
        else:
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.start >= len(body) - 3:  # UTF-8 cut mid-character at the size bound
                    return body.decode("utf-8", errors="replace")
                return body.decode("windows-1252", errors="replace")
    try:
        return body.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name: UTF-8 is the web's default
        return body.decode("utf-8", errors="replace")


def page_text(markup: str, is_html: bool = True) -> str:
    """The readable text of a page, one block per line; plain text is only tidied."""
    if is_html:
        markup = drop_raw_elements(markup)
        markup = _BR.sub(_SOFT_BREAK, markup)
        markup = _LI.sub("\n" + BULLET, markup)
        markup = _BLOCK.sub("\n", markup)
        markup = _TAG.sub("", markup)  # inline tags join their text, as a browser shows it
        markup = html.unescape(markup)
        if _SOFT_BREAK in markup:
            markup = _AT_BREAK.sub(_break, markup)
    if not markup.isascii() and any(c in markup for c in INVISIBLE):
        markup = markup.translate(DROP_INVISIBLE)
    # A site's ESC/CSI sequences would reach the operator's terminal with the quoted clause
    # (retitle it, erase the FORBIDS line, print a fake one); no terms sentence holds one.
    markup = CONTROLS.sub("", markup)
    markup = _SPACES.sub(" ", markup)
    markup = _NEWLINES.sub("\n", markup)
    markup = _EMPTY_BULLET.sub(BULLET, markup)  # <li><p>text</p></li>: the item is the text
    return markup.strip()


def _break(match: re.Match[str]) -> str:
    """A <br> inside a sentence ("You may not<br>scrape the site") is a space: the line
    goes on in lower case after no full stop. Elsewhere it ends the line."""
    before = match.string[:match.start()].rstrip()
    after = match.string[match.end():match.end() + 1]
    if before and before[-1] not in _LINE_ENDS and after.islower():
        return " "
    return "\n"


@lru_cache(maxsize=8)
def _raw_open(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"<!--|<({'|'.join(names)})\b", re.IGNORECASE)


def drop_raw_elements(markup: str, names: tuple[str, ...] = TEXTLESS) -> str:
    """The markup without comments and the `names` elements (scripts, styles, ...), in one
    linear pass; an element never closed hides the rest of the page, as in a browser."""
    opening = _raw_open(names)
    out: list[str] = []
    pos = 0
    while True:
        found = opening.search(markup, pos)
        if found is None:
            out.append(markup[pos:])
            break
        out.append(markup[pos:found.start()])
        out.append(" ")
        if found.group(1) is None:
            end = markup.find("-->", found.end())
            pos = end + 3 if end >= 0 else len(markup)
        else:
            close = re.compile(rf"</{found.group(1)}\s*>", re.IGNORECASE).search(markup, found.end())
            pos = close.end() if close else len(markup)
        if pos >= len(markup):
            break
    return "".join(out)


def _pieces(start: int, text: str) -> list[tuple[int, str]]:
    """A sentence cut, at spaces, into pieces of at most MAX_SENTENCE_CHARS."""
    pieces = []
    while len(text) > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", 0, MAX_SENTENCE_CHARS)
        cut = cut if cut > 0 else MAX_SENTENCE_CHARS
        pieces.append((start, text[:cut]))
        skipped = len(text[cut:]) - len(text[cut:].lstrip())
        start, text = start + cut + skipped, text[cut:].lstrip()
    pieces.append((start, text))
    return pieces


def _splits(line: str) -> list[int]:
    """Offsets in `line` after which a sentence ends."""
    cuts = []
    for match in _END.finditer(line):
        end = match.end()
        if match.group()[0] == ".":
            space = line.rfind(" ", 0, match.start())
            word = line[space + 1:match.start()].lower().lstrip("(\"'«„“")
            # An abbreviation, an initial ("J."), or a number ("art. 4. ust.") is no end.
            if word in _ABBREVIATIONS or len(word) == 1 or word.isdigit():
                continue
            rest = line[end:].lstrip()
            if rest and rest[0].islower():
                continue
        cuts.append(end)
    return cuts


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text` (as made by page_text, or any plain text), with offsets."""
    sentences: list[Sentence] = []
    lead_in: str | None = ""  # None: `announcer` not yet judged
    announcer = ""
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            lead_in = ""
            continue
        is_item = bool(_BULLET_LINE.match(line))
        if is_item and lead_in is None:  # decided when an item needs it (most blocks have none)
            lead_in = announcer if (announcer.endswith(_LEAD_IN_END) or _announces(announcer)
                                    or _heading(announcer)) else ""
        context = (lead_in or "") if is_item else ""
        start = 0
        last = ""
        for cut in [*_splits(line), len(line)]:
            chunk = line[start:cut]
            stripped = chunk.strip()
            if stripped:
                offset = line_start + start + (len(chunk) - len(chunk.lstrip()))
                if offset == line_start and is_item:  # the bullet is not part of the sentence
                    marker = _BULLET_LINE.match(stripped)
                    if marker:
                        offset += marker.end()
                        stripped = stripped[marker.end():].strip()
                for piece_start, piece in _pieces(offset, stripped) if stripped else ():
                    sentences.append(Sentence(piece_start, piece_start + len(piece), piece, context))
                    last = piece
            start = cut
        if not is_item:
            # A block that announces a list leads in its items: "You agree not to:", "Dem
            # Nutzer ist untersagt,", "利用者は、次の行為をしてはなりません。"
            announcer, lead_in = last, None
    return sentences


def _heading(block: str) -> bool:
    """A short block without a full stop right before a list ("Prohibited Activities",
    "Verbotene Handlungen"): the heading names what its items are."""
    return 0 < len(block.split()) <= _HEADING_WORDS and not block.rstrip().endswith((".", "!", "?", "。", "！", "？"))


def _announces(block: str) -> bool:
    """Whether a block names the items that follow it ("the following", "次の")."""
    folded = block.casefold()
    return any(core in folded for core in _FOLLOWING_CORES) and _FOLLOWING.search(block) is not None
