"""French."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:autorisation|accord|consentement|licence|permission|agrément)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautomati\w*\b",
    r"renouvel\w*|reconduit\w*|reconduction\w*",
    ("renouvellement", "reconduction", "prélèvement", "prélèvements", "message", "messages",
     "e-mail", "e-mails", "courriel", "courriels", "réponse", "traduction", "renouvelé",
     "renouvelée", "reconduit", "reconduite", "renouvelle", "prélevé", "notification",
     "notifications"),
)

LEXICON = Lexicon(
    code="fr",
    script="latin",
    auto=(
        r"\brobots?\b", r"\bbots?\b", r"\baraignées?\b", r"\bspiders?\b", r"\bcrawl\w*", r"\bscrap\w*",
        _AUTOMATIC, r"\bscripts?\b", r"\baspir(?:er|ation|ateur)\w*", r"\bextraction\b",
        r"\bextrai(?:re|t)\b", r"\bindexation\b", r"\bindexer\b", r"\bmoteurs? de recherche\b",
        r"\bmassivement\b", r"\ben masse\b", r"\bapi\b", r"\bheadless\b", r"\bsystématique\w*",
        r"\brobots\.txt\b", r"\barchivage\b",
    ),
    tdm=(r"\bfouille de textes?\b", r"\bfouille de (?:textes? et de )?données\b", r"\btext and data mining\b",
         r"\bdata mining\b", r"\btdm\b", r"\bexploration de (?:textes|données)\b"),
    ai=(r"\bintelligence artificielle\b", r"\bapprentissage (?:automatique|profond)\b",
        r"\bmodèles? de langage\b", r"\bdonnées d'apprentissage\b", r"\bentraîn\w*", r"\bapprentissage\b",
        r"\bgénérative?s?\b"),
    prohibit=(
        r"\binterdi\w*", r"\bprohib\w*", r"\bproscrit\w*", r"\bdéfendu\w*", r"\bnon autoris\w*",
        r"\bexclue?s?\b",
    ),
    restrict_modal=(r"\b(?:s'|vous |nous )?engag\w* à ne\b", r"\bs'abstien\w*", r"\bs'absten\w*", r"\bne (?:\w+ )?(?:doi\w*|dev\w*|sau\w*)\b"),
    need_consent=(
        rf"\bsans (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\b(?:nécessite|requiert|suppose|soumis\w* à) (?:\w+ ){{0,4}}{_CONSENT}\b",
    ),
    reserve=(r"\bréserv\w*", r"\bs'oppose\w*", r"\bnous opposons\b", r"\bm'oppose\b", r"\bopposition\b", r"\bopt[- ]?out\b"),
    permit=(
        r"\bautoris(?:é|ée|és|ées|e|ent|ons)\b", r"\bpermise?s?\b", r"\bpermet\w*", r"\bbienvenue?s?\b",
        r"\blibrement\b", r"\blibres? de\b", r"\b(?:est|sont) libres?\b", r"\binvit\w*", r"\bencourag\w*",
    ),
    modal=(r"\bpeu(?:t|vent)\b", r"\bpouvez\b", r"\bpourr(?:a|ont|ez)\b", r"\bpossible\b"),
    api=(r"\bapi (?:publique|ouverte)\b", r"\b(?:notre|l'|une) api\b"),
    allow_negated=(r"\brien (?:\w+ ){0,8}n'(?:interdit|empêche|restreint)\b",),
    object_of=tuple("de du des sur dans à au aux pour via depuis".split()),
    self_=(r"\bnous\b", r"\bnotre (?:robot|site|service|système|plateforme)\b"),
    condition=(
        r"\bà condition\b", r"\bsous réserve\b", r"\bpourvu que\b", r"\bsauf\b", r"\bà l'exception\b",
        r"\bexcepté\b", r"\bautres? que\b", r"\bsi\b", r"\bdès lors que\b", r"\btant que\b", r"\bhormis\b",
    ),
    only=(r"\buniquement\b", r"\bseulement\b", r"\bexclusivement\b"),
    consent=(rf"\b{_CONSENT}\b",),
    negation=(r"\b(?:ne|pas|aucun\w*|jamais|nul\w*|rien|ni)\b", r"\bn'"),
)
