package scrapegate.br_test

import data.scrapegate.br
import data.scrapegate.fixtures_test as fx

br_denials(doc) := result if {
	result := br.deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

brazil := fx.patch(fx.with_subjects(fx.faces, ["BR"]), {"/job/legal_basis/gdpr_art6": "legitimate_interests"})

test_sensitive_data_needs_specific_consent if {
	some v in br_denials(brazil)
	v.code == "lgpd.sensitive_consent_missing"
	v.jurisdiction == "BR"
}

test_br_explicit_consent_with_evidence_lifts_it if {
	count(br_denials(fx.with_consent(brazil, "explicit", "consent term signed"))) == 0
}

test_opt_in_is_not_specific_and_prominent if {
	count(br_denials(fx.with_consent(brazil, "opt_in", "banner"))) == 1
}

test_ordinary_personal_data_is_not_sensitive if {
	count(br_denials(fx.with_subjects(fx.profiles, ["BR"]))) == 0
}

test_brazilian_tld_brings_brazilian_subjects if {
	count(br_denials(fx.at(fx.with_subjects(fx.faces, ["US-NY"]), "www.example.com.br", "example.com.br"))) == 1
}

# R15: a research body's study may do without consent, and must anonymise where possible.
test_research_body_study_needs_no_consent_but_anonymises if {
	doc := fx.patch(fx.with_subjects(fx.faces, ["BR"]), {"/job/purpose/category": "academic_research", "/job/operator/research_organisation": true})
	result := {"deny": br.deny, "obligations": br.obligations} with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
	result.deny == set()
	some o in result.obligations
	o.code == "lgpd.anonymise_where_possible"
	o.jurisdictions == ["BR"]
	other := fx.patch(doc, {"/job/operator/research_organisation": false})
	count(br.deny) == 1 with input.request as other.request
		with input.job as other.job
		with input.subjects as other.subjects
		with input.signals as other.signals
}

# R15: a research body that sells the data or offers them to customers works for a
# commercial undertaking: the label does not exempt it from consent.
test_research_body_claim_does_not_hold_for_a_seller if {
	doc := fx.patch(fx.with_subjects(fx.faces, ["BR"]), {"/job/purpose/category": "academic_research", "/job/operator/research_organisation": true})
	count(br_denials(doc)) == 0
	count(br_denials(fx.patch(doc, {"/job/sells_data": true}))) == 1
	count(br_denials(fx.patch(doc, {"/job/recipients": ["internal", "customers"]}))) == 1
}
