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

# R18: Quebec's express consent takes opt_in too; PIPEDA does not.
test_quebec_accepts_opt_in_consent if {
	doc := fx.with_consent(fx.patch(liveness, {"/job/data_subjects/jurisdictions": ["CA-QC", "CA"], "/subjects/declared": ["CA-QC", "CA"]}), "opt_in", "consent records")
	fx.jurisdictions_of(ca_denials(doc), "ca.consent_missing") == {"CA"}
}

# R1: law_enforcement_support identifies people like facial_recognition does.
test_law_enforcement_support_is_an_inappropriate_purpose_too if {
	doc := fx.with_consent(fx.patch(liveness, {"/job/purpose/category": "law_enforcement_support"}), "explicit", "forms")
	fx.codes(ca_denials(doc)) == {"ca.consent_missing"}
}

# R16: a Quebec biometric database is disclosed to the CAI.
test_quebec_biometric_database_is_disclosed if {
	doc := fx.with_subjects(liveness, ["CA-QC"])
	some o in ca.obligations with input.request as doc.request with input.job as doc.job with input.subjects as doc.subjects with input.signals as doc.signals
	o.code == "qc.biometric_database_disclosure"
	other := fx.with_subjects(liveness, ["CA"])
	count(ca.obligations) == 0 with input.request as other.request with input.job as other.job with input.subjects as other.subjects with input.signals as other.signals
}
