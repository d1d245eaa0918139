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
import data.scrapegate.lib

# METADATA
# title: Sensitive personal data without specific and prominent consent
# description: >-
#   Sensitive data needs the subject's specific and prominent consent (Art. 11(I)); there
#   is no legitimate-interest ground for it. Only explicit consent (or a written release)
#   with evidence counts.
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
	v := lib.violation("lgpd.sensitive_consent_missing", j,
		"sensitive personal data of subjects in Brazil without specific and prominent consent (LGPD Art. 11); legitimate interests is no ground for it")
}
