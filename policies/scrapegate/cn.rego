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
#   Fires for biometric or special-category data, or personal data of minors, of subjects
#   in China, unless separate (explicit) consent with evidence is declared.
# related_resources:
#   - ref: http://www.npc.gov.cn/
#     description: PIPL Arts. 28-29
# custom:
#   code: pipl.separate_consent_missing
#   law: PIPL Arts. 28-29
#   owner: privacy-legal
#   jurisdictions: [CN]
#   waivable: true
deny contains v if {
	_sensitive
	some j in derive.subjects_in(derive.coverage_list("cn"))
	not derive.consented(derive.declared_consent, derive.express_consent)
	v := lib.violation("pipl.separate_consent_missing", j,
		"sensitive personal information of subjects in China without separate consent (PIPL Arts. 28-29)")
}

_sensitive if derive.sensitive

_sensitive if {
	derive.personal
	input.job.data_subjects.minors == true
}
