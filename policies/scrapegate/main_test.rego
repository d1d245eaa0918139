package scrapegate.main_test

import data.scrapegate
import data.scrapegate.fixtures_test as fx

# The decision's parts: `assemble`, the waivers on the packages' output. The whole decision,
# with inputs set by `with`, is tested in main_decision_test.rego.

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
