# METADATA
# title: GDPR family - EEA states (GDPR), GB (UK GDPR)
# description: >-
#   Applies where derive.gdpr_list says so: subjects in the EEA or GB (Art. 3(2)(b))
#   or an operator established there (Art. 3(1)). One entry per jurisdiction whose law or
#   regulator's precedent the catalogue names, one entry "EU" for the other EEA states.
#   Public availability of the data changes none of this. Switzerland's nFADP is not the
#   GDPR (LEGAL-R2 R13): review.rego covers CH.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: Regulation (EU) 2016/679 (GDPR)
# custom:
#   owner: privacy-legal
package scrapegate.gdpr

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Personal data without an Art. 6 legal basis
# description: >-
#   Personal data needs an Art. 6(1) basis that can hold (LEGAL-R2 R4): contract and
#   vital_interests never do for scraped third-party data; legal_obligation and public_task
#   only with legal_basis.law_reference (Art. 6(3)); consent only with a kind other than
#   none and evidence. The message says why.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 6(1)
# custom:
#   code: gdpr.no_legal_basis
#   law: GDPR Art. 6(1)
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
#   waivable: true
deny contains v if {
	derive.personal
	reason := derive.art6_problem(derive.declared_basis)
	some place in _places("gdpr.no_legal_basis")
	v := object.union(lib.violation("gdpr.no_legal_basis", place.jurisdiction, lib.text([
		"personal data of subjects in ", place.names, " without an Art. 6 legal basis that holds (declared: ",
		_gdpr_declared("gdpr_art6"), "): ", reason,
	])), {"jurisdictions": place.members})
}

# METADATA
# title: Legitimate interests without a documented assessment
# description: >-
#   For scraping, regulators treat legitimate interests as the only realistic Art. 6 basis
#   (ICO 2024; EDPB Opinion 28/2024 paras 104-106), and only with a documented
#   legitimate-interest assessment (purpose, necessity, balancing).
# related_resources:
#   - ref: https://www.edpb.europa.eu/
#     description: EDPB Opinion 28/2024
# custom:
#   code: gdpr.lia_missing
#   law: GDPR Art. 6(1)(f)
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
#   waivable: true
deny contains v if {
	derive.personal
	derive.declared_basis.gdpr_art6 == "legitimate_interests"
	not derive.documented(derive.assessment("lia"))
	some place in _places("gdpr.lia_missing")
	v := object.union(lib.violation("gdpr.lia_missing", place.jurisdiction, lib.text([
		"legitimate interests claimed for personal data of subjects in ", place.names,
		" without a documented legitimate-interest assessment (assessments.lia)",
	])), {"jurisdictions": place.members})
}

# METADATA
# title: Biometric or special-category data without an Art. 9(2) condition
# description: >-
#   Biometric data (facial images are biometric unless the job states it identifies nobody
#   and its purpose is not identification, LEGAL-R2 R1) or special-category data need an
#   Art. 9(2) condition that can hold (R5): explicit_consent with explicit consent or a
#   written release and evidence; employment, vital_interests, nonprofit_members never;
#   manifestly_made_public never for biometric data and only targeted otherwise (CJEU
#   C-252/21 para 77; AP NL on Clearview); legal_claims only targeted; (g)-(j) only with
#   legal_basis.law_reference, research also with a DPIA.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 9
#   - ref: https://curia.europa.eu/juris/liste.jsf?num=C-252/21
#     description: CJEU C-252/21 Meta Platforms v Bundeskartellamt
# custom:
#   code: gdpr.art9_prohibited
#   law: GDPR Art. 9(1)
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
#   waivable: true
deny contains v if {
	derive.sensitive
	reason := derive.art9_problem(derive.declared_basis, _is_biometric, _is_targeted)
	some place in _places("gdpr.art9_prohibited")
	v := object.union(lib.violation("gdpr.art9_prohibited", place.jurisdiction, lib.text([
		_sensitive_kind, " data of subjects in ", place.names,
		" without an Art. 9(2) condition that holds (declared: ",
		_gdpr_declared("gdpr_art9"), "): ", reason,
	])), {"jurisdictions": place.members})
}

default _is_biometric := false

# What the job declared under `key`, for messages: "none" rather than "null".
_gdpr_declared(key) := value if {
	value := object.get(derive.declared_basis, key, null)
	value != null
} else := "none"

_is_biometric := true if derive.biometric

default _is_targeted := false

_is_targeted := true if derive.targeted

# METADATA
# title: Manifestly made public needs a review
# description: >-
#   Special-category data collected targeted under Art. 9(2)(e): the condition can hold
#   only where the subject's own clear affirmative act made the data public (CJEU C-252/21
#   para 77); a lawyer must confirm it per source (LEGAL-R2 R5).
# related_resources:
#   - ref: https://curia.europa.eu/juris/liste.jsf?num=C-252/21
#     description: CJEU C-252/21 Meta Platforms v Bundeskartellamt
# custom:
#   code: review_required
#   law: GDPR Art. 9(2)(e)
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
#   waivable: true
warn contains v if {
	derive.special_category
	not derive.biometric
	derive.declared_basis.gdpr_art9 == "manifestly_made_public"
	derive.targeted
	some place in _places("gdpr.art9_prohibited")
	v := object.union(lib.violation("review_required", place.jurisdiction, lib.text([
		"special-category data of subjects in ", place.names,
		" claimed manifestly made public: confirm per source that the subject's own clear affirmative act made it public (CJEU C-252/21)",
	])), {"jurisdictions": place.members})
}

# METADATA
# title: Criminal-offence data without a law
# description: >-
#   Personal data relating to criminal convictions and offences may be processed only under
#   official authority or a Union or Member State law (Art. 10): without
#   legal_basis.law_reference it is denied (LEGAL-R2 R7).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 10
# custom:
#   code: gdpr.art10_prohibited
#   law: GDPR Art. 10
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
#   waivable: true
deny contains v if {
	derive.criminal_offences
	not derive.law_reference(derive.declared_basis)
	some place in _places("gdpr.art10_prohibited")
	v := object.union(lib.violation("gdpr.art10_prohibited", place.jurisdiction, lib.text([
		"criminal-offence data of subjects in ", place.names,
		" without official authority or a law allowing it (legal_basis.law_reference, Art. 10)",
	])), {"jurisdictions": place.members})
}

# --- where a denial applies: one entry per regulator -----------------------------------

# _places(code): the entries a GDPR denial makes. A jurisdiction the catalogue
# (data.yaml laws or precedents) names for code gets an entry of its own, with its law
# and its regulator's decision (FR: CNIL, IT: Garante, GB: UK GDPR and the ICO, CH:
# nFADP); the other EEA states share one entry, jurisdiction "EU", that lists them
# (a single one keeps its own code). Fewer entries than one per state keep the decision
# small and cheap to evaluate; "jurisdictions" always lists every state an entry covers.
_places(code) := array.concat(
	[{"jurisdiction": j, "members": [j], "names": j} | some j in own],
	_shared_place(rest),
) if {
	named := {j: true | some j in _named_in_catalogue(code)}
	own := [j | some j in derive.gdpr_list; named[j]]
	rest := [j | some j in derive.gdpr_list; not named[j]]
}

# The jurisdictions with an entry of their own under code in laws or precedents. The
# catalogue entries stay inside the comprehensions: handed to a function, an object is
# printed as a memo key on every call in the embedded engine (lib.rego's law).
_named_in_catalogue(code) := array.concat(
	[k | entry := object.get(data.scrapegate.laws, code, null); is_object(entry); entry[k]; k != "default"],
	[k | entry := object.get(data.scrapegate.precedents, code, null); is_object(entry); entry[k]; k != "default"],
)

_shared_place(states) := [] if count(states) == 0

_shared_place(states) := [{"jurisdiction": states[0], "members": states, "names": states[0]}] if count(states) == 1

_shared_place(states) := [{"jurisdiction": "EU", "members": states, "names": concat(", ", states)}] if count(states) > 1

default _sensitive_kind := "special-category"

_sensitive_kind := "biometric" if derive.biometric

# METADATA
# title: Biometric or special-category processing without a DPIA
# description: >-
#   A data protection impact assessment before processing starts: for large-scale Art. 9
#   data (Art. 35(3)(b)), for criminal-offence data (Art. 10, 35(3)(b); LEGAL-R2 R7), for
#   personal data of minors, and for personal data collected untargeted for ai_training
#   (Art. 35(1), WP248 criteria: large scale, innovative use, invisible collection; EDPB
#   Op. 28/2024; verify against the national Art. 35(4) lists) (R6). The message lists why.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 35
# custom:
#   code: gdpr.dpia_missing
#   law: GDPR Art. 35(3)(b)
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
#   waivable: true
deny contains v if {
	derive.personal
	count(_dpia_reasons) > 0
	not derive.documented(derive.assessment("dpia"))
	some place in _places("gdpr.dpia_missing")
	v := object.union(lib.violation("gdpr.dpia_missing", place.jurisdiction, lib.text([
		"personal data of subjects in ", place.names, " without a data protection impact assessment (assessments.dpia): ",
		concat("; ", _dpia_reasons),
	])), {"jurisdictions": place.members})
}

# _dpia_reasons: why a DPIA is needed.
_dpia_reasons := lib.sorted(_dpia_reason)

_dpia_reason contains concat("", [_sensitive_kind, " data (Art. 35(3)(b))"]) if derive.sensitive

_dpia_reason contains "criminal-offence data (Art. 10, 35(3)(b))" if derive.criminal_offences

_dpia_reason contains "data concerning minors (Art. 35(1); WP248: vulnerable subjects)" if {
	derive.minors
	not derive.minors_assumed
}

_dpia_reason contains "data concerning minors, assumed for untargeted collection (Art. 35(1); WP248: vulnerable subjects)" if {
	derive.minors_assumed
}

_dpia_reason contains "untargeted collection for ai_training (Art. 35(1); EDPB Op. 28/2024)" if {
	input.job.purpose.category == "ai_training"
	derive.untargeted
}

# METADATA
# title: Inform the data subjects (Art. 14)
# description: >-
#   Personal data collected indirectly obliges the controller to inform the subjects
#   within a month (Art. 14(3)(a)); the Clearview decisions found this breached.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 14
# custom:
#   code: art14_notice
#   law: GDPR Art. 14
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
obligations contains {
	"code": "art14_notice",
	"law": lib.law("gdpr.art14_notice", null),
	"jurisdictions": lib.sorted(derive.gdpr_list),
	"precedents": lib.precedents("gdpr.art14_notice", null),
} if {
	derive.personal
	count(derive.gdpr_list) > 0
}

# METADATA
# title: A representative in the Union (Art. 27)
# description: >-
#   An operator outside the EEA whose processing concerns subjects in the EEA must
#   designate a representative in the Union (Art. 27); HDPA, AP and DSB found Clearview in
#   breach (LEGAL-R2 R16).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Art. 27
# custom:
#   code: gdpr.art27_representative
#   law: GDPR Art. 27
#   owner: privacy-legal
#   jurisdictions: [EU]
obligations contains {
	"code": "gdpr.art27_representative",
	"law": lib.law("gdpr.art27_representative", null),
	"jurisdictions": lib.sorted(eea_subjects),
	"precedents": lib.precedents("gdpr.art27_representative", null),
} if {
	derive.personal
	count(eea_subjects) > 0
	not _established_in_eea
}

_gdpr_eea := derive.coverage_list("eu_ai_act")

# eea_subjects: subject jurisdictions in the EEA.
eea_subjects := derive.subjects_in(_gdpr_eea)

_established_in_eea if {
	some e in derive.establishment_list
	e in _gdpr_eea
}

# METADATA
# title: Answer the data subjects' requests (Arts. 12, 15, 17)
# description: >-
#   Access and erasure requests must be answered for any personal data under the GDPR or
#   the UK GDPR; CNIL fined Clearview for failing to (LEGAL-R2 R16).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#     description: GDPR Arts. 12, 15, 17
# custom:
#   code: gdpr.data_subject_rights
#   law: GDPR Arts. 12, 15, 17
#   owner: privacy-legal
#   jurisdictions: [EU, GB]
obligations contains {
	"code": "gdpr.data_subject_rights",
	"law": lib.law("gdpr.data_subject_rights", null),
	"jurisdictions": lib.sorted(derive.gdpr_list),
	"precedents": lib.precedents("gdpr.data_subject_rights", null),
} if {
	derive.personal
	count(derive.gdpr_list) > 0
}
