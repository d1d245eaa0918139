package scrapegate.nz_test

import data.scrapegate.nz
import data.scrapegate.fixtures_test as fx

nz_outcome(doc) := result if {
	result := {"deny": nz.deny}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

nz_codes(doc) := fx.codes(nz_outcome(doc).deny)

new_zealand := fx.with_subjects(fx.faces, ["NZ"])

test_biometric_processing_needs_a_documented_assessment if {
	some v in nz_outcome(new_zealand).deny
	v.code == "nz.biometric_assessment_missing"
	v.jurisdiction == "NZ"
	contains(v.law, "rule 1")
}

test_a_documented_assessment_lifts_it if {
	nz_codes(fx.patch(new_zealand, {"/job/legal_basis/assessments/dpia": "Proportionality assessment 2026-01"})) == set()
}

test_non_biometric_personal_data_need_no_assessment if {
	nz_codes(fx.with_subjects(fx.profiles, ["NZ"])) == set()
}
