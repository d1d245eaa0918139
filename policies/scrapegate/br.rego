# METADATA
# title: Brazil - LGPD
# description: Biometric data is sensitive personal data (Art. 5(II)).
# related_resources:
#   - ref: https://www.planalto.gov.br/ccivil_03/_ato2015-2018/2018/lei/l13709.htm
#     description: Lei 13.709/2018 (LGPD)
# custom:
#   owner: privacy-legal
package scrapegate.br

import data.scrapegate.derive
import data.scrapegate.facts
import data.scrapegate.lib

# METADATA
# title: Sensitive personal data without specific and prominent consent
# description: >-
#   Sensitive data needs the subject's specific and prominent consent (Art. 11(I)); there
#   is no legitimate-interest ground for it. Only explicit consent (or a written release)
#   with evidence counts (LEGAL-R2 R18). Studies by a research body (operator
#   research_organisation, purpose academic_research) may do without consent (Art.
#   11(II)(c)), with the obligation to anonymise where possible (R15); not a body that
#   sells the data or offers them to customers, whatever it calls itself.
# related_resources:
#   - ref: https://www.planalto.gov.br/ccivil_03/_ato2015-2018/2018/lei/l13709.htm
#     description: LGPD Art. 11
# custom:
#   code: lgpd.sensitive_consent_missing
#   law: LGPD Art. 11
#   owner: privacy-legal
#   jurisdictions: [BR]
#   waivable: true
deny contains v if {
	derive.sensitive
	some j in derive.subjects_in(derive.coverage_list("br"))
	not derive.consented(derive.declared_consent, derive.express_consent)
	not research_body_study
	v := lib.violation("lgpd.sensitive_consent_missing", j,
		"sensitive personal data of subjects in Brazil without specific and prominent consent (LGPD Art. 11); legitimate interests is no ground for it")
}

# research_body_study: a study by a research body (LGPD Art. 5(XVIII), Art. 11(II)(c)).
research_body_study if {
	facts.research_organisation_claim_holds
	input.job.purpose.category == "academic_research"
}

# METADATA
# title: Anonymise sensitive data where possible (research bodies)
# description: >-
#   A research body's study of sensitive data without consent must anonymise it whenever
#   possible (LGPD Art. 11(II)(c), Art. 13) (LEGAL-R2 R15).
# custom:
#   code: lgpd.anonymise_where_possible
#   law: LGPD Art. 11(II)(c), Art. 13
#   owner: privacy-legal
#   jurisdictions: [BR]
obligations contains {
	"code": "lgpd.anonymise_where_possible",
	"law": lib.law("lgpd.anonymise_where_possible", null),
	"jurisdictions": subjects,
	"precedents": [],
} if {
	derive.sensitive
	research_body_study
	subjects := derive.subjects_in(derive.coverage_list("br"))
	count(subjects) > 0
}
