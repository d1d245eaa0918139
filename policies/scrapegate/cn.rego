# METADATA
# title: China - PIPL
# description: >-
#   Sensitive personal information (biometrics, special categories, and all personal
#   information of minors under 14) needs separate consent (Arts. 28-29).
# related_resources:
#   - ref: http://www.npc.gov.cn/
#     description: Personal Information Protection Law (PIPL)
# custom:
#   owner: privacy-legal
package scrapegate.cn

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Sensitive personal information without separate consent
# description: >-
#   Fires for biometric or special-category data, or personal data of minors (read as
#   present for untargeted collection, LEGAL-R2 R20), of subjects in China, unless separate
#   (explicit or written_release) consent with evidence is declared (Art. 29, R18). Minors'
#   data need a guardian's consent too (Art. 31), which no scraped collection has: consent
#   does not lift that denial.
# related_resources:
#   - ref: http://www.npc.gov.cn/
#     description: PIPL Arts. 28-29, 31
# custom:
#   code: pipl.separate_consent_missing
#   law: PIPL Arts. 28-29
#   owner: privacy-legal
#   jurisdictions: [CN]
#   waivable: true
deny contains v if {
	count(_reasons) > 0
	some j in derive.subjects_in(derive.coverage_list("cn"))
	v := lib.violation("pipl.separate_consent_missing", j, lib.text([
		"sensitive personal information of subjects in China: ", concat("; ", lib.sorted(_reasons)),
	]))
}

_reasons contains "no separate consent (explicit or written_release, with evidence; PIPL Arts. 28-29)" if {
	derive.sensitive
	not derive.consented(derive.declared_consent, derive.express_consent)
}

_reasons contains "data of minors under 14 need a guardian's consent too (PIPL Art. 31), which a scraped collection has not" if {
	derive.personal
	derive.minors
}

# METADATA
# title: A personal information protection impact assessment
# description: >-
#   Processing sensitive personal information requires a prior impact assessment, kept for
#   three years (PIPL Art. 55-56) (LEGAL-R2 R16).
# custom:
#   code: pipl.impact_assessment
#   law: PIPL Arts. 55-56
#   owner: privacy-legal
#   jurisdictions: [CN]
obligations contains {
	"code": "pipl.impact_assessment",
	"law": lib.law("pipl.impact_assessment", null),
	"jurisdictions": subjects,
	"precedents": [],
} if {
	derive.sensitive
	subjects := derive.subjects_in(derive.coverage_list("cn"))
	count(subjects) > 0
}
