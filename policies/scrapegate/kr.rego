# METADATA
# title: South Korea - Personal Information Protection Act (PIPA)
# description: >-
#   Biometric data processed to identify a person is sensitive information (PIPA Art. 23,
#   Enforcement Decree Art. 18(3)); processing it needs the subject's separate consent
#   (LEGAL-R2 R12).
# related_resources:
#   - ref: https://www.pipc.go.kr/eng/
#     description: Personal Information Protection Commission (KR)
# custom:
#   owner: privacy-legal
package scrapegate.kr

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Sensitive information without separate consent
# description: >-
#   Biometric data (facial images are biometric when the processing identifies people,
#   R1) or special-category data of subjects in Korea, without separate consent: explicit
#   or written_release, with evidence.
# related_resources:
#   - ref: https://www.law.go.kr/
#     description: PIPA Art. 23(1)
# custom:
#   code: kr.sensitive_consent_missing
#   law: PIPA (Republic of Korea) Art. 23(1)
#   owner: privacy-legal
#   jurisdictions: [KR]
#   waivable: true
deny contains v if {
	derive.sensitive
	some j in derive.subjects_in(derive.coverage_list("kr"))
	not derive.consented(derive.declared_consent, derive.express_consent)
	v := lib.violation("kr.sensitive_consent_missing", j,
		"sensitive information (biometric data for identification) of subjects in Korea without separate consent (PIPA Art. 23)")
}
