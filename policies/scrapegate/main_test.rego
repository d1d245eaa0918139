package scrapegate.main_test

import data.scrapegate
import data.scrapegate.fixtures_test as fx

# law_denials(doc): what the law packages deny for input doc, before waivers.
law_denials(doc) := result if {
	result := scrapegate._raw_deny with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

test_clearview_denied_for_every_required_code if {
	missing := fx.the_clearview_codes - fx.codes(law_denials(fx.clearview))
	count(missing) == 0
}

test_price_monitoring_denies_nothing if {
	count(law_denials(fx.price_monitoring)) == 0
}

# --- assemble: the decision from the packages' output --------------------------------------

main_ctx := {"job": "face-index", "site": "facebook.com", "host": "www.facebook.com", "today": "2026-11-26"}

main_terms_denial := {"code": "terms.automated_collection_prohibited", "jurisdiction": null}

main_waiver := {
	"id": "W-1", "rules": ["terms.automated_collection_prohibited"], "jobs": "*", "sites": "*",
	"approved_by": "dpo@example.com", "reason": "licence", "ticket": "LEGAL-1", "expires": "2026-12-31",
}

test_allow_only_without_denials if {
	scrapegate.assemble(set(), set(), set(), [], main_ctx).allow == true
	scrapegate.assemble({main_terms_denial}, set(), set(), [], main_ctx).allow == false
}

test_a_waived_denial_allows_and_is_listed if {
	d := scrapegate.assemble({main_terms_denial}, set(), {{"code": "rate_limit", "min_interval_s": 5}}, [main_waiver], main_ctx)
	d.allow == true
	d.deny == set()
	fx.codes(d.waived) == {"terms.automated_collection_prohibited"}
	count(d.obligations) == 1
}

test_an_expired_waiver_denies_and_warns if {
	d := scrapegate.assemble({main_terms_denial}, set(), set(), [object.union(main_waiver, {"expires": "2026-01-01"})], main_ctx)
	d.allow == false
	fx.codes(d.warn) == {"waiver.expired"}
}

test_warnings_pass_through if {
	warning := {"code": "review_required", "jurisdiction": "JP"}
	scrapegate.assemble(set(), {warning}, set(), [], main_ctx).warn == {warning}
}

test_the_waiver_context_comes_from_the_input if {
	c := scrapegate._context with input.job.name as "face-index"
		with input.request.site as "facebook.com"
		with input.request.host as "www.facebook.com"
		with input.now as "2026-11-26T10:00:00Z"
	c == main_ctx
}

test_malformed_input_is_denied if {
	d := scrapegate.decision with input.request as {"url": "https://x.example/"}
		with input.job as {}
		with input.subjects as {}
		with input.signals as {}
	d.allow == false
	fx.codes(d.deny) == {"input.malformed"}
}
