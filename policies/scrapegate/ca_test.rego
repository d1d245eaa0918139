package scrapegate.ca_test

import data.scrapegate.ca
import data.scrapegate.fixtures_test as fx

ca_denials(doc) := result if {
	result := ca.deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

# Biometric data for a purpose other than identifying people.
liveness := fx.patch(fx.with_subjects(fx.faces, ["CA"]), {"/job/purpose/category": "security_research"})

test_biometric_information_needs_express_consent if {
	some v in ca_denials(liveness)
	v.code == "ca.consent_missing"
	v.jurisdiction == "CA"
	contains(v.message, "no express consent")
	some p in v.precedents
	contains(p, "#2021-001")
}

test_express_consent_with_evidence_lifts_it if {
	count(ca_denials(fx.with_consent(liveness, "explicit", "consent forms"))) == 0
}

test_opt_in_is_not_express_consent if {
	count(ca_denials(fx.with_consent(liveness, "opt_in", "banner"))) == 1
}

test_facial_recognition_is_denied_even_with_consent if {
	doc := fx.with_consent(fx.with_subjects(fx.faces, ["CA"]), "explicit", "consent forms")
	some v in ca_denials(doc)
	contains(v.message, "inappropriate purpose")
	not contains(v.message, "no express consent")
}

test_provinces_are_separate_jurisdictions if {
	fx.jurisdictions_of(ca_denials(fx.with_subjects(liveness, ["CA-QC", "CA-BC", "CA-AB", "CA-ON"])), "ca.consent_missing") == {"CA-QC", "CA-BC", "CA-AB", "CA"}
}

test_non_sensitive_data_is_not_denied if {
	count(ca_denials(fx.with_subjects(fx.profiles, ["CA"]))) == 0
}
