package scrapegate.gdpr_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.gdpr

gdpr_outcome(doc) := result if {
	result := {"deny": gdpr.deny, "obligations": gdpr.obligations}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

gdpr_codes(doc) := fx.codes(gdpr_outcome(doc).deny)

# Personal data of subjects in France, nothing declared.
french := fx.with_subjects(fx.profiles, ["FR"])

with_basis(doc, art6, art9, lia, dpia) := fx.patch(doc, {
	"/job/legal_basis/gdpr_art6": art6,
	"/job/legal_basis/gdpr_art9": art9,
	"/job/legal_basis/assessments": {"lia": lia, "dpia": dpia},
})

# --- gdpr.no_legal_basis -----------------------------------------------------------------

test_personal_data_without_a_basis_is_denied_per_jurisdiction if {
	d := gdpr_outcome(fx.with_subjects(fx.profiles, ["FR", "GB", "US-IL"])).deny
	fx.jurisdictions_of(d, "gdpr.no_legal_basis") == {"FR", "GB"}
	some v in d
	v.code == "gdpr.no_legal_basis"
	v.jurisdiction == "GB"
	v.law == "UK GDPR Art. 6(1)"
}

test_non_personal_data_needs_no_basis if {
	gdpr_codes(fx.with_subjects(fx.price_monitoring, ["FR"])) == set()
}

test_us_subjects_of_a_us_operator_are_outside_the_gdpr if {
	gdpr_codes(fx.with_subjects(fx.profiles, ["US"])) == set()
}

test_established_operator_is_bound_whatever_the_subjects if {
	doc := fx.patch(fx.with_subjects(fx.profiles, ["US-IL"]), {"/job/operator/establishment": "DE"})
	fx.jurisdictions_of(gdpr_outcome(doc).deny, "gdpr.no_legal_basis") == {"DE"}
}

test_consent_basis_without_evidence_is_no_basis if {
	doc := with_basis(french, "consent", null, null, null)
	gdpr_codes(doc) == {"gdpr.no_legal_basis"}
	gdpr_codes(fx.with_consent(doc, "opt_in", "consent records 2026")) == set()
}

# --- gdpr.lia_missing --------------------------------------------------------------------

test_legitimate_interests_without_an_assessment_is_denied if {
	gdpr_codes(with_basis(french, "legitimate_interests", null, null, null)) == {"gdpr.lia_missing"}
}

test_legitimate_interests_with_an_assessment_is_allowed if {
	gdpr_codes(with_basis(french, "legitimate_interests", null, "LIA-2026-07", null)) == set()
}

test_other_bases_need_no_assessment if {
	gdpr_codes(with_basis(french, "contract", null, null, null)) == set()
}

# --- gdpr.art9_prohibited and gdpr.dpia_missing ----------------------------------------------

test_biometric_data_without_art9_condition_and_dpia_is_denied if {
	doc := with_basis(fx.with_subjects(fx.faces, ["FR"]), "legitimate_interests", null, "LIA-1", null)
	gdpr_codes(doc) == {"gdpr.art9_prohibited", "gdpr.dpia_missing"}
}

test_facial_images_for_facial_recognition_need_art9 if {
	doc := fx.patch(with_basis(fx.with_subjects(fx.faces, ["FR"]), "legitimate_interests", null, "LIA-1", "DPIA-1"), {"/job/data_categories": ["facial_images"]})
	gdpr_codes(doc) == {"gdpr.art9_prohibited"}
}

test_facial_images_for_price_monitoring_are_personal_not_art9 if {
	doc := fx.patch(with_basis(french, "legitimate_interests", null, "LIA-1", null), {
		"/job/data_categories": ["facial_images"],
		"/job/purpose/category": "price_monitoring",
	})
	gdpr_codes(doc) == set()
}

test_special_category_data_needs_art9 if {
	doc := fx.patch(with_basis(french, "legitimate_interests", null, "LIA-1", "DPIA-1"), {"/job/data_categories": ["special_category"]})
	gdpr_codes(doc) == {"gdpr.art9_prohibited"}
}

test_manifestly_made_public_does_not_hold if {
	doc := with_basis(fx.with_subjects(fx.faces, ["NL"]), "legitimate_interests", "manifestly_made_public", "LIA-1", "DPIA-1")
	gdpr_codes(doc) == {"gdpr.art9_prohibited"}
}

test_explicit_consent_with_evidence_holds if {
	doc := with_basis(fx.with_subjects(fx.faces, ["FR"]), "consent", "explicit_consent", null, "DPIA-1")
	gdpr_codes(fx.with_consent(doc, "explicit", "signed consent forms, batch 12")) == set()
	gdpr_codes(fx.with_consent(doc, "explicit", null)) == {"gdpr.no_legal_basis", "gdpr.art9_prohibited"}
}

test_dpia_lifts_only_the_dpia_denial if {
	doc := with_basis(fx.with_subjects(fx.faces, ["FR"]), "legitimate_interests", "research", "LIA-1", "DPIA-2026-02")
	gdpr_codes(doc) == set()
	gdpr_codes(with_basis(fx.with_subjects(fx.faces, ["FR"]), "legitimate_interests", "research", "LIA-1", null)) == {"gdpr.dpia_missing"}
}

# --- precedents and citations ------------------------------------------------------------------

test_each_jurisdiction_cites_its_regulator if {
	d := gdpr_outcome(fx.with_subjects(fx.faces, ["FR", "IT", "GB", "CH"])).deny
	_cites(d, "FR", "CNIL")
	_cites(d, "IT", "Garante")
	_cites(d, "GB", "ICO")
	some v in d
	v.code == "gdpr.art9_prohibited"
	v.jurisdiction == "CH"
	startswith(v.law, "nFADP")
}

_cites(found, jurisdiction, authority) if {
	some v in found
	v.code == "gdpr.art9_prohibited"
	v.jurisdiction == jurisdiction
	some p in v.precedents
	contains(p, authority)
}

test_art9_denial_cites_the_cjeu_on_manifestly_made_public if {
	some v in gdpr_outcome(fx.with_subjects(fx.faces, ["DE"])).deny
	v.code == "gdpr.art9_prohibited"
	some p in v.precedents
	contains(p, "C-252/21")
}

# --- obligation art14_notice -------------------------------------------------------------------

test_personal_data_obliges_an_art14_notice if {
	some o in gdpr_outcome(with_basis(fx.with_subjects(fx.profiles, ["FR", "DE"]), "legitimate_interests", null, "LIA-1", null)).obligations
	o.code == "art14_notice"
	o.jurisdictions == ["DE", "FR"]
}

test_no_art14_notice_without_personal_data if {
	gdpr_outcome(fx.with_subjects(fx.price_monitoring, ["FR"])).obligations == set()
}
