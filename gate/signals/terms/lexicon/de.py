"""German."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:zustimmung|genehmigung|einwilligung|erlaubnis|lizenz|autorisierung|freigabe|einverständnis)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautomati\w*\b",
    r"verlänger\w*|erneuer\w*|e-?mails?|nachricht\w*|benachrichtigung\w*|abbuchung\w*|"
    r"zahlung\w*|rechnung\w*|übersetzung\w*|antwort\w*",
    ("verlängert sich", "verlängert", "erneuert sich", "erneuert", "abgebucht", "verlängern sich"),
)

LEXICON = Lexicon(
    code="de",
    script="latin",
    auto=(
        r"\b(?:ro|chat|spam|social[- ]?|such)?bots?\b", r"\bspider\w*", r"crawl\w*", r"scrap(?:er|ing|en|t|e)\w*",
        _AUTOMATIC, r"\bskript\w*", r"\bscripts?\b", r"\bauslese\w*", r"\bausgelesen\b",
        r"\bauszulesen\b", r"\bmaschinell\w*", r"\bmassenhaft\w*", r"\bheadless\b", r"\bsuchmaschine\w*",
        r"schnittstelle\w*", r"\bapis?\b", r"\bsystematisch\w*", r"\brobots\.txt\b", r"\bwebarchiv\w*",
        r"\bdatenerhebung\b", r"\bdatenextraktion\b",
    ),
    tdm=(r"\btext[- ]?(?:und|&)[- ]?data[- ]?mining\w*", r"data[- ]?mining\w*", r"\btdm\b", r"\btext[- ]?mining\w*"),
    ai=(
        r"künstlich\w* intelligenz", r"\bki-\w+", r"machine[- ]learning", r"maschinell\w* lernen\w*",
        r"sprachmodell\w*", r"language models?", r"\bllms?\b", r"\bgenerativ\w*", r"\btrainier\w*",
        r"\btraining\w*", r"trainingsdaten",
    ),
    prohibit=(
        r"\buntersag\w*", r"\bverbot\w*", r"\bverbiet\w*", r"\bunzulässig\w*", r"\bunterlass\w*",
        r"\bverstoß\w*", r"\bnicht (?:\w+ )?(?:gestattet|erlaubt|zulässig|zugelassen|gewünscht)\b",
    ),
    restrict_modal=(
        r"\bverpflicht\w* sich\b[^.;]{0,80}?\b(?:nicht|kein\w*)\b", r"\bbitte (?:\w+ ){0,4}(?:nicht|keine)\b",
    ),
    need_consent=(
        rf"\bohne (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\bbedarf (?:\w+ ){{0,4}}{_CONSENT}\b",
        rf"\berforder\w* (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\bnur mit (?:\w+ ){{0,4}}{_CONSENT}\b",
    ),
    reserve=(r"\bvorbehalt\w*", r"\bvorbehalten\b", r"\bbehalten (?:\w+ )?uns\b", r"\bbehält sich\b",
             r"\bwiderspr\w*", r"\bnutzungsvorbehalt\w*", r"\bopt[- ]?out\b"),
    permit=(
        r"\bgestatte\w*", r"\berlaub(?:t|en|e)\b", r"\bzulässig\b", r"\bwillkommen\b", r"\bfreigegeben\b",
        r"\bberechtigt\b", r"\bzur verfügung\b", r"\bfrei\b", r"\bnutzen sie bitte\b",
    ),
    modal=(r"\bdarf\b", r"\bdürfen\b", r"\bkann\b", r"\bkönnen\b", r"\bmöglich\b"),
    api=(r"\b(?:öffentliche|offene)\w* (?:schnittstelle|api)\w*", r"\bapi\b"),
    allow_negated=(r"\b(?:verbiete[nt]?|untersage[nt]?) (?:\w+ )?nicht\b",),
    object_of=tuple("auf aus in im an am bei beim mit über zu zum zur für nach".split()),
    self_=(r"\bwir\b", r"\bunser(?:e)? (?:webcrawler|crawler|bot|system\w*|website|webseite|plattform)\b"),
    condition=(
        r"\bsofern\b", r"\bsoweit\b", r"\bsolange\b", r"\bwenn\b", r"\bfalls\b", r"\bes sei denn\b",
        r"\bausgenommen\b", r"\bmit ausnahme\b", r"\baußer\b", r"\bunter der bedingung\b", r"\bvorausgesetzt\b",
    ),
    only=(r"\bnur\b", r"\bausschließlich\b", r"\blediglich\b"),
    consent=(rf"\b{_CONSENT}\b",),
    negation=(r"\b(?:nicht(?![- ](?:kommerz|gewerb|öffentl|nur\b))|kein\w*|niemals|nie|keinesfalls|weder)\b",),
    neg_after={"modal": 10, "permit": 2, "prohibit": 0},
)
