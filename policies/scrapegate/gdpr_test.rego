package scrapegate.gdpr_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.gdpr

gdpr_outcome(doc) := result if {
	result := {"deny": gdpr.deny, "warn": gdpr.warn, "obligations": gdpr.obligations}
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

# R1: identifying people for the police works on personal data, whatever is declared.
test_law_enforcement_support_declaring_no_personal_data_needs_a_basis if {
	police := fx.patch(fx.with_subjects(fx.price_monitoring, ["FR"]), {"/job/purpose/category": "law_enforcement_support"})
	gdpr_codes(police) == {"gdpr.no_legal_basis"}
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
	gdpr_codes(fx.patch(with_basis(french, "public_task", null, null, null), {"/job/legal_basis/law_reference": "Loi n. 78-17 art. 5"})) == set()
}

# R4: a basis must be able to hold; the message says why.
test_contract_and_vital_interests_are_no_basis_for_scraped_data if {
	every basis in ["contract", "vital_interests"] {
		some v in gdpr_outcome(with_basis(french, basis, null, null, null)).deny
		v.code == "gdpr.no_legal_basis"
		contains(v.message, "never holds for scraped third-party data")
	}
}

test_legal_obligation_needs_a_law_reference if {
	doc := with_basis(french, "legal_obligation", null, null, null)
	some v in gdpr_outcome(doc).deny
	v.code == "gdpr.no_legal_basis"
	contains(v.message, "law_reference")
	gdpr_codes(fx.patch(doc, {"/job/legal_basis/law_reference": "Code monetaire et financier L561-2"})) == set()
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

test_facial_images_stated_to_identify_nobody_are_personal_not_art9 if {
	doc := fx.patch(with_basis(french, "legitimate_interests", null, "LIA-1", null), {
		"/job/data_categories": ["facial_images"],
		"/job/purpose/category": "price_monitoring",
		"/job/identifies_persons": false,
	})
	gdpr_codes(doc) == set()
}

# R1: left out, identification is assumed; the label does not matter.
test_facial_images_without_identifies_persons_need_art9_whatever_the_purpose if {
	doc := fx.patch(with_basis(french, "legitimate_interests", null, "LIA-1", "DPIA-1"), {
		"/job/data_categories": ["facial_images"],
		"/job/purpose/category": "price_monitoring",
	})
	gdpr_codes(doc) == {"gdpr.art9_prohibited"}
}

# R5: manifestly made public holds for special categories only targeted, with a review.
test_manifestly_made_public_special_category_data_targeted_warns if {
	doc := fx.patch(with_basis(french, "legitimate_interests", "manifestly_made_public", "LIA-1", "DPIA-1"), {"/job/data_categories": ["special_category"]})
	gdpr_codes(doc) == set()
	"review_required" in fx.codes(gdpr_outcome(doc).warn)
	gdpr_codes(fx.patch(doc, {"/job/targeting": "untargeted", "/job/data_subjects/minors": false})) == {"gdpr.art9_prohibited"}
}

test_art9_employment_never_holds if {
	doc := fx.patch(with_basis(french, "legitimate_interests", "employment", "LIA-1", "DPIA-1"), {"/job/data_categories": ["special_category"]})
	some v in gdpr_outcome(doc).deny
	v.code == "gdpr.art9_prohibited"
	contains(v.message, "employment never holds")
}

# R6: DPIA for minors and for untargeted AI training.
test_dpia_for_personal_data_of_minors if {
	doc := fx.patch(with_basis(french, "legitimate_interests", null, "LIA-1", null), {"/job/data_subjects/minors": true})
	gdpr_codes(doc) == {"gdpr.dpia_missing"}
	gdpr_codes(with_basis(french, "legitimate_interests", null, "LIA-1", null)) == set()
}

test_dpia_for_untargeted_ai_training if {
	doc := fx.patch(with_basis(french, "legitimate_interests", null, "LIA-1", null), {
		"/job/purpose/category": "ai_training", "/job/targeting": "untargeted",
	})
	some v in gdpr_outcome(doc).deny
	v.code == "gdpr.dpia_missing"
	contains(v.message, "ai_training")
	gdpr_codes(fx.patch(doc, {"/job/targeting": "targeted"})) == set()
}

# R20: minors left out of an untargeted crawl are assumed, so a DPIA is needed.
test_dpia_for_assumed_minors if {
	doc := json.patch(with_basis(french, "legitimate_interests", null, "LIA-1", null), [
		{"op": "replace", "path": "/job/targeting", "value": "untargeted"},
		{"op": "remove", "path": "/job/data_subjects/minors"},
	])
	some v in gdpr_outcome(doc).deny
	v.code == "gdpr.dpia_missing"
	contains(v.message, "assumed")
}

# R7: criminal-offence data need a law, and a DPIA.
test_criminal_offence_data_need_a_law_reference if {
	doc := fx.patch(with_basis(french, "legitimate_interests", null, "LIA-1", "DPIA-1"), {"/job/data_categories": ["criminal_offences"]})
	gdpr_codes(doc) == {"gdpr.art10_prohibited"}
	gdpr_codes(fx.patch(doc, {"/job/legal_basis/law_reference": "Code de procedure penale art. R40-38"})) == set()
	gdpr_codes(fx.patch(doc, {"/job/legal_basis/law_reference": "CPP", "/job/legal_basis/assessments/dpia": null})) == {"gdpr.dpia_missing"}
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
	doc := fx.patch(with_basis(fx.with_subjects(fx.faces, ["FR"]), "legitimate_interests", "substantial_public_interest", "LIA-1", "DPIA-2026-02"), {"/job/legal_basis/law_reference": "Loi n. 2023-1"})
	gdpr_codes(doc) == set()
	gdpr_codes(fx.patch(doc, {"/job/legal_basis/assessments/dpia": null})) == {"gdpr.dpia_missing"}
}

# --- precedents and citations ------------------------------------------------------------------

test_each_jurisdiction_cites_its_regulator if {
	d := gdpr_outcome(fx.with_subjects(fx.faces, ["FR", "IT", "GB", "CH"])).deny
	_cites(d, "FR", "CNIL")
	_cites(d, "IT", "Garante")
	_cites(d, "GB", "ICO")
	not "CH" in fx.jurisdictions_of(d, "gdpr.art9_prohibited") # R13: CH is not the GDPR
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

# R16: obligations regulators enforced.
test_operator_outside_the_eea_needs_an_art27_representative if {
	obligations := gdpr_outcome(fx.with_subjects(fx.profiles, ["FR", "GB"])).obligations
	some o in obligations
	o.code == "gdpr.art27_representative"
	o.jurisdictions == ["FR"]
	some p in o.precedents
	contains(p, "HDPA")
	established := gdpr_outcome(fx.patch(fx.with_subjects(fx.profiles, ["FR"]), {"/job/operator/establishment": "DE"})).obligations
	not "gdpr.art27_representative" in fx.codes(established)
}

test_data_subject_rights_for_eea_and_gb_personal_data if {
	some o in gdpr_outcome(fx.with_subjects(fx.profiles, ["GB", "CH"])).obligations
	o.code == "gdpr.data_subject_rights"
	o.jurisdictions == ["GB"]
	count(gdpr_outcome(fx.with_subjects(fx.profiles, ["CH"])).obligations) == 0
}

test_no_art14_notice_without_personal_data if {
	gdpr_outcome(fx.with_subjects(fx.price_monitoring, ["FR"])).obligations == set()
}
