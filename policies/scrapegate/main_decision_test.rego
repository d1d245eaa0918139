package scrapegate.main_decision_test

# scrapegate: opa-only (rego-cpp 1.5.2 compiles a `with` over the whole decision for minutes, past 12 GB)
# The Python tests in tests/engines and tests/manifests check these decisions on the embedded engine.

import data.scrapegate
import data.scrapegate.fixtures_test as fx

decision_ctx := {"job": "face-index", "site": "facebook.com", "host": "www.facebook.com", "today": "2026-11-26"}

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

test_the_waiver_context_comes_from_the_input if {
	c := scrapegate._context with input.job.name as "face-index"
		with input.request.site as "facebook.com"
		with input.request.host as "www.facebook.com"
		with input.now as "2026-11-26T10:00:00Z"
	c == decision_ctx
}

test_malformed_input_is_denied if {
	d := scrapegate.decision with input.request as {"url": "https://x.example/"}
		with input.job as {}
		with input.subjects as {}
		with input.signals as {}
	d.allow == false
	fx.codes(d.deny) == {"input.malformed"}
}
