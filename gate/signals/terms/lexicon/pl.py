"""Polish."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:zgod\w*|zezwoleni\w*|licencj\w*|upoważnieni\w*|pozwoleni\w*)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautomatyczn\w*\b",
    r"odnowieni\w*|przedłużeni\w*|wiadomoś\w*|e-?mail\w*|powiadomieni\w*|płatnoś\w*|"
    r"tłumaczeni\w*|odpowied\w*",
    ("odnawia się", "przedłuża się", "odnowiona", "odnowiony", "przedłużona", "przedłużony"),
)

LEXICON = Lexicon(
    code="pl",
    script="latin",
    auto=(
        r"\brobot\w*", r"\bbot(?:y|ów|ami|om|a|em)?\b", r"\bpają\w*", r"\bcrawler\w*", r"\bscrap\w*",
        r"\bzautomatyzowan\w*", _AUTOMATIC, r"\bskrypt\w*", r"\bscript\w*", r"\bindeksow\w*",
        r"\bwyszukiwar\w*", r"\bapi\b", r"\bsystematyczn\w*", r"\bmasow\w*", r"\bprzeszukiw\w*",
        r"\brobots\.txt\b", r"\barchiwizuj\w*",
    ),
    tdm=(r"\beksploracj\w* tekstów\b", r"\beksploracj\w* (?:tekstów i )?danych\b", r"\bdata mining\b",
         r"\btdm\b", r"\btext and data mining\b"),
    ai=(r"\bsztuczn\w* inteligencj\w*", r"\btrenow\w*", r"\btreningow\w*",
        r"\buczeni\w* maszynow\w*", r"\bmodel\w* językow\w*", r"\bgeneratywn\w*"),
    prohibit=(r"\bzabroni\w*", r"\bzabrania\w*", r"\bzakaz\w*", r"\bniedozwolon\w*", r"\bnie wolno\b",
              r"\bniedopuszczaln\w*"),
    restrict_modal=(r"\bzobowiązuj\w* się\b[^.;]{0,40}?\bnie\b", r"\bpowstrzym\w* się\b"),
    need_consent=(
        rf"\bbez (?:\w+ ){{0,4}}{_CONSENT}", rf"\bwymaga\w* (?:\w+ ){{0,4}}{_CONSENT}",
    ),
    reserve=(r"\bzastrzeg\w*", r"\bzastrzeżon\w*", r"\bsprzeciw\w*", r"\bopt[- ]?out\b"),
    permit=(r"\bdozwolon\w*", r"\bzezwal\w*", r"\bzezwol\w*", r"\bmile widzian\w*", r"\bswobodnie\b",
            r"\bprosimy (?:o )?korzyst\w*"),
    modal=(r"\bmo(?:że|gą|żesz|żecie)\b",),
    api=(r"\bpubliczn\w* api\b", r"\bnasz\w* api\b"),
    allow_negated=(),
    object_of=tuple("z ze na w we do od".split()),
    self_=(r"\bmy\b", r"\bnasz(?:a|e)? (?:crawler|serwis|system\w*|bot)\w*"),
    condition=(
        r"\bpod warunkiem\b", r"\bo ile\b", r"\bjeżeli\b", r"\bjeśli\b", r"\bz wyjątkiem\b", r"\bchyba że\b", r"\bza wyjątkiem\b",
    ),
    only=(r"\bwyłącznie\b", r"\btylko\b", r"\bjedynie\b"),
    consent=(rf"\b{_CONSENT}",),
    negation=(r"\b(?:nie(?![- ]?(?:komercyj|publiczn))|ani|nigdy|żad\w*)\b",),
)
