# METADATA
# title: South Africa - Protection of Personal Information Act (POPIA)
# description: >-
#   Biometric information is special personal information (s. 26); processing it is
#   prohibited unless s. 27 authorises it: consent, or research with safeguards (LEGAL-R2
#   R12).
# related_resources:
#   - ref: https://inforegulator.org.za/
#     description: Information Regulator (ZA)
# custom:
#   owner: privacy-legal
package scrapegate.za

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Special personal information without an authorisation
# description: >-
#   Biometric, special-category or criminal-offence data of subjects in South Africa
#   without consent (with evidence; s. 27(1)(a)) or research with safeguards (s.
#   27(1)(d): purpose academic_research with a documented assessment, assessments.dpia,
#   the data neither sold nor offered to customers).
# related_resources:
#   - ref: https://www.gov.za/documents/protection-personal-information-act
#     description: POPIA ss. 26-27
# custom:
#   code: popia.special_pi_prohibited
#   law: POPIA (Act 4 of 2013) ss. 26-27
#   owner: privacy-legal
#   jurisdictions: [ZA]
#   waivable: true
deny contains v if {
	_special
	some j in derive.subjects_in(derive.coverage_list("za"))
	not derive.consented(derive.declared_consent, derive.any_consent)
	not _research_with_safeguards
	v := lib.violation("popia.special_pi_prohibited", j,
		"special personal information of subjects in South Africa without consent or research with safeguards (POPIA ss. 26-27)")
}

_special if derive.sensitive

_special if derive.criminal_offences

# s. 27(1)(d) research must serve a public interest: a study whose data are sold or offered
# to customers serves the buyer, whatever the purpose is called.
_research_with_safeguards if {
	input.job.purpose.category == "academic_research"
	derive.documented(derive.assessment("dpia"))
	not derive.offered_to_customers
}
