package scrapegate.signals_test

import data.scrapegate.fixtures_test as fx
import data.scrapegate.signals

signals_outcome(doc) := result if {
	result := {"deny": signals.deny, "warn": signals.warn, "obligations": signals.obligations}
		with input.request as doc.request
		with input.job as doc.job
		with input.subjects as doc.subjects
		with input.signals as doc.signals
		with input.now as doc.now
		with input.now_date as doc.now_date
}

signals_codes(doc) := fx.codes(signals_outcome(doc).deny)

signals_warn_codes(doc) := fx.codes(signals_outcome(doc).warn)

with_robots(doc, status, allowed, delay) := fx.patch(doc, {"/signals/robots": {
	"status": status, "allowed": allowed, "crawl_delay": delay,
	"rule": "Disallow: /products",
}})

with_optout(doc, reserved, ai_train) := fx.patch(doc, {"/signals/optout": {
	"status": "ok", "tdm_reserved": reserved, "ai_train": ai_train,
	"sources": [{"kind": "tdmrep", "url": "https://shop.example.com/.well-known/tdmrep.json"}],
}})

with_purpose(doc, category, research_organisation) := fx.patch(doc, {
	"/job/purpose/category": category,
	"/job/operator/research_organisation": research_organisation,
})

# --- with_robots.txt ---------------------------------------------------------------------------

test_robots_disallow_denies if {
	result := signals_outcome(with_robots(fx.price_monitoring, "ok", false, null))
	fx.codes(result.deny) == {"robots.disallowed"}
	some v in result.deny
	v.jurisdiction == null
	contains(v.message, "Disallow: /products")
}

test_robots_allow_denies_nothing if {
	signals_codes(with_robots(fx.price_monitoring, "ok", true, null)) == set()
}

test_robots_not_checked_or_unavailable_denies_nothing if {
	signals_codes(with_robots(fx.price_monitoring, "not_checked", false, null)) == set()
	signals_codes(with_robots(fx.price_monitoring, "unavailable", null, null)) == set()
}

test_robots_unreachable_denies if {
	signals_codes(with_robots(fx.price_monitoring, "unreachable", null, null)) == {"robots.unreachable"}
}

test_crawl_delay_is_a_rate_limit_obligation if {
	signals_outcome(with_robots(fx.price_monitoring, "ok", true, 10)).obligations == {{"code": "rate_limit", "min_interval_s": 10}}
}

test_no_rate_limit_without_a_crawl_delay if {
	signals_outcome(with_robots(fx.price_monitoring, "ok", true, null)).obligations == set()
	signals_outcome(with_robots(fx.price_monitoring, "not_checked", null, 10)).obligations == set()
}

# --- login ---------------------------------------------------------------------------------

test_login_wall_denies if {
	signals_codes(fx.patch(fx.price_monitoring, {"/signals/login_required": true})) == {"access.login_required"}
}

test_authenticated_target_denies if {
	signals_codes(fx.patch(fx.price_monitoring, {"/request/authenticated": true})) == {"access.login_required"}
}

test_public_page_is_no_login if {
	signals_codes(fx.price_monitoring) == set()
}

test_login_denial_cites_cnil_and_hiq if {
	some v in signals_outcome(fx.patch(fx.price_monitoring, {"/signals/login_required": true})).deny
	count(v.precedents) == 2
	some p in v.precedents
	contains(p, "hiQ")
}

# --- text and data mining reservations -----------------------------------------------------

test_tdm_reservation_denies_ai_training if {
	doc := with_optout(with_purpose(fx.price_monitoring, "ai_training", false), true, "unknown")
	signals_codes(doc) == {"tdm.reserved"}
}

test_ai_train_reserved_denies_text_and_data_mining if {
	doc := with_optout(with_purpose(fx.price_monitoring, "text_and_data_mining", false), false, "reserved")
	signals_codes(doc) == {"tdm.reserved"}
}

test_tdm_reservation_does_not_concern_price_monitoring if {
	doc := with_optout(fx.price_monitoring, true, "reserved")
	signals_codes(doc) == set()
	signals_warn_codes(doc) == set()
}

test_no_reservation_no_denial if {
	signals_codes(with_optout(with_purpose(fx.price_monitoring, "ai_training", false), false, "allowed")) == set()
}

test_research_organisation_research_warns_instead_of_denying if {
	doc := with_optout(with_purpose(fx.price_monitoring, "academic_research", true), true, "reserved")
	signals_codes(doc) == set()
	signals_warn_codes(doc) == {"tdm.reserved"}
	tdm := with_optout(with_purpose(fx.price_monitoring, "text_and_data_mining", true), true, "unknown")
	signals_codes(tdm) == set()
	signals_warn_codes(tdm) == {"tdm.reserved"}
}

# A research organisation that sells the data or offers them to customers gives an
# undertaking preferential access (DSM Directive Art. 2(1)): no Art. 3 exception.
test_research_organisation_selling_the_data_is_denied if {
	doc := with_optout(with_purpose(fx.price_monitoring, "text_and_data_mining", true), true, "reserved")
	signals_codes(fx.patch(doc, {"/job/sells_data": true})) == {"tdm.reserved"}
	signals_codes(fx.patch(doc, {"/job/recipients": ["customers"]})) == {"tdm.reserved"}
}

test_academic_research_outside_a_research_organisation_is_denied if {
	signals_codes(with_optout(with_purpose(fx.price_monitoring, "academic_research", false), true, "unknown")) == {"tdm.reserved"}
}

test_ai_training_by_a_research_organisation_is_still_denied if {
	signals_codes(with_optout(with_purpose(fx.price_monitoring, "ai_training", true), true, "unknown")) == {"tdm.reserved"}
}

test_tdm_denial_names_the_reservation_source if {
	some v in signals_outcome(with_optout(with_purpose(fx.price_monitoring, "ai_training", false), true, "unknown")).deny
	contains(v.message, "tdmrep")
	v.jurisdiction == null
}
