# METADATA
# title: Canada - PIPEDA and the provincial private-sector laws (QC, BC, AB)
# description: >-
#   Biometric information is sensitive and needs express consent; facial recognition of
#   the public is an inappropriate purpose even with consent (PIPEDA s. 5(3)), as the
#   federal, Quebec, BC and Alberta commissioners found against Clearview.
# related_resources:
#   - ref: https://laws-lois.justice.gc.ca/eng/acts/P-8.6/
#     description: PIPEDA
# custom:
#   owner: privacy-legal
package scrapegate.ca

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Biometric information without express consent, or for mass identification
# description: >-
#   Denied without express consent (explicit or written_release, with evidence); denied
#   even with consent when the purpose is facial_recognition ("publicly available" does
#   not cover social media; mass identification is an inappropriate purpose).
# related_resources:
#   - ref: https://www.priv.gc.ca/en/opc-actions-and-decisions/investigations/investigations-into-businesses/2021/pipeda-2021-001/
#     description: OPC PIPEDA Findings #2021-001 (Clearview AI)
# custom:
#   code: ca.consent_missing
#   law: PIPEDA s. 5(3), Principle 4.3
#   owner: privacy-legal
#   jurisdictions: [CA, CA-QC, CA-BC, CA-AB]
#   waivable: true
deny contains v if {
	derive.sensitive
	count(_reasons) > 0
	some j in derive.subjects_in(derive.coverage_list("ca"))
	v := lib.violation("ca.consent_missing", j, lib.text([
		"sensitive (biometric) information of people in ", j, ": ", concat("; ", lib.sorted(_reasons)),
	]))
}

_reasons contains "no express consent with evidence" if {
	not derive.consented(derive.declared_consent, derive.express_consent)
}

_reasons contains "facial recognition is an inappropriate purpose even with consent (PIPEDA s. 5(3))" if {
	derive.biometric
	input.job.purpose.category == "facial_recognition"
}
