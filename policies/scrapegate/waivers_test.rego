package scrapegate.waivers_test

import data.scrapegate.waivers

sample_ctx := {"job": "face-index", "site": "facebook.com", "host": "www.facebook.com", "today": "2026-11-26"}

sample_terms_denial := {"code": "terms.automated_collection_prohibited", "jurisdiction": null}

ai_act_denial := {"code": "eu_ai_act.art5_1e", "jurisdiction": "EU"}

lia_fr := {"code": "gdpr.lia_missing", "jurisdiction": "FR"}

lia_de := {"code": "gdpr.lia_missing", "jurisdiction": "DE"}

sample_waiver := {
	"id": "W-2026-001", "rules": ["terms.automated_collection_prohibited", "gdpr.lia_missing"],
	"jobs": "face-*", "sites": "facebook.com", "approved_by": "dpo@example.com",
	"reason": "licence agreement with Meta", "ticket": "LEGAL-42", "expires": "2026-12-31",
}

test_matching_unexpired_waiver_lifts_the_denial if {
	waivers.lifts(sample_waiver, sample_terms_denial, sample_ctx)
	waivers.kept({sample_terms_denial, lia_fr}, [sample_waiver], sample_ctx) == set()
}

test_waived_entry_records_the_waiver if {
	waivers.waived_entries({sample_terms_denial}, [sample_waiver], sample_ctx) == {{
		"code": "terms.automated_collection_prohibited", "jurisdiction": null, "waiver": "W-2026-001",
		"approved_by": "dpo@example.com", "expires": "2026-12-31", "ticket": "LEGAL-42",
	}}
}

test_a_waiver_lifts_every_jurisdiction_of_its_rule if {
	count(waivers.waived_entries({lia_fr, lia_de}, [sample_waiver], sample_ctx)) == 2
}

test_waiver_for_another_rule_does_not_apply if {
	not waivers.applies(sample_waiver, {"code": "gdpr.art9_prohibited", "jurisdiction": "FR"}, sample_ctx)
}

test_waiver_for_another_job_does_not_apply if {
	not waivers.applies(sample_waiver, sample_terms_denial, object.union(sample_ctx, {"job": "price-index"}))
}

test_waiver_for_another_site_does_not_apply if {
	not waivers.applies(sample_waiver, sample_terms_denial, object.union(sample_ctx, {"site": "linkedin.com", "host": "www.linkedin.com"}))
}

test_site_globs_match_the_site_or_the_host if {
	waivers.applies(object.union(sample_waiver, {"sites": "*"}), sample_terms_denial, sample_ctx)
	waivers.applies(object.union(sample_waiver, {"sites": "*.facebook.com"}), sample_terms_denial, sample_ctx)
	not waivers.applies(object.union(sample_waiver, {"sites": "*.linkedin.com"}), sample_terms_denial, sample_ctx)
}

test_jobs_and_sites_may_be_lists_of_globs if {
	lists := object.union(sample_waiver, {"jobs": ["price-*", "face-index"], "sites": ["linkedin.com", "*.facebook.com"]})
	waivers.applies(lists, sample_terms_denial, sample_ctx)
	not waivers.applies(lists, sample_terms_denial, object.union(sample_ctx, {"job": "face-search"}))
	not waivers.applies(lists, sample_terms_denial, object.union(sample_ctx, {"site": "x.com", "host": "www.x.com"}))
	not waivers.applies(object.union(sample_waiver, {"jobs": []}), sample_terms_denial, sample_ctx)
	not waivers.applies(object.union(sample_waiver, {"sites": [1, {}]}), sample_terms_denial, sample_ctx)
}

test_waiver_holds_through_its_expiry_day if {
	waivers.unexpired(sample_waiver, "2026-12-31")
	not waivers.unexpired(sample_waiver, "2027-01-01")
}

test_expired_waiver_is_ignored_and_reported if {
	old := object.union(sample_waiver, {"expires": "2026-11-25"})
	waivers.kept({sample_terms_denial}, [old], sample_ctx) == {sample_terms_denial}
	some w in waivers.warnings({sample_terms_denial}, [old], sample_ctx)
	w.code == "waiver.expired"
	w.waiver == "W-2026-001"
	contains(w.message, "2026-11-25")
}

test_waiver_without_a_valid_expiry_never_holds if {
	not waivers.unexpired(object.union(sample_waiver, {"expires": "soon"}), "2026-11-26")
	not waivers.unexpired(object.union(sample_waiver, {"expires": null}), "2026-11-26")
	not waivers.unexpired(sample_waiver, null)
}

test_waiver_without_id_or_rules_list_never_applies if {
	not waivers.applies(object.remove(sample_waiver, ["id"]), sample_terms_denial, sample_ctx)
	not waivers.applies(object.union(sample_waiver, {"rules": "terms.automated_collection_prohibited"}), sample_terms_denial, sample_ctx)
}

test_ai_act_prohibition_is_never_waivable if {
	w := object.union(sample_waiver, {"rules": ["eu_ai_act.art5_1e"]})
	waivers.applies(w, ai_act_denial, sample_ctx)
	not waivers.lifts(w, ai_act_denial, sample_ctx)
	waivers.kept({ai_act_denial}, [w], sample_ctx) == {ai_act_denial}
	waivers.waived_entries({ai_act_denial}, [w], sample_ctx) == set()
	some warning in waivers.warnings({ai_act_denial}, [w], sample_ctx)
	warning.code == "waiver.not_waivable"
}

test_no_waivers_keep_everything if {
	waivers.kept({sample_terms_denial, lia_fr}, [], sample_ctx) == {sample_terms_denial, lia_fr}
	waivers.warnings({sample_terms_denial}, [], sample_ctx) == set()
}

# Only * and ? are wildcards: OPA matched "{www.facebook.com,x" against www.facebook.com
# where the embedded engine did not, and failed the whole decision on "[a-]".
test_brackets_braces_and_backslashes_match_nothing if {
	patterns := ["{www.facebook.com,x.com", "{facebook.com,x.com}", "[a-]acebook.com", "facebook.com\\", "face[b]ook.com"]
	count(patterns) == 5
	applying := [p |
		some p in patterns
		some sites in [p, [p]]
		waivers.applies(object.union(sample_waiver, {"sites": sites}), sample_terms_denial, sample_ctx)
	]
	applying == []
	not waivers.applies(object.union(sample_waiver, {"jobs": "{face-index,x"}), sample_terms_denial, sample_ctx)
	waivers.applies(object.union(sample_waiver, {"sites": "*.facebook.co?"}), sample_terms_denial, sample_ctx)
}
