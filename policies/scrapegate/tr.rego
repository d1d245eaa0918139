# METADATA
# title: Turkey - Personal Data Protection Law No. 6698 (KVKK)
# description: >-
#   Biometric data are special categories of personal data (Art. 6(1)); since Law No. 7499
#   (2024) they may be processed with explicit consent or under one of the conditions Art.
#   6(3) lists, such as one expressly provided for by law (LEGAL-R2 R12).
# related_resources:
#   - ref: https://www.kvkk.gov.tr/
#     description: Personal Data Protection Authority (KVKK)
# custom:
#   owner: privacy-legal
package scrapegate.tr

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Special-category data without explicit consent or a listed condition
# description: >-
#   Biometric or special-category data of subjects in Turkey need explicit consent
#   (explicit or written_release, with evidence) or a condition of Art. 6(3) as amended by
#   Law 7499; of those, only "expressly provided for by law" (legal_basis.law_reference)
#   can fit a scraped collection.
# related_resources:
#   - ref: https://www.kvkk.gov.tr/
#     description: KVKK Art. 6 as amended by Law No. 7499
# custom:
#   code: kvkk.special_category_condition_missing
#   law: KVKK (Law No. 6698) Art. 6 as amended by Law No. 7499 (2024)
#   owner: privacy-legal
#   jurisdictions: [TR]
#   waivable: true
deny contains v if {
	derive.sensitive
	some j in derive.subjects_in(derive.coverage_list("tr"))
	not derive.consented(derive.declared_consent, derive.express_consent)
	not derive.law_reference(derive.declared_basis)
	v := lib.violation("kvkk.special_category_condition_missing", j,
		"special-category (biometric) data of subjects in Turkey without explicit consent or a condition of KVKK Art. 6(3) (legal_basis.law_reference)")
}
