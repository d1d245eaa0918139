package scrapegate.derive_test

import data.scrapegate.derive
import data.scrapegate.fixtures_test as fx

# --- the derived facts for a whole input ---------------------------------------------------

subjects_of(doc) := result if {
	result := derive.subjects with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
}

gdpr_of(doc) := result if {
	result := derive.gdpr_jurisdictions with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
}

categories_of(doc) := result if {
	result := derive.categories with input.job as doc.job
}

is_biometric(doc) if {
	derive.biometric with input.job as doc.job
}

is_personal(doc) if {
	derive.personal with input.job as doc.job
}

# --- data categories ----------------------------------------------------------------------

test_facial_images_for_facial_recognition_are_biometric if {
	derive.effective_categories(["facial_images"], "facial_recognition", false) == {"facial_images", "biometric"}
	derive.effective_categories(["facial_images"], "law_enforcement_support", false) == {"facial_images", "biometric"}
	is_biometric(fx.patch(fx.faces, {"/job/data_categories": ["facial_images"]}))
}

# R1: what the processing does decides, not the purpose label.
test_facial_images_that_identify_people_are_biometric_whatever_the_purpose if {
	derive.effective_categories(["facial_images"], "market_research", true) == {"facial_images", "biometric"}
	derive.effective_categories(["facial_images"], "market_research", null) == {"facial_images", "biometric"}
	is_biometric(fx.patch(fx.price_monitoring, {"/job/data_categories": ["facial_images"]}))
}

test_facial_images_stated_to_identify_nobody_are_personal_not_biometric if {
	derive.effective_categories(["facial_images"], "price_monitoring", false) == {"facial_images"}
	doc := fx.patch(fx.price_monitoring, {"/job/data_categories": ["facial_images"], "/job/identifies_persons": false})
	is_personal(doc)
	not is_biometric(doc)
}

test_identification_is_assumed_only_when_left_out_and_the_purpose_does_not_identify if {
	job_fact(fx.patch(fx.price_monitoring, {"/job/data_categories": ["facial_images"]}), "identification_assumed")
	not job_fact(fx.patch(fx.faces, {"/job/data_categories": ["facial_images"]}), "identification_assumed")
	not job_fact(fx.patch(fx.price_monitoring, {"/job/data_categories": ["facial_images"], "/job/identifies_persons": true}), "identification_assumed")
}

# job_fact(doc, name): a derived fact for the doc's job. (The job is bound to a function
# argument: regopy 1.5.2 crashes on a `with` over another rule's value.)
job_fact(doc, "identification_assumed") if derive.identification_assumed with input.job as doc.job

job_fact(doc, "targeting_assumed") if derive.targeting_assumed with input.job as doc.job

job_fact(doc, "untargeted") if derive.untargeted with input.job as doc.job

job_fact(doc, "minors") if derive.minors with input.job as doc.job

job_fact(doc, "minors_assumed") if derive.minors_assumed with input.job as doc.job

job_fact(doc, "commercial") if {
	c := derive.commercial with input.job as doc.job
	c == true
}

test_criminal_offences_are_personal_data if {
	is_personal(fx.patch(fx.price_monitoring, {"/job/data_categories": ["criminal_offences"]}))
}

# R2, R20: facts left out are read the way that protects the subjects.
test_absent_targeting_is_read_as_untargeted_for_personal_data if {
	doc := json.patch(fx.profiles, [{"op": "remove", "path": "/job/targeting"}])
	job_fact(doc, "untargeted")
	job_fact(doc, "targeting_assumed")
	not job_fact(fx.profiles, "targeting_assumed")
	not job_fact(json.patch(fx.price_monitoring, [{"op": "remove", "path": "/job/targeting"}]), "targeting_assumed")
}

test_absent_minors_are_read_as_present_only_for_untargeted_collection if {
	untargeted := json.patch(fx.profiles, [{"op": "replace", "path": "/job/targeting", "value": "untargeted"}, {"op": "remove", "path": "/job/data_subjects/minors"}])
	job_fact(untargeted, "minors")
	job_fact(untargeted, "minors_assumed")
	targeted := json.patch(fx.profiles, [{"op": "remove", "path": "/job/data_subjects/minors"}])
	not job_fact(targeted, "minors")
	not job_fact(targeted, "minors_assumed")
	not job_fact(fx.patch(fx.profiles, {"/job/targeting": "untargeted"}), "minors")
}

# R19: every capture is commercial unless a research organisation keeps the data to itself.
test_commercial_unless_a_research_organisation_keeps_the_data if {
	research := fx.patch(fx.faces, {"/job/operator/research_organisation": true, "/job/purpose/category": "academic_research"})
	not job_fact(research, "commercial")
	not job_fact(fx.patch(research, {"/job/purpose/category": "security_research"}), "commercial")
	job_fact(fx.patch(research, {"/job/sells_data": true}), "commercial")
	job_fact(fx.patch(research, {"/job/recipients": ["internal", "customers"]}), "commercial")
	job_fact(fx.patch(research, {"/job/purpose/category": "law_enforcement_support"}), "commercial")
	job_fact(fx.faces, "commercial")
}

test_non_personal_and_copyrighted_works_are_not_personal if {
	not is_personal(fx.price_monitoring)
	not is_personal(fx.patch(fx.price_monitoring, {"/job/data_categories": ["copyrighted_works", "non_personal"]}))
}

test_declared_categories_are_kept if {
	categories_of(fx.profiles) == {"personal"}
}

# --- jurisdictions ------------------------------------------------------------------------

test_star_expands_to_every_covered_jurisdiction if {
	derive.expand(["*"], derive.jurisdiction_groups, derive.covered) == derive.covered
	every code in ["FR", "DE", "NO", "GB", "CH", "US-IL", "US-TX", "US-WA", "US-CO", "US-CA", "AU", "CA", "CA-QC", "BR", "CN", "JP", "SG", "IN"] {
		code in derive.covered
	}
	not "US" in derive.covered
	not "EU" in derive.covered
}

test_eu_expands_to_the_eea_members if {
	eea := derive.expand(["EU"], derive.jurisdiction_groups, derive.covered)
	count(eea) == 30
	every code in ["FR", "DE", "IT", "NL", "AT", "GR", "IS", "LI", "NO"] {
		code in eea
	}
	not "GB" in eea
	not "CH" in eea
}

test_us_expands_to_the_states_with_biometric_laws if {
	derive.expand(["US"], derive.jurisdiction_groups, derive.covered) == {"US-CA", "US-CO", "US-IL", "US-TX", "US-WA"}
}

test_subdivision_of_a_covered_country_counts_as_the_country if {
	derive.expand(["FR-75", "CA-ON", "AU-NSW"], derive.jurisdiction_groups, derive.covered) == {"FR", "CA", "AU"}
}

test_covered_subdivisions_and_uncovered_codes_stay if {
	derive.expand(["CA-QC", "US-IL", "US-NY", "KR"], derive.jurisdiction_groups, derive.covered) == {"CA-QC", "US-IL", "US-NY", "KR"}
}

test_cctld_infers_the_country if {
	cctld := derive.tld_map
	derive.tld_jurisdictions("news.example.fr", cctld) == {"FR"}
	derive.tld_jurisdictions("www.example.co.uk", cctld) == {"GB"}
	derive.tld_jurisdictions("portal.example.eu", cctld) == {"EU"}
	derive.tld_jurisdictions("example.de", cctld) == {"DE"}
	derive.tld_jurisdictions("example.it", cctld) == {"IT"}
	derive.tld_jurisdictions("shop.example.com.au", cctld) == {"AU"}
	derive.tld_jurisdictions("example.ca", cctld) == {"CA"}
	derive.tld_jurisdictions("example.com.br", cctld) == {"BR"}
	derive.tld_jurisdictions("example.br", cctld) == {"BR"}
	derive.tld_jurisdictions("example.cn", cctld) == {"CN"}
	derive.tld_jurisdictions("example.jp", cctld) == {"JP"}
	derive.tld_jurisdictions("example.sg", cctld) == {"SG"}
	derive.tld_jurisdictions("example.in", cctld) == {"IN"}
	derive.tld_jurisdictions("example.ch", cctld) == {"CH"}
}

test_generic_tlds_infer_nothing if {
	derive.tld_jurisdictions("www.facebook.com", derive.tld_map) == set()
	derive.tld_jurisdictions("example.org", derive.tld_map) == set()
	# a label that merely contains a ccTLD is no TLD
	derive.tld_jurisdictions("fr.example.com", derive.tld_map) == set()
}

test_subjects_are_declared_plus_inferred_from_the_target if {
	doc := fx.at(fx.with_subjects(fx.profiles, ["US-IL"]), "news.example.fr", "example.fr")
	subjects_of(doc) == {"US-IL", "FR"}
}

test_subjects_include_what_the_caller_inferred if {
	doc := fx.patch(fx.with_subjects(fx.profiles, ["US-IL"]), {"/subjects/inferred": ["JP"]})
	subjects_of(doc) == {"US-IL", "JP"}
}

test_subjects_expand_groups_from_any_source if {
	doc := fx.at(fx.with_subjects(fx.profiles, ["US"]), "portal.example.eu", "example.eu")
	s := subjects_of(doc)
	count(s) == 35
	"US-TX" in s
	"FR" in s
}

# --- where the GDPR applies ----------------------------------------------------------------

test_gdpr_applies_to_eea_subjects if {
	gdpr_of(fx.with_subjects(fx.profiles, ["FR", "US-IL"])) == {"FR"}
}

# R13: Switzerland is not the GDPR.
test_gdpr_family_covers_gb_not_ch if {
	gdpr_of(fx.with_subjects(fx.profiles, ["GB", "CH", "JP"])) == {"GB"}
}

test_gdpr_applies_where_the_operator_is_established if {
	doc := fx.patch(fx.with_subjects(fx.profiles, ["US-IL"]), {"/job/operator/establishment": "DE"})
	gdpr_of(doc) == {"DE"}
}

test_gdpr_does_not_apply_to_us_subjects_of_a_us_operator if {
	gdpr_of(fx.with_subjects(fx.profiles, ["US"])) == set()
}

# --- legal basis and consent -----------------------------------------------------------------

test_consent_counts_only_with_evidence if {
	derive.consented({"kind": "explicit", "evidence": "consent log 2026-04"}, {"explicit"})
	not derive.consented({"kind": "explicit", "evidence": null}, {"explicit"})
	not derive.consented({"kind": "explicit", "evidence": "   "}, {"explicit"})
	not derive.consented({"kind": "explicit"}, {"explicit"})
	not derive.consented({"kind": "opt_in", "evidence": "form"}, {"explicit"})
}

test_manifestly_made_public_never_holds_for_biometric_data if {
	derive.art9_problem({"gdpr_art9": "manifestly_made_public"}, true, true) == "manifestly_made_public never holds for biometric data: templates are never published (AP NL, Clearview)"
	not derive.art9_holds({"gdpr_art9": "manifestly_made_public", "consent": {"kind": "explicit", "evidence": "x"}}, true, true)
}

test_manifestly_made_public_holds_for_special_categories_only_targeted if {
	derive.art9_holds({"gdpr_art9": "manifestly_made_public"}, false, true)
	not derive.art9_holds({"gdpr_art9": "manifestly_made_public"}, false, false)
}

test_explicit_consent_holds_only_with_explicit_consent_or_a_written_release_and_evidence if {
	derive.art9_holds({"gdpr_art9": "explicit_consent", "consent": {"kind": "explicit", "evidence": "signed forms"}}, true, true)
	derive.art9_holds({"gdpr_art9": "explicit_consent", "consent": {"kind": "written_release", "evidence": "signed"}}, true, true)
	not derive.art9_holds({"gdpr_art9": "explicit_consent", "consent": {"kind": "explicit", "evidence": null}}, true, true)
	not derive.art9_holds({"gdpr_art9": "explicit_consent", "consent": {"kind": "opt_in", "evidence": "banner"}}, true, true)
}

test_art9_conditions_that_never_hold_for_scraped_data if {
	not derive.art9_holds({"gdpr_art9": "employment"}, false, true)
	not derive.art9_holds({"gdpr_art9": "vital_interests"}, false, true)
	not derive.art9_holds({"gdpr_art9": "nonprofit_members"}, false, true)
}

test_legal_claims_holds_only_targeted if {
	derive.art9_holds({"gdpr_art9": "legal_claims"}, true, true)
	not derive.art9_holds({"gdpr_art9": "legal_claims"}, true, false)
}

test_art9_g_to_j_need_a_law_reference if {
	not derive.art9_holds({"gdpr_art9": "substantial_public_interest"}, true, true)
	not derive.art9_holds({"gdpr_art9": "health_care"}, true, true)
	not derive.art9_holds({"gdpr_art9": "public_health"}, true, true)
	derive.art9_holds({"gdpr_art9": "substantial_public_interest", "law_reference": "Member State law X"}, true, true)
	derive.art9_holds({"gdpr_art9": "health_care", "law_reference": "Member State law X"}, true, true)
	derive.art9_holds({"gdpr_art9": "public_health", "law_reference": "Member State law X"}, true, true)
}

test_research_needs_a_law_reference_and_a_dpia if {
	not derive.art9_holds({"gdpr_art9": "research", "assessments": {"dpia": "DPIA-1"}}, true, true)
	not derive.art9_holds({"gdpr_art9": "research", "law_reference": "Law X"}, true, true)
	derive.art9_holds({"gdpr_art9": "research", "law_reference": "Law X", "assessments": {"dpia": "DPIA-1"}}, true, true)
	not derive.art9_holds({"gdpr_art9": null}, true, true)
	not derive.art9_holds({}, true, true)
}

test_consent_as_art6_basis_needs_a_kind_and_evidence if {
	derive.art6_holds({"gdpr_art6": "consent", "consent": {"kind": "opt_in", "evidence": "consent records"}})
	not derive.art6_holds({"gdpr_art6": "consent", "consent": {"kind": "opt_in", "evidence": null}})
	not derive.art6_holds({"gdpr_art6": "consent", "consent": {"kind": "none", "evidence": "records"}})
	derive.art6_holds({"gdpr_art6": "legitimate_interests"})
	not derive.art6_holds({"gdpr_art6": null})
}

test_contract_and_vital_interests_never_hold_for_scraped_data if {
	not derive.art6_holds({"gdpr_art6": "contract"})
	not derive.art6_holds({"gdpr_art6": "vital_interests", "law_reference": "x"})
	contains(derive.art6_problem({"gdpr_art6": "contract"}), "never holds")
}

test_legal_obligation_and_public_task_need_a_law_reference if {
	not derive.art6_holds({"gdpr_art6": "legal_obligation"})
	not derive.art6_holds({"gdpr_art6": "public_task", "law_reference": " "})
	derive.art6_holds({"gdpr_art6": "public_task", "law_reference": "Loi n. 2024-1"})
	derive.art6_holds({"gdpr_art6": "legal_obligation", "law_reference": "Loi n. 2024-1"})
}

test_documented_needs_a_non_blank_string if {
	derive.documented("LIA-2026-03")
	not derive.documented("")
	not derive.documented(" ")
	not derive.documented(null)
	not derive.documented(true)
}

# --- the precomputed tables and the list-based derivations agree with the reference ---

test_covered_table_matches_groups_and_coverage if {
	covered_codes := {j |
		some codes in data.scrapegate.jurisdictions.coverage
		some c in codes
		some j in object.get(derive.jurisdiction_groups, c, [c])
	}
	derive.covered == covered_codes
	count(derive.covered) == count(data.scrapegate.jurisdictions.tables.covered)
}

test_coverage_tables_match_coverage if {
	coverage := data.scrapegate.jurisdictions.coverage
	tables := data.scrapegate.jurisdictions.tables.coverage
	count(tables) == count(coverage)
	wrong := [name |
		codes := coverage[name]
		expanded := [j | some c in codes; some j in object.get(derive.jurisdiction_groups, c, [c])]
		not derive_same_members(object.get(tables, name, []), expanded)
	]
	count(wrong) == 0
}

derive_same_members(listed, expected) if {
	{j | some j in listed} == {j | some j in expected}
	count(listed) == count({j | some j in expected})
}

derive_list_docs := [
	fx.with_subjects(fx.profiles, ["*"]),
	fx.with_subjects(fx.profiles, ["EU", "FR", "US-IL"]),
	fx.with_subjects(fx.profiles, ["FR-75", "CA-ON", "KR", "US-NY", "CA-QC"]),
	fx.at(fx.with_subjects(fx.profiles, ["US"]), "portal.example.eu", "example.eu"),
	fx.patch(fx.with_subjects(fx.profiles, ["JP"]), {"/job/operator/establishment": "DE"}),
	fx.patch(fx.with_subjects(fx.profiles, ["US-IL"]), {"/job/operator/establishment": "EU"}),
]

derive_facts(doc) := result if {
	result := {
		"list": {j | some j in derive.subject_list},
		"ref": derive.expand(derive.subject_codes, derive.jurisdiction_groups, derive.covered),
		"gdpr": derive.gdpr_list,
		"gdpr_ref": (derive.expand(derive.subject_codes, derive.jurisdiction_groups, derive.covered) | derive.expand({derive._establishment_ref}, derive.jurisdiction_groups, derive.covered)) & derive.coverage_of("gdpr"),
		"uncovered": derive.uncovered,
	} with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
}

test_subject_list_matches_the_reference_expansion if {
	count(derive_list_docs) == count([doc | some doc in derive_list_docs; derive_agrees(derive_facts(doc))])
}

derive_agrees(f) if {
	f.list == f.ref
	derive_same_members(f.gdpr, f.gdpr_ref)
	f.uncovered == f.ref - derive.covered
}

test_uncovered_codes_are_reported if {
	derive_facts(fx.with_subjects(fx.profiles, ["FR-75", "CA-ON", "MX", "US-NY", "CA-QC"])).uncovered == {"MX", "US-NY"}
}
