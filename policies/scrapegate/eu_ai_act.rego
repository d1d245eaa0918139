# METADATA
# title: EU AI Act - prohibited practices
# description: >-
#   Art. 5(1)(e) prohibits, since 2 Feb 2025, placing on the market, putting into service
#   or using AI systems that create or expand facial recognition databases through the
#   untargeted scraping of facial images from the internet or CCTV footage.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2024/1689/oj
#     description: Regulation (EU) 2024/1689 (AI Act)
# custom:
#   owner: privacy-legal
package scrapegate.eu_ai_act

import data.scrapegate.derive
import data.scrapegate.lib

# METADATA
# title: Untargeted scraping of facial images for a facial recognition database
# description: >-
#   Fires for purpose facial_recognition with facial_images or biometric data and
#   targeting untargeted (a missing targeting counts as untargeted), when the operator is
#   established in or markets to the EEA, or the subjects include the EEA (or "*").
#   Never waivable: fines up to EUR 35M or 7% of worldwide turnover (Art. 99(3)).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2024/1689/oj
#     description: AI Act Art. 5(1)(e), Art. 99(3)
# custom:
#   code: eu_ai_act.art5_1e
#   law: AI Act Art. 5(1)(e)
#   owner: privacy-legal
#   jurisdictions: [EU]
#   waivable: false
deny contains v if {
	input.job.purpose.category == "facial_recognition"
	_facial_data
	not _targeted
	_eu_nexus
	v := lib.violation("eu_ai_act.art5_1e", "EU", lib.text([
		"untargeted scraping of facial images to build or expand a facial recognition database is prohibited in the EU (",
		concat("; ", lib.sorted(_nexus)), ")",
	]))
}

_facial_data if "facial_images" in input.job.data_categories

_facial_data if "biometric" in input.job.data_categories

_targeted if input.job.targeting == "targeted"

_eea := derive.coverage_list("eu_ai_act")

_eu_nexus if count(_nexus) > 0

_nexus contains "operator established in the EEA" if {
	some e in derive.establishment_list
	e in _eea
}

_nexus contains "operator markets to the EEA" if {
	some m in derive.market_list
	m in _eea
}

_nexus contains "subjects in the EEA" if {
	count(derive.subjects_in(_eea)) > 0
}
