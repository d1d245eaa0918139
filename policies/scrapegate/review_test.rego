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
	w := review_warnings(fx.with_subjects(fx.profiles, ["MX", "US-NY", "FR", "KR"]))
	fx.jurisdictions_of(w, "jurisdiction.uncovered") == {"MX", "US-NY"}
}

# R14: "*" includes places no policy covers.
test_subjects_anywhere_warn_uncovered if {
	"*" in fx.jurisdictions_of(review_warnings(fx.with_subjects(fx.profiles, ["*"])), "jurisdiction.uncovered")
	not "*" in fx.jurisdictions_of(review_warnings(fx.with_subjects(fx.profiles, ["EU"])), "jurisdiction.uncovered")
}

# R13: CH personal data are allowed; CH biometric data warn.
test_switzerland_personal_data_are_not_reviewed_biometric_data_are if {
	count(review_warnings(fx.with_subjects(fx.profiles, ["CH"]))) == 0
	"CH" in fx.jurisdictions_of(review_warnings(fx.with_subjects(fx.faces, ["CH"])), "review_required")
}

test_uncovered_jurisdiction_without_personal_data_is_silent if {
	count(review_warnings(fx.with_subjects(fx.price_monitoring, ["KR"]))) == 0
}
