package scrapegate.cn_test

import data.scrapegate.cn
import data.scrapegate.fixtures_test as fx

cn_denials(doc) := result if {
	result := cn.deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

china := fx.with_subjects(fx.faces, ["CN"])

test_sensitive_information_needs_separate_consent if {
	some v in cn_denials(china)
	v.code == "pipl.separate_consent_missing"
	v.jurisdiction == "CN"
}

test_separate_consent_with_evidence_lifts_it if {
	count(cn_denials(fx.with_consent(china, "explicit", "separate consent screen"))) == 0
}

test_minors_personal_information_is_sensitive if {
	count(cn_denials(fx.patch(fx.with_subjects(fx.profiles, ["CN"]), {"/job/data_subjects/minors": true}))) == 1
}

test_adults_ordinary_personal_information_is_not_sensitive if {
	count(cn_denials(fx.with_subjects(fx.profiles, ["CN"]))) == 0
}

# R18, R20: minors' data need a guardian's consent no scraped collection has; minors are
# assumed for untargeted collection.
test_minors_data_are_denied_even_with_separate_consent if {
	doc := fx.with_consent(fx.patch(fx.with_subjects(fx.profiles, ["CN"]), {"/job/data_subjects/minors": true}), "explicit", "consent records")
	some v in cn.deny with input.request as doc.request with input.job as doc.job with input.subjects as doc.subjects with input.signals as doc.signals
	contains(v.message, "guardian")
	untargeted := json.patch(fx.with_subjects(fx.profiles, ["CN"]), [
		{"op": "replace", "path": "/job/targeting", "value": "untargeted"},
		{"op": "remove", "path": "/job/data_subjects/minors"},
	])
	count(cn.deny) == 1 with input.request as untargeted.request with input.job as untargeted.job with input.subjects as untargeted.subjects with input.signals as untargeted.signals
}

# R16: sensitive data oblige a PIPL impact assessment.
test_sensitive_data_oblige_an_impact_assessment if {
	doc := fx.with_subjects(fx.faces, ["CN"])
	some o in cn.obligations with input.request as doc.request with input.job as doc.job with input.subjects as doc.subjects with input.signals as doc.signals
	o.code == "pipl.impact_assessment"
	other := fx.with_subjects(fx.profiles, ["CN"])
	count(cn.obligations) == 0 with input.request as other.request with input.job as other.job with input.subjects as other.subjects with input.signals as other.signals
}
