"""Dutch."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:toestemming|licentie|goedkeuring|instemming|vergunning)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautomati\w*\b",
    r"verleng\w*|incasso\w*|e-?mails?|bericht\w*|betaling\w*|antwoord\w*|vertaling\w*|"
    r"melding\w*",
    ("stilzwijgend",),
)

LEXICON = Lexicon(
    code="nl",
    script="latin",
    auto=(
        r"\brobots?\b", r"\b(?:web)?bots?\b", r"\bspiders?\b", r"crawl\w*", r"scrap(?:en|er|ers|ing|t|e)\b",
        r"\bgeautomatiseerd\w*", _AUTOMATIC, r"\bscripts?\b", r"\buitlez\w*", r"\buitgelezen\b",
        r"\bzoekmachine\w*", r"\bapi\b", r"\bsystematisch\w*", r"\brobots\.txt\b", r"\bwebarchie\w*",
        r"\bin bulk\b", r"\bmassaal\b",
    ),
    tdm=(r"\btekst- en datamining\b", r"\btekst[- ]?en[- ]?datamining\b", r"\bdatamining\b", r"\bdata mining\b",
         r"\btdm\b"),
    ai=(r"\bkunstmatige intelligentie\b", r"\bai-\w+", r"\bmachine learning\b", r"\btaalmodel\w*",
        r"\btrain(?:en|ing|t)\b", r"\btrainingsdata\b", r"\bgeneratiev\w*"),
    prohibit=(r"\bverbod\w*", r"\bverboden\b", r"\bverbiedt\b", r"\bverbieden\b", r"\bniet (?:\w+ )?toegestaan\b",
              r"\bontoelaatbaar\b"),
    restrict_modal=(r"\bverbind\w* (?:zich|zichzelf) (?:\w+ )?ertoe\b[^.;]{0,80}?\b(?:niet|geen)\b",
                    r"\bzult\b[^.;]{0,40}?\b(?:niet|geen)\b",
                    r"\bonthoud\w* (?:zich|u)\b", r"\bzich (?:te )?onthouden\b"),
    need_consent=(
        rf"\bzonder (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\bvereist (?:\w+ ){{0,4}}{_CONSENT}\b",
    ),
    reserve=(r"\bvoorbeh\w*", r"\bbezwaar\b", r"\bbehoudt\w* (?:zich|zichzelf)\b", r"\bbehouden (?:wij|we) ons\b", r"\b(?:wij|we) behouden ons\b",
             r"\bopt[- ]?out\b"),
    permit=(r"\btoegestaan\b", r"\bwelkom\b", r"\bvrij(?:elijk)?\b", r"\bgeoorloofd\b", r"\bmaak (?:dan )?gebruik\b"),
    modal=(r"\bmag\b", r"\bmogen\b", r"\bkan\b", r"\bkunt\b", r"\bkunnen\b"),
    api=(r"\b(?:openbare|open|publieke) api\b", r"\bonze api\b"),
    allow_negated=(r"\bverbiedt (?:\w+ )?niet\b", r"\bverbieden (?:\w+ )?niet\b"),
    object_of=tuple("van op uit in bij met over naar voor via".split()),
    self_=(r"\bwij\b", r"\bwe\b", r"\bonze (?:crawler|website|site|systemen|dienst|bot)\b"),
    condition=(
        r"\bmits\b", r"\bzolang\b", r"\btenzij\b", r"\bbehalve\b", r"\buitgezonderd\b", r"\bmet uitzondering\b",
        r"\bindien\b", r"\bop voorwaarde\b", r"\bals\b(?! bedoeld)",
    ),
    only=(r"\balleen\b", r"\buitsluitend\b", r"\benkel\b", r"\bslechts\b"),
    consent=(rf"\b{_CONSENT}\b",),
    negation=(r"\b(?:niet(?![- ](?:commerc|openba|alleen\b))|geen|nooit|niets|noch)\b",),
    neg_after={"modal": 10, "permit": 2, "prohibit": 0},
)
