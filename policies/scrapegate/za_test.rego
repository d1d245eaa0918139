package scrapegate.za_test

import data.scrapegate.za
import data.scrapegate.fixtures_test as fx

za_outcome(doc) := result if {
	result := {"deny": za.deny}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

za_codes(doc) := fx.codes(za_outcome(doc).deny)

south_africa := fx.patch(fx.with_subjects(fx.faces, ["ZA"]), {"/job/purpose/category": "security_research"})

test_special_personal_information_needs_an_authorisation if {
	some v in za_outcome(south_africa).deny
	v.code == "popia.special_pi_prohibited"
	v.jurisdiction == "ZA"
}

test_za_consent_with_evidence_lifts_it if {
	za_codes(fx.with_consent(south_africa, "opt_in", "consent records")) == set()
}

test_research_with_safeguards_lifts_it if {
	research := fx.patch(south_africa, {"/job/purpose/category": "academic_research"})
	za_codes(research) == {"popia.special_pi_prohibited"}
	za_codes(fx.patch(research, {"/job/legal_basis/assessments/dpia": "DPIA-7"})) == set()
}

test_criminal_offence_data_are_special_personal_information if {
	za_codes(fx.patch(fx.with_subjects(fx.profiles, ["ZA"]), {"/job/data_categories": ["criminal_offences"]})) == {"popia.special_pi_prohibited"}
	za_codes(fx.with_subjects(fx.profiles, ["ZA"])) == set()
}

# s. 27(1)(d) needs a public interest: research whose data are sold or offered to customers
# is not research with safeguards, whatever the purpose is called.
test_research_sold_to_customers_is_not_lifted if {
	research := fx.patch(south_africa, {"/job/purpose/category": "academic_research", "/job/legal_basis/assessments/dpia": "DPIA-7"})
	za_codes(research) == set()
	za_codes(fx.patch(research, {"/job/sells_data": true})) == {"popia.special_pi_prohibited"}
	za_codes(fx.patch(research, {"/job/recipients": ["customers"]})) == {"popia.special_pi_prohibited"}
}
