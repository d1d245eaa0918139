package scrapegate.au_test

import data.scrapegate.au
import data.scrapegate.fixtures_test as fx

au_denials(doc) := result if {
	result := au.deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

australia := fx.with_subjects(fx.faces, ["AU"])

test_biometric_information_needs_consent if {
	some v in au_denials(australia)
	v.code == "au.app3_consent_missing"
	v.jurisdiction == "AU"
	some p in v.precedents
	contains(p, "[2021] AICmr 54")
}

test_au_consent_with_evidence_lifts_it if {
	count(au_denials(fx.with_consent(australia, "opt_in", "consent records"))) == 0
}

test_non_sensitive_personal_information_is_not_app3_3 if {
	count(au_denials(fx.with_subjects(fx.profiles, ["AU"]))) == 0
}

test_australian_tld_brings_australian_subjects if {
	count(au_denials(fx.at(fx.with_subjects(fx.faces, ["US-NY"]), "news.example.com.au", "example.com.au"))) == 1
}
