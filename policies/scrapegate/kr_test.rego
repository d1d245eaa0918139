package scrapegate.kr_test

import data.scrapegate.kr
import data.scrapegate.fixtures_test as fx

kr_outcome(doc) := result if {
	result := {"deny": kr.deny}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

kr_codes(doc) := fx.codes(kr_outcome(doc).deny)

korea := fx.patch(fx.with_subjects(fx.faces, ["KR"]), {"/job/purpose/category": "security_research"})

test_biometric_data_need_separate_consent if {
	some v in kr_outcome(korea).deny
	v.code == "kr.sensitive_consent_missing"
	v.jurisdiction == "KR"
	contains(v.law, "Art. 23")
}

test_kr_explicit_consent_with_evidence_lifts_it if {
	kr_codes(fx.with_consent(korea, "explicit", "separate consent forms")) == set()
	kr_codes(fx.with_consent(korea, "opt_in", "banner")) == {"kr.sensitive_consent_missing"}
}

test_photos_that_identify_nobody_and_plain_personal_data_are_not_sensitive if {
	kr_codes(fx.patch(korea, {"/job/data_categories": ["facial_images"], "/job/identifies_persons": false})) == set()
	kr_codes(fx.with_subjects(fx.profiles, ["KR"])) == set()
}

test_korean_tld_brings_korean_subjects if {
	kr_codes(fx.at(fx.with_subjects(korea, ["US-NY"]), "www.example.co.kr", "example.co.kr")) == {"kr.sensitive_consent_missing"}
}
