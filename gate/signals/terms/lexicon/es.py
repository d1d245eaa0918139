"""Spanish."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:consentimiento|autorización|permiso|licencia|acuerdo)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautom[aá]ti\w*\b",
    r"renova\w*|renueva\w*",
    ("renovación", "renueva", "renovará", "renovado", "renovada", "débito", "cargo", "mensaje",
     "mensajes", "correo", "correos", "respuesta", "traducción", "notificación", "notificaciones"),
)

LEXICON = Lexicon(
    code="es",
    script="latin",
    auto=(
        r"\brobots?\b", r"\bbots?\b", r"\barañas?\b", r"\bspiders?\b", r"\bcrawl\w*", r"\bscrap\w*",
        _AUTOMATIC, r"\bautomatiza\w*", r"\bscripts?\b", r"\brastre\w*", r"\bextra(?:er|cción|ído)\b",
        r"\bdescargas? (?:masiva|sistemática)s?\b", r"\bmasiv\w*", r"\bbuscador\w*", r"\bmotores? de búsqueda\b",
        r"\bapi\b", r"\bprogramas? informáticos?\b", r"\bsistemátic\w*", r"\brobots\.txt\b",
    ),
    tdm=(r"\bminería de (?:textos|datos)\b", r"\btext and data mining\b", r"\bdata mining\b", r"\btdm\b"),
    ai=(r"\binteligencia artificial\b", r"\baprendizaje (?:automático|profundo)\b",
        r"\bmodelos? de lenguaje\b", r"\bentren\w*", r"\bgenerativ\w*"),
    prohibit=(r"\bprohib\w*", r"\bprohíb\w*", r"\bvedad\w*", r"\bno autorizad\w*"),
    restrict_modal=(r"\bse (?:compromete|obliga)\w* a no\b", r"\babstendr\w*", r"\babsten(?:erse|ga|gan)\b"),
    need_consent=(
        rf"\bsin (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\b(?:requiere|precisa|exige)\w* (?:\w+ ){{0,4}}{_CONSENT}\b",
    ),
    reserve=(r"\breserv\w*", r"\bse opone\b", r"\boposición\b", r"\bopone\w*", r"\bopt[- ]?out\b"),
    permit=(
        r"\bpermit(?:e|en|ido|ida|idos|idas)\b", r"\bautoriz(?:a|an|ado|ada|ados|adas)\b", r"\bbienvenid\w*",
        r"\blibremente\b", r"\ble invitamos\b",
    ),
    modal=(r"\bpued(?:e|en|es)\b", r"\bpodr(?:á|án|ás)\b", r"\bposible\b"),
    api=(r"\bapi (?:pública|abierta)\b", r"\bnuestra api\b"),
    allow_negated=(),
    object_of=tuple("de del en desde a al para sobre mediante".split()),
    self_=(r"\bnosotros\b", r"\bnuestr[oa]s? (?:rastreador|sitio|sistema|plataforma|servicio)\w*"),
    condition=(
        r"\bsiempre que\b", r"\bsiempre y cuando\b", r"\ba condición de\b", r"\bsalvo\b", r"\bexcepto\b",
        r"\bcon excepción\b", r"\ba excepción\b", r"\bsi\b", r"\bmientras\b", r"\ba menos que\b",
    ),
    only=(r"\bsolo\b", r"\bsólo\b", r"\bsolamente\b", r"\bexclusivamente\b", r"\búnicamente\b"),
    consent=(rf"\b{_CONSENT}\b",),
    negation=(r"\b(?:no(?! (?:comercial|lucrativ))|ni|nunca|jamás|ningún|ninguna|ninguno|nada|tampoco)\b",),
)
