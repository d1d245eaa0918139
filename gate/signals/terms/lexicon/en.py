"""English."""

from gate.signals.terms.lexicon.base import Lexicon, not_near

_CONSENT = r"(?:consent|permission|authori[sz]ation|approval|agreement|licen[cs]e)"

# "automatic" is a topic; a renewal, a message or a payment made automatically is not.
_AUTOMATIC = not_near(
    r"\bautomat(?:ed|ic|ically|ion)\b",
    r"renew\w*|e-?mails?|messages?|notifications?|billing|payments?|charges?|debits?|"
    r"repl(?:y|ies)|translat\w*|backups?",
    ("renew", "renews", "renewed", "billed", "charged", "debited", "extended", "extends", "extend"),
)

LEXICON = Lexicon(
    code="en",
    script="latin",
    auto=(
        r"\b(?:ro|chat|spam|web)?bots?\b", r"\bspiders?\b", r"\bcrawl\w*", r"\bscrap(?:e|er|ers|es|ed|ing)\b",
        r"\bscreen[- ]?scrap\w*", r"\bharvest\w*", _AUTOMATIC, r"\bscripts?\b",
        r"\bheadless\b", r"\bprogrammatic\w*", r"\boffline readers?\b", r"\bdata[- ]extraction\b",
        r"\bextract(?:ing|ion)? (?:of )?(?:any )?(?:data|content)\b", r"\bbulk[- ]?download\w*",
        r"\bdownload\w* (?:\w+ ){0,3}in bulk\b", r"\bin bulk\b", r"\bmass[- ]download\w*",
        r"\bsystematic(?:ally)? (?:retriev|collect|download|extract|copy|harvest)\w*",
        r"\bsearch engines?\b", r"\bapis?\b", r"\brobots\.txt\b", r"\bweb archiv\w*",
    ),
    tdm=(r"\btext[- ]and[- ]data[- ]mining\b", r"\bdata[- ]mining\b", r"\btdm\b", r"\btext mining\b"),
    ai=(
        r"\bartificial intelligence\b", r"\bmachine[- ]learning\b", r"\b(?:large )?language models?\b",
        r"\bllms?\b", r"\bgenerative\b", r"\btraining data\b", r"\bfine[- ]tun\w*", r"\bneural networks?\b",
        r"\btrain(?:ing|ed|s)?\b(?=[^.;]{0,60}\b(?:ai|models?|machine|neural|algorithms?|intelligence)\b)",
    ),
    prohibit=(
        r"\bprohibit\w*", r"\bforbid\w*", r"\bforbidden\b", r"\bbann?ed\b", r"\bunauthori[sz]ed\b",
        r"\brefrain from\b", r"\b(?:breach|violation|infringement) of (?:these|this|our)\b",
        r"\bopts? out\b", r"\bopted out\b", r"\bnot (?:be )?(?:permitted|allowed|authori[sz]ed|tolerated)\b",
        r"\bnot (?:include|grant|confer)\w* (?:any )?(?:right|licen[cs]e|permission)",
        r"\bno (?:right|licen[cs]e) (?:is|are) granted\b",
    ),
    restrict_modal=(
        r"\b(?:may|must|shall|will|should|can) ?not\b", r"\bcannot\b", r"\b(?:can|won|shan|mustn|don)'t\b",
        r"\bdo not\b", r"\bnever\b", r"\bnot to\b", r"\bno (?:\w+ ){0,4}(?:may|shall|must|can|will)\b",
    ),
    need_consent=(
        rf"\bwithout (?:\w+ ){{0,5}}{_CONSENT}\b",
        rf"\brequires? (?:\w+ ){{0,4}}{_CONSENT}\b", rf"\bsubject to (?:\w+ ){{0,3}}(?:prior|written) {_CONSENT}\b",
    ),
    reserve=(r"\breserve[sd]?\b", r"\breservation\b", r"\bobjects? to\b", r"\bopt[- ]out\b"),
    permit=(
        r"\bpermitted\b", r"\bpermits?\b", r"\ballow(?:ed|s)?\b", r"\bwelcome[sd]?\b", r"\bauthori[sz]ed\b",
        r"\bfree(?:ly)?\b", r"\binvited?\b", r"\bencourage[sd]?\b", r"\bentitled to\b",
        r"\bgrant\w* (?:you )?(?:a |the )?(?:right|licen[cs]e|permission)", r"\bfeel free\b", r"\b(?:have|has|given|granted) (?:our |the |express |written )*permission\b",
    ),
    modal=(r"\bmay\b", r"\bcan\b", r"\bare able to\b"),
    api=(r"\b(?:use|via|through) (?:our|the) (?:\w+ ){0,2}apis?\b", r"\b(?:public|open|official) apis?\b"),
    allow_negated=(
        r"\bnothing in (?:these|this|the|our) [^.;]{0,60}?\b(?:prohibit|prevent|restrict|forbid|limit)(?:s|ing)?\b",
    ),
    passive=r" be (?:\w+ )?\w+(?:ed|en|wn)\b",
    object_of=tuple("of on from in at to for via through within across into onto about throughout".split()),
    self_=(r"\bwe\b", r"\bour (?:site|website|service|services|company|team|systems?|platform|crawler|bot|app)\b",
           r"\bthis (?:site|website|service)\b"),
    condition=(
        r"\bprovided\b", r"\bas long as\b", r"\bso long as\b", r"\bunless\b", r"\bexcept\b", r"\bother than\b",
        r"\bif\b", r"\bwhere\b", r"\bsave for\b", r"\bapart from\b",
    ),
    only=(r"\bonly\b", r"\bsolely\b", r"\bexclusively\b"),
    consent=(rf"\b{_CONSENT}\b",),
    negation=(r"\b(?:not|no|never|none|nothing|neither|nor)\b", r"n't\b"),
)
