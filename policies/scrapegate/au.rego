# METADATA
# title: Australia - Privacy Act 1988 (Cth), APP 3
# description: Biometric information is sensitive information; collecting it needs consent (APP 3.3).
# related_resources:
#   - ref: https://www.oaic.gov.au/privacy/australian-privacy-principles
#     description: Australian Privacy Principles
# custom:
#   owner: privacy-legal
package scrapegate.au

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Sensitive information collected without consent
# description: >-
#   Biometric (or other sensitive) information of people in Australia needs their consent
#   (APP 3.3); OAIC found Clearview in breach ([2021] AICmr 54).
# related_resources:
#   - ref: https://www.oaic.gov.au/privacy/australian-privacy-principles
#     description: APP 3.3
# custom:
#   code: au.app3_consent_missing
#   law: Privacy Act 1988 (Cth) APP 3.3
#   owner: privacy-legal
#   jurisdictions: [AU]
#   waivable: true
deny contains v if {
	derive.sensitive
	some j in derive.subjects_in(derive.coverage_list("au"))
	not derive.consented(derive.declared_consent, derive.any_consent)
	v := lib.violation("au.app3_consent_missing", j,
		"sensitive (biometric) information of people in Australia collected without consent (APP 3.3)")
}
