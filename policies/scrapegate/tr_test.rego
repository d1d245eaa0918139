package scrapegate.tr_test

import data.scrapegate.tr
import data.scrapegate.fixtures_test as fx

tr_outcome(doc) := result if {
	result := {"deny": tr.deny}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

tr_codes(doc) := fx.codes(tr_outcome(doc).deny)

turkey := fx.patch(fx.with_subjects(fx.faces, ["TR"]), {"/job/purpose/category": "security_research"})

test_biometric_data_need_explicit_consent_or_a_listed_condition if {
	some v in tr_outcome(turkey).deny
	v.code == "kvkk.special_category_condition_missing"
	v.jurisdiction == "TR"
	contains(v.law, "7499")
}

test_explicit_consent_or_a_law_lifts_it if {
	tr_codes(fx.with_consent(turkey, "explicit", "explicit consent records")) == set()
	tr_codes(fx.patch(turkey, {"/job/legal_basis/law_reference": "Law No. 5651 art. 4"})) == set()
	tr_codes(fx.with_consent(turkey, "opt_in", "banner")) == {"kvkk.special_category_condition_missing"}
}

test_ordinary_personal_data_are_not_special_category if {
	tr_codes(fx.with_subjects(fx.profiles, ["TR"])) == set()
}
