package scrapegate.rsl_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.rsl

rsl_outcome(doc) := result if {
	result := {"deny": rsl.deny, "warn": rsl.warn}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
}

deny_codes(doc) := fx.codes(rsl_outcome(doc).deny)

warn_codes(doc) := fx.codes(rsl_outcome(doc).warn)

licence(status, permits, prohibits, payment, required) := {
	"status": status, "url": "https://shop.example.com/license.xml", "permits": permits,
	"prohibits": prohibits, "payment": payment, "license_server": false,
	"license_required": required, "terms_key": "t", "errors": [],
}

with_licence(doc, category, lic) := fx.patch(doc, {"/signals/rsl": lic, "/job/purpose/category": category})

research(doc) := fx.patch(doc, {"/job/operator/research_organisation": true})

test_ai_train_prohibited_reserves_ai_training if {
	lic := licence("ok", ["search"], ["ai-train"], [], false)
	deny_codes(with_licence(fx.price_monitoring, "ai_training", lic)) == {"tdm.reserved"}
	deny_codes(with_licence(fx.price_monitoring, "text_and_data_mining", lic)) == set()
	deny_codes(with_licence(fx.price_monitoring, "price_monitoring", lic)) == set()
}

test_ai_all_and_all_reserve_ai_training if {
	deny_codes(with_licence(fx.price_monitoring, "ai_training", licence("ok", [], ["ai-all"], [], false))) == {"tdm.reserved"}
	deny_codes(with_licence(fx.price_monitoring, "ai_training", licence("ok", [], ["all"], [], false))) == {"tdm.reserved"}
}

test_only_all_reserves_text_and_data_mining if {
	deny_codes(with_licence(fx.price_monitoring, "text_and_data_mining", licence("ok", [], ["ai-all"], [], false))) == set()
	deny_codes(with_licence(fx.price_monitoring, "text_and_data_mining", licence("ok", [], ["all"], [], false))) == {"tdm.reserved"}
}

test_research_organisation_is_warned_not_denied if {
	doc := research(with_licence(fx.price_monitoring, "text_and_data_mining", licence("ok", [], ["all"], [], false)))
	deny_codes(doc) == set()
	warn_codes(doc) == {"tdm.reserved"}
}

test_prohibited_search_denies_search_indexing_only if {
	lic := licence("ok", [], ["search"], [], false)
	deny_codes(with_licence(fx.price_monitoring, "search_indexing", lic)) == {"rsl.usage_prohibited"}
	deny_codes(with_licence(fx.price_monitoring, "ai_training", lic)) == set()
}

test_paid_licence_warns_and_denies_ai_training_without_permission if {
	lic := licence("ok", ["ai-train"], [], ["subscription"], true)
	doc := with_licence(fx.price_monitoring, "ai_training", lic)
	deny_codes(doc) == {"rsl.license_required"}
	warn_codes(doc) == {"rsl.license_required"}
	permitted := fx.patch(doc, {"/job/site_permissions": [{"site": "example.com", "evidence": "licence RSL-2026-9"}]})
	deny_codes(permitted) == set()
	warn_codes(permitted) == {"rsl.license_required"}
}

test_paid_search_licence_only_warns if {
	doc := with_licence(fx.price_monitoring, "search_indexing", licence("ok", ["search"], [], ["crawl"], true))
	deny_codes(doc) == set()
	warn_codes(doc) == {"rsl.license_required"}
}

test_unreadable_licence_is_read_as_prohibiting_ai_use if {
	deny_codes(with_licence(fx.price_monitoring, "ai_training", licence("unreachable", [], [], [], false))) == {"tdm.reserved"}
	deny_codes(with_licence(fx.price_monitoring, "ai_training", licence("invalid", [], [], [], false))) == {"tdm.reserved"}
	deny_codes(with_licence(fx.price_monitoring, "search_indexing", licence("unreachable", [], [], [], false))) == set()
}

test_no_licence_decides_nothing if {
	deny_codes(with_licence(fx.price_monitoring, "ai_training", licence("none", [], [], [], false))) == set()
	deny_codes(fx.patch(fx.price_monitoring, {"/job/purpose/category": "ai_training"})) == set()
}
