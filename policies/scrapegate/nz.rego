# METADATA
# title: New Zealand - Biometric Processing Privacy Code 2025
# description: >-
#   Under the Privacy Act 2020, the Biometric Processing Privacy Code 2025 requires an
#   agency to assess, and document, that its biometric processing is proportionate before
#   it starts (rule 1) (LEGAL-R2 R12).
# related_resources:
#   - ref: https://www.privacy.org.nz/
#     description: Office of the Privacy Commissioner (NZ)
# custom:
#   owner: privacy-legal
package scrapegate.nz

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Biometric processing without a documented proportionality assessment
# description: >-
#   Biometric data of subjects in New Zealand without a documented assessment
#   (assessments.dpia stands for the rule 1 proportionality assessment).
# related_resources:
#   - ref: https://www.privacy.org.nz/
#     description: Biometric Processing Privacy Code 2025, rule 1
# custom:
#   code: nz.biometric_assessment_missing
#   law: Biometric Processing Privacy Code 2025 (NZ) rule 1
#   owner: privacy-legal
#   jurisdictions: [NZ]
#   waivable: true
deny contains v if {
	derive.biometric
	some j in derive.subjects_in(derive.coverage_list("nz"))
	not derive.documented(derive.assessment("dpia"))
	v := lib.violation("nz.biometric_assessment_missing", j,
		"biometric data of subjects in New Zealand without a documented proportionality assessment (Biometric Processing Privacy Code 2025 rule 1; assessments.dpia)")
}
