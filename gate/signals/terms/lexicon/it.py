"""Italian."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:consenso|autorizzazione|permesso|licenza|accordo)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautomati\w*\b",
    r"rinnov\w*",
    ("rinnovo", "rinnova", "rinnovato", "rinnovata", "rinnoverà", "addebito", "messaggio",
     "messaggi", "email", "e-mail", "risposta", "traduzione", "notifica", "notifiche"),
)

LEXICON = Lexicon(
    code="it",
    script="latin",
    auto=(
        r"\brobot\b", r"\bbot\b", r"\bspider\b", r"\bcrawl\w*", r"\bscrap\w*", _AUTOMATIC,
        r"\bscript\b", r"\bestra(?:rre|zione|tto|tti)\b", r"\bmotori? di ricerca\b", r"\bapi\b",
        r"\bsistematic\w*", r"\bindicizz\w*", r"\bmassiv\w*", r"\brobots\.txt\b", r"\barchiviazione\b",
    ),
    tdm=(r"\bestrazione di testo\b", r"\bestrazione di (?:testo e )?(?:di )?dati\b", r"\btext and data mining\b",
         r"\bdata mining\b", r"\btdm\b"),
    ai=(r"\bintelligenza artificiale\b", r"\bapprendimento (?:automatico|profondo)\b",
        r"\baddestr\w*", r"\bmodell\w* linguistic\w*", r"\bgenerativ\w*"),
    prohibit=(r"\bvietat\w*", r"\bviet[ao]\b", r"\bdivieto\b", r"\bproibit\w*", r"\bnon autorizzat\w*"),
    restrict_modal=(r"\bsi impegna\w* a non\b", r"\bsi aster\w*", r"\bsi astien\w*", r"\bastenersi\b"),
    need_consent=(
        rf"\bsenza (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\b(?:richiede|necessita|subordinat\w* a) (?:\w+ ){{0,4}}{_CONSENT}\b",
    ),
    reserve=(r"\briserv\w*", r"\boppone\b", r"\bopponiamo\b", r"\bopporsi\b", r"\bopposizione\b", r"\bopt[- ]?out\b"),
    permit=(r"\bconsentit\w*", r"\bpermess\w*", r"\bautorizzat\w*", r"\bbenvenut\w*", r"\bliberamente\b"),
    modal=(r"\bpu[òo]\b", r"\bpossono\b", r"\bpossibile\b", r"\bpotr(?:à|anno)\b"),
    api=(r"\bapi (?:pubblica|aperta)\b", r"\bnostra api\b"),
    allow_negated=(),
    object_of=tuple("di del dello della dei degli delle nel nello nella sul sullo sulla in su per tramite".split()),
    self_=(r"\bnoi\b", r"\bnostr[oa] (?:crawler|sito|sistema|piattaforma)\b"),
    condition=(
        r"\bpurché\b", r"\ba condizione che\b", r"\bsalvo\b", r"\btranne\b", r"\bad eccezione\b", r"\beccetto\b",
        r"\bse\b", r"\bfintanto che\b", r"\ba meno che\b",
    ),
    only=(r"\bsolo\b", r"\bsoltanto\b", r"\besclusivamente\b", r"\bunicamente\b"),
    consent=(rf"\b{_CONSENT}\b",),
    negation=(r"\b(?:non(?![- ](?:commercial|profit))|né|mai|nessun\w*|niente|nulla)\b",),
)
