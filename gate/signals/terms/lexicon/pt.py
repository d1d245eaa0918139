"""Portuguese (Brazil and Portugal)."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:autorização|consentimento|permissão|licença|acordo)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautomati\w*\b",
    r"renova\w*",
    ("renovação", "renovado", "renovada", "renova", "débito", "mensagem", "mensagens", "e-mail",
     "e-mails", "resposta", "tradução", "notificação", "notificações"),
)

LEXICON = Lexicon(
    code="pt",
    script="latin",
    auto=(
        r"\brob[ôo]s?\b", r"\brobots?\b", r"\bbots?\b", r"\bspiders?\b", r"\bcrawl\w*", r"\bscrap\w*",
        _AUTOMATIC, r"\bautomáti\w*", r"\bscripts?\b", r"\brastre\w*", r"\braspagem\b",
        r"\bextra(?:ir|ção|ído)\b", r"\bem massa\b", r"\bmotores? de busca\b", r"\bbuscadores?\b",
        r"\bmecanismos? de (?:busca|pesquisa)\b", r"\bapi\b", r"\bsistemátic\w*", r"\bprogramas? de computador\b",
        r"\brobots\.txt\b", r"\barquivamento\b",
    ),
    tdm=(r"\bmineração de (?:textos|dados)\b", r"\bprospec?ção de (?:textos|dados)\b",
         r"\btext and data mining\b", r"\bdata mining\b", r"\btdm\b"),
    ai=(r"\binteligência artificial\b", r"\btrein\w*", r"\baprendizage?m? (?:automátic\w*|de máquina)\b",
        r"\baprendizado de máquina\b", r"\bmodelos? de linguagem\b", r"\bgenerativ\w*"),
    prohibit=(r"\bproib\w*", r"\bvedad\w*", r"\bvedação\b", r"\bnão autorizad\w*"),
    restrict_modal=(r"\b(?:compromete|obriga)\w*-se a não\b", r"\bse (?:compromete|obriga)\w* a não\b",
                    r"\bconcorda\w* em não\b",
                    r"\babst(?:er|ém|êm|enh)\w*"),
    need_consent=(
        rf"\bsem (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\b(?:requer|exige|depende de)\w* (?:\w+ ){{0,4}}{_CONSENT}\b",
    ),
    reserve=(r"\breserv\w*", r"\bop(?:õe|oe)\w*", r"\boposição\b", r"\bopt[- ]?out\b"),
    permit=(r"\bpermitid\w*", r"\bpermite\w*", r"\bautorizad\w*", r"\bbem-vind\w*", r"\blivremente\b"),
    modal=(r"\bpode(?:m|rá|rão)?\b", r"\bpossível\b"),
    api=(r"\bapi (?:pública|aberta)\b", r"\bnossa api\b", r"\butilize a (?:nossa )?api\b"),
    allow_negated=(),
    object_of=tuple("de do da dos das no na nos nas em ao para sobre".split()),
    self_=(r"\bnós\b", r"\bnoss[oa]s? (?:rastreador|site|sistema|plataforma)\w*"),
    condition=(
        r"\bdesde que\b", r"\bcontanto que\b", r"\bcom exceção\b", r"\bexceto\b", r"\bsalvo\b", r"\ba menos que\b", r"\bcaso\b",
    ),
    only=(r"\bsó\b", r"\bsomente\b", r"\bapenas\b", r"\bexclusivamente\b", r"\bunicamente\b"),
    consent=(rf"\b{_CONSENT}\b",),
    negation=(r"\b(?:não(?![- ](?:comercia|lucrativ))|nem|nunca|jamais|nenhum\w*|nada)\b",),
)
