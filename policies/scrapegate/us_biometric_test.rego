package scrapegate.us_biometric_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.us_biometric

us_outcome(doc) := result if {
	result := {"deny": us_biometric.deny, "warn": us_biometric.warn, "obligations": us_biometric.obligations}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

us_codes(doc) := fx.codes(us_outcome(doc).deny)

illinois := fx.with_subjects(fx.faces, ["US-IL"])

texas := fx.with_subjects(fx.faces, ["US-TX"])

washington := fx.with_subjects(fx.faces, ["US-WA"])

colorado := fx.with_subjects(fx.faces, ["US-CO"])

california := fx.with_subjects(fx.faces, ["US-CA"])

# --- Illinois BIPA ---------------------------------------------------------------------------

test_bipa_needs_a_written_release if {
	some v in us_outcome(illinois).deny
	v.code == "bipa.written_release_missing"
	v.jurisdiction == "US-IL"
	some p in v.precedents
	contains(p, "ACLU v. Clearview")
}

test_bipa_written_release_with_evidence_lifts_it if {
	us_codes(fx.with_consent(illinois, "written_release", "signed releases, 2026 batch")) == set()
}

test_bipa_other_consent_or_no_evidence_is_not_a_written_release if {
	us_codes(fx.with_consent(illinois, "written_release", null)) == {"bipa.written_release_missing"}
	us_codes(fx.with_consent(illinois, "explicit", "click-through")) == {"bipa.written_release_missing"}
}

test_bipa_retention_over_three_years_is_denied if {
	doc := fx.with_consent(illinois, "written_release", "releases")
	us_codes(fx.patch(doc, {"/job/retention_days": 1096})) == {"bipa.retention_policy_missing"}
	us_codes(fx.patch(doc, {"/job/retention_days": null})) == {"bipa.retention_policy_missing"}
	us_codes(fx.patch(doc, {"/job/retention_days": 1095})) == set()
}

# R1: a face search that declares no faces is still a face search.
test_face_search_declaring_no_faces_is_still_biometric if {
	us_codes(illinois) == {"bipa.written_release_missing"}
	us_codes(fx.patch(illinois, {"/job/data_categories": ["non_personal"]})) == {"bipa.written_release_missing"}
	us_codes(fx.patch(illinois, {"/job/data_categories": ["copyrighted_works"]})) == {"bipa.written_release_missing"}
	us_codes(fx.patch(illinois, {"/job/data_categories": ["personal"]})) == {"bipa.written_release_missing"}
}

test_photos_stated_to_identify_nobody_are_no_biometric_identifiers if {
	doc := fx.patch(illinois, {
		"/job/data_categories": ["facial_images"], "/job/purpose/category": "price_monitoring",
		"/job/identifies_persons": false,
	})
	us_codes(doc) == set()
}

# R1: a face search under another label is still one.
test_photos_under_any_label_are_biometric_identifiers_unless_stated_otherwise if {
	every p in ["law_enforcement_support", "price_monitoring", "journalism"] {
		"bipa.written_release_missing" in us_codes(fx.patch(illinois, {"/job/data_categories": ["facial_images"], "/job/purpose/category": p}))
	}
}

# R8: BIPA 15(c) and 15(d).
test_bipa_forbids_profiting_whatever_the_consent if {
	doc := fx.with_consent(illinois, "written_release", "signed releases")
	us_codes(fx.patch(doc, {"/job/sells_data": true})) == {"bipa.profit_prohibited"}
	us_codes(fx.patch(doc, {"/job/recipients": ["customers"]})) == {"bipa.profit_prohibited"}
	us_codes(doc) == set()
}

test_bipa_disclosure_beyond_the_operator_needs_a_written_release if {
	doc := fx.patch(fx.with_consent(illinois, "explicit", "click-through"), {"/job/recipients": ["internal", "law_enforcement"]})
	us_codes(doc) == {"bipa.written_release_missing", "bipa.disclosure_consent_missing"}
	us_codes(fx.with_consent(doc, "written_release", "signed releases")) == set()
}

test_facial_images_for_facial_recognition_are_biometric_identifiers if {
	us_codes(fx.patch(illinois, {"/job/data_categories": ["facial_images"]})) == {"bipa.written_release_missing"}
}

# --- Texas CUBI ------------------------------------------------------------------------------

test_cubi_needs_informed_consent if {
	us_codes(texas) == {"cubi.consent_missing"}
}

test_cubi_consent_with_evidence_lifts_it if {
	us_codes(fx.with_consent(texas, "opt_in", "consent records")) == set()
}

test_cubi_does_not_apply_to_research_by_a_research_organisation if {
	doc := fx.patch(texas, {"/job/purpose/category": "academic_research", "/job/operator/research_organisation": true})
	us_codes(doc) == set()
	us_codes(fx.patch(doc, {"/job/operator/research_organisation": false})) == {"cubi.consent_missing"}
}

# R19: a research organisation that sells or shares with customers acts commercially.
test_cubi_research_organisation_selling_is_commercial if {
	doc := fx.patch(texas, {"/job/purpose/category": "academic_research", "/job/operator/research_organisation": true, "/job/sells_data": true})
	us_codes(doc) == {"cubi.consent_missing", "cubi.disclosure_prohibited"}
}

# R9: CUBI 503.001(c).
test_cubi_forbids_selling_or_publishing if {
	doc := fx.with_consent(texas, "opt_in", "consent records")
	us_codes(fx.patch(doc, {"/job/recipients": ["public"]})) == {"cubi.disclosure_prohibited"}
	us_codes(fx.patch(doc, {"/job/sells_data": true})) == {"cubi.disclosure_prohibited"}
	us_codes(fx.patch(doc, {"/job/recipients": ["internal"]})) == set()
}

test_cubi_law_enforcement_recipients_warn if {
	result := us_outcome(fx.patch(fx.with_consent(texas, "opt_in", "consent records"), {"/job/recipients": ["law_enforcement"]}))
	result.deny == set()
	"US-TX" in fx.jurisdictions_of(result.warn, "review_required")
}

# R19: journalism warns instead of the CUBI denial.
test_cubi_journalism_warns_instead if {
	result := us_outcome(fx.patch(texas, {"/job/purpose/category": "journalism"}))
	result.deny == set()
	"US-TX" in fx.jurisdictions_of(result.warn, "review_required")
}

# R19: a job called journalism that sells the data or offers it to customers is commercial.
test_cubi_journalism_selling_is_commercial if {
	doc := fx.patch(texas, {"/job/purpose/category": "journalism", "/job/sells_data": true})
	us_codes(doc) == {"cubi.consent_missing", "cubi.disclosure_prohibited"}
	customers := fx.patch(texas, {"/job/purpose/category": "journalism", "/job/recipients": ["customers"]})
	us_codes(customers) == {"cubi.consent_missing", "cubi.disclosure_prohibited"}
	not "US-TX" in fx.jurisdictions_of(us_outcome(doc).warn, "review_required")
}

# HB 149: identifiers captured to train AI and then sold fall back under CUBI.
test_cubi_ai_training_data_sold_is_not_exempt if {
	doc := fx.patch(texas, {"/job/purpose/category": "ai_training", "/job/identifies_persons": false, "/job/data_categories": ["biometric"]})
	us_codes(doc) == set()
	us_codes(fx.patch(doc, {"/job/sells_data": true})) == {"cubi.consent_missing", "cubi.disclosure_prohibited"}
	us_codes(fx.patch(doc, {"/job/recipients": ["customers"]})) == {"cubi.consent_missing", "cubi.disclosure_prohibited"}
}

# R9: HB 149 (TRAIGA) takes AI training that identifies nobody out of CUBI.
test_cubi_ai_training_that_identifies_nobody_is_out if {
	doc := fx.patch(texas, {"/job/purpose/category": "ai_training", "/job/identifies_persons": false})
	us_codes(doc) == set()
	us_codes(fx.patch(doc, {"/job/identifies_persons": true})) == {"cubi.consent_missing"}
}

# --- Washington RCW 19.375 -----------------------------------------------------------------

test_washington_needs_notice_and_consent if {
	us_codes(washington) == {"wa.biometric_consent_missing", "wa.mhmda_consent_missing"}
}

test_washington_consent_lifts_it if {
	us_codes(fx.with_consent(washington, "explicit", "enrolment consent")) == set()
}

# R10: RCW 19.375 excludes photographs; the My Health My Data Act reaches face imagery.
test_washington_excludes_photographs_but_mhmda_reaches_them if {
	doc := fx.patch(washington, {"/job/data_categories": ["facial_images"], "/job/purpose/category": "journalism"})
	us_codes(doc) == {"wa.mhmda_consent_missing"}
	us_codes(fx.patch(doc, {"/job/identifies_persons": false})) == set()
}

test_washington_mhmda_sale_needs_a_signed_authorisation if {
	doc := fx.patch(fx.with_consent(washington, "opt_in", "consent records"), {"/job/sells_data": true})
	us_codes(doc) == {"wa.mhmda_sale_authorization_missing"}
	us_codes(fx.with_consent(doc, "written_release", "signed authorisations")) == set()
}

# R18: MHMDA sharing needs a second consent: a review.
test_washington_sharing_warns if {
	result := us_outcome(fx.patch(fx.with_consent(washington, "opt_in", "consent records"), {"/job/recipients": ["customers"]}))
	"US-WA" in fx.jurisdictions_of(result.warn, "review_required")
	not "US-WA" in fx.jurisdictions_of(us_outcome(fx.with_consent(washington, "opt_in", "consent records")).warn, "review_required")
}

# --- Colorado ------------------------------------------------------------------------------

test_colorado_needs_consent if {
	us_codes(colorado) == {"co.biometric_consent_missing"}
}

test_colorado_consent_lifts_it if {
	us_codes(fx.with_consent(colorado, "opt_in", "consent records")) == set()
}

# R11, R20: a retention policy within 24 months; unknown retention is denied.
test_colorado_retention_over_24_months_or_unknown_is_denied if {
	doc := fx.with_consent(colorado, "opt_in", "consent records")
	us_codes(fx.patch(doc, {"/job/retention_days": 731})) == {"co.biometric_retention_excessive"}
	us_codes(fx.patch(doc, {"/job/retention_days": null})) == {"co.biometric_retention_excessive"}
	us_codes(fx.patch(doc, {"/job/retention_days": 730})) == set()
}

# --- California --------------------------------------------------------------------------------

test_california_warns_and_obliges_notice_at_collection if {
	result := us_outcome(california)
	result.deny == set()
	fx.codes(result.warn) == {"ccpa.notice_at_collection"}
	some o in result.obligations
	o.code == "notice_at_collection"
}

test_california_non_biometric_data_gets_no_warning if {
	result := us_outcome(fx.with_subjects(fx.profiles, ["US-CA"]))
	result.warn == set()
	result.obligations == set()
}

# --- "US" as a whole ---------------------------------------------------------------------------

test_us_subjects_bring_every_state_law if {
	us_codes(fx.with_subjects(fx.faces, ["US"])) == {
		"bipa.written_release_missing", "cubi.consent_missing",
		"wa.biometric_consent_missing", "wa.mhmda_consent_missing", "co.biometric_consent_missing",
	}
}

test_uncovered_states_bring_none if {
	us_codes(fx.with_subjects(fx.faces, ["US-NY"])) == set()
}
