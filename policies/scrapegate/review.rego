# METADATA
# title: Jurisdictions that need a lawyer's review, and those nobody covers
# description: >-
#   Japan, Singapore, India and Switzerland have publicly-available exceptions that are
#   narrow or contested: biometric collection there is a warning for review, not a rule.
#   Switzerland is not the GDPR (LEGAL-R2 R13): the nFADP needs no legal basis for private
#   processing and allows data the person made generally accessible unless they objected
#   (Art. 30(3)); CH biometric data warn (Art. 30(2)(c)), CH personal data are allowed.
#   A subject jurisdiction no policy covers is a warning too, and so is "*" (R14).
# custom:
#   owner: privacy-legal
package scrapegate.review

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Biometric collection needs legal review
# description: >-
#   JP (APPI), SG (PDPA), IN (DPDP Act 2023), CH (nFADP): a warning per jurisdiction.
# related_resources:
#   - ref: https://www.ppc.go.jp/en/
#     description: Personal Information Protection Commission (JP)
#   - ref: https://www.pdpc.gov.sg/
#     description: Personal Data Protection Commission (SG)
#   - ref: https://www.meity.gov.in/
#     description: Ministry of Electronics and IT, DPDP Act 2023 (IN)
#   - ref: https://www.edoeb.admin.ch/
#     description: Federal Data Protection and Information Commissioner (CH)
# custom:
#   code: review_required
#   law: APPI (JP), PDPA (SG), DPDP Act 2023 (IN), nFADP (CH)
#   owner: privacy-legal
#   jurisdictions: [JP, SG, IN, CH]
#   waivable: true
warn contains v if {
	derive.biometric
	some j in derive.subjects_in(derive.coverage_list("review"))
	v := lib.violation("review_required", j, lib.text([
		"biometric collection concerning subjects in ", j,
		": publicly-available exceptions are narrow or contested; have it reviewed",
	]))
}

# METADATA
# title: No policy covers this jurisdiction
# description: >-
#   Personal data of subjects in a jurisdiction that no policy in the bundle decides for:
#   nothing was checked for it.
# custom:
#   code: jurisdiction.uncovered
#   law: none in this bundle
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	derive.personal
	some j in derive.uncovered
	v := lib.violation("jurisdiction.uncovered", j, lib.text([
		"no policy covers personal data of subjects in ", j, ": nothing was checked for it",
	]))
}

# METADATA
# title: Subjects anywhere include places no policy covers
# description: >-
#   Subjects "*" expand to every covered jurisdiction, but "*" also includes places no
#   policy in the bundle decides for: nothing was checked for them (LEGAL-R2 R14).
# custom:
#   code: jurisdiction.uncovered
#   law: none in this bundle
#   owner: privacy-legal
#   jurisdictions: ["*"]
#   waivable: true
warn contains v if {
	derive.personal
	"*" in derive.subject_code_list
	v := lib.violation("jurisdiction.uncovered", "*",
		"subjects '*' include jurisdictions no policy in this bundle covers: nothing was checked for them")
}
