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
