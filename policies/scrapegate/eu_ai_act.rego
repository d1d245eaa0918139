# METADATA
# title: EU AI Act - prohibited practices and GPAI obligations
# description: >-
#   Art. 5(1)(e) prohibits, since 2 Feb 2025, placing on the market, putting into service
#   or using AI systems that create or expand facial recognition databases through the
#   untargeted scraping of facial images from the internet or CCTV footage. The Act reaches
#   providers established in the Union or placing on its market, and output used in the
#   Union (Art. 2(1)); Art. 53(1)(c) asks GPAI providers for a copyright policy.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2024/1689/oj
#     description: Regulation (EU) 2024/1689 (AI Act)
# custom:
#   owner: privacy-legal
package scrapegate.eu_ai_act

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Untargeted scraping of facial images for a facial recognition database
# description: >-
#   Fires by function, whatever the purpose label (LEGAL-R2 R3): facial images that are
#   biometric data (R1: the processing identifies people, or identifies_persons is left
#   out), or a declared biometric category with purpose facial_recognition or
#   law_enforcement_support, collected untargeted (an absent targeting is read as
#   untargeted, R2), when the operator is established in the EEA or its markets contain an
#   EEA code, "EU" or "*" (Art. 2(1)). Never waivable: fines up to EUR 35M or 7% of
#   worldwide turnover (Art. 99(3)).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2024/1689/oj
#     description: AI Act Art. 2(1), Art. 5(1)(e), Art. 99(3)
# custom:
#   code: eu_ai_act.art5_1e
#   law: AI Act Art. 5(1)(e)
#   owner: privacy-legal
#   jurisdictions: [EU]
#   waivable: false
deny contains v if {
	facial_database
	count(_nexus) > 0
	v := lib.violation("eu_ai_act.art5_1e", "EU", lib.text([
		"untargeted scraping of facial images to build or expand a facial recognition database is prohibited in the EU (",
		concat("; ", lib.sorted(_nexus)), "), whatever the purpose is called (", input.job.purpose.category, ")",
	]))
}

# facial_database: untargeted collection of biometric facial data (R3).
facial_database if {
	_biometric_facial
	derive.untargeted
}

_biometric_facial if derive.facial_biometric

_biometric_facial if {
	"biometric" in input.job.data_categories
	input.job.purpose.category in derive.identification_purposes
}

# METADATA
# title: Subjects in the EEA alone do not bring the AI Act in
# description: >-
#   The untargeted facial database concerns subjects in the EEA, but the operator is
#   neither established in the EEA nor places anything on its market: the AI Act's
#   territorial scope (Art. 2(1)) needs a review; the GDPR still applies (LEGAL-R2 R3).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2024/1689/oj
#     description: AI Act Art. 2(1)
# custom:
#   code: eu_ai_act.scope_review
#   law: AI Act Art. 2(1)
#   owner: privacy-legal
#   jurisdictions: [EU]
#   waivable: true
warn contains v if {
	facial_database
	count(_nexus) == 0
	count(derive.subjects_in(_eea)) > 0
	v := lib.violation("eu_ai_act.scope_review", "EU",
		"an untargeted facial database concerning subjects in the EEA, by an operator neither established in nor marketing to the EEA: review the AI Act's territorial scope (Art. 2(1)); the GDPR applies anyway")
}

# METADATA
# title: A copyright policy for general-purpose AI training
# description: >-
#   A provider training an AI model in or for the Union puts in place a policy to comply
#   with Union copyright law, including Art. 4(3) DSM reservations (Art. 53(1)(c); the
#   GPAI Code of Practice) (LEGAL-R2 R16).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2024/1689/oj
#     description: AI Act Art. 53(1)(c)
# custom:
#   code: eu_ai_act.art53_copyright_policy
#   law: AI Act Art. 53(1)(c)
#   owner: copyright-legal
#   jurisdictions: [EU]
obligations contains {
	"code": "eu_ai_act.art53_copyright_policy",
	"law": lib.law("eu_ai_act.art53_copyright_policy", null),
	"jurisdictions": ["EU"],
	"precedents": [],
} if {
	input.job.purpose.category == "ai_training"
	count(_nexus) > 0
}

_eea := derive.coverage_list("eu_ai_act")

# _nexus: what brings the operator under the AI Act (Art. 2(1)).
_nexus contains "operator established in the EEA" if {
	some e in derive.establishment_list
	e in _eea
}

_nexus contains "operator places on the EEA market" if {
	some m in derive.market_list
	m in _eea
}
