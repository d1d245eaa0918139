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
#   Denied without express consent (explicit or written_release, with evidence; in Quebec
#   also opt_in, LEGAL-R2 R18); denied even with consent when the purpose is
#   facial_recognition or law_enforcement_support ("publicly available" does
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
	some j in derive.subjects_in(derive.coverage_list("ca"))
	reasons := [r | some r in [_consent_reason(j), _purpose_reason]; r != ""]
	count(reasons) > 0
	v := lib.violation("ca.consent_missing", j, lib.text([
		"sensitive (biometric) information of people in ", j, ": ", concat("; ", reasons),
	]))
}

# _consent_reason(j): "" when the consent counts there. Quebec's express consent takes
# opt_in, explicit or written_release; elsewhere explicit or written_release (LEGAL-R2 R18).
_consent_reason(j) := "" if {
	derive.consented(derive.declared_consent, _kinds(j))
} else := "no express consent with evidence"

_kinds(j) := derive.any_consent if j == "CA-QC"

_kinds(j) := derive.express_consent if j != "CA-QC"

default _purpose_reason := ""

_purpose_reason := "facial recognition is an inappropriate purpose even with consent (PIPEDA s. 5(3))" if {
	derive.biometric
	input.job.purpose.category in derive.identification_purposes
}

# METADATA
# title: Disclose a biometric database to the CAI (Quebec)
# description: >-
#   Creating a database of biometric characteristics must be disclosed to the Commission
#   d'acces a l'information before it is put in service (Act to establish a legal framework
#   for information technology, s. 45; verify the lead time) (LEGAL-R2 R16).
# custom:
#   code: qc.biometric_database_disclosure
#   law: Act to establish a legal framework for information technology (CQLR c. C-1.1) s. 45
#   owner: privacy-legal
#   jurisdictions: [CA-QC]
obligations contains {
	"code": "qc.biometric_database_disclosure",
	"law": lib.law("qc.biometric_database_disclosure", null),
	"jurisdictions": ["CA-QC"],
	"precedents": [],
} if {
	derive.biometric
	"CA-QC" in derive.subject_list
}
