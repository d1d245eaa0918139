package scrapegate.review_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.review

review_warnings(doc) := result if {
	result := review.warn with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

test_biometric_collection_in_jp_sg_in_ch_needs_review if {
	w := review_warnings(fx.with_subjects(fx.faces, ["JP", "SG", "IN", "CH"]))
	fx.jurisdictions_of(w, "review_required") == {"JP", "SG", "IN", "CH"}
}

test_non_biometric_personal_data_needs_no_review if {
	fx.jurisdictions_of(review_warnings(fx.with_subjects(fx.profiles, ["JP"])), "review_required") == set()
}

test_uncovered_jurisdiction_warns if {
	w := review_warnings(fx.with_subjects(fx.profiles, ["KR", "US-NY", "FR"]))
	fx.jurisdictions_of(w, "jurisdiction.uncovered") == {"KR", "US-NY"}
}

test_uncovered_jurisdiction_without_personal_data_is_silent if {
	count(review_warnings(fx.with_subjects(fx.price_monitoring, ["KR"]))) == 0
}
