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
